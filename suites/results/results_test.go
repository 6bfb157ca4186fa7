package results_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jobtobot/jtb/catalogue"
	"github.com/jobtobot/jtb/suites/results"
	"github.com/onsi/ginkgo/v2/types"
)

const clauses = `version: 1
seed: seed.txt
clauses:
  - {id: JTB-PRG-006, level: MUST, area: PRG, title: Progress by another agent is 403, seed: ["Not the assigned agent"]}
  - {id: JTB-PRG-005, level: SHOULD, area: PRG, title: A trace is answered 201, reason: "ours"}
  - {id: JTB-CTL-003, level: SHOULD, area: CTL, title: POST /_control/tasks answers as documented, reason: "the harness"}
  - {id: JTB-BID-001, level: MUST, area: BID, title: A bid is placed, seed: ["Place a bid on an open task."]}
  - {id: JTB-BID-002, level: SHOULD, area: BID, title: A bid is answered 201, reason: "ours"}
`

func testCatalogue(t testing.TB) *catalogue.Catalogue {
	t.Helper()
	cat, err := catalogue.Parse([]byte(clauses))
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// spec is a finished It spec of a report.
func spec(text string, state types.SpecState, message string, entries ...types.ReportEntry) types.SpecReport {
	return types.SpecReport{
		ContainerHierarchyTexts: []string{"Agent API conformance", "an area"},
		LeafNodeType:            types.NodeTypeIt, LeafNodeText: text, State: state,
		Failure: types.Failure{Message: message}, ReportEntries: entries, RunTime: time.Millisecond,
	}
}

func finding(clause, reason string) types.ReportEntry {
	return types.ReportEntry{Name: results.FindingEntry, Value: types.WrapEntryValue(results.Finding{Clause: clause, Reason: reason})}
}

func setupError(what string) types.ReportEntry {
	return types.ReportEntry{Name: results.ErrorEntry, Value: types.WrapEntryValue(results.SetupError{What: what})}
}

func TestBuildClassifies(t *testing.T) {
	tests := []struct {
		name         string
		specs        []types.SpecReport
		spec, clause map[string]results.Outcome // by leaf text, by clause ID
		verdict      results.Verdict            // without --strict
		strict       results.Verdict
	}{
		{
			name:    "every spec passes",
			specs:   []types.SpecReport{spec("[JTB-BID-001] a", types.SpecStatePassed, "")},
			spec:    map[string]results.Outcome{"[JTB-BID-001] a": results.Pass},
			clause:  map[string]results.Outcome{"JTB-BID-001": results.Pass, "JTB-BID-002": results.Skip},
			verdict: results.VerdictPass, strict: results.VerdictPass,
		},
		{
			name: "a failed SHOULD spec warns, a failed MUST spec fails",
			specs: []types.SpecReport{
				spec("[JTB-BID-002] a", types.SpecStateFailed, "expected 201, got 200"),
				spec("[JTB-PRG-006] b", types.SpecStateFailed, "expected 403, got 201"),
			},
			spec:    map[string]results.Outcome{"[JTB-BID-002] a": results.Warn, "[JTB-PRG-006] b": results.Fail},
			clause:  map[string]results.Outcome{"JTB-BID-002": results.Warn, "JTB-PRG-006": results.Fail},
			verdict: results.VerdictFail, strict: results.VerdictFail,
		},
		{
			name: "a finding in a passing spec warns its own clause, not the spec's",
			specs: []types.SpecReport{
				spec("[JTB-BID-001] a", types.SpecStatePassed, "", finding("JTB-CTL-003", "status 200 is not documented")),
			},
			spec:    map[string]results.Outcome{"[JTB-BID-001] a": results.Pass},
			clause:  map[string]results.Outcome{"JTB-BID-001": results.Pass, "JTB-CTL-003": results.Warn},
			verdict: results.VerdictWarnings, strict: results.VerdictFail,
		},
		{
			name: "a setup error is an error, never a clause failure",
			specs: []types.SpecReport{
				spec("[JTB-BID-001] a", types.SpecStateFailed, "the control API could not create a task", setupError("the control API could not create a task")),
				spec("[JTB-PRG-005] b", types.SpecStatePassed, ""),
			},
			spec:    map[string]results.Outcome{"[JTB-BID-001] a": results.Error},
			clause:  map[string]results.Outcome{"JTB-BID-001": results.Error, "JTB-PRG-005": results.Pass},
			verdict: results.VerdictNoJudgement, strict: results.VerdictNoJudgement,
		},
		{
			name: "a departure wins over an error",
			specs: []types.SpecReport{
				spec("[JTB-PRG-006] a", types.SpecStateFailed, "x", setupError("setup")),
				spec("[JTB-PRG-006] b", types.SpecStateFailed, "expected 403, got 201"),
			},
			clause:  map[string]results.Outcome{"JTB-PRG-006": results.Fail},
			verdict: results.VerdictFail, strict: results.VerdictFail,
		},
		{
			name:    "a run where every spec was skipped judges nothing",
			specs:   []types.SpecReport{spec("[JTB-BID-001] a", types.SpecStateSkipped, "--read-only: this spec writes to the target")},
			spec:    map[string]results.Outcome{"[JTB-BID-001] a": results.Skip},
			clause:  map[string]results.Outcome{"JTB-BID-001": results.Skip},
			verdict: results.VerdictNoJudgement, strict: results.VerdictNoJudgement,
		},
		{
			name: "a timed-out spec is an error",
			specs: []types.SpecReport{
				spec("[JTB-BID-001] a", types.SpecStateTimedout, "spec timeout occurred"),
				spec("[JTB-PRG-005] b", types.SpecStatePassed, ""),
			},
			spec:    map[string]results.Outcome{"[JTB-BID-001] a": results.Error},
			verdict: results.VerdictNoJudgement, strict: results.VerdictNoJudgement,
		},
	}
	cat := testCatalogue(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := results.Build(types.Report{SpecReports: tt.specs}, cat, results.Options{})
			for _, s := range run.Specs {
				if want, ok := tt.spec[s.Text]; ok && s.Outcome != want {
					t.Errorf("spec %q: %s, want %s (%s)", s.Text, s.Outcome, want, s.Message)
				}
			}
			for id, want := range tt.clause {
				if c, _ := run.Clause(id); c.Outcome != want {
					t.Errorf("clause %s: %s, want %s", id, c.Outcome, want)
				}
			}
			if got := run.Verdict(false); got != tt.verdict {
				t.Errorf("verdict %s, want %s", got, tt.verdict)
			}
			if got := run.Verdict(true); got != tt.strict {
				t.Errorf("strict verdict %s, want %s", got, tt.strict)
			}
		})
	}
}

// A failure reads clause first: ID, level, title, the page's words; then
// what broke; never more than MaxText.
func TestFailureTextOpensWithTheClause(t *testing.T) {
	huge := strings.Repeat("y", 1<<20)
	run := results.Build(types.Report{SpecReports: []types.SpecReport{
		spec("[JTB-PRG-006] progress by another agent", types.SpecStateFailed, "expected status 403, got 201\n  body: "+huge),
	}}, testCatalogue(t), results.Options{})
	msg := run.Specs[0].Message
	want := "JTB-PRG-006 MUST: Progress by another agent is 403\n  the page: “Not the assigned agent”\nexpected status 403, got 201"
	if !strings.HasPrefix(msg, want) {
		t.Errorf("the failure text opens\n%.300s\nwant\n%s", msg, want)
	}
	if len(msg) > results.MaxText {
		t.Errorf("a failure text of %d bytes, want at most %d", len(msg), results.MaxText)
	}
}

// Without --strict a warning fails nothing in the JUnit report and shows in
// system-out; with --strict the same warnings are the failures.
func TestJUnitFailsExactlyWhatFailsTheRun(t *testing.T) {
	run := results.Build(types.Report{SpecReports: []types.SpecReport{
		spec("[JTB-BID-001] placed", types.SpecStatePassed, "", finding("JTB-CTL-003", "status 200 is not documented")),
		spec("[JTB-BID-002] 201", types.SpecStateFailed, "expected 201, got 200"),
		spec("[JTB-PRG-005] 201", types.SpecStatePassed, ""),
		spec("[JTB-PRG-006] 403", types.SpecStateSkipped, "needs a second agent"),
	}}, testCatalogue(t), results.Options{})
	type tc struct {
		Name      string    `xml:"name,attr"`
		Failure   *struct{} `xml:"failure"`
		Skipped   *struct{} `xml:"skipped"`
		SystemOut string    `xml:"system-out"`
	}
	read := func(strict bool) (failures int, cases map[string]tc) {
		var b bytes.Buffer
		if err := results.WriteJUnit(&b, run, strict); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Failures int  `xml:"failures,attr"`
			Cases    []tc `xml:"testsuite>testcase"`
		}
		if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatalf("not XML: %v\n%s", err, b.String())
		}
		cases = map[string]tc{}
		for _, c := range doc.Cases {
			cases[c.Name] = c
		}
		return doc.Failures, cases
	}
	plain, cases := read(false)
	if plain != 0 {
		t.Errorf("plain: failures=%d, want 0", plain)
	}
	var warned []string
	for name, c := range cases {
		if c.Failure != nil {
			t.Errorf("plain: %q fails", name)
		}
		if strings.Contains(c.SystemOut, "WARN ") {
			warned = append(warned, name)
		}
	}
	if len(warned) != 2 {
		t.Errorf("plain: warnings in system-out of %v, want the bid spec with the finding and the 201 spec", warned)
	}
	strict, cases := read(true)
	if strict != len(warned) {
		t.Errorf("strict: failures=%d, want the %d warnings", strict, len(warned))
	}
	for _, name := range warned {
		if cases[name].Failure == nil {
			t.Errorf("strict: %q, which warned, does not fail", name)
		}
	}
	if c := cases["[JTB-PRG-006] 403 (an area)"]; c.Skipped == nil {
		t.Errorf("the skipped spec is no <skipped>: %+v", c)
	}
}

func ExampleBuild() {
	cat, _ := catalogue.Parse([]byte(clauses))
	report := types.Report{SpecReports: []types.SpecReport{
		spec("[JTB-BID-001] places a bid", types.SpecStatePassed, "", finding("JTB-CTL-003", "status 200 is not documented")),
		spec("[JTB-BID-002] answers 201", types.SpecStateFailed, "expected status 201, got 200"),
		spec("[JTB-PRG-006] progress by another agent is 403", types.SpecStateSkipped, "needs a second agent: set --api-key-b"),
	}}
	run := results.Build(report, cat, results.Options{})
	for _, c := range run.Clauses {
		fmt.Println(c.ID, c.Level, c.Outcome)
	}
	fmt.Println(run.Verdict(false), "/ strict:", run.Verdict(true))
	fmt.Printf("%d of %d specs ran; %d %s\n", run.Ran, run.Total, run.NotRun[0].N, run.NotRun[0].Reason)
	// Output:
	// JTB-PRG-006 MUST skip
	// JTB-PRG-005 SHOULD skip
	// JTB-CTL-003 SHOULD warn
	// JTB-BID-001 MUST pass
	// JTB-BID-002 SHOULD warn
	// pass-with-warnings / strict: fail
	// 2 of 3 specs ran; 1 needs a second agent: set --api-key-b
}
