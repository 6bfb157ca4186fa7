package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/jobtobot/jtb/suites/results"
	"github.com/onsi/ginkgo/v2/types"
)

// VersionEntry names the report entry that carries the jtb version in
// Ginkgo's JSON report.
const VersionEntry = "jtb-version"

// properties are what the JUnit report records of the run besides its
// verdict.
func (r *Run) properties() []results.Property {
	props := []results.Property{
		{Name: "jtb.version", Value: r.Tool.Short()},
		{Name: "jtb.go", Value: r.Tool.Go},
		{Name: "jtb.catalogue", Value: fmt.Sprintf("%s %d clauses sha256:%s", r.Tool.Catalogue.File, r.Tool.Catalogue.Clauses, r.Tool.Catalogue.SHA256)},
		{Name: "jtb.contract", Value: fmt.Sprintf("%s sha256:%s, %s sha256:%s", r.Tool.AgentAPI.File, r.Tool.AgentAPI.SHA256, r.Tool.ControlAPI.File, r.Tool.ControlAPI.SHA256)},
		{Name: "jtb.target", Value: r.Target.BaseURL},
		{Name: "jtb.seed", Value: fmt.Sprint(r.Seed)},
	}
	if r.Selection.LabelFilter != "" {
		props = append(props, results.Property{Name: "jtb.label-filter", Value: r.Selection.LabelFilter})
	}
	if r.FocusExpr != "" {
		props = append(props, results.Property{Name: "jtb.focus", Value: r.FocusExpr})
	}
	if r.Model.Abandoned != "" {
		props = append(props, results.Property{Name: "jtb.abandoned", Value: r.Model.Abandoned})
	}
	return props
}

// WriteJUnit writes the JUnit report of the outcome model
// (results.WriteJUnit), with the version, catalogue, target and seed as
// properties of its first testsuite.
func WriteJUnit(w io.Writer, r *Run) error {
	return results.WriteJUnit(w, r.Model, r.Strict, r.properties()...)
}

// WriteGinkgoJSON writes Ginkgo's own JSON report, made to agree with the
// run (results.GinkgoReport), with the jtb version and the verdict as a
// report entry of a node of its own (VersionEntry). A run the preflight
// refused has no Ginkgo report: the node alone says so.
func WriteGinkgoJSON(w io.Writer, r *Run) error {
	g := results.GinkgoReport(r.Ginkgo, r.Model, r.Strict)
	if g.SuiteDescription == "" {
		g.SuiteDescription = r.Selection.Suite
	}
	value := struct {
		Tool     any             `json:"tool"`
		Verdict  results.Verdict `json:"verdict"`
		ExitCode int             `json:"exitCode"`
		Why      string          `json:"why"`
		Seed     int64           `json:"seed"`
	}{r.Tool, r.Verdict(), r.ExitCode(), r.Explanation(), r.Seed}
	g.SpecReports = append(slices.Clone(g.SpecReports), types.SpecReport{
		LeafNodeType: types.NodeTypeReportAfterSuite, LeafNodeText: "jtb version and verdict", State: types.SpecStatePassed,
		ReportEntries: types.ReportEntries{{Name: VersionEntry, Value: types.WrapEntryValue(value), Time: r.Started}},
	})
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode([]types.Report{g})
}
