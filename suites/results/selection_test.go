package results_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/jobtobot/jtb/suites/results"
	"github.com/onsi/ginkgo/v2/types"
)

func TestParseFocus(t *testing.T) {
	cat := testCatalogue(t)
	tests := []struct {
		expr string
		want []string
		err  string
	}{
		{"JTB-BID-001", []string{`\[JTB-BID-001\]`}, ""},
		{"JTB-BID-001, JTB-PRG-006", []string{`\[JTB-BID-001\]`, `\[JTB-PRG-006\]`}, ""},
		{"JTB-BID", []string{"JTB-BID"}, ""}, // not an ID: an expression, a whole area
		{`cursor|(?i)IDEMPOTENT`, []string{`cursor|(?i)IDEMPOTENT`}, ""},
		{"JTB-BID-009", nil, "no such clause"},
		{"(", nil, "neither a clause ID nor a regular expression"},
		{",", nil, "names nothing"},
		{"", nil, ""},
	}
	for _, tt := range tests {
		got, err := results.ParseFocus(tt.expr, cat)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("ParseFocus(%q): error %v, want %q", tt.expr, err, tt.err)
		case tt.err == "" && (err != nil || !slices.Equal(got, tt.want)):
			t.Errorf("ParseFocus(%q) = %q, %v; want %q", tt.expr, got, err, tt.want)
		}
	}
}

// The ID of a clause in brackets selects that clause's specs and not a
// spec that mentions it; the label filter and the focus each name
// themselves.
func TestSelectionReasons(t *testing.T) {
	cat := testCatalogue(t)
	focus, err := results.ParseFocus("JTB-BID-001", cat)
	if err != nil {
		t.Fatal(err)
	}
	withLabels := func(text string, labels ...string) types.SpecReport {
		sr := spec(text, types.SpecStateSkipped, "")
		sr.LeafNodeLabels = labels
		return sr
	}
	tests := []struct {
		sel  results.Selection
		spec types.SpecReport
		want string
	}{
		{results.Selection{Suite: "S", Focus: focus}, withLabels("[JTB-BID-001] a bid"), ""},
		{results.Selection{Suite: "S", Focus: focus}, withLabels("[JTB-BID-002] answered 201, unlike JTB-BID-001"), "not selected by --focus"},
		{results.Selection{Suite: "S", LabelFilter: "bidding"}, withLabels("[JTB-BID-002] a", "bidding"), ""},
		{results.Selection{Suite: "S", LabelFilter: "bidding"}, withLabels("[JTB-PRG-006] a", "progress"), "not selected by --label-filter"},
		{results.Selection{Suite: "S", LabelFilter: "bidding", Focus: focus}, withLabels("[JTB-BID-002] a", "bidding"), "not selected by --focus"},
		{results.Selection{Suite: "S"}, withLabels("[JTB-PRG-006] a"), ""},
		// Ginkgo matches the focus against the containers too.
		{results.Selection{Suite: "S", Focus: []string{"an area"}}, withLabels("[JTB-PRG-006] a"), ""},
	}
	for i, tt := range tests {
		if got := tt.sel.Reasons()(tt.spec); got != tt.want {
			t.Errorf("%d: %q: %q, want %q", i, tt.spec.LeafNodeText, got, tt.want)
		}
	}
}

func TestVerdictExitCode(t *testing.T) {
	for v, want := range map[results.Verdict]int{results.VerdictPass: 0, results.VerdictWarnings: 0, results.VerdictFail: 1, results.VerdictNoJudgement: 2, "": 2} {
		if got := v.ExitCode(); got != want {
			t.Errorf("%q: exit %d, want %d", v, got, want)
		}
	}
}

// A run the preflight refused judges nothing: every selected spec is
// skipped with the reason, the others are not selected.
func TestRefused(t *testing.T) {
	preview := types.Report{SpecReports: types.SpecReports{
		spec("[JTB-BID-001] a", types.SpecStatePassed, ""),
		spec("[JTB-PRG-006] b", types.SpecStateSkipped, ""),
		{LeafNodeType: types.NodeTypeReportAfterSuite, State: types.SpecStatePassed},
	}}
	sel := results.Selection{Suite: "S", Focus: []string{`\[JTB-BID-001\]`}}
	run := results.Build(results.Refused(preview, "not run: the preflight refused the run"), testCatalogue(t), results.Options{Selection: sel})
	if run.Ran != 0 || run.Total != 2 || run.Verdict(false) != results.VerdictNoJudgement {
		t.Errorf("ran %d of %d, verdict %s", run.Ran, run.Total, run.Verdict(false))
	}
	got := map[string]string{}
	for _, s := range run.Specs {
		got[s.Text] = s.Message
	}
	if got["[JTB-BID-001] a"] != "not run: the preflight refused the run" || got["[JTB-PRG-006] b"] != "not selected by --focus" {
		t.Errorf("messages %q", got)
	}
}
