package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jobtobot/jtb/mockserver"
	"github.com/jobtobot/jtb/suites"
)

func TestCheckRefusesBadConfiguration(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"--no-such-flag"}, "no-such-flag"},
		{"stray argument", []string{"extra"}, "unexpected arguments"},
		{"defect against a remote target", []string{"--base-url", "http://127.0.0.1:9", "--api-key", "k", "--defect", "bid-returns-200"}, "in-process mock"},
		{"no-control against a remote target", []string{"--base-url", "http://127.0.0.1:9", "--api-key", "k", "--no-control"}, "in-process mock"},
		{"api key without base URL", []string{"--api-key", "jtb_live_secret_key_123"}, "--api-key without --base-url"},
		{"not a URL", []string{"--base-url", "ftp://x", "--api-key", "k"}, "not an http(s) URL"},
		{"unknown defect", []string{"--defect", "no-such-defect"}, "no-such-defect"},
		{"zero timeout", []string{"--timeout", "0s"}, "want a positive duration"},
		{"negative timeout", []string{"--timeout", "-1s"}, "want a positive duration"},
		{"unreadable catalogue", []string{"--catalogue", "/nonexistent/catalogue.yaml"}, "--catalogue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := runCheck(context.Background(), tt.args, &stdout, &stderr); code != exitConfig {
				t.Errorf("exit %d, want %d; stderr: %s", code, exitConfig, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr %q does not say %q", stderr.String(), tt.want)
			}
			if rawKey.MatchString(stdout.String() + stderr.String()) {
				t.Errorf("output holds an API key: %s", stderr.String())
			}
		})
	}
}

// A target that never answers ends the run before any spec, with exit 2.
func TestCheckStopsOnASilentTarget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close() // accepts connections (backlog) but never answers
	var stdout, stderr bytes.Buffer
	// The preflight follows --timeout, so the test need not wait out the default.
	code := runCheck(context.Background(), []string{"--base-url", "http://" + ln.Addr().String(), "--api-key", "jtb_live_secret_key_123", "--timeout", "200ms"}, &stdout, &stderr)
	if code != exitConfig {
		t.Fatalf("exit %d, want %d", code, exitConfig)
	}
	if !strings.Contains(stderr.String(), "does not answer") {
		t.Errorf("stderr %q does not say the target does not answer", stderr.String())
	}
	if strings.Contains(stdout.String()+stderr.String(), "secret_key") {
		t.Errorf("output holds the API key")
	}
}

type junitCase struct {
	Name      string `xml:"name,attr"`
	Classname string `xml:"classname,attr"`
	Failure   *struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	} `xml:"failure"`
	Error *struct {
		Text string `xml:",chardata"`
	} `xml:"error"`
	SystemOut string `xml:"system-out"`
}

type junitSuites struct {
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Tests    int `xml:"tests,attr"`
	Suites   []struct {
		Name  string      `xml:"name,attr"`
		Cases []junitCase `xml:"testcase"`
	} `xml:"testsuite"`
}

func (j junitSuites) cases() []junitCase {
	var out []junitCase
	for _, s := range j.Suites {
		out = append(out, s.Cases...)
	}
	return out
}

func readJUnit(t *testing.T, path string) junitSuites {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var j junitSuites
	if err := xml.Unmarshal(data, &j); err != nil {
		t.Fatalf("JUnit report is not valid XML: %v", err)
	}
	return j
}

// clauseLines counts, per clause, the summary lines of an outcome ("FAIL",
// "WARN", "ERROR"): each clause that did not pass has exactly one.
func clauseLines(stdout, outcome string) map[string]int {
	out := map[string]int{}
	for _, m := range regexp.MustCompile(`(?m)^`+outcome+` +(JTB-[A-Z]+-\d{3}) `).FindAllStringSubmatch(stdout, -1) {
		out[m[1]]++
	}
	return out
}

// totals reads the summary table's total row: pass, fail, warn, error, skip.
func totals(t *testing.T, stdout string) [5]int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^total +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no total row in the summary:\n%s", tail(stdout))
	}
	var n [5]int
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	return n
}

// ginkgoVerdict is Ginkgo's own summary, which jtb must not print: it
// counts a SHOULD spec that only warns as failed.
var ginkgoVerdict = regexp.MustCompile(`FAIL!|SUCCESS!|\d+ Passed \|`)

func TestCheckPassesAgainstTheMockWithJUnit(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "junit.xml")
	code, stdout, stderr := jtbRun(t, "check", "--junit-report", junit)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "PASS: every selected clause holds") || !strings.Contains(stdout, "AREA") {
		t.Errorf("no summary in the output:\n%s", stdout)
	}
	if n := totals(t, stdout); n[1]+n[2]+n[3]+n[4] != 0 || n[0] < 200 {
		t.Errorf("against the mock: %d passed, %d failed, %d warned, %d errors, %d skipped; want every spec passed", n[0], n[1], n[2], n[3], n[4])
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if last := lines[len(lines)-1]; !regexp.MustCompile(`^jtb check: (\d+) of (\d+) specs ran\.$`).MatchString(last) {
		t.Errorf("the last line %q does not say how many specs ran of how many", last)
	}
	j := readJUnit(t, junit)
	if j.Failures != 0 || j.Errors != 0 {
		t.Errorf("JUnit: failures=%d errors=%d, want 0", j.Failures, j.Errors)
	}
	for _, c := range j.cases() {
		if !strings.HasPrefix(c.Name, "[JTB-") || !strings.HasPrefix(c.Classname, "JTB-") {
			t.Errorf("JUnit test case %q (class %q) names no clause", c.Name, c.Classname)
		}
		if c.SystemOut != "" {
			t.Errorf("JUnit test case %q holds a warning against the mock: %s", c.Name, c.SystemOut)
		}
	}
	if len(j.cases()) < 200 {
		t.Errorf("JUnit report holds %d test cases, want the whole suite", len(j.cases()))
	}
}

func TestCheckExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
		says string
	}{
		{"a SHOULD failure is a warning", []string{"--defect", "pag-offset-cursor"}, exitOK, "PASS with warnings"},
		{"a SHOULD failure fails with --strict", []string{"--defect", "pag-offset-cursor", "--strict"}, exitFail, "JTB-PAG-010"},
		{"a MUST failure fails", []string{"--defect", "deliver-by-other-agent"}, exitFail, "FAIL  JTB-DLV-006 (MUST)"},
		{"no control API: its specs are skipped with the reason", []string{"--no-control"}, exitOK, "no control API at"},
		{"read-only: writing specs are skipped", []string{"--read-only"}, exitOK, "--read-only: this spec writes"},
		{"label filter", []string{"--label-filter", "discovery && must"}, exitOK, "not selected by --label-filter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := jtbRun(t, append([]string{"check"}, tt.args...)...)
			if code != tt.want {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.want, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.says) {
				t.Errorf("output does not say %q:\n%s", tt.says, stdout)
			}
			if ginkgoVerdict.MatchString(stdout + stderr) {
				t.Errorf("the output holds Ginkgo's own verdict:\n%s", stdout)
			}
		})
	}
}

// createdAtZ is a timestamp of the contract's form, with its Z.
var createdAtZ = regexp.MustCompile(`("createdAt":"[^"]+)Z"`)

// rewritingMock serves the reference mock, with each answer's status and
// body passed through rewrite.
func rewritingMock(t *testing.T, rewrite func(r *http.Request, status int, body []byte) (int, []byte)) (base string, keys []string) {
	t.Helper()
	m, err := mockserver.New(mockserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, r)
		status, body := rewrite(r, rec.Code, rec.Body.Bytes())
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(func() { srv.Close(); m.Close() })
	return srv.URL, m.AgentKeys()
}

// offsetBids serves the reference mock, except that a new bid's createdAt
// reads +00:00 instead of Z: a valid RFC 3339 time that breaks only the
// inferred Timestamp schema of openapi.yaml.
func offsetBids(t *testing.T) (base string, keys []string) {
	t.Helper()
	return rewritingMock(t, func(r *http.Request, status int, body []byte) (int, []byte) {
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/") && strings.HasSuffix(r.URL.Path, "/bids") && status/100 == 2 {
			return status, createdAtZ.ReplaceAll(body, []byte(`$1+00:00"`))
		}
		return status, body
	})
}

// A target that names a PDQG verdict otherwise than we decided (warning for
// warn: the seed names the outcome, not the word) breaks a SHOULD clause,
// JTB-DLV-009, and no MUST one: the MUST specs of the bands see the same
// verdict across the band and another one in each other band.
func TestCheckWarnsOnAnotherVerdictName(t *testing.T) {
	base, keys := rewritingMock(t, func(r *http.Request, status int, body []byte) (int, []byte) {
		if strings.HasPrefix(r.URL.Path, "/v1/") {
			return status, bytes.ReplaceAll(body, []byte(`"verdict":"warn"`), []byte(`"verdict":"warning"`))
		}
		return status, body
	})
	args := []string{"check", "--base-url", base, "--api-key", keys[0], "--api-key-b", keys[1]}
	code, stdout, stderr := jtbRun(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d, want %d (SHOULD warnings only)\n%s%s", code, exitOK, stdout, stderr)
	}
	for _, says := range []string{"PASS with warnings", "WARN  JTB-DLV-009 (SHOULD)", "warning"} {
		if !strings.Contains(stdout, says) {
			t.Errorf("output does not say %q:\n%s", says, stdout)
		}
	}
	if !regexp.MustCompile(`(?m)^delivery +SHOULD +\d+ +0 +\d+ +0 +\d+ +.*JTB-DLV-009`).MatchString(stdout) {
		t.Errorf("the summary table does not list JTB-DLV-009 as a SHOULD clause that does not pass:\n%s", stdout)
	}
	if fails := clauseLines(stdout, "FAIL"); len(fails) > 0 {
		t.Errorf("MUST clauses fail: %v\n%s", fails, stdout)
	}
	code, stdout, stderr = jtbRun(t, append(args, "--strict", "--label-filter", "delivery && must")...)
	if code != exitFail {
		t.Errorf("--strict: exit %d, want %d\n%s%s", code, exitFail, stdout, stderr)
	}
	if !regexp.MustCompile(`fail the run under --strict \([^)]*JTB-DLV-009`).MatchString(stdout) {
		t.Errorf("--strict: the output does not name JTB-DLV-009 as failing the run:\n%s", stdout)
	}
}

// A target that departs only from an inferred part of openapi.yaml gets a
// SHOULD warning of JTB-ENV-009 (exit 0), a failure with --strict (exit 1),
// and the finding is in both reports.
func TestCheckWarnsOnInferredDepartures(t *testing.T) {
	base, keys := offsetBids(t)
	args := []string{"check", "--base-url", base, "--api-key", keys[0], "--api-key-b", keys[1]}
	dir := t.TempDir()
	junit, jsonReport := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "report.json")

	code, stdout, stderr := jtbRun(t, append(args, "--junit-report", junit, "--json-report", jsonReport)...)
	if code != exitOK {
		t.Fatalf("exit %d, want %d (a SHOULD warning)\n%s%s", code, exitOK, stdout, stderr)
	}
	for _, says := range []string{"PASS with warnings", "WARN  JTB-ENV-009 (SHOULD)", "finding(s) in", "createdAt"} {
		if !strings.Contains(stdout, says) {
			t.Errorf("output does not say %q:\n%s", says, stdout)
		}
	}
	for _, path := range []string{junit, jsonReport} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), "JTB-ENV-009") || !strings.Contains(string(data), "+00:00") {
			t.Errorf("%s does not carry the finding", filepath.Base(path))
		}
		if rawKey.Match(data) {
			t.Errorf("%s holds an API key", filepath.Base(path))
		}
	}
	if rawKey.MatchString(stdout + stderr) {
		t.Error("the output holds an API key")
	}
	// A warning fails nothing in the JUnit report, and stays readable in
	// the system-out of the test cases that met it.
	j := readJUnit(t, junit)
	if j.Failures != 0 {
		t.Errorf("JUnit failures=%d in a run that exits 0", j.Failures)
	}
	shown := false
	for _, c := range j.cases() {
		if strings.HasPrefix(c.Classname, "JTB-BID-") && strings.Contains(c.SystemOut, "WARN JTB-ENV-009 SHOULD") {
			shown = true
		}
	}
	if !shown {
		t.Error("no bidding test case of the JUnit report shows the finding in its system-out")
	}

	// Only the bidding specs: the findings alone, without the failing spec
	// of JTB-ENV-009 itself, fail a --strict run, and are the JUnit failures.
	code, stdout, stderr = jtbRun(t, append(args, "--strict", "--label-filter", "bidding", "--junit-report", junit)...)
	if code != exitFail {
		t.Errorf("--strict: exit %d, want %d\n%s%s", code, exitFail, stdout, stderr)
	}
	if !strings.Contains(stdout, "fail the run under --strict (JTB-ENV-009)") {
		t.Errorf("--strict: the output does not name JTB-ENV-009 as failing the run:\n%s", stdout)
	}
	j = readJUnit(t, junit)
	if j.Failures == 0 {
		t.Error("--strict: the findings are no JUnit failures")
	}
	for _, c := range j.cases() {
		if c.Failure != nil && (c.Failure.Type != "SHOULD" || !strings.Contains(c.Failure.Text, "JTB-ENV-009")) {
			t.Errorf("--strict: test case %q fails for another reason: %s", c.Name, c.Failure.Text)
		}
	}
}

// -h prints every flag's default; a key or token from the environment must
// not be one of them, and must still be used when no flag is given.
func TestCheckHelpPrintsNoSecret(t *testing.T) {
	key, token := "jtb_live_"+rand.Text(), "ctl_"+rand.Text()
	env := map[string]string{suites.EnvAPIKey: key, suites.EnvAPIKeyB: key + "b", suites.EnvControlToken: token, suites.EnvBaseURL: "http://127.0.0.1:1"}
	var help bytes.Buffer
	if _, err := parseCheckFlags([]string{"-h"}, func(k string) string { return env[k] }, &help); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	if !strings.Contains(help.String(), "-api-key") {
		t.Fatalf("no help printed:\n%s", help.String())
	}
	for _, secret := range []string{key, token} {
		if strings.Contains(help.String(), secret) {
			t.Errorf("-h prints %q from the environment:\n%s", secret, help.String())
		}
	}
	o, err := parseCheckFlags(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.target.APIKey != key || o.target.APIKeyB != key+"b" || o.target.ControlToken != token {
		t.Error("the environment's key, second key or token was not used")
	}
	o, err = parseCheckFlags([]string{"--api-key", "jtb_live_flag"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil || o.target.APIKey != "jtb_live_flag" {
		t.Errorf("the flag did not win over the environment: %v", err)
	}
}

// The seed states no success status: a target that answers a new progress
// trace 200 instead of our 201 departs from two decisions (JTB-PRG-005, and
// the status openapi.yaml lists, JTB-ENV-009) and breaks no MUST clause.
func TestCheckWarnsOnAnotherSuccessStatus(t *testing.T) {
	base, keys := rewritingMock(t, func(r *http.Request, status int, body []byte) (int, []byte) {
		if status == http.StatusCreated && r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/") && strings.HasSuffix(r.URL.Path, "/progress") {
			return http.StatusOK, body
		}
		return status, body
	})
	args := []string{"check", "--base-url", base, "--api-key", keys[0], "--api-key-b", keys[1]}
	code, stdout, stderr := jtbRun(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d, want %d (SHOULD warnings only)\n%s%s", code, exitOK, stdout, stderr)
	}
	for _, says := range []string{"PASS with warnings", "WARN  JTB-PRG-005 (SHOULD)", "WARN  JTB-ENV-009 (SHOULD)"} {
		if !strings.Contains(stdout, says) {
			t.Errorf("output does not say %q:\n%s", says, stdout)
		}
	}
	if fails := clauseLines(stdout, "FAIL"); len(fails) > 0 {
		t.Errorf("MUST clauses fail: %v\n%s", fails, stdout)
	}
	if code, stdout, stderr = jtbRun(t, append(args, "--strict")...); code != exitFail {
		t.Errorf("--strict: exit %d, want %d\n%s%s", code, exitFail, stdout, stderr)
	}
}

// Levels decide a plain run (no --strict): a mock that accepts progress
// from another agent, or ignores Idempotency-Key, breaks a MUST clause and
// fails; one that accepts progress after delivery breaks only our decision
// and passes with that warning.
func TestCheckDefectLevels(t *testing.T) {
	tests := []struct {
		defect  string
		want    int
		outcome string // the clause's line in the summary
		clause  string
	}{
		{"progress-by-other-agent", exitFail, "FAIL", "JTB-PRG-006"},
		{"idem-ignored", exitFail, "FAIL", "JTB-IDEM-001"},
		{"progress-after-delivery", exitOK, "WARN", "JTB-PRG-003"},
	}
	for _, tt := range tests {
		t.Run(tt.defect, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := jtbRun(t, "check", "--defect", tt.defect)
			if code != tt.want {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.want, tail(stdout), stderr)
			}
			if clauseLines(stdout, tt.outcome)[tt.clause] != 1 {
				t.Errorf("the summary has no %s line for %s:\n%s", tt.outcome, tt.clause, tail(stdout))
			}
			if tt.want == exitOK && len(clauseLines(stdout, "FAIL")) > 0 {
				t.Errorf("MUST clauses fail: %v", clauseLines(stdout, "FAIL"))
			}
		})
	}
}
