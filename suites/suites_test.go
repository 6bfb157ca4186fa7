package suites_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/jobtobot/jtb/fixtures"
	"github.com/jobtobot/jtb/mockserver"
	"github.com/jobtobot/jtb/suites"
	"github.com/jobtobot/jtb/suites/results"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// TestSuites runs every spec: against JTB_BASE_URL when it is set, else
// against an in-process reference mock on a loopback port.
func TestSuites(t *testing.T) {
	target, err := suites.TargetFromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	mock := target.BaseURL == ""
	if mock {
		m, err := mockserver.New(mockserver.Options{})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(m)
		t.Cleanup(func() { srv.Close(); m.Close() })
		target = suites.Target{BaseURL: srv.URL, APIKey: fixtures.AlphaKey, APIKeyB: fixtures.BravoKey, Timeout: target.Timeout}
	}
	env, err := suites.Connect(context.Background(), target)
	if err != nil {
		t.Fatal(target.Redactor().String(err.Error()))
	}
	registered := suites.Register(env)
	preview := PreviewSpecs("JobToBot Agent API")
	if err := registered.Err(); err != nil {
		t.Fatal(err)
	}
	if err := suites.CheckCoverage(env.Catalogue, preview); err != nil {
		t.Error(err)
	}
	if mock {
		// The mock follows both strict documents: no answer of any spec may
		// depart from the inferred parts of openapi.yaml or from
		// control-api.yaml, and no spec may hold a should() finding.
		ReportAfterSuite("no findings", func(r Report) {
			for _, sr := range r.SpecReports {
				for _, e := range sr.ReportEntries {
					if e.Name == results.FindingEntry {
						t.Errorf("%s: %s", sr.FullText(), e.StringRepresentation())
					}
				}
			}
		})
	}
	var before int
	if mock {
		before = openTasks(t, target)
	}
	RegisterFailHandler(suites.FailHandler)
	RunSpecs(t, "JobToBot Agent API")
	foot := env.Finish(context.Background())
	t.Logf("footprint: %v", foot.Lines())
	if !mock {
		return
	}
	// The mock offers taskTime and cleanup: the run leaves no trace.
	if len(foot.Left) > 0 || foot.Tasks.Created == 0 || foot.Tasks.Removed != foot.Tasks.Created || foot.Agents.Removed != foot.Agents.Created {
		t.Errorf("the run left on the mock: %+v", foot)
	}
	if !foot.TaskTime || foot.Advanced != 0 || !foot.ClockRead || foot.Moved > time.Minute || foot.Moved < -time.Minute {
		t.Errorf("the run moved the mock's clock: %+v", foot)
	}
	if after := openTasks(t, target); after != before {
		t.Errorf("the listing's total_estimate went from %d to %d", before, after)
	}
}

// openTasks is the unfiltered listing's total_estimate.
func openTasks(t *testing.T, target suites.Target) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, target.BaseURL+"/v1/tasks/available?limit=1", nil)
	req.Header.Set("Authorization", "Bearer "+target.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Data struct {
			Pagination struct {
				TotalEstimate int `json:"total_estimate"`
			} `json:"pagination"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	return page.Data.Pagination.TotalEstimate
}
