package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jobtobot/jtb"
	"github.com/jobtobot/jtb/catalogue"
	"github.com/jobtobot/jtb/internal/version"
	"github.com/jobtobot/jtb/mockserver"
	"github.com/jobtobot/jtb/suites"
	"github.com/jobtobot/jtb/suites/report"
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
	focus       string
	list        bool
	seed        int64
	seedSet     bool
	reports     reportPaths
	strict      bool
	defects     repeated
	noControl   bool
	catalogue   string
	explore     time.Duration
}

func parseCheckFlags(args []string, getenv func(string) string, stderr io.Writer) (checkOptions, error) {
	var o checkOptions
	fs, env, err := targetFlagSet("jtb check", getenv, stderr, &o.target, "none: an in-process mock")
	if err != nil {
		return o, err
	}
	fs.BoolVar(&o.target.ReadOnly, "read-only", false, "run only specs that write nothing to the target")
	fs.StringVar(&o.labelFilter, "label-filter", "", "ginkgo label filter, e.g. 'discovery && must' or '!clock'")
	fs.StringVar(&o.focus, "focus", "", "run only the specs these comma-separated `terms` select: clause IDs (JTB-PAG-002) or regular expressions over spec text")
	fs.BoolVar(&o.list, "list", false, "print the clauses and specs the filters select, and send nothing")
	fs.Func("seed", "run the specs in the order of this Ginkgo random `seed` (each run prints its own)", func(v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return errors.New("want an integer")
		}
		o.seed, o.seedSet = n, true
		return nil
	})
	o.reports.flags(fs)
	fs.BoolVar(&o.strict, "strict", false, "SHOULD failures also fail the run")
	fs.Var(&o.defects, "defect", "in-process mock only: break one rule (repeatable; see jtb mock --defect list)")
	fs.BoolVar(&o.noControl, "no-control", false, "in-process mock only: disable its control API")
	fs.StringVar(&o.catalogue, "catalogue", "", "check the specs against this clause catalogue instead of the built-in one")
	fs.DurationVar(&o.explore, "explore", 0, "explore the target this long (e.g. 30s) as one more spec of the run: clause JTB-EXP-001, docs/EXPLORE.md")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if err := targetSecrets(&o.target, env); err != nil {
		return o, err
	}
	if o.explore < 0 {
		return o, fmt.Errorf("--explore %s: want a positive duration", o.explore)
	}
	if o.target.BaseURL != "" && (len(o.defects) > 0 || o.noControl) {
		return o, errors.New("--defect and --no-control apply only to the in-process mock (no --base-url)")
	}
	if o.target.BaseURL == "" && o.target.APIKey != "" {
		return o, errors.New("--api-key without --base-url: the in-process mock uses its own keys")
	}
	if err := o.reports.check(); err != nil {
		return o, err
	}
	return o, nil
}

// headerFlag adds each --header 'Name: value' to a header set.
type headerFlag struct{ h *http.Header }

func (f headerFlag) String() string { return "" }

func (f headerFlag) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return fmt.Errorf("want 'Name: value', got %q", v)
	}
	if *f.h == nil {
		*f.h = http.Header{}
	}
	f.h.Add(name, strings.TrimSpace(value))
	return nil
}

// suiteName is the description the suite runs under (Ginkgo matches
// --focus against it and each spec's text).
const suiteName = "JobToBot Agent API"

// targetFlagSet is the flag set of a command that takes a target (check,
// explore): the environment read, the timeout defaulted, the target's flags
// declared on it. env is what the environment gave, for the fallbacks made
// after parsing.
func targetFlagSet(name string, getenv func(string) string, stderr io.Writer, t *suites.Target, none string) (*flag.FlagSet, suites.Target, error) {
	env, err := suites.TargetFromEnv(getenv)
	if err != nil {
		return nil, env, err
	}
	if env.Timeout == 0 {
		env.Timeout = suites.DefaultTimeout
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	targetFlags(fs, t, env, none)
	return fs, env, nil
}

// targetFlags declares the target's flags (check's and explore's), each
// falling back to its environment variable; none says what no --base-url
// means.
func targetFlags(fs *flag.FlagSet, t *suites.Target, env suites.Target, none string) {
	fs.StringVar(&t.BaseURL, "base-url", env.BaseURL, "Agent API base URL (env "+suites.EnvBaseURL+"); "+none)
	// Secrets get no flag default: -h prints defaults, and it must not print
	// a key or token taken from the environment. They fall back after parsing.
	fs.StringVar(&t.APIKey, "api-key", "", "agent API key (env "+suites.EnvAPIKey+")")
	fs.StringVar(&t.APIKeyB, "api-key-b", "", "a second agent's API key (env "+suites.EnvAPIKeyB+")")
	fs.StringVar(&t.ControlURL, "control-url", env.ControlURL, "URL serving /_control/... (env "+suites.EnvControlURL+"); default the base URL")
	fs.StringVar(&t.ControlToken, "control-token", "", "control API bearer token (env "+suites.EnvControlToken+")")
	fs.DurationVar(&t.Timeout, "timeout", env.Timeout, "timeout of each request, the preflight's included (env "+suites.EnvTimeout+")")
	fs.Var(headerFlag{&t.Headers}, "header", "send `'Name: value'` on every Agent and control request (repeatable); values of secret-looking names are redacted")
	fs.StringVar(&t.CACert, "ca-cert", "", "trust the CA certificates of this PEM `file` for TLS to the target, besides the system's")
	fs.BoolVar(&t.Insecure, "insecure", false, "do not check the target's TLS certificate (a warning says so)")
}

// warnInsecure says on stderr that --insecure checks no certificate.
func warnInsecure(stderr io.Writer, cmd string, t suites.Target) {
	if t.Insecure {
		fmt.Fprintf(stderr, "jtb %s: warning: --insecure: the target's TLS certificate is not checked; anyone on the path could answer for it\n", cmd)
	}
}

// targetSecrets fills the secrets from the environment after parsing and
// checks the timeout.
func targetSecrets(t *suites.Target, env suites.Target) error {
	t.APIKey = cmp.Or(t.APIKey, env.APIKey)
	t.APIKeyB = cmp.Or(t.APIKeyB, env.APIKeyB)
	t.ControlToken = cmp.Or(t.ControlToken, env.ControlToken)
	if t.Timeout <= 0 {
		return fmt.Errorf("--timeout %s: want a positive duration", t.Timeout)
	}
	return nil
}

// runCheck runs the conformance suite once (Ginkgo runs one suite per
// process): the preflight, the specs, then the outcome model printed and
// written to the reports; the exit code is the model's verdict. When a
// report goes to standard output, everything else goes to standard error.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseCheckFlags(args, os.Getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK // -h asked for the flags, and got them
	}
	if err != nil {
		fmt.Fprintf(stderr, "jtb check: %v\n", err)
		return exitConfig
	}
	human := stdout
	if o.reports.toStdout() != "" {
		human = stderr
	}
	redact := o.target.Redactor()
	tool := version.Read()
	cat, err := catalogue.Parse(jtb.CatalogueSpec)
	if o.catalogue != "" {
		var data []byte
		if data, err = os.ReadFile(o.catalogue); err == nil {
			if cat, err = catalogue.Parse(data); err == nil {
				tool = tool.WithCatalogue(o.catalogue, data, len(cat.Clauses))
			}
		}
		if err != nil {
			err = fmt.Errorf("--catalogue: %w", err)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "jtb check: %v\n", err)
		return exitConfig
	}
	selection := results.Selection{Suite: suiteName, LabelFilter: o.labelFilter}
	if selection.Focus, err = results.ParseFocus(o.focus, cat); err != nil {
		fmt.Fprintf(stderr, "jtb check: %v\n", err)
		return exitConfig
	}
	inProcess := o.target.BaseURL == ""
	if inProcess && o.list {
		o.target.BaseURL = "http://in-process-mock.invalid" // --list starts nothing and sends nothing
	} else if inProcess {
		stop, target, err := startMock(o)
		if err != nil {
			fmt.Fprintf(stderr, "jtb check: %v\n", err)
			return exitConfig
		}
		defer stop()
		o.target.BaseURL, o.target.APIKey, o.target.APIKeyB = target.BaseURL, target.APIKey, target.APIKeyB
		fmt.Fprintf(human, "jtb check: in-process reference mock at %s", target.BaseURL)
		if len(o.defects) > 0 {
			fmt.Fprintf(human, " with defects %s", strings.Join(o.defects, ", "))
		}
		fmt.Fprintln(human)
	}
	o.target.UserAgent = "jtb/" + tool.Short() + " (conformance check; +https://github.com/jobtobot/jtb)"
	env, err := suites.NewEnv(o.target, cat)
	if err != nil {
		fmt.Fprintf(stderr, "jtb check: %s\n", redact.String(err.Error()))
		return exitConfig
	}
	var capture *suites.Capture
	if o.reports.har != "" || o.reports.html != "" {
		capture = suites.NewCapture()
		env.Capture(capture)
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

	suiteConfig, reporterConfig := ginkgo.GinkgoConfiguration()
	selection.Apply(&suiteConfig)
	if o.seedSet {
		suiteConfig.RandomSeed = o.seed
	}
	// Every spec in an order of its own: specs that lean on each other
	// show up, and --seed runs a given order again.
	suiteConfig.RandomizeAllSpecs = true
	suiteConfig.Timeout = 10 * time.Minute
	reporterConfig.NoColor = true

	if o.explore > 0 {
		env.Explore = exploreHook(o, stderr)
	}
	registered := suites.Register(env)
	if _, err := types.ParseLabelFilter(o.labelFilter); err != nil {
		// Ginkgo would end the process on it: a preview without it counts the specs.
		total, _ := countSelected(ginkgo.PreviewSpecs(suiteName))
		fmt.Fprintf(stderr, "jtb check: 0 of %d specs ran: --label-filter %q does not parse: %s\n", total, o.labelFilter, results.OneLine(ansi.ReplaceAllString(err.Error(), "")))
		return exitConfig
	}
	// Building the spec tree first turns a spec bug into a clear error
	// before anything is sent to the target; the preview applies the
	// selection as the run will.
	preview := ginkgo.PreviewSpecs(suiteName, suiteConfig)
	if err := registered.Err(); err != nil {
		fmt.Fprintf(stderr, "jtb check: the specs do not match the catalogue:\n%v\n", err)
		return exitConfig
	}
	if err := suites.CheckCoverage(cat, preview); err != nil {
		fmt.Fprintf(stderr, "jtb check: warning: catalogue and specs are not in step:\n%v\n", err)
	}
	total, selected := countSelected(preview)
	if selected == 0 {
		fmt.Fprintf(stderr, "jtb check: 0 of %d specs ran: %s selects none of them\n", total, selectionText(o))
		return exitConfig
	}
	if o.list {
		printList(stdout, preview, cat, o.target.ReadOnly)
		return exitOK
	}
	warnInsecure(stderr, "check", o.target)

	out := &redactingWriter{w: human, redact: redact}
	defer out.Flush()
	fmt.Fprintf(out, "jtb check: seed %d (--seed %d runs the specs in this order again); %s\n", suiteConfig.RandomSeed, suiteConfig.RandomSeed, tool.String())
	facts := report.Run{Strict: o.strict, Tool: tool, Started: time.Now(), Seed: suiteConfig.RandomSeed, Selection: selection, FocusExpr: o.focus}
	if err := env.Connect(ctx); err != nil {
		redact = env.Redactor()
		why := results.OneLine(redact.String(err.Error()))
		out.Flush()
		fmt.Fprintf(stderr, "jtb check: 0 of %d specs ran: %s\n", total, why)
		facts.Model = results.Build(results.Refused(preview, "not run: the preflight refused the run"), cat, results.Options{Selection: selection, Redact: redact.String})
		facts.Model.Abandoned = "the preflight refused the run: " + why
		facts.Target = targetOf(o, inProcess, nil)
		if werr := writeReports(&facts, o.reports, capture, redact, stdout); werr != nil {
			fmt.Fprintf(stderr, "jtb check: %v\n", werr)
		}
		return exitConfig
	}
	redact = env.Redactor()
	errOut.redact, out.redact = redact, redact
	fmt.Fprintf(out, "jtb check: %s\n", env.Describe())
	if capture != nil {
		capture.SetPhase(suites.PhaseRun)
	}

	var ginkgoReport types.Report
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
	ginkgo.ReportAfterSuite("jtb check summary", func(r ginkgo.Report) { ginkgoReport = r })
	gomega.RegisterFailHandler(suites.FailHandler)
	ginkgo.RunSpecs(failRecorder{}, suiteName, suiteConfig, reporterConfig)
	fmt.Fprintln(out)
	if capture != nil {
		capture.SetPhase(suites.PhaseAfterRun)
	}
	// The run's own agents go, and the clock is read again.
	footprint := env.Finish(ctx)

	facts.Model = results.Build(ginkgoReport, cat, results.Options{Selection: selection, Redact: redact.String})
	facts.Model.Footprint = &footprint
	facts.Ginkgo = ginkgoReport
	facts.Target = targetOf(o, inProcess, env)
	if err := writeReports(&facts, o.reports, capture, redact, stdout); err != nil {
		out.Flush()
		fmt.Fprintf(stderr, "jtb check: %v\n", err)
		return exitConfig
	}
	printRun(out, facts.Model, o.strict)
	out.Flush()
	if facts.Model.Abandoned != "" {
		// Not a verdict on the target's conformance: the run could not finish.
		fmt.Fprintf(stderr, "jtb check: %s\n", facts.Model.Abandoned)
	}
	return facts.ExitCode()
}

// targetOf is the target as the reports describe it.
func targetOf(o checkOptions, inProcess bool, env *suites.Env) report.Target {
	t := report.TargetOf(o.target, env)
	t.InProcessMock, t.Defects = inProcess, o.defects
	return t
}

// selectionText names the filters of a run, for a line that says they
// select nothing.
func selectionText(o checkOptions) string {
	var parts []string
	if o.labelFilter != "" {
		parts = append(parts, fmt.Sprintf("--label-filter %q", o.labelFilter))
	}
	if o.focus != "" {
		parts = append(parts, fmt.Sprintf("--focus %q", o.focus))
	}
	return strings.Join(parts, " with ")
}

// mark is what the run prints for each finished spec; a skip prints none.
var mark = map[results.Outcome]string{results.Pass: ".", results.Fail: "F", results.Warn: "W", results.Error: "E"}

// countSelected counts the specs of the tree and those the selection
// keeps, from a preview made with the run's configuration.
func countSelected(preview types.Report) (total, selected int) {
	for _, sr := range preview.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		total++
		if sr.State != types.SpecStateSkipped && sr.State != types.SpecStatePending {
			selected++
		}
	}
	return total, selected
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
