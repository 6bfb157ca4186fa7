package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/jobtobot/jtb/explore"
	"github.com/jobtobot/jtb/suites"
)

// exploreOptions are the flags of jtb explore.
type exploreOptions struct {
	target     suites.Target
	seconds    float64
	steps      int
	seed       uint64
	strict     bool
	serial     bool
	workers    int
	save       string
	replay     string
	jsonReport string
	defects    repeated
}

func parseExploreFlags(args []string, getenv func(string) string, stderr io.Writer) (exploreOptions, error) {
	var o exploreOptions
	fs, env, err := targetFlagSet("jtb explore", getenv, stderr, &o.target, "none: the built-in mock")
	if err != nil {
		return o, err
	}
	fs.Float64Var(&o.seconds, "seconds", 0, "explore this many seconds (default 10 when --steps is not given)")
	fs.IntVar(&o.steps, "steps", 0, "explore this many steps (with --seconds: whichever comes first)")
	seed := fs.String("seed", "", "the seed of the programs (default: a fresh one, printed)")
	fs.BoolVar(&o.strict, "strict", false, "differences on our SHOULD decisions are divergences too")
	fs.BoolVar(&o.serial, "serial", false, "no concurrent groups, one program at a time: send every request alone")
	fs.IntVar(&o.workers, "workers", explore.DefaultWorkers, "run this many programs at once, each against a model of its own (1 on a target without the control API's taskTime; the same seed and --steps find the same divergence with any number)")
	fs.StringVar(&o.save, "save", "", "write the shrunk reproduction of a divergence to this file (JSON)")
	fs.StringVar(&o.replay, "replay", "", "run a saved reproduction once instead of exploring")
	fs.StringVar(&o.jsonReport, "json-report", "", "write the summary (and any reproduction) as JSON to this file")
	fs.Var(&o.defects, "defect", "built-in mock only: break one rule (repeatable; 'list' prints them)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if err := targetSecrets(&o.target, env); err != nil {
		return o, err
	}
	switch {
	case o.seconds < 0 || math.IsInf(o.seconds, 0) || math.IsNaN(o.seconds):
		return o, fmt.Errorf("--seconds %v: want a positive number", o.seconds)
	case o.steps < 0:
		return o, fmt.Errorf("--steps %d: want a positive number", o.steps)
	case o.workers < 1:
		return o, fmt.Errorf("--workers %d: want at least 1", o.workers)
	case o.target.BaseURL != "" && len(o.defects) > 0:
		return o, errors.New("--defect applies only to the built-in mock (no --base-url)")
	case o.target.BaseURL == "" && o.target.APIKey != "":
		return o, errors.New("--api-key without --base-url: the built-in mock uses its own keys")
	case o.replay != "" && (o.save != "" || o.steps > 0 || o.seconds > 0 || *seed != ""):
		return o, errors.New("--replay runs a saved program once: --save, --steps, --seconds and --seed do not apply")
	}
	if o.seconds == 0 && o.steps == 0 {
		o.seconds = 10
	}
	if *seed == "" {
		o.seed = uint64(time.Now().UnixNano()) % 1_000_000_000
	} else if _, err := fmt.Sscan(*seed, &o.seed); err != nil {
		return o, fmt.Errorf("--seed %q: want a whole number", *seed)
	}
	return o, nil
}

// runExplore runs jtb explore: exit 0 no divergence, 1 a divergence, 2 bad
// configuration or a target that cannot be judged.
func runExplore(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseExploreFlags(args, os.Getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "jtb explore: %v\n", err)
		return exitConfig
	}
	for _, d := range o.defects {
		if d == "list" {
			printDefects(stdout)
			return exitOK
		}
	}
	// Marking the heap four times less often is a sixth of a step's CPU.
	defer collectLessOften()()
	redact := o.target.Redactor()
	opts := targetOptions(o.target)
	opts.Seed, opts.Steps, opts.Duration = o.seed, o.steps, time.Duration(o.seconds*float64(time.Second))
	opts.Strict, opts.Serial, opts.Workers, opts.Log = o.strict, o.serial, o.workers, stderr
	warnInsecure(stderr, "explore", o.target)
	if o.target.BaseURL == "" {
		b, err := explore.StartBuiltin(o.defects)
		if err != nil {
			fmt.Fprintf(stderr, "jtb explore: %v\n", err)
			return exitConfig
		}
		defer b.Close()
		bo := b.Options()
		opts.BaseURL, opts.APIKeys, opts.ExactClock, opts.Keep = bo.BaseURL, bo.APIKeys, bo.ExactClock, bo.Keep
		fmt.Fprintf(stdout, "jtb explore: built-in mock at %s (its clock moves only when the explorer moves it)", b.URL)
		if len(o.defects) > 0 {
			fmt.Fprintf(stdout, " with defects %s", strings.Join(o.defects, ", "))
		}
		fmt.Fprintln(stdout)
	}
	var res *explore.Result
	if o.replay != "" {
		data, err := os.ReadFile(o.replay)
		if err != nil {
			fmt.Fprintf(stderr, "jtb explore: --replay: %v\n", err)
			return exitConfig
		}
		saved, err := explore.ReadSaved(data)
		if err != nil {
			fmt.Fprintf(stderr, "jtb explore: --replay %s: %v\n", o.replay, err)
			return exitConfig
		}
		opts.Strict = opts.Strict || saved.Strict
		fmt.Fprintf(stdout, "jtb explore: replaying %s (%d steps; it diverged under %s)\n", o.replay, len(saved.Program.Steps), saved.Clause)
		res, err = explore.Replay(ctx, opts, saved)
		if err != nil {
			fmt.Fprintf(stderr, "jtb explore: %s\n", redact.String(err.Error()))
			return exitConfig
		}
	} else {
		fmt.Fprintf(stdout, "jtb explore: seed %d, %s\n", o.seed, budget(o))
		res, err = explore.Explore(ctx, opts)
		if err != nil {
			fmt.Fprintf(stderr, "jtb explore: %s\n", redact.String(err.Error()))
			return exitConfig
		}
	}
	var out strings.Builder
	res.Print(&out)
	fmt.Fprint(stdout, redact.String(out.String()))
	if o.jsonReport != "" {
		data, err := json.MarshalIndent(res, "", "  ")
		if err == nil {
			err = os.WriteFile(o.jsonReport, redact.Bytes(data), 0o644)
		}
		if err != nil {
			fmt.Fprintf(stderr, "jtb explore: --json-report: %v\n", err)
			return exitConfig
		}
	}
	if res.Divergence == nil {
		return exitOK
	}
	if o.save != "" {
		saved, err := res.Save()
		var data []byte
		if err == nil {
			data, err = json.MarshalIndent(saved, "", "  ")
		}
		if err == nil {
			err = os.WriteFile(o.save, redact.Bytes(data), 0o644)
		}
		if err != nil {
			fmt.Fprintf(stderr, "jtb explore: --save: %v\n", err)
			return exitConfig
		}
		fmt.Fprintf(stdout, "reproduction saved to %s (jtb explore --replay %s)\n", o.save, o.save)
	}
	return exitFail
}

// targetOptions are the exploration options of a target given as check's
// (the same flags, headers and TLS included).
func targetOptions(t suites.Target) explore.Options {
	return explore.Options{
		BaseURL: t.BaseURL, ControlURL: t.ControlURL, ControlToken: t.ControlToken,
		APIKeys: []string{t.APIKey, t.APIKeyB}, Timeout: t.Timeout,
		Headers: t.Headers, CACert: t.CACert, Insecure: t.Insecure,
	}
}

func budget(o exploreOptions) string {
	var parts []string
	if o.seconds > 0 {
		parts = append(parts, fmt.Sprintf("%gs", o.seconds))
	}
	if o.steps > 0 {
		parts = append(parts, fmt.Sprintf("%d steps", o.steps))
	}
	s := strings.Join(parts, " or ")
	if o.strict {
		s += ", --strict"
	}
	if o.serial {
		s += ", --serial"
	}
	return s
}

// exploreHook is jtb check --explore's phase: jtb explore against the
// check's target for o.explore, strict as the check is, its outcome given to
// the spec of JTB-EXP-001.
func exploreHook(o checkOptions, log io.Writer) func(context.Context) (suites.ExploreOutcome, error) {
	return func(ctx context.Context) (suites.ExploreOutcome, error) {
		seed := uint64(time.Now().UnixNano()) % 1_000_000_000
		opts := targetOptions(o.target)
		opts.Seed, opts.Duration, opts.Strict, opts.Workers, opts.Log = seed, o.explore, o.strict, explore.DefaultWorkers, log
		res, err := explore.Explore(ctx, opts)
		if err != nil {
			return suites.ExploreOutcome{}, err
		}
		out := suites.ExploreOutcome{Summary: fmt.Sprintf("jtb explore --seed %d: %d programs, %d steps in %.1fs, %d warning clause(s)",
			seed, res.Programs, res.Steps, res.Seconds, len(res.Warnings))}
		if d := res.Divergence; d != nil {
			out.Clause, out.What, out.Reproduction = d.Clause, d.What, res.Brief()
		}
		return out, nil
	}
}
