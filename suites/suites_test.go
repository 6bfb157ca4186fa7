package suites_test

import (
	"context"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/jobtobot/jtb/catalogue"
	"github.com/jobtobot/jtb/mockserver"
	"github.com/jobtobot/jtb/suites"
	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"
)

// TestSuites runs every spec: against JTB_BASE_URL when it is set, else
// against an in-process reference mock on a loopback port.
func TestSuites(t *testing.T) {
	target := suites.TargetFromEnv(os.Getenv)
	if target.BaseURL == "" {
		m, err := mockserver.New(mockserver.Options{})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(m)
		t.Cleanup(func() { srv.Close(); m.Close() })
		target = suites.Target{BaseURL: srv.URL, APIKey: "jtb_live_mock_agent_alpha", APIKeyB: "jtb_live_mock_agent_bravo"}
	}
	env, err := suites.Connect(context.Background(), target)
	if err != nil {
		t.Fatal(target.Redactor().String(err.Error()))
	}
	suites.Register(env)
	checkCoverage(t, env.Catalogue, PreviewSpecs("JobToBot Agent API"))
	RegisterFailHandler(Fail)
	RunSpecs(t, "JobToBot Agent API")
}

// checkCoverage keeps catalogue and specs in step, from the specs' names as
// Ginkgo sees them: every clause has a spec, every named clause exists.
func checkCoverage(t *testing.T, cat *catalogue.Catalogue, report Report) {
	t.Helper()
	named := map[string]bool{}
	for _, sr := range report.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		ids := catalogue.IDInText.FindAllStringSubmatch(sr.FullText(), -1)
		if len(ids) == 0 {
			t.Errorf("spec %q names no clause", sr.FullText())
		}
		for _, m := range ids {
			if _, ok := cat.Clause(m[1]); !ok {
				t.Errorf("spec %q names %s, which catalogue.yaml does not hold", sr.FullText(), m[1])
			}
			named[m[1]] = true
		}
	}
	for _, cl := range cat.Clauses {
		if !named[cl.ID] {
			t.Errorf("clause %s (%s) has no spec", cl.ID, cl.Title)
		}
	}
}
