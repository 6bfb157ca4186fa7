package suites

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// verdictOf is our verdict name for a score (JTB-DLV-009; the seed names
// the outcomes, not the words).
func verdictOf(score float64) string {
	switch {
	case score < 0.40:
		return "reject"
	case score <= 0.65:
		return "warn"
	default:
		return "pass"
	}
}

// statusAfter is our name of the task's status after a first delivery of
// this score (JTB-DLV-010; the seed names neither).
func statusAfter(score float64) string {
	if score < 0.40 {
		return "pdqg_failed"
	}
	return "delivered"
}

// namesAgree holds a first delivery's answer, and its task, to our verdict
// and status names (SHOULD clauses JTB-DLV-009 and JTB-DLV-010).
func (s *specs) namesAgree(id string, d Delivery) {
	GinkgoHelper()
	s.should("JTB-DLV-009", func(g Gomega) {
		g.Expect(d.PDQG.Verdict).To(Equal(verdictOf(d.PDQG.Score)), "score %v", d.PDQG.Score)
	})
	s.should("JTB-DLV-010", func(g Gomega) {
		g.Expect(d.Status).To(Equal(statusAfter(d.PDQG.Score)), "score %v", d.PDQG.Score)
		g.Expect(s.controlTask(id).Status).To(Equal(statusAfter(d.PDQG.Score)), "the task's status, score %v", d.PDQG.Score)
	})
}

// rejectedByResubmit tells, in the seed's own terms, whether the task's
// first delivery was rejected: "If rejected, you have one resubmit
// attempt", so a resubmit is accepted (2xx) after a reject and refused
// after a pass. It uses up the resubmit.
func (s *specs) rejectedByResubmit(c *Client, id string) (bool, *Exchange) {
	GinkgoHelper()
	x := deliver(c, id, "resubmit", content)
	return x.Status/100 == 2, x
}

func (s *specs) deliverySpecs() {
	Describe("Delivery and the PDQG", func() {
		s.with("deliveries scored by the target's own PDQG", needs(NeedControl, NeedWrites), func() {
			a := func() *Client { return s.env.A }
			s.it("JTB-DLV-001", "the assignee's delivery is accepted and scored", func() {
				id := s.claimedBy(a())
				d := delivered(a(), id, "deliver")
				Expect(d.TaskID).To(Equal(id))
				Expect(d.Attempt).To(Equal(1))
				Expect(d.PDQG.Score).To(And(BeNumerically(">=", 0), BeNumerically("<=", 1)))
				Expect(s.controlTask(id).Deliveries).To(Equal(1))
				s.should("JTB-DLV-010", func(g Gomega) { g.Expect(d.Status).To(BeElementOf("delivered", "pdqg_failed")) })
			})
			s.it("JTB-DLV-005", "the score is on 0-1 and the delivery is rejected exactly when it is below 0.40", func() {
				id := s.claimedBy(a())
				d := delivered(a(), id, "deliver")
				Expect(d.PDQG.Score).To(BeNumerically(">=", 0))
				Expect(d.PDQG.Score).To(BeNumerically("<=", 1))
				s.namesAgree(id, d)
				rejected, x := s.rejectedByResubmit(a(), id)
				Expect(rejected).To(Equal(d.PDQG.Score < 0.40), "score %v; then a resubmit:\n%s", d.PDQG.Score, x)
			})
			s.it("JTB-DLV-006", "a delivery on a task nobody claimed is 403", func() {
				id := s.newTask(category())
				s.refused(deliver(a(), id, "deliver", content), http.StatusForbidden, "FORBIDDEN")
				Expect(s.controlTask(id).Deliveries).To(BeZero())
			})
			s.it("JTB-DLV-007", "a second delivery is 409 and scores nothing", func() {
				id := s.claimedBy(a())
				deliveredForSetup(a(), id, "deliver")
				s.refused(deliver(a(), id, "deliver", content), http.StatusConflict, "CONFLICT")
				Expect(s.controlTask(id).Deliveries).To(Equal(1))
			})
			s.table("empty content is 400, not a PDQG reject",
				func(body string) {
					id := s.claimedBy(a())
					x := a().Do(Request{Method: http.MethodPost, Path: taskPath(id, "deliver"), Body: []byte(body)})
					s.refused(x, http.StatusBadRequest, "BAD_REQUEST")
					task := s.controlTask(id)
					Expect(task.Deliveries).To(BeZero())
					Expect(task.Status).To(Equal("claimed"))
				},
				s.entry("JTB-DLV-008", "empty content", `{"content": ""}`),
				s.entry("JTB-DLV-008", "blank content", `{"content": " \n\t "}`),
				s.entry("JTB-DLV-008", "no content", `{}`),
				s.entry("JTB-DLV-008", "content not a string", `{"content": 42}`),
			)
		})
		s.with("a delivery by another agent", needs(NeedControl, NeedWrites, NeedSecondAgent), func() {
			s.it("JTB-DLV-006", "a delivery by an agent that is not the assignee is 403", func() {
				id := s.claimedBy(s.env.A)
				s.refused(deliver(s.env.B, id, "deliver", content), http.StatusForbidden, "FORBIDDEN")
				task := s.controlTask(id)
				Expect(task.Deliveries).To(BeZero())
				Expect(task.Status).To(Equal("claimed"))
			})
		})
		s.with("pinned scores", needs(NeedControl, NeedWrites, NeedPin), func() {
			// scored claims a task for A, pins the scores and delivers once.
			scored := func(scores ...float64) (string, Delivery) {
				GinkgoHelper()
				id := s.claimedBy(s.env.A)
				s.pin(id, scores...)
				d := delivered(s.env.A, id, "deliver")
				Expect(d.PDQG.Score).To(BeNumerically("~", scores[0], 1e-9))
				return id, d
			}
			// The seed's fact: a reject is followed by the right to resubmit.
			s.table("below 0.40 a delivery is rejected: its task then accepts a resubmit",
				func(score float64, rejected bool) {
					id, d := scored(score, 0.9)
					s.namesAgree(id, d)
					got, x := s.rejectedByResubmit(s.env.A, id)
					Expect(got).To(Equal(rejected), "score %v, rejected %v; then a resubmit:\n%s", score, rejected, x)
				},
				s.entry("JTB-DLV-002", "0.00 is rejected", 0.0, true),
				s.entry("JTB-DLV-002", "0.39 is rejected", 0.39, true),
				s.entry("JTB-DLV-002", "0.3999 is rejected", 0.3999, true),
				s.entry("JTB-DLV-002", "0.40 is not rejected", 0.40, false),
			)
			// The seed names three outcomes but no words for them: the
			// verdict must be the one of the score's band, and the bands'
			// verdicts must differ. Their names are JTB-DLV-009's.
			s.table("the verdict is that of the score's band, and the three bands differ",
				func(score float64, band string) {
					id, d := scored(score)
					s.namesAgree(id, d)
					verdicts := map[string]string{}
					for b, ref := range map[string]float64{"reject": 0.2, "warn": 0.52, "pass": 0.9} {
						_, r := scored(ref)
						verdicts[b] = r.PDQG.Verdict
					}
					Expect(verdicts).To(HaveLen(3))
					Expect(verdicts["warn"]).NotTo(Equal(verdicts["reject"]), "the verdicts of 0.52 and 0.2 are the same")
					Expect(verdicts["pass"]).NotTo(Equal(verdicts["reject"]), "the verdicts of 0.9 and 0.2 are the same")
					Expect(verdicts["pass"]).NotTo(Equal(verdicts["warn"]), "the verdicts of 0.9 and 0.52 are the same")
					Expect(d.PDQG.Verdict).To(Equal(verdicts[band]), "score %v: not the verdict of its band (verdicts of 0.2, 0.52, 0.9: %v)", score, verdicts)
				},
				s.entry("JTB-DLV-003", "0.40 passes with a warning", 0.40, "warn"),
				s.entry("JTB-DLV-003", "0.52 passes with a warning", 0.52, "warn"),
				s.entry("JTB-DLV-003", "0.65 passes with a warning", 0.65, "warn"),
				s.entry("JTB-DLV-004", "0.6501 passes cleanly", 0.6501, "pass"),
				s.entry("JTB-DLV-004", "0.66 passes cleanly", 0.66, "pass"),
				s.entry("JTB-DLV-004", "1.00 passes cleanly", 1.0, "pass"),
			)
			// Our names, held strictly by their own clauses.
			s.table("the verdict and the task's status carry our names",
				func(score float64, verdict, status string) {
					id, d := scored(score)
					if verdict != "" {
						Expect(d.PDQG.Verdict).To(Equal(verdict), "score %v", score)
						return
					}
					Expect(d.Status).To(Equal(status), "score %v", score)
					Expect(s.controlTask(id).Status).To(Equal(status), "score %v", score)
				},
				s.entry("JTB-DLV-009", "0.39 is reject", 0.39, "reject", ""),
				s.entry("JTB-DLV-009", "0.40 is warn", 0.40, "warn", ""),
				s.entry("JTB-DLV-009", "0.65 is warn", 0.65, "warn", ""),
				s.entry("JTB-DLV-009", "0.6501 is pass", 0.6501, "pass", ""),
				s.entry("JTB-DLV-010", "0.39 leaves the task pdqg_failed", 0.39, "", "pdqg_failed"),
				s.entry("JTB-DLV-010", "0.40 leaves the task delivered", 0.40, "", "delivered"),
				s.entry("JTB-DLV-010", "0.9 leaves the task delivered", 0.9, "", "delivered"),
			)
		})
	})
}
