package suites

import (
	"encoding/json"
	"net/http"

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
				noFindingsOf(FindingClause)
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
				noFindingsOf(FindingClause)
			})
		})
	})
}
