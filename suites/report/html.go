package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/jobtobot/jtb/suites"
	"github.com/jobtobot/jtb/suites/results"
)

//go:embed html.tmpl
var htmlSource string

// htmlTemplate is parsed once per report: a report is written once per
// run, and a package-level template would be a global to initialise.
func htmlTemplate() (*template.Template, error) {
	return template.New("report").Parse(htmlSource)
}

// Bounds of what the HTML report shows of a spec's exchanges.
const (
	htmlMaxExchanges = 20                    // per spec; past it the first 5 and the last 15
	htmlBodyCut      = results.MaxAnswerBody // bytes of each body
)

// WriteHTML writes the run as one self-contained page: inline CSS, no
// script, a Content-Security-Policy that lets it fetch nothing, every text
// escaped by html/template. It opens with the verdict and a table per area
// and level; then each clause (anchored by its ID) with its outcome, the
// page's quote or our decision's reason, its specs and, for each spec that
// did not pass, what the run saw and the exchanges it made, redacted,
// bodies cut.
func WriteHTML(w io.Writer, r *Run) error {
	t, err := htmlTemplate()
	if err != nil {
		return err
	}
	return t.Execute(w, viewOf(r))
}

type htmlView struct {
	*Run
	NotPassing  []results.Clause
	Rows        []rowView
	Counts      Counts
	ClauseViews []clauseView
	StartedText string
	BodyCut     int
}

type rowView struct {
	Area, Level string
	Specs       map[string]int
	Clauses     []results.Clause
}

type clauseView struct {
	results.Clause
	FailsRun     bool
	Ran          bool
	FindingSpecs []string
	Specs        []specView
	// SpecSummary counts the specs by outcome; Open shows them unfolded,
	// for a clause that did not pass.
	SpecSummary string
	Open        bool
}

type specView struct {
	Name      string
	Outcome   results.Outcome
	Message   string
	Warnings  []string
	Exchanges *exchangesView
}

type exchangesView struct {
	List  []string
	Total int
}

func viewOf(r *Run) htmlView {
	v := htmlView{Run: r, StartedText: r.Started.UTC().Format("2006-01-02 15:04:05 MST"), BodyCut: htmlBodyCut}
	for _, o := range []results.Outcome{results.Fail, results.Error, results.Warn} {
		v.NotPassing = append(v.NotPassing, r.Model.With(o)...)
	}
	for _, row := range r.Rows() {
		specs := map[string]int{}
		for o, n := range row.Specs {
			specs[string(o)] = n
		}
		for _, o := range Outcomes {
			specs[string(o)] += 0
		}
		v.Rows = append(v.Rows, rowView{Area: row.Area, Level: row.Level, Specs: specs, Clauses: row.Clauses})
	}
	for _, s := range r.Model.Specs {
		v.Counts.add(s.Outcome, 1)
	}
	for _, c := range r.Model.Clauses {
		cv := clauseView{Clause: c, FailsRun: r.FailsRun(c), Ran: Ran(c), FindingSpecs: r.FindingSpecs(c.ID)}
		for _, s := range r.SpecsOf(c.ID) {
			sv := specView{Name: s.Name(), Outcome: s.Outcome, Message: s.Message, Warnings: warningsOf(r.Model, s)}
			if s.Outcome == results.Fail || s.Outcome == results.Warn || s.Outcome == results.Error {
				sv.Exchanges = exchangesOf(r.ExchangesOf(s.Name()))
			}
			cv.Specs = append(cv.Specs, sv)
		}
		// Specs run in random order; a reader looks them up by name.
		slices.SortStableFunc(cv.Specs, func(a, b specView) int { return strings.Compare(a.Name, b.Name) })
		var counts []string
		for _, o := range Outcomes {
			if n := c.Specs[o]; n > 0 {
				counts = append(counts, fmt.Sprintf("%d %s", n, o))
			}
		}
		cv.SpecSummary = fmt.Sprintf("%d spec(s): %s", len(cv.Specs), strings.Join(counts, ", "))
		cv.Open = c.Outcome != results.Pass && c.Outcome != results.Skip
		v.ClauseViews = append(v.ClauseViews, cv)
	}
	return v
}

func exchangesOf(xs []suites.Captured) *exchangesView {
	if len(xs) == 0 {
		return nil
	}
	view := &exchangesView{Total: len(xs)}
	if len(xs) > htmlMaxExchanges {
		xs = append(slices.Clone(xs[:5]), xs[len(xs)-(htmlMaxExchanges-5):]...)
	}
	for _, x := range xs {
		view.List = append(view.List, ExchangeText(x, htmlBodyCut))
	}
	return view
}

// ExchangeText renders a captured exchange (redacted already) as text:
// the request line and caller, the headers, the bodies cut to cut bytes,
// the status.
func ExchangeText(x suites.Captured, cut int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s (%s API, as %s) at %s, %.1f ms\n", x.Method, x.URL, x.API, x.As, x.Start.UTC().Format("15:04:05.000"), float64(x.Duration.Microseconds())/1000)
	writeHeader(&b, "> ", x.RequestHeader)
	if len(x.RequestBody) > 0 {
		fmt.Fprintf(&b, "> %s\n", results.Cut(string(x.RequestBody), cut))
	}
	if x.Status == 0 {
		fmt.Fprintf(&b, "< no answer: %s", x.Err)
		return b.String()
	}
	fmt.Fprintf(&b, "< %s %d %s\n", x.Proto, x.Status, http.StatusText(x.Status))
	writeHeader(&b, "< ", x.ResponseHeader)
	if len(x.ResponseBody) > 0 {
		fmt.Fprintf(&b, "< %s", results.Cut(string(x.ResponseBody), cut))
	}
	if x.ResponseCut() || x.ResponseTruncated || x.BodiesLeftOut {
		fmt.Fprintf(&b, "\n< (%d bytes in all)", x.ResponseSize)
	}
	return strings.TrimRight(b.String(), "\n")
}

func writeHeader(b *strings.Builder, prefix string, h http.Header) {
	for _, name := range slices.Sorted(mapKeys(h)) {
		for _, v := range h[name] {
			fmt.Fprintf(b, "%s%s: %s\n", prefix, name, v)
		}
	}
}
