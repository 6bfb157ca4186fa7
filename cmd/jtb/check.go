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
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/jobtobot/jtb"
	"github.com/jobtobot/jtb/catalogue"
	"github.com/jobtobot/jtb/mockserver"
	"github.com/jobtobot/jtb/suites"
	"github.com/jobtobot/jtb/suites/results"
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
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
// process): the preflight, the specs, then the outcome model printed and
// written to the reports; the exit code is the model's verdict.
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
	cat, err := catalogue.Parse(jtb.CatalogueSpec)
	if o.catalogue != "" {
		var data []byte
		if data, err = os.ReadFile(o.catalogue); err == nil {
			cat, err = catalogue.Parse(data)
		}
		if err != nil {
			err = fmt.Errorf("--catalogue: %w", err)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "jtb check: %v\n", err)
		return exitConfig
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
	env, err := suites.NewEnv(o.target, cat)
	if err != nil {
		fmt.Fprintf(stderr, "jtb check: %s\n", redact.String(err.Error()))
		return exitConfig
	}

	// Ginkgo's own reporter is silenced (its "FAIL! -- N Passed | M
	// Failed" counts a SHOULD spec that only warns as a failure, and would
	// contradict the verdict): jtb prints each spec's mark and, at the end,
	// the outcome model. Ginkgo's errors still reach stderr, redacted.
	errOut := &redactingWriter{w: stderr, redact: redact}
	defer errOut.Flush()
	prevOut, prevErr := formatter.ColorableStdOut, formatter.ColorableStdErr
	formatter.ColorableStdOut, formatter.ColorableStdErr = io.Discard, errOut
	defer func() { formatter.ColorableStdOut, formatter.ColorableStdErr = prevOut, prevErr }()

	registered := suites.Register(env)
	// Building the spec tree first turns a spec bug into a clear error
	// before anything is sent to the target.
	preview := ginkgo.PreviewSpecs("JobToBot Agent API")
	if err := registered.Err(); err != nil {
		fmt.Fprintf(stderr, "jtb check: the specs do not match the catalogue:\n%v\n", err)
		return exitConfig
	}
	if err := suites.CheckCoverage(cat, preview); err != nil {
		fmt.Fprintf(stderr, "jtb check: warning: catalogue and specs are not in step:\n%v\n", err)
	}
	total, selected, err := countSelected(preview, o.labelFilter)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "jtb check: 0 of %d specs ran: --label-filter %q does not parse: %s\n", total, o.labelFilter, err)
		return exitConfig
	case selected == 0:
		fmt.Fprintf(stderr, "jtb check: 0 of %d specs ran: --label-filter %q selects none of them\n", total, o.labelFilter)
		return exitConfig
	}
	if err := env.Connect(ctx); err != nil {
		fmt.Fprintf(stderr, "jtb check: 0 of %d specs ran: %s\n", total, results.OneLine(env.Redactor().String(err.Error())))
		return exitConfig
	}
	redact = env.Redactor()
	errOut.redact = redact
	out := &redactingWriter{w: stdout, redact: redact}
	defer out.Flush()
	fmt.Fprintf(out, "jtb check: %s\n", env.Describe())

	var report types.Report
	marks := 0
	ginkgo.ReportAfterEach(func(sr ginkgo.SpecReport) {
		if m := mark[results.Classify(sr, cat)]; m != "" {
			if marks > 0 && marks%100 == 0 {
				fmt.Fprintln(out)
			}
			fmt.Fprint(out, m)
			marks++
		}
	})
	ginkgo.ReportAfterSuite("jtb check summary", func(r ginkgo.Report) { report = r })
	gomega.RegisterFailHandler(suites.FailHandler)
	suiteConfig, reporterConfig := ginkgo.GinkgoConfiguration()
	suiteConfig.LabelFilter = o.labelFilter
	suiteConfig.Timeout = 10 * time.Minute
	reporterConfig.NoColor = true
	ginkgo.RunSpecs(failRecorder{}, "JobToBot Agent API", suiteConfig, reporterConfig)
	fmt.Fprintln(out)
	// The run's own agents go, and the clock is read again.
	footprint := env.Finish(ctx)

	run := results.Build(report, cat, results.Options{LabelFilter: o.labelFilter, Redact: redact.String})
	run.Footprint = &footprint
	if err := writeReports(report, run, o, redact); err != nil {
		fmt.Fprintf(stderr, "jtb check: %v\n", err)
		return exitConfig
	}
	printRun(out, run, o.strict)
	out.Flush()
	if run.Abandoned != "" {
		// Not a verdict on the target's conformance: the run could not finish.
		fmt.Fprintf(stderr, "jtb check: %s\n", run.Abandoned)
	}
	switch run.Verdict(o.strict) {
	case results.VerdictFail:
		return exitFail
	case results.VerdictNoJudgement:
		return exitConfig
	}
	return exitOK
}

// mark is what the run prints for each finished spec; a skip prints none.
var mark = map[results.Outcome]string{results.Pass: ".", results.Fail: "F", results.Warn: "W", results.Error: "E"}

// countSelected counts the specs of the tree and those the label filter
// selects; a filter that does not parse is an error, said on one line.
func countSelected(preview types.Report, labelFilter string) (total, selected int, err error) {
	keep := func([]string) bool { return true }
	if labelFilter != "" {
		if keep, err = types.ParseLabelFilter(labelFilter); err != nil {
			err = errors.New(results.OneLine(ansi.ReplaceAllString(err.Error(), "")))
		}
	}
	for _, sr := range preview.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		total++
		if err == nil && keep(sr.Labels()) {
			selected++
		}
	}
	return total, selected, err
}

// ansi matches the colour codes Ginkgo puts in its errors.
var ansi = regexp.MustCompile(`\x1b\[[0-9;]*m`)

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

// writeReports writes the JUnit report (from the outcome model) and the
// JSON report (Ginkgo's own, with each spec's outcome and the warnings
// moved out of its failures), every secret redacted.
func writeReports(report types.Report, run *results.Run, o checkOptions, redact suites.Redactor) error {
	write := func(path string, render func(io.Writer) error) error {
		if path == "" {
			return nil
		}
		var b bytes.Buffer
		if err := render(&b); err != nil {
			return fmt.Errorf("report %s: %w", path, err)
		}
		if err := os.WriteFile(path, redact.Bytes(b.Bytes()), 0o644); err != nil {
			return fmt.Errorf("report %s: %w", path, err)
		}
		return nil
	}
	if err := write(o.junitReport, func(w io.Writer) error { return results.WriteJUnit(w, run, o.strict) }); err != nil {
		return err
	}
	return write(o.jsonReport, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode([]types.Report{results.GinkgoReport(report, run, o.strict)})
	})
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
