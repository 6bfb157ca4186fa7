package suites_test

import (
	"context"
	"net/http/httptest"
	"os"
	"testing"

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
	RegisterFailHandler(suites.FailHandler)
	RunSpecs(t, "JobToBot Agent API")
}
