package explore

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Divergence is a program that makes the target depart from the model, as
// small as shrinking got it, with every exchange of its last run.
type Divergence struct {
	Clause   string       `json:"clause"`
	Level    string       `json:"level"`
	Title    string       `json:"title"`
	Quote    string       `json:"quote"` // the page's words (MUST) or the decision (SHOULD)
	What     string       `json:"what"`
	Steps    []StepReport `json:"steps"`
	Program  Program      `json:"program"`
	Shrunk   bool         `json:"shrunk"`
	Original int          `json:"originalSteps"` // before shrinking
	Trials   int          `json:"shrinkRuns"`
}

// StepReport is one step of a reproduction, as it ran.
type StepReport struct {
	N        int              `json:"n"`
	Text     string           `json:"text"`
	Skipped  string           `json:"skipped,omitempty"`
	Notes    []string         `json:"notes,omitempty"`
	Target   []ExchangeReport `json:"target,omitempty"`
	Model    []ExchangeReport `json:"model,omitempty"`
	Findings []FindingReport  `json:"findings,omitempty"`
}

// ExchangeReport is an exchange as printed: keys redacted, bodies cut.
type ExchangeReport struct {
	Request string `json:"request"` // method, path, caller, key
	Sent    string `json:"sent,omitempty"`
	Status  int    `json:"status"`
	Type    string `json:"contentType,omitempty"`
	Body    string `json:"body"`
}

// FindingReport is one difference of a step.
type FindingReport struct {
	Clause string `json:"clause"`
	Level  string `json:"level"`
	What   string `json:"what"`
}

// excerptLen is how much of a body a reproduction shows.
const excerptLen = 600

func (x *explorer) exchangeReport(ex *Exchange) ExchangeReport {
	if ex == nil {
		return ExchangeReport{Request: "(not sent: no serial order sends it)"}
	}
	req := fmt.Sprintf("%s %s (as %s)", ex.Method, ex.Path, ex.As)
	if ex.Key != "" {
		k := ex.Key
		if len(k) > 60 {
			k = k[:57] + "..."
		}
		req += " Idempotency-Key: " + k
	}
	r := ExchangeReport{Request: x.redact.String(req), Status: ex.Status, Body: x.excerpt(ex.Body)}
	if len(ex.Sent) > 0 {
		r.Sent = x.excerpt(ex.Sent)
	}
	if ex.Header != nil {
		r.Type = ex.Header.Get("Content-Type")
		if ex.Header.Get("Idempotent-Replayed") != "" {
			r.Type += "; Idempotent-Replayed: " + ex.Header.Get("Idempotent-Replayed")
		}
		if w := ex.Header.Get("WWW-Authenticate"); w != "" {
			r.Type += "; WWW-Authenticate: " + w
		}
	}
	if ex.Err != "" {
		r.Body = "no answer: " + x.redact.String(ex.Err)
	}
	return r
}

// excerpt redacts before it cuts, so a cut never leaves part of a secret.
func (x *explorer) excerpt(b []byte) string {
	s := x.redact.String(string(b))
	if len(s) > excerptLen {
		s = s[:excerptLen] + fmt.Sprintf("... (%d bytes)", len(b))
	}
	return s
}

// describe turns an execution that diverged into its reproduction.
func (x *explorer) describe(e *execution, d *divergence) *Divergence {
	title, level, quote := x.quote(d.Clause)
	out := &Divergence{Clause: d.Clause, Level: level, Title: title, Quote: quote, What: x.redact.String(d.What)}
	if e == nil {
		return out
	}
	num := map[int]int{}
	for i, r := range e.records {
		num[r.Step.ID] = i + 1
		for _, g := range r.Step.Group {
			num[g.ID] = i + 1
		}
	}
	names := func(id int) string {
		if n, ok := num[id]; ok {
			return fmt.Sprintf("#%d's", n)
		}
		return fmt.Sprintf("(step %d, removed)", id)
	}
	taskName := func(id int) string { return "the task of step " + strings.TrimSuffix(names(id), "'s") }
	for i, r := range e.records {
		out.Program.Steps = append(out.Program.Steps, r.Step)
		sr := StepReport{N: i + 1, Text: r.Step.label(func(id int) string {
			if r.Step.Op == OpList || r.Step.Op == OpAccept || r.Step.Op == OpReject {
				if id == r.Step.Page || id == r.Step.Bid {
					return "step " + strings.TrimSuffix(names(id), "'s")
				}
			}
			return taskName(id)
		}, agentName), Skipped: r.Skipped, Notes: r.Notes}
		for _, t := range r.Target {
			sr.Target = append(sr.Target, x.exchangeReport(t))
		}
		for _, m := range r.Model {
			sr.Model = append(sr.Model, x.exchangeReport(m))
		}
		for _, f := range r.Findings {
			_, lv, _ := x.quote(f.Clause)
			sr.Findings = append(sr.Findings, FindingReport{Clause: f.Clause, Level: lv, What: x.redact.String(f.What)})
		}
		out.Steps = append(out.Steps, sr)
		if r.Step.ID == d.Step {
			break
		}
	}
	return out
}

// Print writes the summary, and the reproduction of a divergence.
func (r *Result) Print(w io.Writer) {
	if d := r.Divergence; d != nil {
		fmt.Fprintf(w, "\nDIVERGENCE: %s (%s) %s\n", d.Clause, d.Level, d.Title)
		if d.Quote != "" {
			label := "the page says"
			if d.Level != "MUST" {
				label = "our decision"
			}
			fmt.Fprintf(w, "  %s: %s\n", label, d.Quote)
		}
		fmt.Fprintf(w, "  %s\n", d.What)
		switch {
		case d.Shrunk:
			fmt.Fprintf(w, "\nReproduction: %d step(s), shrunk from %d in %d run(s):\n", len(d.Steps), d.Original, d.Trials)
		default:
			fmt.Fprintf(w, "\nReproduction: %d step(s):\n", len(d.Steps))
		}
		for _, s := range d.Steps {
			fmt.Fprintf(w, "\n%d. %s\n", s.N, s.Text)
			if s.Skipped != "" {
				fmt.Fprintf(w, "   skipped: %s\n", s.Skipped)
				continue
			}
			for _, n := range s.Notes {
				fmt.Fprintf(w, "   (%s)\n", n)
			}
			for i := range max(len(s.Target), len(s.Model)) {
				if i < len(s.Target) {
					printExchange(w, "target", s.Target[i])
				}
				if i < len(s.Model) {
					printExchange(w, "model ", s.Model[i])
				}
			}
			for _, f := range s.Findings {
				fmt.Fprintf(w, "   => %s %s: %s\n", f.Clause, f.Level, f.What)
			}
		}
	}
	fmt.Fprintf(w, "\nSummary (%.1fs): %d program(s), %d step(s), %d request(s) to the target, %.0f steps/s; seed %d",
		r.Seconds, r.Programs, r.Steps, r.Requests, r.StepsPerS, r.Seed)
	if r.Strict {
		fmt.Fprint(w, ", --strict")
	}
	if r.Serial {
		fmt.Fprint(w, ", no concurrent groups")
	}
	if r.Workers > 1 {
		fmt.Fprintf(w, ", %d programs at once", r.Workers)
	}
	fmt.Fprintln(w)
	c := r.Coverage
	fmt.Fprintf(w, "Coverage: %d of %d cells of the task state × operation table, %d of %d clauses\n", c.Reached, c.Total, c.AllClauses-len(c.Missing), c.AllClauses)
	fmt.Fprintf(w, "  %-16s", "")
	for _, op := range c.Operations {
		fmt.Fprintf(w, " %9s", strings.TrimSuffix(op, "@group")+map[bool]string{true: "*", false: ""}[strings.HasSuffix(op, "@group")])
	}
	fmt.Fprintln(w)
	for _, st := range c.States {
		fmt.Fprintf(w, "  %-16s", st)
		for _, op := range c.Operations {
			switch n, ok := c.Cells[st+" "+op]; {
			case !cellPossible(st, op):
				fmt.Fprintf(w, " %9s", "")
			case ok:
				fmt.Fprintf(w, " %9d", n)
			default:
				fmt.Fprintf(w, " %9s", "-")
			}
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "  (* in a concurrent group)")
	if len(c.Missing) > 0 {
		fmt.Fprintf(w, "  clauses not reached: %s\n", strings.Join(c.Missing, " "))
	}
	switch f := r.Footprint; {
	case f.Kept:
		fmt.Fprintf(w, "target: created %d task(s) and %d agent(s), kept: the built-in mock ends with the run; moved its clock %ds\n", f.TasksCreated, f.AgentsCreated, f.ClockSeconds)
	case f.TasksCreated+f.AgentsCreated > 0:
		fmt.Fprintf(w, "target: created %d task(s) and %d agent(s), removed %d and %d; moved its clock %ds", f.TasksCreated, f.AgentsCreated, f.TasksRemoved, f.AgentsRemoved, f.ClockSeconds)
		if f.Left != "" {
			fmt.Fprintf(w, "; left the rest: %s", f.Left)
		}
		fmt.Fprintln(w)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	for _, wr := range r.Warnings {
		fmt.Fprintf(w, "warning: %s %s: %d difference(s); e.g. %s\n", wr.Clause, wr.Title, wr.Count, wr.Example)
	}
	switch {
	case r.Divergence != nil:
		fmt.Fprintf(w, "FAIL: the target departs from the model (%s)\n", r.Divergence.Clause)
	case len(r.Warnings) > 0:
		fmt.Fprintln(w, "PASS with warnings: no divergence on what the page fixes; SHOULD differences above")
	default:
		fmt.Fprintln(w, "PASS: no divergence")
	}
}

// Brief is the reproduction as numbered steps and the differences found,
// without the exchanges: for a report that has room for a few lines.
func (r *Result) Brief() string {
	d := r.Divergence
	if d == nil {
		return ""
	}
	var b strings.Builder
	for _, s := range d.Steps {
		fmt.Fprintf(&b, "%d. %s\n", s.N, s.Text)
		for _, f := range s.Findings {
			fmt.Fprintf(&b, "   => %s %s: %s\n", f.Clause, f.Level, f.What)
		}
	}
	fmt.Fprintf(&b, "(jtb explore --seed %d", r.Seed)
	if r.Strict {
		b.WriteString(" --strict")
	}
	b.WriteString(" reproduces it with every exchange)")
	return b.String()
}

func printExchange(w io.Writer, who string, x ExchangeReport) {
	fmt.Fprintf(w, "   %s %s\n", who, x.Request)
	if x.Sent != "" {
		fmt.Fprintf(w, "          sent: %s\n", x.Sent)
	}
	fmt.Fprintf(w, "          -> %d %s %s\n", x.Status, x.Type, x.Body)
}

func sortWarnings(ws []Warning) {
	slices.SortFunc(ws, func(a, b Warning) int { return cmp.Compare(a.Clause, b.Clause) })
}

// Saved is a reproduction written by --save and read by --replay.
type Saved struct {
	Version int     `json:"version"`
	Seed    uint64  `json:"seed"`
	Strict  bool    `json:"strict"`
	Clause  string  `json:"clause"`
	What    string  `json:"what"`
	Program Program `json:"program"`
}

// SavedVersion is the format written.
const SavedVersion = 1

// Save is the saveable form of a divergence.
func (r *Result) Save() (*Saved, error) {
	if r.Divergence == nil {
		return nil, errors.New("explore: no divergence to save")
	}
	return &Saved{Version: SavedVersion, Seed: r.Seed, Strict: r.Strict, Clause: r.Divergence.Clause, What: r.Divergence.What, Program: r.Divergence.Program}, nil
}

// ReadSaved parses a saved reproduction.
func ReadSaved(data []byte) (*Saved, error) {
	var s Saved
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("explore: not a saved reproduction: %w", err)
	}
	if s.Version != SavedVersion {
		return nil, fmt.Errorf("explore: saved reproduction version %d; this jtb reads %d", s.Version, SavedVersion)
	}
	if len(s.Program.Steps) == 0 {
		return nil, errors.New("explore: the saved reproduction has no steps")
	}
	return &s, nil
}

// agents is how many agents the program needs.
func (s *Saved) agents() int {
	n := 1
	var walk func([]Step)
	walk = func(steps []Step) {
		for _, st := range steps {
			n = max(n, st.Agent+1)
			walk(st.Group)
		}
	}
	walk(s.Program.Steps)
	return n
}
