package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/jobtobot/jtb/suites/results"
)

// WriteMarkdown writes the run's summary for a CI job page (GitHub's
// $GITHUB_STEP_SUMMARY, a merge request note): the verdict, a table per
// area and level, and each clause that did not pass under a heading of its
// ID, so that the table's links lead to it (GitHub anchors a heading
// "JTB-PAG-010" as #jtb-pag-010).
func WriteMarkdown(w io.Writer, r *Run) error {
	var b strings.Builder
	m := r.Model
	mark := map[string]string{"PASS": "✅", "PASS with warnings": "⚠️", "FAIL": "❌", "NO VERDICT": "⛔"}[r.Headline()]
	fmt.Fprintf(&b, "## %s jtb check: %s\n\n", mark, r.Headline())
	fmt.Fprintf(&b, "%s. Exit code **%d**. %d of %d specs ran", mdText(capitalize(r.Explanation())), r.ExitCode(), m.Ran, m.Total)
	if m.Errors > 0 {
		fmt.Fprintf(&b, " (%d could not drive the target)", m.Errors)
	}
	b.WriteString(".\n\n")
	fmt.Fprintf(&b, "Target `%s`", mdCode(r.Target.BaseURL))
	if r.Target.InProcessMock {
		b.WriteString(" (the in-process reference mock")
		if len(r.Target.Defects) > 0 {
			fmt.Fprintf(&b, " with defects %s", mdCode(strings.Join(r.Target.Defects, ", ")))
		}
		b.WriteString(")")
	}
	fmt.Fprintf(&b, "; %s; seed %d", mdText(r.Target.Control), r.Seed)
	if r.Strict {
		b.WriteString("; `--strict`")
	}
	if r.Selection.LabelFilter != "" {
		fmt.Fprintf(&b, "; `--label-filter %s`", mdCode(r.Selection.LabelFilter))
	}
	if r.FocusExpr != "" {
		fmt.Fprintf(&b, "; `--focus %s`", mdCode(r.FocusExpr))
	}
	fmt.Fprintf(&b, ".\n%s.\n\n", mdText(r.Tool.String()))

	b.WriteString("| area | level | pass | fail | warn | error | skip | clauses not passing |\n")
	b.WriteString("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, row := range r.Rows() {
		var links []string
		for _, c := range row.Clauses {
			links = append(links, fmt.Sprintf("[%s](#%s) %s", c.ID, strings.ToLower(c.ID), c.Outcome))
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %d | %d | %s |\n", row.Area, row.Level,
			row.Specs[results.Pass], row.Specs[results.Fail], row.Specs[results.Warn], row.Specs[results.Error], row.Specs[results.Skip],
			strings.Join(links, ", "))
	}
	if m.Footprint != nil {
		b.WriteString("\n")
		for _, line := range m.Footprint.Lines() {
			fmt.Fprintf(&b, "%s  \n", mdText(line))
		}
	}
	if m.Abandoned != "" {
		fmt.Fprintf(&b, "\n**Given up:** %s\n", mdText(m.Abandoned))
	}
	for _, e := range m.SuiteErrors {
		fmt.Fprintf(&b, "\n**Error outside any spec:** %s\n", mdText(results.OneLine(e)))
	}
	if len(m.NotRun) > 0 {
		b.WriteString("\n**Not run:**\n")
		for _, n := range m.NotRun {
			fmt.Fprintf(&b, "- %d: %s\n", n.N, mdText(n.Reason))
		}
	}

	var shown []results.Clause
	for _, o := range []results.Outcome{results.Fail, results.Error, results.Warn} {
		shown = append(shown, m.With(o)...)
	}
	if len(shown) > 0 {
		b.WriteString("\n### Clauses that did not pass\n")
	}
	for _, c := range shown {
		fmt.Fprintf(&b, "\n### %s\n\n**%s** (%s, %s): %s", c.ID, strings.ToUpper(string(c.Outcome)), c.Level, c.AreaLabel, mdText(c.Title))
		if r.FailsRun(c) {
			b.WriteString(" — fails the run")
		}
		b.WriteString("\n\n")
		switch {
		case len(c.Quotes) > 0:
			fmt.Fprintf(&b, "> The page: %s\n\n", mdText(strings.Join(c.Quotes, " ")))
		case c.Decision != "":
			fmt.Fprintf(&b, "> Our decision: %s\n\n", mdText(c.Decision))
		}
		for _, reason := range c.Reasons {
			fmt.Fprintf(&b, "- %s\n", mdText(reason))
		}
		if n := c.Specs[results.Error]; n > 0 {
			fmt.Fprintf(&b, "- %d spec(s) could not drive the target\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdText keeps text from a target from being read as Markdown or HTML:
// one line, the characters that make emphasis, links, code, tags and
// table cells escaped.
func mdText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>|~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdCode is text for inside backticks: on one line, without backticks.
func mdCode(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "`", "'")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
