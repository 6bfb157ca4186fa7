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

type junitSuites struct {
	Suites []struct {
		Cases []struct {
			Name    string    `xml:"name,attr"`
			Failure *struct{} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
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

func TestCheckPassesAgainstTheMockWithJUnit(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "junit.xml")
	code, stdout, stderr := jtbRun(t, "check", "--junit-report", junit)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "PASS: every selected clause holds") || !strings.Contains(stdout, "AREA") {
		t.Errorf("no summary in the output:\n%s", stdout)
	}
	j := readJUnit(t, junit)
	cases := 0
	for _, s := range j.Suites {
		for _, c := range s.Cases {
			cases++
			if !strings.Contains(c.Name, "[JTB-") {
				t.Errorf("JUnit test case %q names no clause", c.Name)
			}
		}
	}
	if cases < 100 {
		t.Errorf("JUnit report holds %d test cases, want the whole suite", cases)
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
		{"a MUST failure fails", []string{"--defect", "deliver-by-other-agent"}, exitFail, "JTB-DLV-006"},
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
	for _, says := range []string{"PASS with warnings", "SHOULD JTB-DLV-009:", `"warning"`} {
		if !strings.Contains(stdout, says) {
			t.Errorf("output does not say %q:\n%s", says, stdout)
		}
	}
	if !regexp.MustCompile(`(?m)^delivery +SHOULD +\d+ +[1-9]\d* +\d+ +.*JTB-DLV-009`).MatchString(stdout) {
		t.Errorf("the summary table does not list JTB-DLV-009 as a failing SHOULD clause:\n%s", stdout)
	}
	if m := regexp.MustCompile(`(?m)^\S+ +MUST +\d+ +[1-9]`).FindString(stdout); m != "" {
		t.Errorf("a MUST row has failures: %q\n%s", m, stdout)
	}
	code, stdout, stderr = jtbRun(t, append(args, "--strict", "--label-filter", "delivery && must")...)
	if code != exitFail {
		t.Errorf("--strict: exit %d, want %d\n%s%s", code, exitFail, stdout, stderr)
	}
	if !strings.Contains(stdout, "SHOULD failures fail the run (--strict).") || !strings.Contains(stdout, "JTB-DLV-009") {
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
	for _, says := range []string{"PASS with warnings", "SHOULD JTB-ENV-009:", "break only inferred parts of openapi.yaml", "createdAt"} {
		if !strings.Contains(stdout, says) {
			t.Errorf("output does not say %q:\n%s", says, stdout)
		}
	}
	if !regexp.MustCompile(`(?m)^envelope +SHOULD +\d+ +[1-9]\d* +\d+ +.*JTB-ENV-009`).MatchString(stdout) {
		t.Errorf("the summary table does not list JTB-ENV-009 as a failing SHOULD clause:\n%s", stdout)
	}
	for _, path := range []string{junit, jsonReport} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), suites.FindingEntry) || !strings.Contains(string(data), "+00:00") {
			t.Errorf("%s does not carry the finding", filepath.Base(path))
		}
		if rawKey.Match(data) {
			t.Errorf("%s holds an API key", filepath.Base(path))
		}
	}
	if rawKey.MatchString(stdout + stderr) {
		t.Error("the output holds an API key")
	}
	// JUnit readers show a test case's system-out and system-err, not its
	// properties: the finding must be readable there.
	var j struct {
		Cases []struct {
			Name      string `xml:"name,attr"`
			SystemErr string `xml:"system-err"`
			SystemOut string `xml:"system-out"`
		} `xml:"testsuite>testcase"`
	}
	data, _ := os.ReadFile(junit)
	if err := xml.Unmarshal(data, &j); err != nil {
		t.Fatalf("JUnit report is not valid XML: %v", err)
	}
	shown := false
	for _, c := range j.Cases {
		if strings.Contains(c.Name, "[JTB-BID-") && strings.Contains(c.SystemErr+c.SystemOut, "JTB-ENV-009: the answer departs from an inferred part") {
			shown = true
		}
	}
	if !shown {
		t.Error("no bidding test case of the JUnit report shows the finding in its system-err or system-out")
	}

	// Only the bidding specs: the findings alone, without the failing spec
	// of JTB-ENV-009 itself, fail a --strict run.
	code, stdout, stderr = jtbRun(t, append(args, "--strict", "--label-filter", "bidding")...)
	if code != exitFail {
		t.Errorf("--strict: exit %d, want %d\n%s%s", code, exitFail, stdout, stderr)
	}
	if !strings.Contains(stdout, "SHOULD failures fail the run (--strict).") || !strings.Contains(stdout, "JTB-ENV-009") {
		t.Errorf("--strict: the output does not name JTB-ENV-009 as failing the run:\n%s", stdout)
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
	for _, says := range []string{"PASS with warnings", "SHOULD JTB-PRG-005:", "SHOULD JTB-ENV-009:"} {
		if !strings.Contains(stdout, says) {
			t.Errorf("output does not say %q:\n%s", says, stdout)
		}
	}
	if m := regexp.MustCompile(`(?m)^\S+ +MUST +\d+ +[1-9]`).FindString(stdout); m != "" {
		t.Errorf("a MUST row has failures: %q\n%s", m, stdout)
	}
	if code, stdout, stderr = jtbRun(t, append(args, "--strict")...); code != exitFail {
		t.Errorf("--strict: exit %d, want %d\n%s%s", code, exitFail, stdout, stderr)
	}
}
