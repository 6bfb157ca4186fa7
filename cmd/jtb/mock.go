package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jobtobot/jtb/fixtures"
	"github.com/jobtobot/jtb/mockserver"
	"github.com/jobtobot/jtb/suites"
)

// repeated is a flag that may be given many times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// runMock serves the reference mock until ctx is cancelled (SIGINT/SIGTERM).
func runMock(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runMockWith(ctx, args, stdout, stderr, lookupHost)
}

// runMockWith is runMock with the resolver of --addr's host name, which the
// token rule asks whether the mock listens beyond loopback.
func runMockWith(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) ([]netip.Addr, error)) int {
	fs := flag.NewFlagSet("jtb mock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:4010", "listen address")
	fixtureDir := fs.String("fixtures", "", "directory with tasks.json and agents.json (default: the embedded fixtures)")
	// The env value is read after parsing, not given as the flag's default:
	// -h prints defaults, and the token is a secret.
	token := fs.String("control-token", "", "require this bearer token on /_control (env "+suites.EnvControlToken+"; default: open on loopback, a drawn token beyond it)")
	controlOpen := fs.Bool("control-open", false, "listening beyond loopback, leave /_control open without a token (default: a token is drawn and printed)")
	state := fs.String("state", "", "keep the state in this file across restarts and crashes (default: in memory; one mock per file)")
	limits := mockserver.DefaultLimits()
	fs.DurationVar(&limits.ReadHeaderTimeout, "read-header-timeout", limits.ReadHeaderTimeout, "close a connection whose request headers take longer")
	fs.DurationVar(&limits.ReadTimeout, "read-timeout", limits.ReadTimeout, "close a connection whose whole request takes longer")
	fs.DurationVar(&limits.WriteTimeout, "write-timeout", limits.WriteTimeout, "give up on an answer that takes longer")
	fs.DurationVar(&limits.IdleTimeout, "idle-timeout", limits.IdleTimeout, "close a keep-alive connection idle this long")
	fs.IntVar(&limits.MaxHeaderBytes, "max-header-bytes", limits.MaxHeaderBytes, "largest request header block")
	grace := fs.Duration("grace", 10*time.Second, "on SIGTERM/SIGINT, let in-flight requests finish this long")
	autoAccept := fs.Bool("auto-accept", false, "simulate the poster: accept the first pending bid of each task (and reject the others)")
	acceptAfter := fs.Duration("accept-after", 0, "with --auto-accept: accept a bid once it is this old by the mock's clock (whole seconds)")
	var defects repeated
	fs.Var(&defects, "defect", "break one rule on purpose (repeatable); 'list' prints them")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return exitOK
	} else if err != nil {
		return exitConfig
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "jtb mock: unexpected argument %q\n", fs.Arg(0))
		return exitConfig
	}
	if !flagSet(fs, "control-token") {
		*token = os.Getenv(suites.EnvControlToken)
	}
	for _, d := range defects {
		if d == "list" {
			printDefects(stdout)
			return exitOK
		}
	}
	access, err := decideControl(*addr, *token, *controlOpen, lookup, rand.Reader)
	if err != nil {
		fmt.Fprintf(stderr, "jtb mock: %v\n", err)
		return exitConfig
	}
	// One log line per request: buffered, or under load the unbuffered
	// write of each line (a syscall under the logger's lock) shows in the
	// tail latency. It is flushed every 100 ms and when the mock stops.
	requestLog := newFlushingWriter(stderr, time.NewTicker(100*time.Millisecond))
	defer requestLog.Close()
	opts := mockserver.Options{
		ControlToken: access.token,
		Defects:      defects,
		Logger:       slog.New(slog.NewTextHandler(requestLog, nil)),
		StatePath:    *state,
		AutoAccept:   *autoAccept,
		AcceptAfter:  *acceptAfter,
	}
	if *fixtureDir != "" {
		opts.Fixtures = os.DirFS(*fixtureDir)
	}
	m, err := mockserver.New(opts)
	if err != nil {
		fmt.Fprintf(stderr, "jtb mock: %v\n", err)
		return exitConfig
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		m.Close()
		fmt.Fprintf(stderr, "jtb mock: %v\n", err)
		return exitConfig
	}
	base := "http://" + ln.Addr().String()
	keys := m.AgentKeys()
	// The banner goes out in one write: whoever reads the URL line (a
	// script, a test) then has the keys and the curl too.
	var banner strings.Builder
	fmt.Fprintf(&banner, "jtb mock: serving the JobToBot Agent API at %s (control API at %s/_control)\n", base, base)
	for i, k := range keys {
		fmt.Fprintf(&banner, "  agent key %d: %s\n", i+1, shownKey(k))
	}
	if len(defects) > 0 {
		fmt.Fprintf(&banner, "  defects on: %s\n", strings.Join(defects, ", "))
	}
	if len(keys) > 0 {
		fmt.Fprintf(&banner, "try:\n  curl -H 'Authorization: Bearer %s' '%s/v1/tasks/available?limit=2'\n", shownKey(keys[0]), base)
	}
	banner.WriteString(controlBanner(access, base))
	if r, ok := m.Restored(); ok {
		banner.WriteString(restoredBanner(r))
	}
	posterBanner(&banner, base, access.token != "", opts)
	io.WriteString(stdout, banner.String())
	if access.exposed && access.token == "" {
		fmt.Fprintf(stderr, "jtb mock: WARNING: the control API at %s/_control is open to the network (--control-open)\n", base)
	}
	// The poster decides on every request; between requests this ticker
	// lets a watcher of the event stream see an accept when it falls due.
	tickCtx, stopTicker := context.WithCancel(ctx)
	defer stopTicker()
	go runPosterTicker(tickCtx, m, 200*time.Millisecond)
	// Serve returns once in-flight requests are done and the state file is
	// one fresh snapshot.
	if err := mockserver.Serve(ctx, mockserver.NewServer(m, limits), ln, m, *grace); err != nil {
		fmt.Fprintf(stderr, "jtb mock: %v\n", err)
		return exitFail
	}
	fmt.Fprintln(stdout, "jtb mock: stopped")
	return exitOK
}

// posterBanner tells how bids get accepted: the dashboard, the accept
// curl, or the simulated poster. The control token is never printed.
func posterBanner(b *strings.Builder, base string, token bool, opts mockserver.Options) {
	auth := ""
	if token {
		auth = "-H \"Authorization: Bearer $JTB_CONTROL_TOKEN\" "
	}
	fmt.Fprintf(b, "dashboard (the poster's view, Watch It Work): %s/\n", base)
	if opts.AutoAccept {
		fmt.Fprintf(b, "poster: auto-accept, the first bid of each task once it is %v old (POST %s/_control/poster to change)\n", opts.AcceptAfter, base)
		return
	}
	fmt.Fprintf(b, "poster: manual (--auto-accept to simulate one); accept a bid from the dashboard or with:\n  curl -X POST %s'%s/_control/tasks/TASK_ID/bids/BID_ID/accept'\n", auth, base)
}

func runPosterTicker(ctx context.Context, m *mockserver.Mock, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.RunPoster()
		}
	}
}

// shownKey is a key as the banner prints it: the documented fixture keys are
// public by design; a key from --fixtures DIR is the user's, and only its
// public prefix is printed.
func shownKey(k string) string {
	switch {
	case k == fixtures.AlphaKey || k == fixtures.BravoKey:
		return k
	case strings.HasPrefix(k, "jtb_live_"):
		return "jtb_live_[redacted]"
	}
	return "[redacted]"
}

// flagSet reports whether the command line gave the flag.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// printDefects is `--defect list` (of jtb mock and jtb explore): every defect
// of the registry, what the broken mock does and the clauses that catch it.
func printDefects(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEFECT\tAREA\tWHAT THE BROKEN MOCK DOES\tCAUGHT BY")
	for _, d := range mockserver.Defects() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Name, d.Area, d.Plain(), strings.Join(d.Clauses, ", "))
	}
	tw.Flush()
}
