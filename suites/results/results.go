package results

import (
	"cmp"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jobtobot/jtb/catalogue"
	"github.com/onsi/ginkgo/v2/types"
)

// Outcome is what became of a spec or a clause.
type Outcome string

const (
	Pass Outcome = "pass"
	// Fail: a MUST clause is broken.
	Fail Outcome = "fail"
	// Warn: a SHOULD clause is broken (our decision where the page is
	// silent); a failure only with --strict.
	Warn Outcome = "warn"
	// Skip: not run; the reason names the missing capability or setting.
	Skip Outcome = "skip"
	// Error: the suite could not drive the target (a setup call failed, a
	// request got no answer); never a verdict on the clause.
	Error Outcome = "error"
)

// Verdict is the run's in one word.
type Verdict string

const (
	VerdictPass     Verdict = "pass"               // every selected clause holds
	VerdictWarnings Verdict = "pass-with-warnings" // every MUST clause holds; SHOULD ones warn
	VerdictFail     Verdict = "fail"               // a MUST clause fails (or a SHOULD one, strict)
	// VerdictNoJudgement: the run could not judge the target (specs that
	// could not drive it, no spec run at all, a run given up midway).
	VerdictNoJudgement Verdict = "cannot-judge"
)

// Run is the outcome model of one run.
type Run struct {
	Specs   []Spec   `json:"specs"`   // in the order they ran
	Clauses []Clause `json:"clauses"` // every clause of the catalogue in its order, then any other a spec named
	// SuiteErrors are failures of nodes outside any spec.
	SuiteErrors []string `json:"suiteErrors,omitempty"`
	// Abandoned says why the run was given up midway; "" if it ran to the end.
	Abandoned string        `json:"abandoned,omitempty"`
	Total     int           `json:"total"`  // specs in the suite
	Ran       int           `json:"ran"`    // specs that ran (not skipped)
	NotRun    []Count       `json:"notRun"` // why the others did not, most common first
	Errors    int           `json:"errors"` // specs that could not drive the target
	Duration  time.Duration `json:"duration"`
	// Footprint is what the run left on the target; the caller sets it
	// once the run has cleaned up (suites.Env.Finish). nil: not known.
	Footprint *Footprint `json:"footprint,omitempty"`
}

// Count is how many specs share one reason.
type Count struct {
	Reason string `json:"reason"`
	N      int    `json:"n"`
}

// Spec is one spec's result.
type Spec struct {
	Clause     string   `json:"clause"`     // the clause its text names
	Text       string   `json:"text"`       // the leaf text, "[JTB-AREA-NNN] ..."
	Containers []string `json:"containers"` // the texts of the containers around it, outermost first
	Labels     []string `json:"labels"`
	Outcome    Outcome  `json:"outcome"`
	// Message is, for fail and warn, the clause's heading (ID, level,
	// title, the page's quote or our decision) then what broke it and where;
	// for an error, what the spec could not do and why; for a skip, the
	// reason. At most MaxText bytes.
	Message  string        `json:"message,omitempty"`
	Findings []Finding     `json:"findings,omitempty"` // recorded in this spec, of any clause
	Duration time.Duration `json:"duration"`
}

// Name is the spec's leaf text with its containers: "[ID] leaf (a / b)".
func (s Spec) Name() string {
	if len(s.Containers) <= 1 {
		return s.Text
	}
	return s.Text + " (" + strings.Join(s.Containers[1:], " / ") + ")"
}

// Clause is one clause's result.
type Clause struct {
	ID        string   `json:"id"`
	Level     string   `json:"level"`
	Area      string   `json:"area"`
	AreaLabel string   `json:"areaLabel"`
	Title     string   `json:"title"`
	Quotes    []string `json:"quotes,omitempty"`   // the page's sentences (MUST)
	Decision  string   `json:"decision,omitempty"` // the reason behind our decision (SHOULD)
	Outcome   Outcome  `json:"outcome"`
	// Specs counts the clause's own specs by outcome.
	Specs map[Outcome]int `json:"specs"`
	// Findings is how many findings of this clause were recorded, in how
	// many specs (of any clause).
	Findings     int `json:"findings"`
	FindingSpecs int `json:"findingSpecs"`
	// Reasons are the distinct first lines of its specs' failures and of
	// its findings, at most maxReasons, first seen first.
	Reasons []string `json:"reasons,omitempty"`
	// Example is the first finding's exchange.
	Example *Exchange `json:"example,omitempty"`
}

// maxReasons is how many distinct finding reasons a clause keeps.
const maxReasons = 3

// Heading is the clause's first lines in any failure text: ID, level, title
// and where it comes from.
func (c Clause) Heading() string {
	h := fmt.Sprintf("%s %s: %s", c.ID, c.Level, c.Title)
	switch {
	case len(c.Quotes) > 0:
		h += "\n  the page: " + strings.Join(quoteEach(c.Quotes), " ")
	case c.Decision != "":
		h += "\n  our decision: " + c.Decision
	}
	return h
}

func quoteEach(qs []string) []string {
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = "“" + q + "”"
	}
	return out
}

// Options of Build.
type Options struct {
	// Selection is the run's: a spec it leaves out is "not selected by
	// --label-filter" (or --focus) rather than "not run".
	Selection Selection
	// Redact hides secrets in every text of the model; nil: none to hide.
	// The suite's own records are redacted already; Ginkgo's and Gomega's
	// failure messages may quote what a target sent.
	Redact func(string) string
}

// Build turns a finished run's report into the outcome model, with the
// clauses of cat.
func Build(r types.Report, cat *catalogue.Catalogue, opts Options) *Run {
	run := &Run{Duration: r.RunTime}
	redact := opts.Redact
	if redact == nil {
		redact = func(s string) string { return s }
	}
	notSelected := opts.Selection.Reasons()
	clauses := map[string]*Clause{}
	clause := func(id string) *Clause {
		if c, ok := clauses[id]; ok {
			return c
		}
		c := newClause(cat, id)
		clauses[id] = c
		return c
	}
	for _, cl := range cat.Clauses {
		clause(cl.ID)
	}
	notRun := map[string]int{}
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			if sr.State.Is(types.SpecStateFailureStates) {
				run.SuiteErrors = append(run.SuiteErrors, Cut(redact(fmt.Sprintf("%s %s: %s", sr.LeafNodeType, sr.LeafNodeText, sr.Failure.Message)), MaxText))
			}
			continue
		}
		id, _ := catalogue.IDOfText(sr.LeafNodeText)
		c := clause(id)
		spec := specOf(sr, c, redact)
		if spec.Outcome == Skip && spec.Message == "" {
			spec.Message = "not run: the run ended early"
			if why := notSelected(sr); why != "" {
				spec.Message = why
			}
		}
		if sr.State == types.SpecStateAborted && run.Abandoned == "" {
			run.Abandoned = OneLine(redact(sr.Failure.Message))
		}
		run.Total++
		switch spec.Outcome {
		case Skip:
			notRun[spec.Message]++
		case Error:
			run.Errors++
			run.Ran++
		default:
			run.Ran++
		}
		c.Specs[spec.Outcome]++
		if spec.Outcome == Fail || spec.Outcome == Warn {
			c.Reasons = appendReason(c.Reasons, firstLine(redact(sr.Failure.Message)))
		}
		counted := map[string]bool{}
		for _, f := range spec.Findings {
			fc := clause(f.Clause)
			fc.Findings++
			fc.Reasons = appendReason(fc.Reasons, f.Reason)
			if fc.Example == nil {
				fc.Example = f.Exchange
			}
			if !counted[f.Clause] {
				counted[f.Clause] = true
				fc.FindingSpecs++
			}
		}
		run.Specs = append(run.Specs, spec)
	}
	for _, cl := range cat.Clauses {
		run.Clauses = append(run.Clauses, *clauses[cl.ID])
		delete(clauses, cl.ID)
	}
	for _, id := range sortedKeys(clauses) { // named by a spec or a finding, not in the catalogue
		run.Clauses = append(run.Clauses, *clauses[id])
	}
	for i := range run.Clauses {
		run.Clauses[i].Outcome = run.Clauses[i].outcome()
	}
	for reason, n := range notRun {
		run.NotRun = append(run.NotRun, Count{reason, n})
	}
	slices.SortFunc(run.NotRun, func(a, b Count) int { return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Reason, b.Reason)) })
	return run
}

func newClause(cat *catalogue.Catalogue, id string) *Clause {
	c := &Clause{ID: id, Specs: map[Outcome]int{}}
	if cl, ok := cat.Clause(id); ok {
		c.Level, c.Area, c.AreaLabel, c.Title = cl.Level, cl.Area, cl.AreaLabel(), cl.Title
		c.Quotes = cl.Seed
		if cl.Level == catalogue.Should {
			c.Decision = cl.Why
		}
		return c
	}
	// A clause the catalogue does not hold (a --catalogue without it, or a
	// spec naming none): findings are SHOULD ones, a spec's failure counts.
	c.Level, c.Title = catalogue.Should, "(not in the catalogue)"
	if id == "" {
		c.ID, c.Level, c.Title = "(none)", catalogue.Must, "(a spec that names no clause)"
	}
	c.Area, _ = catalogue.AreaOfID(id)
	c.AreaLabel = catalogue.AreaLabels()[c.Area]
	return c
}

// outcome of a clause from its specs and findings: a departure seen
// anywhere wins over an error, an error over a pass, a pass over a skip.
func (c *Clause) outcome() Outcome {
	broken := c.Specs[Fail] > 0 || c.Specs[Warn] > 0 || c.Findings > 0
	switch {
	case broken && c.Level == catalogue.Must:
		return Fail
	case broken:
		return Warn
	case c.Specs[Error] > 0:
		return Error
	case c.Specs[Pass] > 0:
		return Pass
	}
	return Skip
}

// Classify is the outcome of one finished spec, for a reporter that
// follows the run spec by spec.
func Classify(sr types.SpecReport, cat *catalogue.Catalogue) Outcome {
	id, _ := catalogue.IDOfText(sr.LeafNodeText)
	return specOf(sr, newClause(cat, id), func(s string) string { return s }).Outcome
}

// specOf classifies one spec of clause c.
func specOf(sr types.SpecReport, c *Clause, redact func(string) string) Spec {
	spec := Spec{
		Clause: c.ID, Text: sr.LeafNodeText, Containers: sr.ContainerHierarchyTexts,
		Labels: sr.Labels(), Duration: sr.RunTime,
	}
	var setup *SetupError
	for _, e := range sr.ReportEntries {
		switch e.Name {
		case FindingEntry:
			if f, ok := decodeEntry[Finding](e); ok {
				f.Reason = redact(f.Reason)
				if f.Exchange != nil {
					x := *f.Exchange
					x.Path, x.RequestBody, x.Body = redact(x.Path), redact(x.RequestBody), redact(x.Body)
					f.Exchange = &x
				}
				spec.Findings = append(spec.Findings, f)
			}
		case ErrorEntry:
			if se, ok := decodeEntry[SetupError](e); ok && setup == nil {
				setup = &se
			}
		}
	}
	msg := redact(sr.Failure.Message)
	switch {
	case sr.State == types.SpecStatePassed:
		spec.Outcome = Pass
	case sr.State == types.SpecStateSkipped || sr.State == types.SpecStatePending:
		spec.Outcome, spec.Message = Skip, OneLine(msg)
	case setup != nil:
		spec.Outcome = Error
		spec.Message = Cut(redact("ERROR (the suite could not drive the target; no verdict on "+c.ID+"): "+setup.String()), MaxText)
	case sr.State.Is(types.SpecStateAborted | types.SpecStateInterrupted | types.SpecStateTimedout | types.SpecStatePanicked):
		spec.Outcome = Error
		spec.Message = Cut(fmt.Sprintf("ERROR (the spec %s; no verdict on %s): %s", sr.State, c.ID, msg), MaxText)
	default: // failed: the target broke the spec's clause
		spec.Outcome = Fail
		if c.Level == catalogue.Should {
			spec.Outcome = Warn
		}
		where := ""
		if loc := sr.Failure.Location; loc.FileName != "" {
			where = fmt.Sprintf("\n  at %s:%d", shortPath(loc.FileName), loc.LineNumber)
		}
		head := c.Heading() + "\n"
		spec.Message = head + Cut(msg, MaxText-len(head)-len(where)) + where
		spec.Message = Cut(spec.Message, MaxText)
	}
	return spec
}

// decodeEntry reads an entry's value, whether it holds the Go value itself
// (a run in this process) or only its JSON (a report read back).
func decodeEntry[T any](e types.ReportEntry) (T, bool) {
	if v, ok := e.GetRawValue().(T); ok {
		return v, true
	}
	var v T
	err := json.Unmarshal([]byte(e.Value.AsJSON), &v)
	return v, err == nil
}

func shortPath(p string) string {
	dir, file := filepath.Split(p)
	return filepath.Join(filepath.Base(dir), file)
}

// exchangeLine opens the rendering of an exchange in a message.
var exchangeLine = regexp.MustCompile(`^\s+(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \S+ \(as `)

// firstLine is what a failure message says before the exchange it shows,
// on one line: a Gomega message spreads "Expected <x> to equal <y>" over
// several.
func firstLine(s string) string {
	var kept []string
	for _, line := range strings.Split(Cut(s, 600), "\n") {
		if exchangeLine.MatchString(line) {
			break
		}
		kept = append(kept, line)
	}
	return Cut(strings.Join(strings.Fields(strings.Join(kept, " ")), " "), 160)
}

func appendReason(reasons []string, r string) []string {
	if r == "" || len(reasons) >= maxReasons || slices.Contains(reasons, r) {
		return reasons
	}
	return append(reasons, r)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Verdict is the run's verdict. strict makes a warning a failure.
func (r *Run) Verdict(strict bool) Verdict {
	switch {
	case r.Abandoned != "":
		return VerdictNoJudgement
	case len(r.Failing(strict)) > 0:
		return VerdictFail
	case len(r.SuiteErrors) > 0 || r.Errors > 0 || r.Ran == 0:
		return VerdictNoJudgement
	case len(r.With(Warn)) > 0:
		return VerdictWarnings
	}
	return VerdictPass
}

// ExitCode is the exit status of jtb check for the verdict: 0 when every
// MUST clause holds (warnings or not), 1 when a clause fails the run, 2
// when the run cannot judge the target.
func (v Verdict) ExitCode() int {
	switch v {
	case VerdictPass, VerdictWarnings:
		return 0
	case VerdictFail:
		return 1
	}
	return 2
}

// Failing returns the clauses that fail the run: the failed ones, and with
// strict the warned ones too.
func (r *Run) Failing(strict bool) []Clause {
	out := r.With(Fail)
	if strict {
		out = append(out, r.With(Warn)...)
	}
	return out
}

// With returns the clauses with this outcome, in catalogue order.
func (r *Run) With(o Outcome) []Clause {
	var out []Clause
	for _, c := range r.Clauses {
		if c.Outcome == o {
			out = append(out, c)
		}
	}
	return out
}

// IDs returns the clauses' IDs.
func IDs(cs []Clause) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// Clause returns the result of the clause with this ID.
func (r *Run) Clause(id string) (Clause, bool) {
	for _, c := range r.Clauses {
		if c.ID == id {
			return c, true
		}
	}
	return Clause{}, false
}

// Warnings returns the SHOULD departures a spec holds, each a text of at
// most MaxText bytes opening with its clause's heading: the spec's own
// warning (a SHOULD spec that failed) and the findings recorded in it.
func (r *Run) Warnings(s Spec) []string {
	var out []string
	if s.Outcome == Warn {
		out = append(out, s.Message)
	}
	for _, f := range s.Findings {
		head := f.Clause
		if c, ok := r.Clause(f.Clause); ok {
			head = c.Heading()
		}
		text := head + "\n  found by this spec, which went on: " + f.Reason
		if f.Exchange != nil {
			text += "\n" + f.Exchange.String()
		}
		out = append(out, Cut(text, MaxText))
	}
	return out
}

// Ginkgo report entries jtb adds to the copy of Ginkgo's report it writes.
const (
	OutcomeEntry = "jtb-outcome" // the spec's outcome
	WarningEntry = "jtb-warning" // the failure of a SHOULD spec that only warns
)

// GinkgoReport returns a copy of Ginkgo's report that agrees with the run:
// each spec carries its outcome (OutcomeEntry), and without strict a SHOULD
// spec that failed (a warning) reads passed, its failure message moved to a
// WarningEntry, so the report's failed specs are what fails the run. r is
// the report run was built from.
func GinkgoReport(r types.Report, run *Run, strict bool) types.Report {
	out := r
	out.SpecReports = slices.Clone(r.SpecReports)
	k := 0
	for i, sr := range out.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt || k >= len(run.Specs) {
			continue
		}
		spec := run.Specs[k]
		k++
		sr.ReportEntries = append(slices.Clone(sr.ReportEntries), types.ReportEntry{
			Name: OutcomeEntry, Time: sr.EndTime, Location: sr.LeafNodeLocation,
			Value: types.WrapEntryValue(string(spec.Outcome)),
		})
		if spec.Outcome == Warn && !strict {
			sr.ReportEntries = append(sr.ReportEntries, types.ReportEntry{
				Name: WarningEntry, Time: sr.EndTime, Location: sr.Failure.Location,
				Value: types.WrapEntryValue(spec.Message),
			})
			sr.State, sr.Failure = types.SpecStatePassed, types.Failure{}
		}
		out.SpecReports[i] = sr
	}
	out.SuiteSucceeded = run.Verdict(strict) == VerdictPass || run.Verdict(strict) == VerdictWarnings
	return out
}

// Refused is the report of a run the preflight refused, made from the
// preview of its spec tree: no spec ran; each the selection kept is
// skipped with the reason, the others stay not selected. Build turns it
// into a run without a verdict, which the reports can still be written of.
func Refused(preview types.Report, reason string) types.Report {
	out := preview
	out.SpecReports = nil
	for _, sr := range preview.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		msg := reason
		if sr.State == types.SpecStateSkipped {
			msg = "" // not selected: Build says by which filter
		}
		sr.State, sr.Failure, sr.RunTime = types.SpecStateSkipped, types.Failure{Message: msg}, 0
		out.SpecReports = append(out.SpecReports, sr)
	}
	out.SuiteSucceeded, out.RunTime = false, 0
	return out
}
