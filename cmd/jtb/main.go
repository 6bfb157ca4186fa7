// Command jtb is the JobToBot Agent API conformance kit: it checks a target
// against the contract (check), serves the stateful reference mock (mock),
// validates an agent's traffic (proxy), explores a target with programs
// checked against the mock (explore), runs the reference quality-gate scorer
// (pdqg) and says what the binary is (version).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

const usage = `jtb: the JobToBot Agent API conformance kit

Usage:
  jtb check [flags]   run the conformance suite (against an in-process mock by default)
  jtb mock [flags]    serve the stateful reference mock
  jtb proxy [flags]   validate an agent's traffic to a server (an in-process mock by default)
  jtb explore [flags] explore a target with random programs, the mock as the oracle (the built-in mock by default)
  jtb pdqg score FILE [--task TASK.json] [--json]
                      score a delivery with the reference quality gate
  jtb version [--json]
                      the version and VCS revision, the Go that built it, the
                      catalogue's clause count and the documents' digests

Run 'jtb COMMAND -h' for the flags of a command.
`

// Exit codes shared by every subcommand.
const (
	exitOK     = 0
	exitFail   = 1
	exitConfig = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand; it is main without the process, so tests
// can call it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitConfig
	}
	switch args[0] {
	case "check":
		return runCheck(ctx, args[1:], stdout, stderr)
	case "mock":
		return runMock(ctx, args[1:], stdout, stderr)
	case "proxy":
		return runProxy(ctx, args[1:], stdout, stderr)
	case "explore":
		return runExplore(ctx, args[1:], stdout, stderr)
	case "pdqg":
		return runPDQG(args[1:], stdin, stdout, stderr)
	case "version", "--version":
		return runVersion(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "jtb: unknown command %q\n\n%s", args[0], usage)
		return exitConfig
	}
}

// collectLessOften makes the GC mark four times less often (GOGC 400)
// unless GOGC is set, and returns what puts the setting back. For the
// commands whose work allocates a lot that dies at once (a step of
// explore, a proxied call) beside a live heap that stays (the loaded
// documents, the models): their GC then costs a fraction of what it did
// (docs/EXPLORE.md, docs/PROXY.md "Performance").
func collectLessOften() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(400)
	return func() { debug.SetGCPercent(old) }
}
