package suites

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// verdictOf is the contract's verdict for a score.
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

func (s *specs) deliverySpecs() {
	Describe("Delivery and the PDQG", func() {
		s.with("deliveries scored by the target's own PDQG", needs(NeedControl, NeedWrites), func() {
			a := func() *Client { return s.env.A }
			s.it("JTB-DLV-001", "the assignee's delivery is accepted and scored", func() {
				id := s.claimedBy(a())
				d := delivered(a(), id, "deliver")
				Expect(d.TaskID).To(Equal(id))
				Expect(d.Attempt).To(Equal(1))
				Expect(d.Status).To(BeElementOf("delivered", "pdqg_failed"))
				Expect(s.controlTask(id).Deliveries).To(HaveLen(1))
			})
			s.it("JTB-DLV-005", "the score is on 0-1 and the verdict and status agree with it", func() {
				id := s.claimedBy(a())
				d := delivered(a(), id, "deliver")
				Expect(d.PDQG.Score).To(BeNumerically(">=", 0))
				Expect(d.PDQG.Score).To(BeNumerically("<=", 1))
				Expect(d.PDQG.Verdict).To(Equal(verdictOf(d.PDQG.Score)), "score %v", d.PDQG.Score)
				want := "delivered"
				if d.PDQG.Verdict == "reject" {
					want = "pdqg_failed"
				}
				Expect(d.Status).To(Equal(want))
				Expect(s.controlTask(id).Status).To(Equal(want))
			})
			s.it("JTB-DLV-006", "a delivery on a task nobody claimed is 403", func() {
				id := s.newTask(category())
				Expect(deliver(a(), id, "deliver", content)).To(HaveErrorCode(http.StatusForbidden, "FORBIDDEN"))
				Expect(s.controlTask(id).Deliveries).To(BeEmpty())
			})
			s.it("JTB-DLV-007", "a second delivery is 409 and scores nothing", func() {
				id := s.claimedBy(a())
				delivered(a(), id, "deliver")
				Expect(deliver(a(), id, "deliver", content)).To(HaveErrorCode(http.StatusConflict, "CONFLICT"))
				Expect(s.controlTask(id).Deliveries).To(HaveLen(1))
			})
			DescribeTable("empty content is 400, not a PDQG reject",
				func(body string) {
					id := s.claimedBy(a())
					x := a().Do(Request{Method: http.MethodPost, Path: taskPath(id, "deliver"), Body: []byte(body)})
					Expect(x).To(HaveErrorCode(http.StatusBadRequest, "BAD_REQUEST"))
					task := s.controlTask(id)
					Expect(task.Deliveries).To(BeEmpty())
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
				Expect(deliver(s.env.B, id, "deliver", content)).To(HaveErrorCode(http.StatusForbidden, "FORBIDDEN"))
				task := s.controlTask(id)
				Expect(task.Deliveries).To(BeEmpty())
				Expect(task.Status).To(Equal("claimed"))
			})
		})
		s.with("pinned scores", needs(NeedControl, NeedWrites, NeedPin), func() {
			DescribeTable("the verdict follows the score's band",
				func(score float64, verdict, status string) {
					id := s.claimedBy(s.env.A)
					s.pin(id, score)
					d := delivered(s.env.A, id, "deliver")
					Expect(d.PDQG.Score).To(BeNumerically("~", score, 1e-9))
					Expect(d.PDQG.Verdict).To(Equal(verdict), "score %v", score)
					Expect(d.Status).To(Equal(status), "score %v", score)
					Expect(s.controlTask(id).Status).To(Equal(status))
				},
				s.entry("JTB-DLV-002", "0.00 is rejected", 0.0, "reject", "pdqg_failed"),
				s.entry("JTB-DLV-002", "0.39 is rejected", 0.39, "reject", "pdqg_failed"),
				s.entry("JTB-DLV-002", "0.3999 is rejected", 0.3999, "reject", "pdqg_failed"),
				s.entry("JTB-DLV-002", "0.40 is not rejected", 0.40, "warn", "delivered"),
				s.entry("JTB-DLV-003", "0.40 passes with a warning", 0.40, "warn", "delivered"),
				s.entry("JTB-DLV-003", "0.52 passes with a warning", 0.52, "warn", "delivered"),
				s.entry("JTB-DLV-003", "0.65 passes with a warning", 0.65, "warn", "delivered"),
				s.entry("JTB-DLV-004", "0.6501 passes cleanly", 0.6501, "pass", "delivered"),
				s.entry("JTB-DLV-004", "0.66 passes cleanly", 0.66, "pass", "delivered"),
				s.entry("JTB-DLV-004", "1.00 passes cleanly", 1.0, "pass", "delivered"),
			)
		})
	})
}
