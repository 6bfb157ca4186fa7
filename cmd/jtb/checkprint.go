package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/jobtobot/jtb/catalogue"
	"github.com/jobtobot/jtb/suites"
	"github.com/jobtobot/jtb/suites/results"
	"github.com/onsi/ginkgo/v2/types"
)

// printRun prints the outcome model: what failed or could not run, spec by
// spec; the table per area and level; each clause that did not pass, once;
// the verdict; and, last, how many specs ran and why the others did not.
func printRun(w io.Writer, run *results.Run, strict bool) {
	for _, s := range run.Specs {
		tag := ""
		switch {
		case s.Outcome == results.Fail:
			tag = "FAIL"
		case s.Outcome == results.Error:
			tag = "ERROR"
		case s.Outcome == results.Warn && strict:
			tag = "FAIL (SHOULD, --strict)"
		}
		if tag != "" {
			fmt.Fprintf(w, "\n[%s] %s\n%s\n", tag, s.Name(), indent(s.Message))
		}
	}
	for _, e := range run.SuiteErrors {
		fmt.Fprintf(w, "\n[ERROR] %s\n", e)
	}

	fmt.Fprintf(w, "\nSummary (%.1fs)\n", run.Duration.Seconds())
	printTable(w, run)
	for _, c := range run.Clauses {
		if line := clauseLine(c); line != "" {
			fmt.Fprintln(w, line)
		}
	}
	for _, n := range run.NotRun {
		fmt.Fprintf(w, "skipped %d: %s\n", n.N, n.Reason)
	}
	if run.Footprint != nil {
		for _, line := range run.Footprint.Lines() {
			fmt.Fprintln(w, line)
		}
	}
	fmt.Fprintln(w, verdictLine(run, strict))
	fmt.Fprintln(w, ranLine(run))
}

// printTable prints specs per area and level, by outcome, with the clauses
// that did not pass.
func printTable(w io.Writer, run *results.Run) {
	type row struct {
		area, level string
		n           map[results.Outcome]int
		clauses     []string
	}
	rows := map[string]*row{}
	var order []string
	for _, c := range run.Clauses {
		key := c.AreaLabel + "\x00" + c.Level
		r := rows[key]
		if r == nil {
			r = &row{area: cmp.Or(c.AreaLabel, "(none)"), level: c.Level, n: map[results.Outcome]int{}}
			rows[key] = r
			order = append(order, key)
		}
		for o, n := range c.Specs {
			r.n[o] += n
		}
		if c.Outcome != results.Pass && c.Outcome != results.Skip {
			r.clauses = append(r.clauses, c.ID)
		}
	}
	slices.SortStableFunc(order, func(a, b string) int { return cmp.Compare(a, b) })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "AREA\tLEVEL\tPASS\tFAIL\tWARN\tERROR\tSKIP\tCLAUSES NOT PASSING")
	total := map[results.Outcome]int{}
	for _, key := range order {
		r := rows[key]
		if len(r.n) == 0 && len(r.clauses) == 0 {
			continue // a clause with no spec in the tree (a --catalogue out of step)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", r.area, r.level,
			r.n[results.Pass], r.n[results.Fail], r.n[results.Warn], r.n[results.Error], r.n[results.Skip], strings.Join(r.clauses, " "))
		for o, n := range r.n {
			total[o] += n
		}
	}
	fmt.Fprintf(tw, "total\t\t%d\t%d\t%d\t%d\t%d\t\n", total[results.Pass], total[results.Fail], total[results.Warn], total[results.Error], total[results.Skip])
	tw.Flush()
}

// clauseLine is one line for a clause that did not pass: its outcome, ID,
// level and title, then what was seen; "" for a clause that passed or did
// not run.
func clauseLine(c results.Clause) string {
	var seen []string
	if n := c.Specs[results.Fail] + c.Specs[results.Warn]; n > 0 {
		seen = append(seen, fmt.Sprintf("%d of its specs failed", n))
	}
	if c.Findings > 0 {
		seen = append(seen, fmt.Sprintf("%d finding(s) in %d spec(s) that went on", c.Findings, c.FindingSpecs))
	}
	if n := c.Specs[results.Error]; n > 0 {
		seen = append(seen, fmt.Sprintf("%d of its specs could not drive the target", n))
	}
	var tag string
	switch c.Outcome {
	case results.Fail:
		tag = "FAIL "
	case results.Warn:
		tag = "WARN "
	case results.Error:
		tag = "ERROR"
	default:
		return ""
	}
	line := fmt.Sprintf("%s %s (%s) %s: %s", tag, c.ID, c.Level, c.Title, strings.Join(seen, "; "))
	if len(c.Reasons) > 0 {
		line += "; e.g. " + strings.Join(c.Reasons, " | ")
	}
	return line
}

// verdictLine says the verdict and the clauses behind it.
func verdictLine(run *results.Run, strict bool) string {
	fails, warns := results.IDs(run.With(results.Fail)), results.IDs(run.With(results.Warn))
	switch run.Verdict(strict) {
	case results.VerdictPass:
		return "PASS: every selected clause holds"
	case results.VerdictWarnings:
		return fmt.Sprintf("PASS with warnings: every MUST clause holds; %d SHOULD clause(s) warn (%s); --strict would fail them",
			len(warns), strings.Join(warns, " "))
	case results.VerdictFail:
		var parts []string
		if len(fails) > 0 {
			parts = append(parts, fmt.Sprintf("%d MUST clause(s) fail (%s)", len(fails), strings.Join(fails, " ")))
		}
		if len(warns) > 0 && strict {
			parts = append(parts, fmt.Sprintf("%d SHOULD clause(s) fail the run under --strict (%s)", len(warns), strings.Join(warns, " ")))
		} else if len(warns) > 0 {
			parts = append(parts, fmt.Sprintf("%d SHOULD clause(s) warn (%s)", len(warns), strings.Join(warns, " ")))
		}
		return "FAIL: " + strings.Join(parts, "; ")
	}
	switch {
	case run.Abandoned != "":
		return "NO VERDICT: the run was given up: " + run.Abandoned
	case run.Ran == 0:
		return "NO VERDICT: no spec ran"
	}
	return fmt.Sprintf("NO VERDICT: %d spec(s) could not drive the target (ERROR above), so the run cannot judge it; no MUST clause failed", run.Errors+len(run.SuiteErrors))
}

// ranLine says how many specs ran out of how many, and why the rest did not.
func ranLine(run *results.Run) string {
	line := fmt.Sprintf("jtb check: %d of %d specs ran", run.Ran, run.Total)
	if run.Errors > 0 {
		line += fmt.Sprintf(" (%d of them could not drive the target)", run.Errors)
	}
	if len(run.NotRun) == 0 {
		return line + "."
	}
	var why []string
	for _, n := range run.NotRun {
		why = append(why, fmt.Sprintf("%d %s", n.N, n.Reason))
	}
	return fmt.Sprintf("%s; %d did not: %s.", line, run.Total-run.Ran, strings.Join(why, "; "))
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

// printList prints what a run with these filters would run, clause by
// clause in catalogue order: each clause with a selected spec, then its
// specs with what each needs of the target. It is made from the preview of
// the spec tree: nothing is sent anywhere.
func printList(w io.Writer, preview types.Report, cat *catalogue.Catalogue, readOnly bool) {
	bySpec := map[string][]types.SpecReport{}
	total, selected := 0, 0
	for _, sr := range preview.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		total++
		if sr.State == types.SpecStateSkipped || sr.State == types.SpecStatePending {
			continue
		}
		selected++
		id, _ := catalogue.IDOfText(sr.LeafNodeText)
		bySpec[id] = append(bySpec[id], sr)
	}
	ids := make([]string, 0, len(cat.Clauses))
	for _, c := range cat.Clauses {
		ids = append(ids, c.ID)
	}
	for id := range bySpec {
		if _, ok := cat.Clause(id); !ok {
			ids = append(ids, id) // a spec naming a clause outside the catalogue
		}
	}
	clauses, readOnlySkips := 0, 0
	for _, id := range ids {
		specs := bySpec[id]
		if len(specs) == 0 {
			continue
		}
		clauses++
		c, _ := cat.Clause(id)
		fmt.Fprintf(w, "%s %s %s: %s\n", cmp.Or(id, "(none)"), c.Level, c.AreaLabel(), c.Title)
		for _, sr := range specs {
			line := "  " + results.Spec{Text: sr.LeafNodeText, Containers: sr.ContainerHierarchyTexts}.Name()
			var needs []string
			for _, l := range sr.Labels() {
				if slices.Contains([]string{suites.NeedControl, suites.NeedClock, suites.NeedPin, suites.NeedSecondAgent, suites.NeedWrites}, l) {
					needs = append(needs, l)
				}
			}
			if len(needs) > 0 {
				line += "  [needs " + strings.Join(needs, ", ") + "]"
			}
			if readOnly && slices.Contains(needs, suites.NeedWrites) {
				line += " (skipped under --read-only)"
				readOnlySkips++
			}
			fmt.Fprintln(w, line)
		}
	}
	fmt.Fprintf(w, "%d of %d clauses, %d of %d specs selected", clauses, len(cat.Clauses), selected, total)
	if readOnlySkips > 0 {
		fmt.Fprintf(w, " (%d of them skipped under --read-only)", readOnlySkips)
	}
	fmt.Fprintln(w, "; --list sent nothing to the target.")
}
