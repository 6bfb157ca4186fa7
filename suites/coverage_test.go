package suites_test

import (
	"strings"
	"testing"

	"github.com/jobtobot/jtb/catalogue"
	"github.com/jobtobot/jtb/suites"
	"github.com/onsi/ginkgo/v2/types"
)

const twoClauses = `version: 1
seed: seed.txt
clauses:
  - id: JTB-AUTH-001
    level: MUST
    area: AUTH
    title: A key is accepted
    seed: ["Include your API key as a Bearer token."]
  - id: JTB-AUTH-003
    level: SHOULD
    area: AUTH
    title: A 401 names the scheme
    reason: "RFC 6750"
`

// specsNamed is a preview report of It specs with these texts, under one
// container, as Ginkgo's PreviewSpecs returns it.
func specsNamed(texts ...string) types.Report {
	var r types.Report
	for _, text := range texts {
		r.SpecReports = append(r.SpecReports, types.SpecReport{
			ContainerHierarchyTexts: []string{"Agent API conformance"},
			LeafNodeType:            types.NodeTypeIt,
			LeafNodeText:            text,
		})
	}
	// A suite-level node names no clause and must not count as a spec.
	r.SpecReports = append(r.SpecReports, types.SpecReport{LeafNodeType: types.NodeTypeReportAfterSuite, LeafNodeText: "summary"})
	return r
}

func TestCheckCoverage(t *testing.T) {
	cat, err := catalogue.Parse([]byte(twoClauses))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		specs types.Report
		want  []string // what the error says; none: no error
	}{
		{"in step", specsNamed("[JTB-AUTH-001] accepts a key", "[JTB-AUTH-003] names Bearer"), nil},
		{"two specs of one clause", specsNamed("[JTB-AUTH-001] a", "[JTB-AUTH-001] b", "[JTB-AUTH-003] c"), nil},
		{"a clause without a spec", specsNamed("[JTB-AUTH-001] accepts a key"), []string{"clause JTB-AUTH-003 (A 401 names the scheme) has no spec"}},
		{"a spec of an unknown clause", specsNamed("[JTB-AUTH-001] a", "[JTB-AUTH-003] b", "[JTB-AUTH-099] c"), []string{"names JTB-AUTH-099, which the catalogue does not hold"}},
		{"a spec naming no clause", specsNamed("[JTB-AUTH-001] a", "[JTB-AUTH-003] b", "rejects things"), []string{`"Agent API conformance rejects things" names no clause`}},
		{"no specs at all", specsNamed(), []string{"JTB-AUTH-001", "JTB-AUTH-003"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := suites.CheckCoverage(cat, tt.specs)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got no error, want one saying %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}
