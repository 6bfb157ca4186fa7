// Package report writes the reports of a `jtb check` run, every one from
// the same outcome model (suites/results) and the same facts about the run
// (Run): the results document (JSON, one per run), the HTML report, the
// Markdown summary for a CI job page, the HAR of every exchange, the JUnit
// report and Ginkgo's JSON report. Each records the jtb version and the
// catalogue it judged by, and each says the verdict the exit code says:
// none can read PASS for a run that exits 1 or 2.
package report

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/jobtobot/jtb/internal/version"
	"github.com/jobtobot/jtb/suites"
	"github.com/jobtobot/jtb/suites/results"
	"github.com/onsi/ginkgo/v2/types"
)

// Run is what the reports of one run are made of. Every string in it is
// redacted already.
type Run struct {
	Model  *results.Run
	Strict bool
	Tool   version.Info
	Target Target
	// Started is when the run began (the preflight's first request).
	Started time.Time
	// Seed is Ginkgo's random seed: --seed with it runs the specs in this
	// run's order again.
	Seed      int64
	Selection results.Selection
	// FocusExpr is --focus as given (Selection.Focus is its regular expressions).
	FocusExpr string
	// Exchanges are the exchanges of the run, redacted (Capture.Entries);
	// nil when none were captured. DroppedExchanges came past the capture's
	// bound and are not in it.
	Exchanges        []suites.Captured
	DroppedExchanges int
	// Ginkgo is Ginkgo's own report of the run, for its JSON report; zero
	// when the preflight refused the run.
	Ginkgo types.Report
}

// Target is the run's target as the reports show it: where, and which
// secrets were set, never their values.
type Target struct {
	BaseURL       string   `json:"baseURL"`
	ControlURL    string   `json:"controlURL,omitempty"`
	Control       string   `json:"control"` // where the control API answered, or why there was none
	InProcessMock bool     `json:"inProcessMock,omitempty"`
	Defects       []string `json:"defects,omitempty"` // the in-process mock's
	APIKey        bool     `json:"apiKey"`            // set, or created through the control API
	APIKeyB       bool     `json:"apiKeyB"`
	ControlToken  bool     `json:"controlToken"`
	// Headers are the --header lines, a value that looks secret redacted.
	Headers  []string `json:"headers,omitempty"`
	ReadOnly bool     `json:"readOnly,omitempty"`
	TLS      string   `json:"tls,omitempty"` // how the target's certificate was checked (https only)
}

// TargetOf describes the target of env; a nil env (the preflight did not
// get so far) takes what the settings say.
func TargetOf(t suites.Target, env *suites.Env) Target {
	out := Target{BaseURL: t.BaseURL, ControlURL: t.ControlURL, APIKey: t.APIKey != "", APIKeyB: t.APIKeyB != "",
		ControlToken: t.ControlToken != "", ReadOnly: t.ReadOnly}
	for _, name := range slices.Sorted(mapKeys(t.Headers)) {
		for _, v := range t.Headers[name] {
			if suites.SecretHeader(name) {
				v = suites.Redacted
			}
			out.Headers = append(out.Headers, name+": "+v)
		}
	}
	if strings.HasPrefix(t.BaseURL, "https:") || strings.HasPrefix(t.ControlURL, "https:") {
		switch {
		case t.Insecure:
			out.TLS = "not verified (--insecure)"
		case t.CACert != "":
			out.TLS = "verified against the system's roots and --ca-cert " + t.CACert
		default:
			out.TLS = "verified against the system's roots"
		}
	}
	if env != nil {
		out.BaseURL, out.ControlURL = env.Target.BaseURL, env.Target.ControlURL
		out.APIKey, out.APIKeyB = env.A != nil, env.B != nil
		out.Control = env.NoControl
		if env.Control != nil {
			out.Control = "control API at " + env.Target.ControlURL + "/_control"
		}
	}
	return out
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// Verdict is the run's verdict.
func (r *Run) Verdict() results.Verdict { return r.Model.Verdict(r.Strict) }

// ExitCode is the exit status the run ends with.
func (r *Run) ExitCode() int { return r.Verdict().ExitCode() }

// Headline is the verdict in a few words, as every report opens with it.
func (r *Run) Headline() string {
	switch r.Verdict() {
	case results.VerdictPass:
		return "PASS"
	case results.VerdictWarnings:
		return "PASS with warnings"
	case results.VerdictFail:
		return "FAIL"
	}
	return "NO VERDICT"
}

// Explanation says what the verdict rests on, in one sentence.
func (r *Run) Explanation() string {
	m := r.Model
	fails, warns := results.IDs(m.With(results.Fail)), results.IDs(m.With(results.Warn))
	switch r.Verdict() {
	case results.VerdictPass:
		return "every selected clause holds"
	case results.VerdictWarnings:
		return "every MUST clause holds; SHOULD clauses warn: " + strings.Join(warns, " ")
	case results.VerdictFail:
		var parts []string
		if len(fails) > 0 {
			parts = append(parts, "MUST clauses fail: "+strings.Join(fails, " "))
		}
		if len(warns) > 0 && r.Strict {
			parts = append(parts, "SHOULD clauses fail the run under --strict: "+strings.Join(warns, " "))
		} else if len(warns) > 0 {
			parts = append(parts, "SHOULD clauses warn: "+strings.Join(warns, " "))
		}
		return strings.Join(parts, "; ")
	}
	switch {
	case m.Abandoned != "":
		return "the run was given up: " + m.Abandoned
	case m.Ran == 0:
		return "no spec ran"
	}
	return "specs could not drive the target, so the run cannot judge it (no MUST clause failed)"
}

// FailsRun says whether a clause makes the run fail.
func (r *Run) FailsRun(c results.Clause) bool {
	return c.Outcome == results.Fail || (r.Strict && c.Outcome == results.Warn)
}

// Row is one line of the summary per area and level: specs by outcome and
// the clauses that did not pass.
type Row struct {
	Area, Level string
	Specs       map[results.Outcome]int
	Clauses     []results.Clause // not passing (fail, warn, error)
}

// Rows is the summary per area and level, sorted, without rows of clauses
// that have no spec in the run.
func (r *Run) Rows() []Row {
	var rows []Row
	index := map[string]int{}
	for _, c := range r.Model.Clauses {
		key := c.AreaLabel + "\x00" + c.Level
		i, ok := index[key]
		if !ok {
			i = len(rows)
			index[key] = i
			rows = append(rows, Row{Area: cmp.Or(c.AreaLabel, "(none)"), Level: c.Level, Specs: map[results.Outcome]int{}})
		}
		for o, n := range c.Specs {
			rows[i].Specs[o] += n
		}
		if c.Outcome == results.Fail || c.Outcome == results.Warn || c.Outcome == results.Error {
			rows[i].Clauses = append(rows[i].Clauses, c)
		}
	}
	rows = slices.DeleteFunc(rows, func(row Row) bool { return len(row.Specs) == 0 && len(row.Clauses) == 0 })
	slices.SortStableFunc(rows, func(a, b Row) int { return cmp.Or(cmp.Compare(a.Area, b.Area), cmp.Compare(a.Level, b.Level)) })
	return rows
}

// Outcomes in the order the reports list them.
var Outcomes = []results.Outcome{results.Pass, results.Fail, results.Warn, results.Error, results.Skip}

// SpecsOf returns the clause's own specs, in the order they ran.
func (r *Run) SpecsOf(id string) []results.Spec {
	var out []results.Spec
	for _, s := range r.Model.Specs {
		if s.Clause == id {
			out = append(out, s)
		}
	}
	return out
}

// FindingSpecs returns the names of the specs that recorded findings of the clause.
func (r *Run) FindingSpecs(id string) []string {
	var out []string
	for _, s := range r.Model.Specs {
		for _, f := range s.Findings {
			if f.Clause == id {
				out = append(out, s.Name())
				break
			}
		}
	}
	return out
}

// ExchangesOf returns the exchanges a spec made, by its name.
func (r *Run) ExchangesOf(spec string) []suites.Captured {
	var out []suites.Captured
	for _, x := range r.Exchanges {
		if x.Spec == spec {
			out = append(out, x)
		}
	}
	return out
}

// Ran says whether any spec of the clause ran (not skipped).
func Ran(c results.Clause) bool {
	for o, n := range c.Specs {
		if o != results.Skip && n > 0 {
			return true
		}
	}
	return false
}
