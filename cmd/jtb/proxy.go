package main

import (
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
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/jobtobot/jtb/fixtures"
	"github.com/jobtobot/jtb/mockserver"
	"github.com/jobtobot/jtb/proxy"
	"github.com/jobtobot/jtb/suites"
)

// EnvUpstream is the upstream's env fallback. Not JTB_BASE_URL: that is
// where jtb check and agents send their calls, which with a proxy running
// is the proxy itself.
const EnvUpstream = "JTB_UPSTREAM"

// proxyOptions are the flags of jtb proxy.
type proxyOptions struct {
	upstream        string
	listen          string
	report          string
	failOnViolation bool
	faults          proxy.Faults
	seed            uint64
	timeout         time.Duration
	controlURL      string
	controlToken    string
	defects         repeated
	grace           time.Duration
}

func parseProxyFlags(args []string, getenv func(string) string, stderr io.Writer) (proxyOptions, error) {
	var o proxyOptions
	timeout := proxy.DefaultTimeout
	if raw := getenv(suites.EnvTimeout); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil || d <= 0 {
			return o, fmt.Errorf("%s=%q: want a positive Go duration such as 30s", suites.EnvTimeout, raw)
		}
		timeout = d
	}
	fs := flag.NewFlagSet("jtb proxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.upstream, "upstream", getenv(EnvUpstream), "the server to front, scheme://host[:port][/prefix] (env "+EnvUpstream+"); none: an in-process reference mock")
	fs.StringVar(&o.listen, "listen", "127.0.0.1:4011", "listen address")
	fs.StringVar(&o.report, "report", "", "write every finding to this file, one JSON object per line")
	fs.BoolVar(&o.failOnViolation, "fail-on-violation", false, "exit 1 when stopped if any error-severity finding was seen")
	faults := fs.String("faults", "", "inject faults, e.g. lost-response=0.05,5xx=0.02,429=0.01,delay=200ms (docs/PROXY.md)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the fault draws: the same seed, the same faults")
	fs.DurationVar(&o.timeout, "timeout", timeout, "bound on one upstream exchange (env "+suites.EnvTimeout+")")
	fs.StringVar(&o.controlURL, "control-url", getenv(suites.EnvControlURL), "URL serving the upstream's /_control/...: control calls go there, and the proxy reads its clock there (env "+suites.EnvControlURL+"); default the upstream")
	// No flag default for the token: -h prints defaults.
	fs.StringVar(&o.controlToken, "control-token", "", "the upstream's control API token, to read its clock (env "+suites.EnvControlToken+")")
	fs.Var(&o.defects, "defect", "in-process mock only: break one rule on purpose (repeatable; see jtb mock --defect list)")
	fs.DurationVar(&o.grace, "grace", 5*time.Second, "on SIGTERM/SIGINT, let in-flight calls finish this long")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	o.controlToken = cmp.Or(o.controlToken, getenv(suites.EnvControlToken))
	var err error
	if o.faults, err = proxy.ParseFaults(*faults); err != nil {
		return o, err
	}
	switch {
	case o.timeout <= 0:
		return o, fmt.Errorf("--timeout %s: want a positive duration", o.timeout)
	case o.upstream != "" && len(o.defects) > 0:
		return o, errors.New("--defect applies only to the in-process mock (no --upstream)")
	case o.upstream == "" && (o.controlURL != "" || o.controlToken != ""):
		return o, errors.New("--control-url and --control-token need --upstream: the in-process mock's control API is reached through the proxy")
	}
	if o.upstream != "" {
		u, err := url.Parse(o.upstream)
		if err == nil && sameAddress(u.Host, o.listen) {
			return o, fmt.Errorf("--upstream %s is the proxy's own --listen address: it would forward to itself", o.upstream)
		}
	}
	return o, nil
}

// sameAddress reports whether an upstream host and a listen address name
// the same loopback socket.
func sameAddress(host, listen string) bool {
	h1, p1, err1 := net.SplitHostPort(host)
	h2, p2, err2 := net.SplitHostPort(listen)
	if err1 != nil || err2 != nil || p1 != p2 {
		return false
	}
	loop := func(h string) bool { return h == "" || h == "localhost" || net.ParseIP(h).IsLoopback() }
	return h1 == h2 || (loop(h1) && loop(h2))
}

// runProxy serves the proxy until ctx is cancelled (SIGINT/SIGTERM), then
// prints the summary.
func runProxy(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseProxyFlags(args, os.Getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "jtb proxy: %v\n", err)
		return exitConfig
	}
	redact := suites.NewRedactor(o.controlToken)
	defer collectLessOften()()

	var report *os.File
	if o.report != "" {
		if report, err = os.Create(o.report); err != nil {
			fmt.Fprintf(stderr, "jtb proxy: --report: %v\n", err)
			return exitConfig
		}
		defer report.Close()
	}
	out := &findingWriter{lines: stdout, report: report}

	popts := proxy.Options{Upstream: o.upstream, ControlURL: o.controlURL, ControlToken: o.controlToken,
		Timeout: o.timeout, Faults: o.faults, Seed: o.seed, OnFinding: out.write}
	fronting := o.upstream
	if o.upstream == "" {
		stop, transport, names, err := startProxiedMock(o.defects)
		if err != nil {
			fmt.Fprintf(stderr, "jtb proxy: %v\n", err)
			return exitConfig
		}
		defer stop()
		popts.Upstream, popts.Transport, popts.AgentNames = inProcessUpstream, transport, names
		fronting = "the in-process reference mock (no socket between them; its control API is reached through the proxy at /_control)"
		if len(o.defects) > 0 {
			fronting += ", with defects " + strings.Join(o.defects, ", ")
		}
	}
	p, err := proxy.New(popts)
	if err != nil {
		fmt.Fprintf(stderr, "jtb proxy: %s\n", redact.String(err.Error()))
		return exitConfig
	}
	if err := p.Probe(ctx); err != nil {
		fmt.Fprintf(stderr, "jtb proxy: %s\n", redact.String(err.Error()))
		return exitConfig
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		fmt.Fprintf(stderr, "jtb proxy: %v\n", err)
		return exitConfig
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "jtb proxy: listening at %s, validating against openapi.yaml\n", base)
	fmt.Fprintf(stdout, "  fronting: %s\n", redact.String(fronting))
	if popts.AgentNames != nil {
		fmt.Fprintln(stdout, "  agents: alpha and bravo, with the fixture keys of docs/DECISIONS.md (jtb_live_[REDACTED])")
	}
	fmt.Fprintf(stdout, "  faults: %s (seed %d)\n", o.faults, o.seed)
	fmt.Fprintf(stdout, "  time of the upstream: %s\n", p.ClockSource())
	if o.report != "" {
		fmt.Fprintf(stdout, "  report: %s (one JSON object per finding)\n", o.report)
	}
	fmt.Fprintf(stdout, "  point your agent at %s; findings follow, one a line. Ctrl-C stops and summarises.\n", base)

	srv := mockserver.NewServer(p, mockserver.DefaultLimits())
	// An upstream may take up to --timeout to answer: the proxy's own
	// write timeout must not cut it first.
	srv.WriteTimeout = o.timeout + 5*time.Second
	ps := proxy.NewServer(srv)
	errc := make(chan error, 1)
	go func() { errc <- ps.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "jtb proxy: %v\n", err)
		return exitConfig
	case <-ctx.Done():
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), o.grace)
	defer cancel()
	if ps.Shutdown(stopCtx) != nil {
		ps.Close()
	}
	s := p.Summary()
	printProxySummary(stdout, s)
	if err := out.err(); err != nil {
		fmt.Fprintf(stderr, "jtb proxy: --report: %v\n", err)
		return exitConfig
	}
	if o.failOnViolation && s.Errors() > 0 {
		fmt.Fprintf(stdout, "FAIL: %d error-severity finding(s) (--fail-on-violation)\n", s.Errors())
		return exitFail
	}
	return exitOK
}

// inProcessUpstream is the name the proxy gives the mock it fronts in this
// process (no socket: proxy.HandlerTransport calls its handler).
const inProcessUpstream = "http://reference-mock.in-process"

// startProxiedMock builds the reference mock for the proxy to front in
// this process; it returns the transport that reaches it and the fixture
// agents' names.
func startProxiedMock(defects []string) (stop func(), transport http.RoundTripper, names map[string]string, err error) {
	m, err := mockserver.New(mockserver.Options{Defects: defects})
	if err != nil {
		return nil, nil, nil, err
	}
	names = map[string]string{}
	for _, k := range m.AgentKeys() {
		switch k {
		case fixtures.AlphaKey:
			names[k] = "alpha"
		case fixtures.BravoKey:
			names[k] = "bravo"
		}
	}
	return func() { m.Close() }, proxy.HandlerTransport(m), names, nil
}

// findingWriter prints each finding on a line and appends it to the report
// as one JSON object; the proxy has redacted both already.
type findingWriter struct {
	mu       sync.Mutex
	lines    io.Writer
	report   io.Writer // nil: no report
	firstErr error
}

func (f *findingWriter) write(fd proxy.Finding) {
	line, err := json.Marshal(fd)
	f.mu.Lock()
	defer f.mu.Unlock()
	fmt.Fprintln(f.lines, fd.Line())
	if f.report == nil {
		return
	}
	if err == nil {
		_, err = f.report.Write(append(line, '\n'))
	}
	if err != nil && f.firstErr == nil {
		f.firstErr = err
	}
}

func (f *findingWriter) err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.firstErr
}

func printProxySummary(w io.Writer, s proxy.Summary) {
	fmt.Fprintf(w, "\njtb proxy: stopped after %d exchanges; %d error(s), %d warning(s)\n", s.Exchanges, s.Errors(), s.Warnings())
	if len(s.Rows) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "KIND\tOPERATION\tERRORS\tWARNINGS")
		for _, r := range s.Rows {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", r.Kind, cmp.Or(r.Operation, "-"), r.Errors, r.Warnings)
		}
		tw.Flush()
	}
	if len(s.Faults) > 0 {
		var parts []string
		for _, name := range slices.Sorted(maps.Keys(s.Faults)) {
			parts = append(parts, name+" "+strconv.Itoa(s.Faults[name]))
		}
		fmt.Fprintf(w, "faults injected: %s\n", strings.Join(parts, ", "))
	}
}
