package suites

import (
	"net/http"
	"strings"
	"sync"

	"github.com/google/uuid"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

const idemHeader = "Idempotency-Key"

// withKey sends a raw body with an Idempotency-Key.
func withKey(c *Client, path, key string, body []byte) *Exchange {
	GinkgoHelper()
	return c.Do(Request{Method: http.MethodPost, Path: path, Body: body, Header: http.Header{idemHeader: {key}}})
}

func progressBody(event string) []byte {
	return JSON(map[string]any{"event": event, "message": "Parsed 47 pages", "metadata": map[string]any{"pagesProcessed": 47}})
}

func (s *specs) traceCount(c *Client, taskID string) int {
	GinkgoHelper()
	x := get(c, taskPath(taskID, "traces"))
	Expect(x).To(HaveStatus(http.StatusOK))
	return len(Data[Traces](x).Items)
}

func (s *specs) idempotencySpecs() {
	Describe("Idempotency-Key", func() {
		s.with("one agent", needs(NeedControl, NeedWrites), func() {
			a := func() *Client { return s.env.A }
			// The seed's fact: a replay acts once and answers as the first
			// did. Which 2xx the first answer is, is another clause's.
			s.it("JTB-IDEM-001", "a replayed bid answers the stored status and body and places one bid", func() {
				id, key := s.newTask(category()), uuid.NewString()
				first := withKey(a(), taskPath(id, "bids"), key, JSON(bidBody()))
				Expect(first.Status/100).To(Equal(2), "the first bid failed\n%s", first)
				again := withKey(a(), taskPath(id, "bids"), key, JSON(bidBody()))
				Expect(again).To(HaveStatus(first.Status))
				Expect(again.Body).To(MatchJSON(first.Body), "the replay's body differs from the first answer\nfirst:\n%s\nreplay:\n%s", first, again)
				Expect(s.controlTask(id).Bids).To(HaveLen(1))
			})
			s.it("JTB-IDEM-001", "a replayed progress event answers the stored trace and is stored once", func() {
				id, key := s.claimedBy(a()), uuid.NewString()
				first := withKey(a(), taskPath(id, "progress"), key, progressBody("step"))
				Expect(first.Status/100).To(Equal(2), "the first progress failed\n%s", first)
				again := withKey(a(), taskPath(id, "progress"), key, progressBody("step"))
				Expect(again).To(HaveStatus(first.Status))
				Expect(again.Body).To(MatchJSON(first.Body), "the replay's body differs from the first answer\nfirst:\n%s\nreplay:\n%s", first, again)
				Expect(s.traceCount(a(), id)).To(Equal(1))
			})
			s.it("JTB-IDEM-001", "a replayed delivery answers the stored result and is scored once", func() {
				id, key := s.claimedBy(a()), uuid.NewString()
				body := JSON(map[string]string{"content": content})
				first := withKey(a(), taskPath(id, "deliver"), key, body)
				Expect(first.Status/100).To(Equal(2), "the first delivery failed\n%s", first)
				again := withKey(a(), taskPath(id, "deliver"), key, body)
				Expect(again).To(HaveStatus(first.Status))
				Expect(again.Body).To(MatchJSON(first.Body), "the replay's body differs from the first answer\nfirst:\n%s\nreplay:\n%s", first, again)
				Expect(s.controlTask(id).Deliveries).To(Equal(1))
			})
			s.it("JTB-IDEM-002", "a replay carries Idempotent-Replayed: true and the first answer does not", func() {
				id, key := s.claimedBy(a()), uuid.NewString()
				first := withKey(a(), taskPath(id, "progress"), key, progressBody("step"))
				Expect(first).To(HaveStatus(http.StatusCreated))
				Expect(first.Header.Get("Idempotent-Replayed")).NotTo(Equal("true"), "a fresh answer says it is a replay\n%s", first)
				again := withKey(a(), taskPath(id, "progress"), key, progressBody("step"))
				Expect(again.Header.Get("Idempotent-Replayed")).To(Equal("true"), "the replay lacks Idempotent-Replayed: true\n%s", again)
			})
			s.it("JTB-IDEM-003", "the same key with another body is 422 and does nothing", func() {
				id, key := s.claimedBy(a()), uuid.NewString()
				Expect(withKey(a(), taskPath(id, "progress"), key, progressBody("one"))).To(HaveStatus(http.StatusCreated))
				x := withKey(a(), taskPath(id, "progress"), key, progressBody("two"))
				s.refused(x, http.StatusUnprocessableEntity, "IDEMPOTENCY_KEY_REUSED")
				Expect(s.traceCount(a(), id)).To(Equal(1))
			})
			s.it("JTB-IDEM-005", "concurrent duplicates create exactly one trace", func() {
				id, key := s.claimedBy(a()), uuid.NewString()
				const n = 8
				answers := make([]*Exchange, n)
				var wg sync.WaitGroup
				for i := range n {
					wg.Go(func() {
						defer GinkgoRecover()
						answers[i] = withKey(a(), taskPath(id, "progress"), key, progressBody("step"))
					})
				}
				wg.Wait()
				fresh, traces := 0, map[string]bool{}
				for i, x := range answers {
					// A request that got no answer already failed the spec
					// in its goroutine; say which, rather than crash on nil.
					Expect(x).NotTo(BeNil(), "duplicate %d got no answer", i)
					if x.Status/100 == 2 {
						traces[Data[Trace](x).ID] = true
						if x.Header.Get("Idempotent-Replayed") != "true" {
							fresh++
						}
						continue
					}
					s.refused(x, http.StatusConflict, "IDEMPOTENCY_KEY_IN_USE")
				}
				Expect(s.traceCount(a(), id)).To(Equal(1), "duplicates stored more than one trace")
				Expect(traces).To(HaveLen(1), "the successful duplicates answered different traces")
				// Telling the replays from the fresh answer is the replay
				// header's business.
				s.should("JTB-IDEM-002", func(g Gomega) {
					g.Expect(fresh).To(BeNumerically("<=", 1), "more than one answer claims to be fresh")
				})
			})
			s.table("the key's form",
				func(key string, status int) {
					id := s.claimedBy(a())
					x := withKey(a(), taskPath(id, "progress"), key, progressBody("step"))
					if status == http.StatusBadRequest {
						s.refused(x, status, "BAD_REQUEST")
						Expect(s.traceCount(a(), id)).To(Equal(0))
					} else {
						Expect(x).To(HaveStatus(status))
					}
				},
				s.entry("JTB-IDEM-006", "a key of 256 characters is 400", strings.Repeat("k", 256), http.StatusBadRequest),
				s.entry("JTB-IDEM-006", "a key of 255 characters is accepted", strings.Repeat("k", 254)+"z", http.StatusCreated),
			)
			s.it("JTB-IDEM-007", "a retry after an error runs again", func() {
				id, key := s.newTask(category()), uuid.NewString()
				s.refused(withKey(a(), taskPath(id, "progress"), key, progressBody("step")), http.StatusForbidden, "FORBIDDEN")
				s.accept(id, s.placeBid(a(), id).ID)
				x := withKey(a(), taskPath(id, "progress"), key, progressBody("step"))
				Expect(x).To(HaveStatus(http.StatusCreated))
				Expect(s.traceCount(a(), id)).To(Equal(1))
			})
			s.it("JTB-IDEM-008", "the same body with other white space and key order is a replay", func() {
				id, key := s.claimedBy(a()), uuid.NewString()
				first := withKey(a(), taskPath(id, "progress"), key, []byte(`{"event":"step","message":"Parsed 47 pages","metadata":{"a":1,"b":2}}`))
				Expect(first).To(HaveStatus(http.StatusCreated))
				again := withKey(a(), taskPath(id, "progress"), key, []byte("{ \"metadata\": {\"b\": 2, \"a\": 1},\n  \"message\": \"Parsed 47 pages\", \"event\": \"step\" }"))
				Expect(again).To(HaveStatus(http.StatusCreated))
				Expect(Data[Trace](again).ID).To(Equal(Data[Trace](first).ID))
				Expect(s.traceCount(a(), id)).To(Equal(1))
			})
		})
		s.with("two agents", needs(NeedControl, NeedWrites, NeedSecondAgent), func() {
			s.it("JTB-IDEM-004", "the same key from another agent is a new request, never the first agent's answer", func() {
				id, key := s.newTask(category()), uuid.NewString()
				first := withKey(s.env.A, taskPath(id, "bids"), key, JSON(bidBody()))
				Expect(first.Status/100).To(Equal(2), "%s", first)
				other := withKey(s.env.B, taskPath(id, "bids"), key, JSON(bidBody()))
				Expect(other.Status/100).To(Equal(2), "%s", other)
				Expect(other.Header.Get("Idempotent-Replayed")).NotTo(Equal("true"), "agent B got a replay\n%s", other)
				a, b := Data[Bid](first), Data[Bid](other)
				Expect(b.ID).NotTo(Equal(a.ID), "agent B got agent A's bid")
				Expect(b.AgentID).NotTo(Equal(a.AgentID), "agent B got agent A's bid")
				Expect(s.controlTask(id).Bids).To(HaveLen(2))
			})
		})
	})
}
