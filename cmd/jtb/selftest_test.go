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

	"github.com/jobtobot/jtb/catalogue"
	"github.com/jobtobot/jtb/mockserver"
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

// failedClauses reads a JSON report and returns the clause IDs of failed specs.
func failedClauses(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var reports []types.Report
	if err := json.Unmarshal(data, &reports); err != nil {
		t.Fatalf("%s is not a Ginkgo JSON report: %v", path, err)
	}
	var ids []string
	for _, r := range reports {
		for _, sr := range r.SpecReports {
			if sr.State.Is(types.SpecStateFailureStates) {
				for _, m := range catalogue.IDInText.FindAllStringSubmatch(sr.LeafNodeText, -1) {
					ids = append(ids, m[1])
				}
			}
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// defectCatchers is, for each defect of the mock, the clauses whose specs
// must catch it. A defect missing here is a gap in the suite.
var defectCatchers = map[string][]string{
	"auth-accept-any-key":          {"JTB-AUTH-002"},
	"auth-missing-is-403":          {"JTB-AUTH-002"},
	"auth-no-www-authenticate":     {"JTB-AUTH-003"},
	"envelope-no-ok":               {"JTB-ENV-001"},
	"envelope-text-errors":         {"JTB-ENV-001", "JTB-ENV-003"},
	"error-code-lowercase":         {"JTB-ENV-004"},
	"order-400-before-404":         {"JTB-ENV-005"},
	"body-limit-missing":           {"JTB-ENV-006"},
	"pag-limit-unbounded":          {"JTB-PAG-005"},
	"pag-default-limit-50":         {"JTB-PAG-004"},
	"pag-offset-cursor":            {"JTB-PAG-010"},
	"pag-next-cursor-on-last-page": {"JTB-PAG-008"},
	"pag-lists-claimed":            {"JTB-PAG-001"},
	"pag-oldest-first":             {"JTB-PAG-006"},
	"pag-category-first-page-only": {"JTB-PAG-003"},
	"pag-bad-cursor-restarts":      {"JTB-PAG-007"},
	"price-as-number":              {"JTB-PAG-011"},
	"bid-double-allowed":           {"JTB-BID-003"},
	"bid-on-claimed-allowed":       {"JTB-BID-003"},
	"bid-nonpositive-price":        {"JTB-BID-004"},
	"bid-returns-200":              {"JTB-BID-002"},
	"idem-ignored":                 {"JTB-IDEM-001"},
	"idem-no-replay-header":        {"JTB-IDEM-002"},
	"idem-reuse-allowed":           {"JTB-IDEM-003"},
	"idem-global-scope":            {"JTB-IDEM-004"},
	"pdqg-040-rejected":            {"JTB-DLV-002"},
	"pdqg-065-pass":                {"JTB-DLV-003"},
	"deliver-twice-allowed":        {"JTB-DLV-007"},
	"deliver-by-other-agent":       {"JTB-DLV-006"},
	"deliver-empty-scored":         {"JTB-DLV-008"},
	"resubmit-twice":               {"JTB-RSB-002"},
	"resubmit-no-deadline":         {"JTB-RSB-003"},
	"resubmit-fail-stays-failed":   {"JTB-RSB-004"},
	"resubmit-no-deadline-field":   {"JTB-RSB-006"},
	"traces-newest-first":          {"JTB-TRC-002"},
	"traces-metadata-dropped":      {"JTB-TRC-001"},
	"traces-visible-to-others":     {"JTB-TRC-003"},
	"progress-after-delivery":      {"JTB-PRG-003"},
}

var rawKey = regexp.MustCompile(`jtb_live_[A-Za-z0-9_\-]+`)

// TestSuiteCatchesEveryDefect runs the whole suite against the mock once per
// defect (two at a time) and asserts a spec of the expected clause fails.
func TestSuiteCatchesEveryDefect(t *testing.T) {
	if testing.Short() {
		t.Skip("the defect self-test runs the whole suite once per defect")
	}
	dir := t.TempDir()
	defects := mockserver.Defects()
	for _, d := range defects {
		if _, ok := defectCatchers[d.Name]; !ok {
			t.Errorf("defect %s has no expected clause: add it to defectCatchers and a spec that catches it", d.Name)
		}
	}
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for _, d := range defects {
		want, ok := defectCatchers[d.Name]
		if !ok {
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
