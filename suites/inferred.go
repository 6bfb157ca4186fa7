package suites

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
)

// inferredSpecs are the specs of FindingClause. Every answer of every spec
// is held to openapi.yaml twice (Client.Do): what only the strict copy
// refuses is recorded as a finding of FindingClause on the spec that
// received it, which `jtb check` counts as a SHOULD failure. These specs make
// a few representative requests of their own and fail on their own findings.
func (s *specs) inferredSpecs() {
	Describe("Inferred parts of openapi.yaml", func() {
		s.with("read-only requests", needs(), func() {
			s.it(FindingClause, "listing, error and not-found answers follow the inferred parts of openapi.yaml", func() {
				a := s.env.A
				get(a, "/v1/tasks/available?limit=5")
				get(a, "/v1/tasks/available?limit=0")
				get(s.env.Anonymous, "/v1/tasks/available")
				get(a, taskPath(unknownTask, "traces"))
				get(a, taskPath("not-a-uuid", "traces"))
				post(a, taskPath(unknownTask, "bids"), bidBody())
				noFindings()
			})
		})
		s.with("a task of the spec's own", needs(NeedControl, NeedWrites), func() {
			s.it(FindingClause, "bid, progress, traces and delivery answers follow the inferred parts of openapi.yaml", func() {
				a := s.env.A
				cat := category()
				id := s.newTask(cat)
				get(a, "/v1/tasks/available?limit=5&category="+cat)
				x := post(a, taskPath(id, "bids"), bidBody())
				var bid struct {
					Data struct {
						ID string `json:"id"`
					} `json:"data"`
				}
				// Whatever the shape of the bid, the spec goes on as far as it can.
				if x.Status/100 == 2 && json.Unmarshal(x.Body, &bid) == nil && bid.Data.ID != "" {
					if acc := post(s.env.Control, "/_control/tasks/"+id+"/bids/"+bid.Data.ID+"/accept", map[string]any{}); acc.Status == http.StatusOK {
						post(a, taskPath(id, "progress"), map[string]any{"event": "step_completed", "message": "Parsed the report", "metadata": map[string]any{"pages": 3}})
						get(a, taskPath(id, "traces"))
						deliver(a, id, "deliver", content)
					}
				}
				noFindings()
			})
		})
	})
}

// noFindings fails the running spec when one of its own answers departed
// from an inferred part of openapi.yaml.
func noFindings() {
	GinkgoHelper()
	entries := findings(CurrentSpecReport())
	if len(entries) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d answer(s) break inferred parts of openapi.yaml (they pass the copy with every x-jtb-inferred part relaxed):", len(entries))
	for _, e := range entries {
		if f, ok := e.GetRawValue().(Finding); ok {
			fmt.Fprintf(&b, "\n- %s\n%s", f.Reason, f.Exchange)
		} else {
			fmt.Fprintf(&b, "\n- %s", e.StringRepresentation())
		}
	}
	Fail(b.String())
}
