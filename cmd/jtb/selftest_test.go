package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"

	"github.com/jobtobot/jtb"
	"github.com/jobtobot/jtb/catalogue"
	"github.com/jobtobot/jtb/mockserver"
	"github.com/jobtobot/jtb/suites/results"
	"github.com/onsi/ginkgo/v2/types"
)

// runMainEnv makes the test binary act as jtb, so tests run the real command
// in a process of its own (Ginkgo runs one suite per process).
const runMainEnv = "JTB_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// jtbRun runs `jtb args...` as a child process and returns its exit code and output.
func jtbRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1", "JTB_BASE_URL=", "JTB_API_KEY=", "JTB_API_KEY_B=", "JTB_CONTROL_URL=", "JTB_CONTROL_TOKEN=")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("running jtb %v: %v", args, err)
	}
	return code, out.String(), errOut.String()
}

// failedClauses reads a JSON report and returns the clauses that fail the
// run under --strict, from the outcome model built from it.
func failedClauses(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var reports []types.Report
	if err := json.Unmarshal(data, &reports); err != nil || len(reports) != 1 {
		t.Fatalf("%s is not a Ginkgo JSON report of one run: %v", path, err)
	}
	cat, err := catalogue.Parse(jtb.CatalogueSpec)
	if err != nil {
		t.Fatal(err)
	}
	return results.IDs(results.Build(reports[0], cat, results.Options{}).Failing(true))
}

var rawKey = regexp.MustCompile(`jtb_live_[A-Za-z0-9_\-]+`)

// TestSuiteCatchesEveryDefect runs the whole suite against the mock once per
// defect (two at a time) and asserts that a spec of one of the clauses the
// defect registry names for it fails.
func TestSuiteCatchesEveryDefect(t *testing.T) {
	if testing.Short() {
		t.Skip("the defect self-test runs the whole suite once per defect")
	}
	dir := t.TempDir()
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for _, d := range mockserver.Defects() {
		want := d.Clauses
		if len(want) == 0 {
			t.Errorf("defect %s names no clause to catch it (mockserver/defect)", d.Name)
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			report := filepath.Join(dir, d.Name+".json")
			code, stdout, stderr := jtbRun(t, "check", "--strict", "--defect", d.Name, "--json-report", report)
			if code != exitFail {
				t.Errorf("defect %s: jtb check --strict exited %d, want %d\n%s%s", d.Name, code, exitFail, stdout, stderr)
				return
			}
			got := failedClauses(t, report)
			if !slices.ContainsFunc(want, func(id string) bool { return slices.Contains(got, id) }) {
				t.Errorf("defect %s (%s): failing clauses %v, want one of %v", d.Name, d.Description, got, want)
			}
			data, _ := os.ReadFile(report)
			// Redacted keys read jtb_live_[REDACTED], which the pattern does not match.
			if rawKey.MatchString(string(data) + stdout + stderr) {
				t.Errorf("defect %s: the report or output holds an API key", d.Name)
			}
		})
	}
	wg.Wait()
}
