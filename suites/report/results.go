package report

import (
	"encoding/json"
	"io"
	"time"

	"github.com/jobtobot/jtb/internal/version"
	"github.com/jobtobot/jtb/suites/results"
)

// ResultsSchema names the shape of the results document; a change that
// would break a reader gets a new one.
const ResultsSchema = "jtb-results/v1"

// Results is the results document: one per run, every clause with its
// outcome, the specs behind it and the reasons. docs/REPORTS.md describes
// it field by field.
type Results struct {
	Schema       string          `json:"schema"`
	Tool         version.Info    `json:"tool"`
	Target       Target          `json:"target"`
	StartedAt    time.Time       `json:"startedAt"`
	Duration     float64         `json:"durationSeconds"`
	Seed         int64           `json:"seed"`
	Strict       bool            `json:"strict"`
	Selection    SelectionDoc    `json:"selection"`
	Verdict      results.Verdict `json:"verdict"`
	ExitCode     int             `json:"exitCode"`
	Headline     string          `json:"headline"` // "PASS", "PASS with warnings", "FAIL", "NO VERDICT"
	Why          string          `json:"why"`
	SpecCounts   Counts          `json:"specCounts"`   // specs by outcome
	ClauseCounts Counts          `json:"clauseCounts"` // clauses by outcome
	Ran          int             `json:"ran"`          // specs that ran (not skipped)
	Total        int             `json:"total"`        // specs in the suite
	NotRun       []results.Count `json:"notRun"`       // why the others did not
	// Abandoned says why the run was given up (the preflight refused it,
	// the target stopped answering); "" when it ran to the end.
	Abandoned   string   `json:"abandoned,omitempty"`
	SuiteErrors []string `json:"suiteErrors,omitempty"`
	// Footprint is what the run left on the target and how far it moved
	// its clock; FootprintLines say it as the summary does.
	Footprint      *results.Footprint `json:"footprint,omitempty"`
	FootprintLines []string           `json:"footprintLines,omitempty"`
	Exchanges      int                `json:"exchanges"` // captured, or 0 when none were
	Clauses        []ClauseDoc        `json:"clauses"`   // every clause of the catalogue, in its order
}

// SelectionDoc is what the run selected.
type SelectionDoc struct {
	LabelFilter string   `json:"labelFilter,omitempty"`
	Focus       string   `json:"focus,omitempty"`        // as given
	FocusRegexp []string `json:"focusRegexps,omitempty"` // what Ginkgo matched
}

// Counts are numbers by outcome.
type Counts struct {
	Pass  int `json:"pass"`
	Fail  int `json:"fail"`
	Warn  int `json:"warn"`
	Error int `json:"error"`
	Skip  int `json:"skip"`
}

func (c *Counts) add(o results.Outcome, n int) {
	switch o {
	case results.Pass:
		c.Pass += n
	case results.Fail:
		c.Fail += n
	case results.Warn:
		c.Warn += n
	case results.Error:
		c.Error += n
	case results.Skip:
		c.Skip += n
	}
}

// ClauseDoc is one clause's result.
type ClauseDoc struct {
	ID        string          `json:"id"`
	Level     string          `json:"level"`
	Area      string          `json:"area"`
	AreaLabel string          `json:"areaLabel"`
	Title     string          `json:"title"`
	Quotes    []string        `json:"quotes,omitempty"`   // the page's sentences (MUST)
	Decision  string          `json:"decision,omitempty"` // our decision's reason (SHOULD)
	Outcome   results.Outcome `json:"outcome"`
	FailsRun  bool            `json:"failsRun"` // fail, or warn under --strict
	Specs     []SpecDoc       `json:"specs"`    // its own specs
	// Findings are its departures recorded inside specs that went on, and
	// FindingSpecs the names of those specs.
	Findings     int               `json:"findings"`
	FindingSpecs []string          `json:"findingSpecs,omitempty"`
	Reasons      []string          `json:"reasons,omitempty"`
	Example      *results.Exchange `json:"example,omitempty"` // the first finding's exchange
}

// SpecDoc is one spec's result.
type SpecDoc struct {
	Name    string          `json:"name"`
	Outcome results.Outcome `json:"outcome"`
	// Message: for fail and warn what broke, for error what the spec could
	// not do, for skip the reason.
	Message  string   `json:"message,omitempty"`
	Warnings []string `json:"warnings,omitempty"` // SHOULD departures it holds
	Duration float64  `json:"durationSeconds"`
}

// ResultsOf builds the results document of the run.
func ResultsOf(r *Run) Results {
	m := r.Model
	doc := Results{
		Schema: ResultsSchema, Tool: r.Tool, Target: r.Target, StartedAt: r.Started.UTC(),
		Duration: m.Duration.Seconds(), Seed: r.Seed, Strict: r.Strict,
		Selection: SelectionDoc{LabelFilter: r.Selection.LabelFilter, Focus: r.FocusExpr, FocusRegexp: r.Selection.Focus},
		Verdict:   r.Verdict(), ExitCode: r.ExitCode(), Headline: r.Headline(), Why: r.Explanation(),
		Ran: m.Ran, Total: m.Total, NotRun: m.NotRun, Abandoned: m.Abandoned, SuiteErrors: m.SuiteErrors,
		Exchanges: len(r.Exchanges),
	}
	if m.Footprint != nil {
		doc.Footprint, doc.FootprintLines = m.Footprint, m.Footprint.Lines()
	}
	if doc.NotRun == nil {
		doc.NotRun = []results.Count{}
	}
	for _, s := range m.Specs {
		doc.SpecCounts.add(s.Outcome, 1)
	}
	for _, c := range m.Clauses {
		doc.ClauseCounts.add(c.Outcome, 1)
		cd := ClauseDoc{
			ID: c.ID, Level: c.Level, Area: c.Area, AreaLabel: c.AreaLabel, Title: c.Title,
			Quotes: c.Quotes, Decision: c.Decision, Outcome: c.Outcome, FailsRun: r.FailsRun(c),
			Specs: []SpecDoc{}, Findings: c.Findings, FindingSpecs: r.FindingSpecs(c.ID),
			Reasons: c.Reasons, Example: c.Example,
		}
		for _, s := range r.SpecsOf(c.ID) {
			cd.Specs = append(cd.Specs, SpecDoc{Name: s.Name(), Outcome: s.Outcome, Message: s.Message,
				Warnings: warningsOf(m, s), Duration: s.Duration.Seconds()})
		}
		doc.Clauses = append(doc.Clauses, cd)
	}
	return doc
}

// warningsOf is what Run.Warnings says of a spec but its own warning,
// which is its Message already.
func warningsOf(m *results.Run, s results.Spec) []string {
	w := m.Warnings(s)
	if s.Outcome == results.Warn && len(w) > 0 {
		w = w[1:]
	}
	return w
}

// WriteResults writes the results document as indented JSON.
func WriteResults(w io.Writer, r *Run) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(ResultsOf(r))
}
