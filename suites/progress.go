package suites

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// richMetadata exercises every JSON value kind; it must come back exactly.
const richMetadata = `{"pagesProcessed":47,"totalPages":120,"ratio":0.391666,"big":12345678901,"negative":-3,` +
	`"done":false,"note":"naïve “quotes” \u00e9 \n newline","nothing":null,"list":[1,"two",{"three":3},[]],` +
	`"nested":{"deeper":{"deepest":[true,false]}},"empty":{}}`

func (s *specs) progressSpecs() {
	Describe("Progress and traces", func() {
		s.with("one agent", needs(NeedControl, NeedWrites), func() {
			a := func() *Client { return s.env.A }
			s.it("JTB-PRG-001", "the assignee's progress is answered with the stored trace", func() {
				id := s.claimedBy(a())
				x := a().Do(Request{Method: http.MethodPost, Path: taskPath(id, "progress"),
					Body: []byte(`{"event":"step_completed","message":"Parsed 47 pages of financial data","metadata":{"pagesProcessed":47,"totalPages":120}}`)})
				s.created(x, "JTB-PRG-005")
				t := Data[Trace](x)
				Expect(t.ID).NotTo(BeEmpty())
				Expect(t.Event).To(Equal("step_completed"))
				Expect(t.Message).To(Equal("Parsed 47 pages of financial data"))
				Expect(t.Metadata).To(MatchJSON(`{"pagesProcessed":47,"totalPages":120}`))
				mustTime(t.CreatedAt)
			})
			s.it("JTB-PRG-005", "the assignee's progress is answered 201", func() {
				id := s.claimedBy(a())
				Expect(post(a(), taskPath(id, "progress"), map[string]string{"event": "e", "message": "m"})).To(BeSuccess(http.StatusCreated))
			})
			s.it("JTB-PRG-002", "progress posted by the agent is public", func() {
				id := s.claimedBy(a())
				Expect(Data[Trace](post(a(), taskPath(id, "progress"), map[string]string{"event": "e", "message": "m"})).Visibility).To(Equal("public"))
				Expect(Data[Traces](get(a(), taskPath(id, "traces"))).Items).To(HaveExactElements(HaveField("Visibility", "public")))
			})
			s.table("a bad progress body is 400 and stores nothing",
				func(body string) {
					id := s.claimedBy(a())
					x := a().Do(Request{Method: http.MethodPost, Path: taskPath(id, "progress"), Body: []byte(body)})
					s.refused(x, http.StatusBadRequest, "BAD_REQUEST")
					Expect(s.traceCount(a(), id)).To(Equal(0))
				},
				s.entry("JTB-PRG-004", "no event", `{"message":"m"}`),
				s.entry("JTB-PRG-004", "no message", `{"event":"e"}`),
				s.entry("JTB-PRG-004", "an empty event", `{"event":"","message":"m"}`),
				s.entry("JTB-PRG-004", "an event over 100 characters", `{"event":"`+strings.Repeat("e", 101)+`","message":"m"}`),
				s.entry("JTB-PRG-004", "metadata an array", `{"event":"e","message":"m","metadata":[1,2]}`),
				s.entry("JTB-PRG-004", "metadata a string", `{"event":"e","message":"m","metadata":"x"}`),
				s.entry("JTB-PRG-004", "invalid JSON", `{"event":"e",`),
			)
			s.it("JTB-TRC-001", "traces return event, message and metadata exactly as sent", func() {
				id := s.claimedBy(a())
				body := `{"event":"step_completed","message":"Parsed 47 pages\nof data — ok","metadata":` + richMetadata + `}`
				s.created(a().Do(Request{Method: http.MethodPost, Path: taskPath(id, "progress"), Body: []byte(body)}), "JTB-PRG-005")
				items := Data[Traces](get(a(), taskPath(id, "traces"))).Items
				Expect(items).To(HaveLen(1))
				Expect(items[0].Event).To(Equal("step_completed"))
				Expect(items[0].Message).To(Equal("Parsed 47 pages\nof data — ok"))
				Expect(items[0].Metadata).To(MatchJSON(richMetadata))
			})
			s.it("JTB-TRC-002", "traces are listed oldest first", func() {
				id := s.claimedBy(a())
				events := []string{"first", "second", "third", "fourth"}
				for _, e := range events {
					s.created(post(a(), taskPath(id, "progress"), map[string]string{"event": e, "message": "m"}), "JTB-PRG-005")
				}
				var got []string
				for _, t := range Data[Traces](get(a(), taskPath(id, "traces"))).Items {
					got = append(got, t.Event)
				}
				Expect(got).To(Equal(events))
			})
			s.it("JTB-TRC-004", "a trace without metadata reads metadata {}", func() {
				id := s.claimedBy(a())
				t := Data[Trace](post(a(), taskPath(id, "progress"), map[string]string{"event": "e", "message": "m"}))
				Expect(t.Metadata).To(MatchJSON(`{}`))
				Expect(Data[Traces](get(a(), taskPath(id, "traces"))).Items[0].Metadata).To(MatchJSON(`{}`))
			})
			s.it("JTB-TRC-003", "nobody reads the traces of a task nobody is assigned to", func() {
				id := s.newTask(category())
				s.refused(get(a(), taskPath(id, "traces")), http.StatusForbidden, "FORBIDDEN")
			})
		})
		s.with("another agent", needs(NeedControl, NeedWrites, NeedSecondAgent), func() {
			s.it("JTB-PRG-006", "progress from an agent that is not the assignee is 403 and stores nothing", func() {
				id := s.claimedBy(s.env.A)
				s.refused(post(s.env.B, taskPath(id, "progress"), map[string]string{"event": "e", "message": "m"}), http.StatusForbidden, "FORBIDDEN")
				Expect(s.traceCount(s.env.A, id)).To(Equal(0))
			})
			s.it("JTB-TRC-003", "another agent's traces are 403 to a caller that is not the assignee", func() {
				id := s.claimedBy(s.env.A)
				s.created(post(s.env.A, taskPath(id, "progress"), map[string]string{"event": "e", "message": "secret notes"}), "JTB-PRG-005")
				s.refused(get(s.env.B, taskPath(id, "traces")), http.StatusForbidden, "FORBIDDEN")
			})
		})
		s.with("the state machine", needs(NeedControl, NeedWrites, NeedPin), func() {
			s.it("JTB-PRG-003", "progress on a delivered task is 403", func() {
				id := s.taskIn("delivered")
				s.refused(post(s.env.A, taskPath(id, "progress"), map[string]string{"event": "e", "message": "m"}), http.StatusForbidden, "FORBIDDEN")
			})
		})
	})
}
