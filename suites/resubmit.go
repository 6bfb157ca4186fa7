package suites

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// resubmitWindow is the seed's "within 6 hours".
const resubmitWindow = 6 * time.Hour

func (s *specs) resubmitSpecs() {
	Describe("The task state machine and resubmit", func() {
		s.with("pinned scores", needs(NeedControl, NeedWrites, NeedPin), func() {
			a := func() *Client { return s.env.A }
			s.it("JTB-RSB-001", "after a reject the assignee's resubmit is accepted and scored", func() {
				id := s.claimedBy(a())
				s.pin(id, 0.2, 0.8)
				s.namesAgree(id, deliveredForSetup(a(), id, "deliver"))
				d := delivered(a(), id, "resubmit")
				Expect(d.Attempt).To(Equal(2))
				Expect(d.PDQG.Score).To(BeNumerically("~", 0.8, 1e-9))
				s.should("JTB-DLV-009", func(g Gomega) { g.Expect(d.PDQG.Verdict).To(Equal("pass")) })
				s.should("JTB-DLV-010", func(g Gomega) {
					g.Expect(d.Status).To(Equal("delivered"))
					g.Expect(s.controlTask(id).Status).To(Equal("delivered"))
				})
				s.should("JTB-RSB-006", func(g Gomega) { g.Expect(d.ResubmitDeadline).To(BeNil()) })
			})
			s.it("JTB-RSB-002", "a second resubmit after a passing one is 403", func() {
				id := s.claimedBy(a())
				s.pin(id, 0.2, 0.5, 0.9)
				deliveredForSetup(a(), id, "deliver")
				deliveredForSetup(a(), id, "resubmit")
				s.refused(deliver(a(), id, "resubmit", content), http.StatusForbidden, "FORBIDDEN")
				Expect(s.controlTask(id).Deliveries).To(Equal(2))
			})
			s.it("JTB-RSB-002", "a second resubmit after a failing one is 403", func() {
				id := s.taskIn("pdqg_final_fail")
				s.pin(id, 0.9)
				s.refused(deliver(a(), id, "resubmit", content), http.StatusForbidden, "FORBIDDEN")
				task := s.controlTask(id)
				Expect(task.Deliveries).To(Equal(2))
				Expect(task.Status).To(Equal("pdqg_final_fail"))
			})
			s.it("JTB-RSB-004", "a rejected resubmit moves the task to pdqg_final_fail", func() {
				id := s.claimedBy(a())
				s.pin(id, 0.2, 0.3)
				deliveredForSetup(a(), id, "deliver")
				d := delivered(a(), id, "resubmit")
				s.should("JTB-DLV-009", func(g Gomega) { g.Expect(d.PDQG.Verdict).To(Equal("reject")) })
				Expect(d.Status).To(Equal("pdqg_final_fail"))
				s.should("JTB-RSB-006", func(g Gomega) { g.Expect(d.ResubmitDeadline).To(BeNil(), "a final fail has no resubmit window") })
				Expect(s.controlTask(id).Status).To(Equal("pdqg_final_fail"))
			})
			s.it("JTB-RSB-006", "a rejected delivery names its resubmit deadline, 6 h after submittedAt", func() {
				id := s.claimedBy(a())
				s.pin(id, 0.1)
				d := delivered(a(), id, "deliver")
				Expect(d.ResubmitDeadline).NotTo(BeNil(), "the rejected delivery has no resubmitDeadline")
				Expect(mustTime(*d.ResubmitDeadline).Sub(mustTime(d.SubmittedAt))).To(Equal(resubmitWindow))
			})
			s.it("JTB-RSB-006", "a passing delivery has no resubmit deadline", func() {
				id := s.claimedBy(a())
				s.pin(id, 0.5)
				Expect(delivered(a(), id, "deliver").ResubmitDeadline).To(BeNil())
			})

			// Every operation of the assignee in every state: the legal
			// transitions and the refusals.
			op := func(id, name string) *Exchange {
				GinkgoHelper()
				switch name {
				case "bid":
					return post(a(), taskPath(id, "bids"), bidBody())
				case "progress":
					return post(a(), taskPath(id, "progress"), map[string]string{"event": "step", "message": "working"})
				case "traces":
					return get(a(), taskPath(id, "traces"))
				default:
					s.pin(id, 0.9)
					return deliver(a(), id, name, content)
				}
			}
			s.table("the assignee's calls in each state",
				func(state, name string, status int) {
					id := s.taskIn(state)
					x := op(id, name)
					switch {
					case status == http.StatusCreated && name == "progress":
						s.created(x, "JTB-PRG-005") // the seed states no status
					case status == http.StatusCreated: // a new bid: JTB-BID-002's own 201
						Expect(x).To(HaveStatus(status))
					case status/100 == 2: // any 2xx is a success; the 200 is openapi.yaml's (JTB-ENV-009)
						Expect(x).To(BeAnySuccess())
					default:
						Expect(x).To(HaveStatus(status))
					}
				},
				s.entry("JTB-BID-002", "open: bid is 201", "open", "bid", 201),
				s.entry("JTB-DLV-006", "open: deliver is 403", "open", "deliver", 403),
				s.entry("JTB-RSB-005", "open: resubmit is 403", "open", "resubmit", 403),
				s.entry("JTB-PRG-003", "open: progress is 403", "open", "progress", 403),
				s.entry("JTB-TRC-003", "open: traces is 403", "open", "traces", 403),
				s.entry("JTB-BID-003", "claimed: bid is 409", "claimed", "bid", 409),
				s.entry("JTB-DLV-001", "claimed: deliver is 200", "claimed", "deliver", 200),
				s.entry("JTB-RSB-005", "claimed: resubmit is 403", "claimed", "resubmit", 403),
				s.entry("JTB-PRG-001", "claimed: progress is 201", "claimed", "progress", 201),
				s.entry("JTB-TRC-001", "claimed: traces is 200", "claimed", "traces", 200),
				s.entry("JTB-BID-003", "delivered: bid is 409", "delivered", "bid", 409),
				s.entry("JTB-DLV-007", "delivered: deliver is 409", "delivered", "deliver", 409),
				s.entry("JTB-RSB-005", "delivered: resubmit is 403", "delivered", "resubmit", 403),
				s.entry("JTB-PRG-003", "delivered: progress is 403", "delivered", "progress", 403),
				s.entry("JTB-TRC-001", "delivered: traces is 200", "delivered", "traces", 200),
				s.entry("JTB-BID-003", "pdqg_failed: bid is 409", "pdqg_failed", "bid", 409),
				s.entry("JTB-DLV-007", "pdqg_failed: deliver is 409", "pdqg_failed", "deliver", 409),
				s.entry("JTB-RSB-001", "pdqg_failed: resubmit is 200", "pdqg_failed", "resubmit", 200),
				s.entry("JTB-PRG-003", "pdqg_failed: progress is 201", "pdqg_failed", "progress", 201),
				s.entry("JTB-TRC-001", "pdqg_failed: traces is 200", "pdqg_failed", "traces", 200),
				s.entry("JTB-BID-003", "pdqg_final_fail: bid is 409", "pdqg_final_fail", "bid", 409),
				s.entry("JTB-DLV-007", "pdqg_final_fail: deliver is 409", "pdqg_final_fail", "deliver", 409),
				s.entry("JTB-RSB-002", "pdqg_final_fail: resubmit is 403", "pdqg_final_fail", "resubmit", 403),
				s.entry("JTB-PRG-003", "pdqg_final_fail: progress is 403", "pdqg_final_fail", "progress", 403),
				s.entry("JTB-TRC-001", "pdqg_final_fail: traces is 200", "pdqg_final_fail", "traces", 200),
			)
		})
		s.with("another agent's calls", needs(NeedControl, NeedWrites, NeedPin, NeedSecondAgent), func() {
			s.it("JTB-RSB-008", "a resubmit by an agent that is not the assignee is 403", func() {
				id := s.taskIn("pdqg_failed")
				s.pin(id, 0.9)
				s.refused(deliver(s.env.B, id, "resubmit", content), http.StatusForbidden, "FORBIDDEN")
				Expect(s.controlTask(id).Status).To(Equal("pdqg_failed"))
			})
		})
		// Time moves for the task alone where the control API offers it
		// (moveTime), else on the server's clock, shared by every spec:
		// these run alone either way.
		s.with("the 6-hour window", needs(NeedControl, NeedWrites, NeedPin, NeedClock), func() {
			a := func() *Client { return s.env.A }
			// failed delivers a rejected first attempt and returns the
			// deadline and how far the server's clock is from it.
			failed := func() (string, time.Duration) {
				GinkgoHelper()
				id := s.claimedBy(a())
				s.pin(id, 0.2, 0.9)
				d := deliveredForSetup(a(), id, "deliver")
				Expect(d.ResubmitDeadline).NotTo(BeNil(), "the rejected delivery has no resubmitDeadline")
				return id, mustTime(*d.ResubmitDeadline).Sub(s.serverNow())
			}
			s.it("JTB-RSB-003", "a resubmit one second inside the window is accepted", func() {
				id, left := failed()
				s.moveTime(id, (left - time.Second).Truncate(time.Second))
				d := delivered(a(), id, "resubmit")
				s.should("JTB-DLV-010", func(g Gomega) { g.Expect(d.Status).To(Equal("delivered")) })
			})
			s.it("JTB-RSB-003", "a resubmit one second past the window is 403", func() {
				id, left := failed()
				s.moveTime(id, left.Truncate(time.Second)+2*time.Second)
				s.refused(deliver(a(), id, "resubmit", content), http.StatusForbidden, "FORBIDDEN")
				Expect(s.controlTask(id).Deliveries).To(Equal(1))
			})
			s.it("JTB-RSB-007", "a failed task past its deadline reads as pdqg_final_fail", func() {
				id, left := failed()
				Expect(s.controlTask(id).Status).To(Equal("pdqg_failed"))
				s.moveTime(id, left.Truncate(time.Second)+2*time.Second)
				Expect(s.controlTask(id).Status).To(Equal("pdqg_final_fail"))
			})
		}, Serial)
	})
}
