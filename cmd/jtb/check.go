package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jobtobot/jtb/catalogue"
	"github.com/jobtobot/jtb/mockserver"
	"github.com/jobtobot/jtb/suites"
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"
)

// checkOptions are the flags of jtb check.
type checkOptions struct {
	target      suites.Target
	labelFilter string
	junitReport string
	jsonReport  string
	strict      bool
	defects     repeated
	noControl   bool
	catalogue   string
}

func parseCheckFlags(args []string, getenv func(string) string, stderr io.Writer) (checkOptions, error) {
	var o checkOptions
	env, err := suites.TargetFromEnv(getenv)
	if err != nil {
		return o, err
	}
	if env.Timeout == 0 {
		env.Timeout = suites.DefaultTimeout
	}
	fs := flag.NewFlagSet("jtb check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.target.BaseURL, "base-url", env.BaseURL, "Agent API base URL (env "+suites.EnvBaseURL+"); none: an in-process mock")
	// Secrets get no flag default: -h prints defaults, and it must not print
	// a key or token taken from the environment. They fall back after parsing.
	fs.StringVar(&o.target.APIKey, "api-key", "", "agent API key (env "+suites.EnvAPIKey+")")
	fs.StringVar(&o.target.APIKeyB, "api-key-b", "", "a second agent's API key (env "+suites.EnvAPIKeyB+")")
	fs.StringVar(&o.target.ControlURL, "control-url", env.ControlURL, "URL serving /_control/... (env "+suites.EnvControlURL+"); default the base URL")
	fs.StringVar(&o.target.ControlToken, "control-token", "", "control API bearer token (env "+suites.EnvControlToken+")")
	fs.BoolVar(&o.target.ReadOnly, "read-only", false, "run only specs that write nothing to the target")
	fs.DurationVar(&o.target.Timeout, "timeout", env.Timeout, "timeout of each request, the preflight's included (env "+suites.EnvTimeout+")")
	fs.StringVar(&o.labelFilter, "label-filter", "", "ginkgo label filter, e.g. 'discovery && must' or '!clock'")
	fs.StringVar(&o.junitReport, "junit-report", "", "write a JUnit XML report to this file")
	fs.StringVar(&o.jsonReport, "json-report", "", "write a JSON report to this file")
	fs.BoolVar(&o.strict, "strict", false, "SHOULD failures also fail the run")
	fs.Var(&o.defects, "defect", "in-process mock only: break one rule (repeatable; see jtb mock --defect list)")
	fs.BoolVar(&o.noControl, "no-control", false, "in-process mock only: disable its control API")
	fs.StringVar(&o.catalogue, "catalogue", "", "check the specs against this clause catalogue instead of the built-in one")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	o.target.APIKey = cmp.Or(o.target.APIKey, env.APIKey)
	o.target.APIKeyB = cmp.Or(o.target.APIKeyB, env.APIKeyB)
	o.target.ControlToken = cmp.Or(o.target.ControlToken, env.ControlToken)
	if o.target.Timeout <= 0 {
		return o, fmt.Errorf("--timeout %s: want a positive duration", o.target.Timeout)
	}
	if o.target.BaseURL != "" && (len(o.defects) > 0 || o.noControl) {
		return o, errors.New("--defect and --no-control apply only to the in-process mock (no --base-url)")
	}
	if o.target.BaseURL == "" && o.target.APIKey != "" {
		return o, errors.New("--api-key without --base-url: the in-process mock uses its own keys")
	}
	return o, nil
}

// runCheck runs the conformance suite once (Ginkgo runs one suite per
// process) and prints a summary per area and level.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseCheckFlags(args, os.Getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK // -h asked for the flags, and got them
	}
	if err != nil {
		fmt.Fprintf(stderr, "jtb check: %v\n", err)
		return exitConfig
	}
	redact := o.target.Redactor()
	var cat *catalogue.Catalogue
	if o.catalogue != "" {
		data, err := os.ReadFile(o.catalogue)
		if err == nil {
			cat, err = catalogue.Parse(data)
		}
		if err != nil {
			fmt.Fprintf(stderr, "jtb check: --catalogue: %v\n", err)
			return exitConfig
		}
	}
	if o.target.BaseURL == "" {
		stop, target, err := startMock(o)
		if err != nil {
			fmt.Fprintf(stderr, "jtb check: %v\n", err)
			return exitConfig
		}
		defer stop()
		o.target.BaseURL, o.target.APIKey, o.target.APIKeyB = target.BaseURL, target.APIKey, target.APIKeyB
		fmt.Fprintf(stdout, "jtb check: in-process reference mock at %s", target.BaseURL)
		if len(o.defects) > 0 {
			fmt.Fprintf(stdout, " with defects %s", strings.Join(o.defects, ", "))
		}
		fmt.Fprintln(stdout)
	}
	env, err := suites.Connect(ctx, o.target)
	if err != nil {
		fmt.Fprintf(stderr, "jtb check: %s\n", redact.String(err.Error()))
		return exitConfig
	}
	redact = env.Redactor()
	fmt.Fprintf(stdout, "jtb check: %s\n", redact.String(env.Describe()))
	if cat != nil {
		env.Catalogue = cat
	}

	// Ginkgo prints failures itself, straight to standard output: route
	// that through the redactor too, a line at a time so no secret is split.
	ginkgoOut := &redactingWriter{w: stdout, redact: redact}
	defer ginkgoOut.Flush()
	prevOut, prevErr := formatter.ColorableStdOut, formatter.ColorableStdErr
	formatter.ColorableStdOut, formatter.ColorableStdErr = ginkgoOut, &redactingWriter{w: stderr, redact: redact}
	defer func() { formatter.ColorableStdOut, formatter.ColorableStdErr = prevOut, prevErr }()

	registered := suites.Register(env)
	// Building the spec tree first turns a spec bug into a clear error
	// before anything is sent to the target.
	preview := ginkgo.PreviewSpecs("JobToBot Agent API")
	if err := registered.Err(); err != nil {
		fmt.Fprintf(stderr, "jtb check: the specs do not match the catalogue:\n%v\n", err)
		return exitConfig
	}
	if err := suites.CheckCoverage(env.Catalogue, preview); err != nil {
		fmt.Fprintf(stderr, "jtb check: warning: catalogue and specs are not in step:\n%v\n", err)
	}
	var report types.Report
	ginkgo.ReportAfterSuite("jtb check summary", func(r ginkgo.Report) { report = r })
	gomega.RegisterFailHandler(ginkgo.Fail)
	suiteConfig, reporterConfig := ginkgo.GinkgoConfiguration()
	suiteConfig.LabelFilter = o.labelFilter
	suiteConfig.Timeout = 10 * time.Minute
	reporterConfig.Succinct = true
	reporterConfig.NoColor = true
	reporterConfig.SilenceSkips = true
	start := time.Now()
	ginkgo.RunSpecs(failRecorder{}, "JobToBot Agent API", suiteConfig, reporterConfig)
	elapsed := time.Since(start)
	ginkgoOut.Flush()

	if err := writeReports(report, o, redact); err != nil {
		fmt.Fprintf(stderr, "jtb check: %v\n", err)
		return exitConfig
	}
	s := summarize(report, env.Catalogue)
	s.print(stdout, redact, elapsed)
	if s.abandoned != "" {
		// Not a verdict on the target's conformance: the run could not finish.
		fmt.Fprintf(stderr, "jtb check: %s\n", redact.String(s.abandoned))
		return exitConfig
	}
	switch {
	case s.mustFailed > 0 || s.otherFailed > 0:
		return exitFail
	case s.shouldFailed > 0 && o.strict:
		fmt.Fprintln(stdout, "SHOULD failures fail the run (--strict).")
		return exitFail
	}
	return exitOK
}

// failRecorder is the testing.T Ginkgo wants; the summary, not it, decides
// the exit code.
type failRecorder struct{}

func (failRecorder) Fail() {}

// startMock serves the reference mock on a loopback port.
func startMock(o checkOptions) (stop func(), target suites.Target, err error) {
	m, err := mockserver.New(mockserver.Options{Defects: o.defects, DisableControl: o.noControl})
	if err != nil {
		return nil, target, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		m.Close()
		return nil, target, err
	}
	srv := &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	keys := m.AgentKeys()
	target = suites.Target{BaseURL: "http://" + ln.Addr().String()}
	if len(keys) > 0 {
		target.APIKey = keys[0]
	}
	if len(keys) > 1 {
		target.APIKeyB = keys[1]
	}
	return func() { srv.Close(); m.Close() }, target, nil
}

// writeReports writes the JUnit and JSON reports with every secret redacted.
func writeReports(report types.Report, o checkOptions, redact suites.Redactor) error {
	write := func(path string, generate func(string) error) error {
		if path == "" {
			return nil
		}
		if err := generate(path); err != nil {
			return fmt.Errorf("report %s: %w", path, err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(path, redact.Bytes(data), 0o644)
	}
	err := write(o.junitReport, func(p string) error {
		return reporters.GenerateJUnitReportWithConfig(report, p, reporters.JunitReportConfig{OmitLeafNodeType: true})
	})
	if err != nil {
		return err
	}
	return write(o.jsonReport, func(p string) error { return reporters.GenerateJSONReport(report, p) })
}

// tally counts one area and level.
type tally struct {
	area, level             string
	passed, failed, skipped int
	failing                 []string
}

type summary struct {
	rows                                  []*tally
	mustFailed, shouldFailed, otherFailed int
	skipReasons                           map[string]int
	failures                              []string
	abandoned                             string // why the run was given up, "" if it ran to the end
	// SHOULD findings (report entries suites.FindingEntry) by clause:
	// answers that broke only inferred parts of openapi.yaml
	// (suites.FindingClause) and failed should() checks inside specs of
	// other clauses. Each spec holding findings of a clause counts as a
	// SHOULD failure of that clause.
	findings map[string]*findingTally
}

// findingTally counts the findings of one SHOULD clause.
type findingTally struct {
	entries, specs int    // findings, and the specs holding them
	example        string // the first finding's reason
}

func summarize(r types.Report, cat *catalogue.Catalogue) summary {
	s := summary{skipReasons: map[string]int{}}
	rows := map[string]*tally{}
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			if sr.State.Is(types.SpecStateFailureStates) {
				s.otherFailed++
				s.failures = append(s.failures, fmt.Sprintf("%s %s: %s", sr.LeafNodeType, sr.LeafNodeText, sr.Failure.Message))
			}
			continue
		}
		m := catalogue.IDInText.FindStringSubmatch(sr.LeafNodeText)
		var cl catalogue.Clause
		if m != nil {
			cl, _ = cat.Clause(m[1])
		}
		key := cl.Area + " " + cl.Level
		t := rows[key]
		if t == nil {
			t = &tally{area: cl.AreaLabel(), level: cl.Level}
			rows[key] = t
		}
		switch {
		case sr.State == types.SpecStatePassed:
			t.passed++
		case sr.State == types.SpecStateAborted && s.abandoned == "":
			s.abandoned = sr.Failure.Message
			fallthrough
		case sr.State.Is(types.SpecStateFailureStates):
			t.failed++
			if !slices.Contains(t.failing, cl.ID) {
				t.failing = append(t.failing, cl.ID)
			}
			if cl.Level == catalogue.Should {
				s.shouldFailed++
			} else {
				s.mustFailed++
			}
		default:
			t.skipped++
			reason := sr.Failure.Message
			if reason == "" {
				reason = "not selected by --label-filter"
			}
			s.skipReasons[reason]++
		}
	}
	s.countFindings(r, cat, rows)
	for _, t := range rows {
		slices.Sort(t.failing)
		s.rows = append(s.rows, t)
	}
	slices.SortFunc(s.rows, func(a, b *tally) int { return cmp.Or(cmp.Compare(a.area, b.area), cmp.Compare(a.level, b.level)) })
	return s
}

// countFindings counts the findings of every spec as SHOULD failures of
// their clauses, each in its clause's row. A spec holding findings of its
// own clause that failed anyway is not counted twice.
func (s *summary) countFindings(r types.Report, cat *catalogue.Catalogue, rows map[string]*tally) {
	s.findings = map[string]*findingTally{}
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		var own string
		if m := catalogue.IDInText.FindStringSubmatch(sr.LeafNodeText); m != nil {
			own = m[1]
		}
		var clauses []string // of this spec, in order
		for _, e := range sr.ReportEntries {
			if e.Name != suites.FindingEntry {
				continue
			}
			f := findingOf(e)
			ft := s.findings[f.Clause]
			if ft == nil {
				ft = &findingTally{example: f.Summary()}
				s.findings[f.Clause] = ft
			}
			ft.entries++
			if !slices.Contains(clauses, f.Clause) {
				clauses = append(clauses, f.Clause)
				ft.specs++
			}
		}
		for _, id := range clauses {
			if id == own && sr.State.Is(types.SpecStateFailureStates) {
				continue
			}
			cl, ok := cat.Clause(id)
			if !ok { // a --catalogue without it: a finding is still a SHOULD one
				cl = catalogue.Clause{ID: id, Area: areaOf(id), Level: catalogue.Should}
			}
			s.shouldFailed++
			key := cl.Area + " " + cl.Level
			t := rows[key]
			if t == nil {
				t = &tally{area: cl.AreaLabel(), level: cl.Level}
				rows[key] = t
			}
			t.failed++
			if !slices.Contains(t.failing, cl.ID) {
				t.failing = append(t.failing, cl.ID)
			}
		}
	}
}

// areaOf is the area of a clause ID (JTB-AREA-NNN).
func areaOf(id string) string {
	parts := strings.Split(id, "-")
	if len(parts) == 3 {
		return parts[1]
	}
	return ""
}

// findingOf reads a finding entry, whether it holds the suites.Finding
// itself or only its JSON (a report read back). An entry with no clause is
// one of suites.FindingClause (reports of older runs).
func findingOf(e types.ReportEntry) suites.Finding {
	f, ok := e.GetRawValue().(suites.Finding)
	if !ok {
		if json.Unmarshal([]byte(e.Value.AsJSON), &f) != nil || f.Reason == "" {
			first, _, _ := strings.Cut(e.StringRepresentation(), "\n")
			f = suites.Finding{Reason: first}
		}
	}
	if f.Clause == "" {
		f.Clause = suites.FindingClause
	}
	return f
}

func (s summary) print(w io.Writer, redact suites.Redactor, elapsed time.Duration) {
	fmt.Fprintf(w, "\nSummary (%.1fs)\n", elapsed.Seconds())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "AREA\tLEVEL\tPASSED\tFAILED\tSKIPPED\tFAILING CLAUSES")
	var total tally
	for _, t := range s.rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\n", t.area, t.level, t.passed, t.failed, t.skipped, strings.Join(t.failing, " "))
		total.passed, total.failed, total.skipped = total.passed+t.passed, total.failed+t.failed, total.skipped+t.skipped
	}
	fmt.Fprintf(tw, "total\t\t%d\t%d\t%d\t\n", total.passed, total.failed, total.skipped)
	tw.Flush()
	reasons := make([]string, 0, len(s.skipReasons))
	for r := range s.skipReasons {
		reasons = append(reasons, r)
	}
	slices.Sort(reasons)
	for _, r := range reasons {
		fmt.Fprintf(w, "skipped %d: %s\n", s.skipReasons[r], redact.String(r))
	}
	for _, f := range s.failures {
		fmt.Fprintln(w, redact.String(f))
	}
	ids := slices.Sorted(maps.Keys(s.findings))
	for _, id := range ids {
		f := s.findings[id]
		if id == suites.FindingClause {
			fmt.Fprintf(w, "SHOULD %s: %d answer(s), in %d spec(s), break only inferred parts of openapi.yaml (x-jtb-inferred); "+
				"the table counts each such spec as a failure of %s beside its own result; e.g. %s\n",
				id, f.entries, f.specs, id, redact.String(f.example))
			continue
		}
		fmt.Fprintf(w, "SHOULD %s: %d check(s), in %d spec(s), depart from this decision; "+
			"the table counts each such spec as a failure of %s beside its own result; e.g. %s\n",
			id, f.entries, f.specs, id, redact.String(f.example))
	}
	switch {
	case s.mustFailed > 0 || s.otherFailed > 0:
		fmt.Fprintf(w, "FAIL: %d MUST spec(s) failed, %d SHOULD spec(s) failed\n", s.mustFailed, s.shouldFailed)
	case s.shouldFailed > 0:
		fmt.Fprintf(w, "PASS with warnings: every MUST clause holds; %d SHOULD spec(s) failed\n", s.shouldFailed)
	default:
		fmt.Fprintln(w, "PASS: every selected clause holds")
	}
}

// redactingWriter redacts what passes through it a line at a time, so a
// secret split across two writes is still hidden. Flush writes the rest.
type redactingWriter struct {
	w       io.Writer
	redact  suites.Redactor
	pending []byte
}

func (r *redactingWriter) Write(p []byte) (int, error) {
	r.pending = append(r.pending, p...)
	if i := bytes.LastIndexByte(r.pending, '\n'); i >= 0 {
		_, err := r.w.Write(r.redact.Bytes(r.pending[:i+1]))
		r.pending = append(r.pending[:0], r.pending[i+1:]...)
		if err != nil {
			return len(p), err
		}
	}
	return len(p), nil
}

// Flush writes what is left after the last newline.
func (r *redactingWriter) Flush() {
	if len(r.pending) > 0 {
		r.w.Write(r.redact.Bytes(r.pending))
		r.pending = r.pending[:0]
	}
}
