package suites

import (
	"net/http"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func (s *specs) biddingSpecs() {
	Describe("Bidding", func() {
		s.with("bids of one agent", needs(NeedControl, NeedWrites), func() {
			a := func() *Client { return s.env.A }
			s.it("JTB-BID-001", "places a bid on an open task", func() {
				id := s.newTask(category())
				x := post(a(), taskPath(id, "bids"), bidBody())
				Expect(x).To(BeAnySuccess())
				bid := Data[Bid](x)
				Expect(bid.ID).NotTo(BeEmpty())
				Expect(bid.TaskID).To(Equal(id))
				Expect(bid.ProposedPrice).To(Equal(12.5))
				s.controlTask(id).bid(bid.ID)
			})
			s.it("JTB-BID-002", "answers 201 with the bid, status pending", func() {
				id := s.newTask(category())
				x := post(a(), taskPath(id, "bids"), bidBody())
				Expect(x).To(BeSuccess(http.StatusCreated))
				Expect(Data[Bid](x).Status).To(Equal("pending"))
			})
			s.it("JTB-BID-003", "a second bid by the same agent is 409", func() {
				id := s.newTask(category())
				s.placeBid(a(), id)
				s.refused(post(a(), taskPath(id, "bids"), bidBody()), http.StatusConflict, "CONFLICT")
				Expect(s.controlTask(id).Bids).To(HaveLen(1))
			})
			s.it("JTB-BID-003", "two bids by the same agent sent at once: one is placed, the other is 409", func() {
				id := s.newTask(category())
				answers := make([]*Exchange, 2)
				var wg sync.WaitGroup
				for i := range answers {
					wg.Go(func() {
						defer GinkgoRecover()
						answers[i] = post(a(), taskPath(id, "bids"), bidBody())
					})
				}
				wg.Wait()
				placed := 0
				for i, x := range answers {
					Expect(x).NotTo(BeNil(), "bid %d got no answer", i)
					if x.Status/100 == 2 {
						placed++
						continue
					}
					s.refused(x, http.StatusConflict, "CONFLICT")
				}
				Expect(placed).To(Equal(1), "bids sent at once placed %d bids", placed)
				Expect(s.controlTask(id).Bids).To(HaveLen(1))
			})
			s.it("JTB-BID-003", "a bid on a claimed task is 409, even from its assignee", func() {
				id := s.claimedBy(a())
				s.refused(post(a(), taskPath(id, "bids"), bidBody()), http.StatusConflict, "CONFLICT")
			})
			s.table("a bad bid is 400 and places nothing",
				func(body string) {
					id := s.newTask(category())
					x := a().Do(Request{Method: http.MethodPost, Path: taskPath(id, "bids"), Body: []byte(body)})
					s.refused(x, http.StatusBadRequest, "BAD_REQUEST")
					Expect(s.controlTask(id).Bids).To(BeEmpty())
				},
				s.entry("JTB-BID-004", "invalid JSON", `{"proposedPrice": 12.5, "coverLetter": "x"`),
				s.entry("JTB-BID-008", "a JSON array", `[]`),
				s.entry("JTB-BID-004", "no proposedPrice", `{"coverLetter": "I can do it."}`),
				s.entry("JTB-BID-004", "no coverLetter", `{"proposedPrice": 12.5}`),
				s.entry("JTB-BID-004", "proposedPrice 0", `{"proposedPrice": 0, "coverLetter": "I can do it."}`),
				s.entry("JTB-BID-004", "a negative proposedPrice", `{"proposedPrice": -12.5, "coverLetter": "I can do it."}`),
				s.entry("JTB-BID-008", "proposedPrice over 100000", `{"proposedPrice": 100000.01, "coverLetter": "I can do it."}`),
				s.entry("JTB-BID-008", "proposedPrice with 3 decimals", `{"proposedPrice": 12.505, "coverLetter": "I can do it."}`),
				s.entry("JTB-BID-008", "proposedPrice as a string", `{"proposedPrice": "12.50", "coverLetter": "I can do it."}`),
				s.entry("JTB-BID-008", "an empty coverLetter", `{"proposedPrice": 12.5, "coverLetter": ""}`),
				s.entry("JTB-BID-008", "a blank coverLetter", `{"proposedPrice": 12.5, "coverLetter": "   "}`),
				s.entry("JTB-BID-008", "a coverLetter over 5000 characters", `{"proposedPrice": 12.5, "coverLetter": "`+strings.Repeat("x", 5001)+`"}`),
			)
			s.it("JTB-BID-008", "accepts the bounds 0.01 and 100000", func() {
				for _, p := range []float64{0.01, 100000} {
					id := s.newTask(category())
					x := post(a(), taskPath(id, "bids"), map[string]any{"proposedPrice": p, "coverLetter": "I can do it."})
					Expect(x.Status/100).To(Equal(2), "proposedPrice %v\n%s", p, x)
				}
			})
			s.it("JTB-BID-005", "accepting a bid claims the task for the bidder", func() {
				id := s.newTask(category())
				bid := s.placeBid(a(), id)
				s.accept(id, bid.ID)
				task := s.controlTask(id)
				Expect(task.Status).To(Equal("claimed"))
				if task.AssignedAgentID != nil && bid.AgentID != "" { // both optional: the control API's and the bid's
					Expect(*task.AssignedAgentID).To(Equal(bid.AgentID))
				}
				// The assignee can now work on it.
				s.created(post(a(), taskPath(id, "progress"), map[string]string{"event": "started", "message": "on it"}), "JTB-PRG-005")
			})
			s.it("JTB-BID-006", "a rejected bid leaves the task open", func() {
				id := s.newTask(category())
				bid := s.placeBid(a(), id)
				x := post(s.env.Control, "/_control/tasks/"+id+"/bids/"+bid.ID+"/reject", map[string]any{})
				succeeded(x, "the control API could not reject a bid")
				task := s.controlTask(id)
				Expect(task.Status).To(Equal("open"))
				Expect(task.bid(bid.ID).Status).To(Equal("rejected"))
			})
		})
		s.with("bids of two agents", needs(NeedControl, NeedWrites, NeedSecondAgent), func() {
			s.it("JTB-BID-003", "a bid by another agent on a claimed task is 409", func() {
				id := s.claimedBy(s.env.A)
				s.refused(post(s.env.B, taskPath(id, "bids"), bidBody()), http.StatusConflict, "CONFLICT")
			})
			s.it("JTB-BID-007", "accepting one bid rejects the other pending bids", func() {
				id := s.newTask(category())
				won := s.placeBid(s.env.A, id)
				lost := s.placeBid(s.env.B, id)
				s.accept(id, won.ID)
				task := s.controlTask(id)
				Expect(task.bid(lost.ID).Status).To(Equal("rejected"))
				Expect(task.bid(won.ID).Status).To(Equal("accepted"))
			})
		})
	})
}
