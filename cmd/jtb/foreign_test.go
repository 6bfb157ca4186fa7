package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jobtobot/jtb/internal/foreign"
	"github.com/onsi/ginkgo/v2/types"
)

// foreignArgs are the flags of jtb check against a foreign server.
func foreignArgs(f *foreign.Server, extra ...string) []string {
	return append([]string{"check", "--base-url", f.URL, "--api-key", f.Keys[0], "--api-key-b", f.Keys[1],
		"--control-url", f.ControlURL, "--control-token", f.ControlToken}, extra...)
}

// A correct server that decided every free choice otherwise than our mock
// (internal/foreign): exit 0; its control API's departures from
// control-api.yaml are CTL warnings, each listed once, never failures of
// the Agent API clauses whose specs made the calls; its SHOULD decisions
// taken otherwise are warnings of their clauses; no spec is an error.
func TestCheckForeignServer(t *testing.T) {
	f := foreign.Start(t, foreign.Options{})
	junit := filepath.Join(t.TempDir(), "junit.xml")
	code, stdout, stderr := jtbRun(t, foreignArgs(f, "--junit-report", junit)...)
	if code != exitOK {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitOK, tail(stdout), stderr)
	}
	n := totals(t, stdout)
	t.Logf("%d passed, %d failed, %d warned, %d errors, %d skipped", n[0], n[1], n[2], n[3], n[4])
	if n[0] < 150 || n[1] != 0 || n[3] != 0 {
		t.Errorf("%d passed, %d failed, %d errors; want at least 150 passed, no failure and no error", n[0], n[1], n[3])
	}
	warned := clauseLines(stdout, "WARN")
	for id, count := range warned {
		if count != 1 {
			t.Errorf("%s is listed %d times, want once", id, count)
		}
	}
	// The stand-in's control API answers a created task 200 (201
	// documented), verdicts in its own words, a rejected bid 204: one
	// warning per operation. Its Agent API answers a bid 200, names
	// verdicts otherwise, and sends no replay header.
	for _, id := range []string{"JTB-CTL-003", "JTB-CTL-004", "JTB-CTL-006", "JTB-BID-002", "JTB-DLV-009", "JTB-IDEM-002", "JTB-ENV-009"} {
		if warned[id] != 1 {
			t.Errorf("%s is not listed as a warning", id)
		}
	}
	for id := range warned {
		if !slices.Contains([]string{"JTB-CTL-003", "JTB-CTL-004", "JTB-CTL-006", "JTB-BID-002", "JTB-DLV-009", "JTB-IDEM-002", "JTB-ENV-009"}, id) {
			t.Errorf("%s warns against a server that decided it as we did (a false alarm)", id)
		}
	}
	if fails, errs := clauseLines(stdout, "FAIL"), clauseLines(stdout, "ERROR"); len(fails)+len(errs) > 0 {
		t.Errorf("clauses fail %v or could not be judged %v against a correct server", fails, errs)
	}
	if ginkgoVerdict.MatchString(stdout) {
		t.Errorf("the output holds Ginkgo's own verdict, which counts warnings as failures:\n%s", tail(stdout))
	}
	j := readJUnit(t, junit)
	if j.Failures != 0 || j.Errors != 0 {
		t.Errorf("JUnit failures=%d errors=%d in a run that exits 0", j.Failures, j.Errors)
	}
	if rawKey.MatchString(stdout+stderr) || strings.Contains(stdout+stderr, f.ControlToken) {
		t.Error("the output holds a key or the control token")
	}
}

// The broken variants of the stand-in depart from a MUST clause: a plain
// run (no --strict) fails, naming it.
func TestCheckForeignServerBroken(t *testing.T) {
	tests := []struct {
		name   string
		opts   foreign.Options
		clause string
	}{
		{"accepts progress from an agent that is not the assignee", foreign.Options{ProgressFromAnyAgent: true}, "JTB-PRG-006"},
		{"ignores Idempotency-Key", foreign.Options{IgnoreIdempotencyKey: true}, "JTB-IDEM-001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := foreign.Start(t, tt.opts)
			code, stdout, stderr := jtbRun(t, foreignArgs(f)...)
			if code != exitFail {
				t.Fatalf("exit %d, want %d\n%s%s", code, exitFail, tail(stdout), stderr)
			}
			if clauseLines(stdout, "FAIL")[tt.clause] != 1 {
				t.Errorf("the output does not name %s as a failing MUST clause:\n%s", tt.clause, tail(stdout))
			}
		})
	}
}

// --read-only writes nothing: against the stand-in, which records every
// request it sees, the control API gets only GETs (no agent is created for
// the missing --api-key-b), and every other request of the Agent API is
// one a correct server refuses; the state behind it is the same after.
func TestCheckReadOnlyWritesNothing(t *testing.T) {
	f := foreign.Start(t, foreign.Options{})
	before := openTasks(t, f)
	code, stdout, stderr := jtbRun(t, "check", "--read-only", "--base-url", f.URL, "--api-key", f.Keys[0],
		"--control-url", f.ControlURL, "--control-token", f.ControlToken)
	if code != exitOK {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitOK, tail(stdout), stderr)
	}
	if n := totals(t, stdout); n[0] < 50 {
		t.Errorf("only %d specs passed: a read-only run still judges the read-only specs", n[0])
	}
	if !strings.Contains(stdout, "--read-only: this spec writes to the target") {
		t.Errorf("the writing specs do not say why they were skipped:\n%s", tail(stdout))
	}
	var gets, refused int
	for _, r := range f.Requests() {
		switch {
		case r.API == "control" && r.Method != http.MethodGet:
			t.Errorf("--read-only sent %s %s to the control API", r.Method, r.Path)
		case r.Method == http.MethodGet:
			gets++
		case r.Status < 400:
			t.Errorf("--read-only sent %s %s, which the server accepted (%d)", r.Method, r.Path, r.Status)
		default:
			refused++
		}
	}
	t.Logf("the server saw %d GETs and %d requests it refused", gets, refused)
	if after := openTasks(t, f); after != before {
		t.Errorf("the listing's total_estimate went from %d to %d", before, after)
	}
}

// openTasks reads the listing's total_estimate through the stand-in.
func openTasks(t *testing.T, f *foreign.Server) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, f.URL+"/v1/tasks/available?limit=1", nil)
	req.Header.Set("Authorization", "Bearer "+f.Keys[2])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Data struct {
			Pagination struct {
				TotalEstimate int `json:"total_estimate"`
			} `json:"pagination"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	return page.Data.Pagination.TotalEstimate
}

// A run that cannot judge its target says so before any verdict: exit 2,
// one line saying what to fix, no spec run.
func TestCheckPreflight(t *testing.T) {
	f := foreign.Start(t, foreign.Options{})
	dead := "http://127.0.0.1:1/ops"
	tests := []struct {
		name string
		args []string
		says string
	}{
		{"a control URL that does not answer", []string{"--base-url", f.URL, "--api-key", f.Keys[0], "--control-url", dead, "--control-token", f.ControlToken},
			"the control API at " + dead + "/_control does not answer"},
		{"a control token the control API refuses", []string{"--base-url", f.URL, "--api-key", f.Keys[0], "--control-url", f.ControlURL, "--control-token", "not-the-token"},
			"refused the control token (401)"},
		{"a control URL that serves no control API", []string{"--base-url", f.URL, "--api-key", f.Keys[0], "--control-url", f.URL},
			"--control-url is the URL the /_control/... paths hang from"},
		{"an API key the target refuses", []string{"--base-url", f.URL, "--api-key", "jtb_live_not_a_key_here", "--control-url", f.ControlURL, "--control-token", f.ControlToken},
			"the target refuses the key of --api-key: GET /v1/tasks/available answered 401 UNAUTHORIZED"},
		{"a second key the target refuses", []string{"--base-url", f.URL, "--api-key", f.Keys[0], "--api-key-b", "jtb_live_not_a_key_here"},
			"the target refuses the key of --api-key-b"},
		{"a base URL with /v1", []string{"--base-url", f.URL + "/v1", "--api-key", f.Keys[0]},
			"drop the trailing /v1 from --base-url"},
		{"a base URL where the listing is not found", []string{"--base-url", f.URL + "/api", "--api-key", f.Keys[0]},
			"answers 404 for GET /v1/tasks/available"},
		{"a label filter that selects no spec", append(foreignArgs(f)[1:], "--label-filter", "no-such-label"),
			"--label-filter \"no-such-label\" selects none of them"},
		{"a label filter that does not parse", append(foreignArgs(f)[1:], "--label-filter", "discovery &&"),
			"--label-filter \"discovery &&\" does not parse: Syntax Error Parsing Label Filter"},
	}
	ran := regexp.MustCompile(`^jtb check: 0 of \d+ specs ran: `)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := jtbRun(t, append([]string{"check"}, tt.args...)...)
			if code != exitConfig {
				t.Errorf("exit %d, want %d\n%s%s", code, exitConfig, tail(stdout), stderr)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			t.Logf("exit %d: %s", code, lines[0])
			if len(lines) != 1 || !strings.Contains(lines[0], tt.says) {
				t.Errorf("stderr is not one line saying %q:\n%s", tt.says, stderr)
			}
			if !ran.MatchString(lines[0]) {
				t.Errorf("stderr %q does not say no spec ran of how many", lines[0])
			}
			if strings.Contains(stdout, "Summary") || strings.Contains(stdout, "PASS") {
				t.Errorf("a verdict was printed:\n%s", stdout)
			}
			if strings.Contains(stdout+stderr, f.ControlToken) || strings.Contains(stdout+stderr, f.Keys[0]) {
				t.Error("the output holds a secret")
			}
		})
	}
}

// A selection under which every selected spec is skipped judges nothing:
// exit 2, and the last line says so.
func TestCheckRunOfNothingIsNoVerdict(t *testing.T) {
	f := foreign.Start(t, foreign.Options{})
	code, stdout, stderr := jtbRun(t, foreignArgs(f, "--read-only", "--label-filter", "bidding")...)
	if code != exitConfig {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitConfig, tail(stdout), stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "jtb check: 0 of ") || !strings.Contains(last, "--read-only") {
		t.Errorf("the last line %q does not say that no spec ran, and why", last)
	}
	if !strings.Contains(stdout, "NO VERDICT: no spec ran") {
		t.Errorf("no NO VERDICT line:\n%s", tail(stdout))
	}
}

// Reports agree with the exit code: a plain run with SHOULD warnings exits
// 0 and its JUnit report has no failure, the warnings in system-out; with
// --strict it exits 1 and the warnings are the failures. No failure text
// is longer than 4,000 characters.
func TestCheckReportsAgreeWithTheExitCode(t *testing.T) {
	f := foreign.Start(t, foreign.Options{})
	dir := t.TempDir()
	for _, strict := range []bool{false, true} {
		junit, report := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "report.json")
		args := foreignArgs(f, "--junit-report", junit, "--json-report", report)
		want := exitOK
		if strict {
			args, want = append(args, "--strict"), exitFail
		}
		code, stdout, stderr := jtbRun(t, args...)
		if code != want {
			t.Fatalf("strict %v: exit %d, want %d\n%s%s", strict, code, want, tail(stdout), stderr)
		}
		j := readJUnit(t, junit)
		warned, failed := 0, 0
		for _, c := range j.cases() {
			if c.SystemOut != "" {
				warned++
			}
			if c.Failure != nil {
				failed++
				if c.Failure.Type != "SHOULD" {
					t.Errorf("strict %v: %q fails as %s against a correct server", strict, c.Name, c.Failure.Type)
				}
				if len(c.Failure.Text) > 4000 {
					t.Errorf("%q: a failure text of %d characters", c.Name, len(c.Failure.Text))
				}
			}
		}
		ginkgoFailed := 0
		for _, sr := range specReports(t, report) {
			if sr.State.Is(types.SpecStateFailureStates) {
				ginkgoFailed++
			}
		}
		if (ginkgoFailed > 0) != strict {
			t.Errorf("strict %v: the JSON report holds %d failed specs", strict, ginkgoFailed)
		}
		t.Logf("strict %v: exit %d; JUnit failures=%d, test cases with warnings in system-out: %d; JSON report: %d failed specs", strict, code, j.Failures, warned, ginkgoFailed)
		switch {
		case !strict && (j.Failures != 0 || warned == 0):
			t.Errorf("plain run: JUnit failures=%d, %d test cases with warnings; want 0 failures and the warnings visible", j.Failures, warned)
		case strict && (j.Failures == 0 || failed != j.Failures || warned != 0):
			t.Errorf("--strict: JUnit failures=%d (%d counted), %d warnings left in system-out; want every warning a failure", j.Failures, failed, warned)
		}
	}
}

// A target that sends a 1 MiB body in its answers: no failure text is
// longer than 4,000 characters, in the output or either report, and a
// schema error reads as one line, never the schema.
func TestCheckFailureTextsAreShort(t *testing.T) {
	huge := strings.Repeat("x", 1<<20)
	price := regexp.MustCompile(`"price":"[^"]*"`)
	var n atomic.Int32
	// Only where a few specs look (pages of one task, bids sent with an
	// Idempotency-Key): 1 MiB answers everywhere would make the run slow,
	// not the test stronger.
	base, keys := rewritingMock(t, func(r *http.Request, status int, body []byte) (int, []byte) {
		if r.URL.Path == "/v1/tasks/available" && r.URL.Query().Get("limit") == "1" && status == http.StatusOK {
			return status, price.ReplaceAll(body, []byte(`"price":"`+huge+`"`))
		}
		if strings.HasSuffix(r.URL.Path, "/bids") && r.Header.Get("Idempotency-Key") != "" && status/100 == 2 {
			pad := huge + strings.Repeat("y", int(n.Add(1))) // another body each time: a replay differs
			return status, []byte(strings.Replace(string(body), `"data":{`, `"data":{"padding":"`+pad+`",`, 1))
		}
		return status, body
	})
	dir := t.TempDir()
	junit, report := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "report.json")
	code, stdout, stderr := jtbRun(t, "check", "--base-url", base, "--api-key", keys[0], "--api-key-b", keys[1],
		"--junit-report", junit, "--json-report", report)
	if code != exitFail {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitFail, tail(stdout), stderr)
	}
	if !strings.Contains(stdout, "at /data/items/0/price: string doesn't match the regular expression") || !strings.Contains(stdout, "FAIL  JTB-IDEM-001") {
		t.Errorf("the schema error is not one line naming the field:\n%s", tail(stdout))
	}
	if strings.Contains(stdout, "Schema:") || strings.Contains(stdout, strings.Repeat("x", 3000)) {
		t.Errorf("the output holds a schema dump or the whole body")
	}
	failures, longest := 0, 0
	for _, c := range readJUnit(t, junit).cases() {
		for _, text := range []string{failureText(c), errorText(c)} {
			if text != "" {
				failures++
				longest = max(longest, len(text))
			}
			if len(text) > 4000 {
				t.Errorf("JUnit %q: a failure text of %d characters", c.Name, len(text))
			}
		}
	}
	if failures == 0 {
		t.Fatal("no failure in the JUnit report: the test proves nothing")
	}
	for _, sr := range specReports(t, report) {
		if len(sr.Failure.Message) > 4000 {
			t.Errorf("JSON report %q: a failure message of %d characters", sr.LeafNodeText, len(sr.Failure.Message))
		}
	}
	failing, _, _ := strings.Cut(stdout, "\n\nSummary")
	for _, block := range strings.Split(failing, "\n\n[") {
		if strings.HasPrefix(block, "FAIL]") && len(block) > 4000+200 {
			t.Errorf("the output's failure block of %d characters: %.200s", len(block), block)
		}
	}
	data, _ := os.ReadFile(report)
	t.Logf("%d failure texts, the longest %d characters; JSON report %d bytes", failures, longest, len(data))
	if strings.Contains(string(data), strings.Repeat("x", 3000)) {
		t.Errorf("the JSON report holds the target's whole body")
	}
}

func failureText(c junitCase) string {
	if c.Failure == nil {
		return ""
	}
	return c.Failure.Text
}

func errorText(c junitCase) string {
	if c.Error == nil {
		return ""
	}
	return c.Error.Text
}
