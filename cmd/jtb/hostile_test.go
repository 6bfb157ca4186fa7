package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

// Secrets the hostile runs are given; no output may show them. They are
// drawn afresh by each test process (and handed to the jtb check it starts),
// so no key-shaped literal sits in the repository.
var (
	hostileKey   = "jtb_live_" + rand.Text()
	hostileToken = "ctl_" + rand.Text()
)

// The request timeout of the hostile runs: short, so a hanging target costs
// little, and long enough for a loopback answer. A target that hangs after
// the preflight costs a few timeouts before the run gives it up, so that
// run takes a shorter one still.
const (
	hostileTimeout = 300 * time.Millisecond
	hangTimeout    = 100 * time.Millisecond
)

// checkRun is one finished jtb check in a process of its own.
type checkRun struct {
	code           int
	stdout, stderr string
	junit, json    string // report paths
	elapsed        time.Duration
}

// runCheckWithin runs jtb check against baseURL with the hostile secrets and
// both reports, and fails the test when it does not end within bound (the
// process is killed then, so a hang cannot stall go test).
func runCheckWithin(t *testing.T, bound, timeout time.Duration, baseURL string, extra ...string) checkRun {
	t.Helper()
	dir := t.TempDir()
	r := checkRun{junit: filepath.Join(dir, "junit.xml"), json: filepath.Join(dir, "report.json")}
	args := append([]string{"check", "--base-url", baseURL, "--api-key", hostileKey, "--control-token", hostileToken,
		"--timeout", timeout.String(), "--junit-report", r.junit, "--json-report", r.json}, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1", "JTB_BASE_URL=", "JTB_API_KEY=", "JTB_API_KEY_B=", "JTB_CONTROL_URL=", "JTB_CONTROL_TOKEN=", "JTB_TIMEOUT=")
	cmd.WaitDelay = time.Second
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	r.elapsed = time.Since(start)
	r.stdout, r.stderr = out.String(), errOut.String()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("jtb check did not end within %s (killed)\nstdout:\n%s\nstderr:\n%s", bound, tail(r.stdout), r.stderr)
	case err == nil:
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	default:
		t.Fatalf("running jtb check: %v", err)
	}
	return r
}

func tail(s string) string {
	if len(s) > 4000 {
		return "..." + s[len(s)-4000:]
	}
	return s
}

// outputs is everything a run leaves behind, by name.
func (r checkRun) outputs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{"stdout": r.stdout, "stderr": r.stderr}
	for name, path := range map[string]string{"JUnit report": r.junit, "JSON report": r.json} {
		data, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out[name] = string(data)
	}
	return out
}

// assertNoSecret fails when any output holds the secret or a piece of it as
// long as 8 characters (a cut excerpt must not leave half a key behind). The
// public prefix of a key (jtb_live_) is no secret.
func assertNoSecret(t *testing.T, outputs map[string]string, name, secret string) {
	t.Helper()
	secret = strings.TrimPrefix(secret, "jtb_live_")
	for where, text := range outputs {
		for i := 0; i+8 <= len(secret); i++ {
			if piece := secret[i : i+8]; strings.Contains(text, piece) {
				j := strings.Index(text, piece)
				t.Errorf("%s holds %q, part of the %s: ...%s...", where, piece, name, text[max(0, j-200):min(len(text), j+200)])
				break
			}
		}
	}
}

// specReports reads the JSON report and fails when it is not valid.
func specReports(t *testing.T, path string) []types.SpecReport {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no JSON report: %v", err)
	}
	var reports []types.Report
	if err := json.Unmarshal(data, &reports); err != nil {
		t.Fatalf("the JSON report is not valid: %v", err)
	}
	var srs []types.SpecReport
	for _, r := range reports {
		srs = append(srs, r.SpecReports...)
	}
	return srs
}

// assertValidJUnit fails when the JUnit report is missing or not XML.
func assertValidJUnit(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no JUnit report: %v", err)
	}
	var v struct {
		XMLName xml.Name
	}
	if err := xml.Unmarshal(data, &v); err != nil || v.XMLName.Local != "testsuites" {
		t.Fatalf("the JUnit report is not valid JUnit XML (%v, root %q)", err, v.XMLName.Local)
	}
}

// hang blocks until the client gives up or the test ends.
func hang(done <-chan struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}
}

// reset closes the connection with a TCP RST instead of an answer.
func reset(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		if tcp, ok := conn.(*net.TCPConn); ok {
			tcp.SetLinger(0)
		}
		conn.Close()
	}
}

// answer writes a fixed answer.
func answer(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}

// afterPreflight answers the preflight (an anonymous listing, the control
// API's capabilities, a listing with the key) as a correct target without
// a control API would, so the run starts, and everything else with then.
func afterPreflight(then http.HandlerFunc) http.HandlerFunc {
	var preflight atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		switch {
		case preflight.Load() >= 3:
			then(w, r)
		case r.URL.Path == "/v1/tasks/available" && r.Header.Get("Authorization") == "":
			preflight.Add(1)
			w.Header().Set("WWW-Authenticate", "Bearer")
			answer(http.StatusUnauthorized, "application/json", `{"ok":false,"error":{"code":"UNAUTHORIZED","message":"missing API key"}}`)(w, r)
		case r.URL.Path == "/_control/capabilities":
			preflight.Add(1)
			answer(http.StatusNotFound, "application/json", `{"ok":false,"error":{"code":"NOT_FOUND","message":"no such path"}}`)(w, r)
		case r.URL.Path == "/v1/tasks/available":
			preflight.Add(1)
			answer(http.StatusOK, "application/json", `{"ok":true,"data":{"items":[],"pagination":{"next_cursor":null,"has_more":false,"total_estimate":0}}}`)(w, r)
		default:
			then(w, r)
		}
	}
}

// TestCheckAgainstHostileTargets runs jtb check against servers that hang,
// reset, or answer what no Agent API answers. Each run must end within its
// bound with the exit code PRODUCT.md gives (2: the target never answers
// the preflight; 1: specs failed), say why, write valid reports when specs
// ran, and never show the key or the control token.
func TestCheckAgainstHostileTargets(t *testing.T) {
	done := make(chan struct{})
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		wantCode int
		says     string        // in stdout or stderr
		bound    time.Duration // for the whole process
		timeout  time.Duration // of each request
	}{
		{"hangs", hang(done), exitConfig, "does not answer (timeout 300ms)", 20 * time.Second, hostileTimeout},
		{"resets every connection", reset(t), exitConfig, "does not answer", 20 * time.Second, hostileTimeout},
		{"answers 10 MB bodies", answer(http.StatusOK, "application/json", strings.Repeat(" ", 10<<20)), exitFail, "longer than the suite's limit of 2 MiB", 60 * time.Second, hostileTimeout},
		{"answers invalid JSON", answer(http.StatusOK, "application/json", `{"ok":true,"data":{"items":[`), exitFail, "the answer breaks openapi.yaml", 60 * time.Second, hostileTimeout},
		{"answers text/html", answer(http.StatusOK, "text/html; charset=utf-8", "<html><body>It works!</body></html>"), exitFail, "text/html", 60 * time.Second, hostileTimeout},
		{"answers errors as text/plain", answer(http.StatusInternalServerError, "text/plain", "internal error"), exitFail, "-> 500 text/plain", 60 * time.Second, hostileTimeout},
		// A target that goes silent mid-run: given up after a few requests
		// in a row get no answer, not one timeout per spec.
		{"answers the preflight, then hangs", afterPreflight(hang(done)), exitConfig, "the target stopped answering", 20 * time.Second, hangTimeout},
		{"answers the preflight, then resets", afterPreflight(reset(t)), exitConfig, "the target stopped answering", 20 * time.Second, hostileTimeout},
	}
	var servers []*httptest.Server
	t.Cleanup(func() {
		close(done) // unblock hanging handlers before the servers close
		for _, s := range servers {
			s.Close()
		}
	})
	for _, tt := range tests {
		srv := httptest.NewServer(tt.handler)
		servers = append(servers, srv)
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			timeout := tt.timeout
			r := runCheckWithin(t, tt.bound, timeout, srv.URL)
			t.Logf("exit %d in %s (request timeout %s)", r.code, r.elapsed.Round(time.Millisecond), timeout)
			if r.code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tt.wantCode, tail(r.stdout), r.stderr)
			}
			if !strings.Contains(r.stdout+r.stderr, tt.says) {
				t.Errorf("the output does not say %q\nstdout:\n%s\nstderr:\n%s", tt.says, tail(r.stdout), r.stderr)
			}
			for _, out := range []string{r.stdout, r.stderr} {
				if strings.Contains(out, "panic:") || strings.Contains(out, "goroutine ") {
					t.Errorf("the run panicked:\n%s", tail(out))
				}
			}
			abandoned := strings.Contains(r.stderr, "the target stopped answering")
			if r.code == exitConfig {
				t.Logf("stderr: %s", r.stderr)
			}
			if r.code == exitFail || abandoned {
				assertValidJUnit(t, r.junit)
				failed := 0
				for _, sr := range specReports(t, r.json) {
					if sr.State.Is(types.SpecStateFailureStates) {
						if failed++; failed == 1 {
							t.Logf("first failure: %s\n%s", sr.FullText(), sr.Failure.Message)
						}
						if strings.TrimSpace(sr.Failure.Message) == "" {
							t.Errorf("spec %q failed without a message", sr.FullText())
						}
						if sr.State != types.SpecStateFailed && !(abandoned && sr.State == types.SpecStateAborted) {
							t.Errorf("spec %q ended %s, not with a failure: %s", sr.FullText(), sr.State, sr.Failure.Message)
						}
					}
				}
				if failed == 0 {
					t.Error("no spec failed against a hostile target")
				}
				if !abandoned && !strings.Contains(r.stdout, "FAIL:") {
					t.Errorf("no verdict in the output:\n%s", tail(r.stdout))
				}
			}
			outs := r.outputs(t)
			assertNoSecret(t, outs, "API key", hostileKey)
			assertNoSecret(t, outs, "control token", hostileToken)
		})
	}
}
