package suites

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/jobtobot/jtb/suites/results"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// harnessSpecs are the specs of the CTL clauses: the control API is the
// suite's harness, which a staging team implements to let the suite in.
// Every control answer of every spec is held to control-api.yaml (Client.Do
// with harness set): a departure is recorded as a finding of the clause of
// its operation (x-jtb-clause), wherever a spec made the call, and the spec
// goes on with what it needs from the answer. These specs make each call
// once and fail (a warning: CTL clauses are SHOULD) on their own findings.
func (s *specs) harnessSpecs() {
	Describe("The control API (the suite's harness)", func() {
		s.with("reading", needs(NeedControl), func() {
			s.it("JTB-CTL-001", "GET /_control/capabilities answers as control-api.yaml documents", func() {
				get(s.env.Control, "/_control/capabilities")
				noFindingsOf("JTB-CTL-001")
			})
		})
		s.with("reading the clock", needs(NeedControl, NeedClock), func() {
			s.it("JTB-CTL-008", "GET /_control/clock answers as control-api.yaml documents", func() {
				s.serverNow()
				noFindingsOf("JTB-CTL-008")
			})
		})
		s.with("writing", needs(NeedControl, NeedWrites), func() {
			s.it("JTB-CTL-002", "POST /_control/agents answers as control-api.yaml documents", func() {
				if !s.env.Caps.Agents {
					Skip("the control API cannot create agents (capabilities.agents is false)")
				}
				x := s.newAgent("jtb-check-harness")
				succeeded(x, "the control API could not create an agent")
				noFindingsOf("JTB-CTL-002")
			})
			s.it("JTB-CTL-003", "POST /_control/tasks answers as control-api.yaml documents", func() {
				s.newTask(category())
				noFindingsOf("JTB-CTL-003")
			})
			s.it("JTB-CTL-004", "GET /_control/tasks/{taskId} answers as control-api.yaml documents", func() {
				s.controlTask(s.newTask(category()))
				noFindingsOf("JTB-CTL-004")
			})
			s.it("JTB-CTL-005", "POST .../bids/{bidId}/accept answers as control-api.yaml documents", func() {
				s.claimedBy(s.env.A)
				noFindingsOf("JTB-CTL-005")
			})
			s.it("JTB-CTL-006", "POST .../bids/{bidId}/reject answers as control-api.yaml documents", func() {
				id := s.newTask(category())
				x := post(s.env.Control, "/_control/tasks/"+id+"/bids/"+s.placeBid(s.env.A, id).ID+"/reject", map[string]any{})
				succeeded(x, "the control API could not reject a bid")
				noFindingsOf("JTB-CTL-006")
			})
		})
		s.with("pinning", needs(NeedControl, NeedWrites, NeedPin), func() {
			s.it("JTB-CTL-007", "POST /_control/tasks/{taskId}/pdqg answers as control-api.yaml documents", func() {
				s.pin(s.newTask(category()), 0.5)
				noFindingsOf("JTB-CTL-007")
			})
		})
		// The shared-target capabilities: each call once, on a task or an
		// agent of the spec's own (a removed one is then gone for its
		// cleanup too, which counts that as done).
		s.with("a shared target", needs(NeedControl, NeedWrites), func() {
			s.it("JTB-CTL-010", "POST /_control/tasks/{taskId}/time/advance answers as control-api.yaml documents", func() {
				if !s.env.Caps.TaskTime {
					Skip("the control API moves no task's own time (capabilities.taskTime is false)")
				}
				s.moveTime(s.newTask(category()), 0)
				noFindingsOf("JTB-CTL-010")
			})
			s.it("JTB-CTL-011", "DELETE /_control/tasks/{taskId} answers as control-api.yaml documents, and the task is gone", func() {
				if !s.env.Caps.Cleanup {
					Skip("the control API removes nothing (capabilities.cleanup is false)")
				}
				id := s.newTask(category())
				succeeded(s.env.Control.Do(Request{Method: http.MethodDelete, Path: "/_control/tasks/" + id}), "the control API could not remove a task")
				Expect(get(s.env.Control, "/_control/tasks/"+id).Status).To(Equal(http.StatusNotFound), "the removed task is still there")
				Expect(get(s.env.A, taskPath(id, "traces")).Status).To(Equal(http.StatusNotFound), "the Agent API still knows the removed task")
				noFindingsOf("JTB-CTL-011")
			})
			s.it("JTB-CTL-012", "DELETE /_control/agents/{agentId} answers as control-api.yaml documents, and the key is refused", func() {
				if !s.env.Caps.Cleanup || !s.env.Caps.Agents {
					Skip("the control API cannot create and remove an agent (capabilities.agents or cleanup is false)")
				}
				x := s.newAgent("jtb-check-cleanup")
				succeeded(x, "the control API could not create an agent")
				id, okID := dataField[string](x.Body, "id")
				key, okKey := dataField[string](x.Body, "apiKey")
				if !okID || !okKey {
					setupFailed("the control API could not create an agent", x, "the answer has no data.id and data.apiKey")
				}
				succeeded(s.env.Control.Do(Request{Method: http.MethodDelete, Path: "/_control/agents/" + id}), "the control API could not remove an agent")
				x = s.env.Anonymous.Do(Request{Method: http.MethodGet, Path: "/v1/tasks/available?limit=1", Auth: "Bearer " + key})
				Expect(x.Status).To(Equal(http.StatusUnauthorized), "the removed agent's key is still accepted\n%s", x)
				noFindingsOf("JTB-CTL-012")
			})
		})
		s.with("moving the clock", needs(NeedControl, NeedWrites, NeedClock), func() {
			// Zero seconds: the answer is checked, no other spec's clock moves.
			s.it("JTB-CTL-009", "POST /_control/clock/advance answers as control-api.yaml documents", func() {
				s.advance(0)
				noFindingsOf("JTB-CTL-009")
			})
		})
	})
}

// noFindingsOf fails the running spec when it recorded findings of this
// clause: the spec of a clause whose departures are otherwise findings.
func noFindingsOf(clause string) {
	GinkgoHelper()
	var mine []results.Finding
	for _, e := range CurrentSpecReport().ReportEntries {
		if f, ok := e.GetRawValue().(results.Finding); ok && e.Name == results.FindingEntry && f.Clause == clause {
			mine = append(mine, f)
		}
	}
	if len(mine) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d answer(s) depart from what %s holds them to:", len(mine), clause)
	for _, f := range mine {
		fmt.Fprintf(&b, "\n- %s", f.Reason)
	}
	fmt.Fprintf(&b, "\n%s", mine[0].Exchange)
	Fail(b.String())
}
