package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jobtobot/jtb/fixtures"
	"github.com/jobtobot/jtb/proxy"
	"github.com/jobtobot/jtb/suites"
)

// proxyRun is jtb proxy running in this process until stop.
type proxyRun struct {
	base           string
	stdout, stderr *syncBuffer
	stop           func() int // cancels (as SIGINT does) and returns the exit code
}

var listeningAt = regexp.MustCompile(`listening at (http://\S+),`)

// startProxy runs jtb proxy with args (and --listen 127.0.0.1:0) and waits
// for its banner.
func startProxy(t *testing.T, args ...string) *proxyRun {
	t.Helper()
	for _, k := range []string{EnvUpstream, suites.EnvControlURL, suites.EnvControlToken, suites.EnvTimeout} {
		t.Setenv(k, "")
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &proxyRun{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, append([]string{"proxy", "--listen", "127.0.0.1:0"}, args...), nil, r.stdout, r.stderr)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := listeningAt.FindStringSubmatch(r.stdout.String()); m != nil {
			r.base = m[1]
			break
		}
		select {
		case c := <-code:
			cancel()
			t.Fatalf("jtb proxy ended with %d before listening\nstdout:\n%s\nstderr:\n%s", c, r.stdout, r.stderr)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("jtb proxy did not listen within 10 s\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
		}
	}
	stopped := false
	var exit int
	r.stop = func() int {
		if !stopped {
			stopped = true
			cancel()
			select {
			case exit = <-code:
			case <-time.After(20 * time.Second):
				t.Fatal("jtb proxy did not stop within 20 s of its context")
			}
		}
		return exit
	}
	t.Cleanup(func() { r.stop() })
	return r
}

func call(t *testing.T, method, url, key, idemKey string, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, rd)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// readReport reads a JSONL report: one finding a line.
func readReport(t *testing.T, path string) []proxy.Finding {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []proxy.Finding
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var fd proxy.Finding
		if err := json.Unmarshal(sc.Bytes(), &fd); err != nil {
			t.Fatalf("report line %q: %v", sc.Text(), err)
		}
		out = append(out, fd)
	}
	return out
}

// jtb proxy alone is a validating mock: it fronts an in-process reference
// mock, reports each finding on a line and in the report, summarises on
// SIGINT, and fails with --fail-on-violation only when an error was seen.
func TestProxyFrontsTheMock(t *testing.T) {
	for _, tt := range []struct {
		name  string
		args  []string
		bad   bool // send calls with an error-severity finding
		code  int
		kinds []proxy.Kind
	}{
		{"errors fail the run with --fail-on-violation", []string{"--defect", "price-as-number", "--fail-on-violation"}, true, exitFail,
			[]proxy.Kind{proxy.KindResponse, proxy.KindAgent}},
		{"errors do not fail the run without it", []string{"--defect", "price-as-number"}, true, exitOK,
			[]proxy.Kind{proxy.KindResponse, proxy.KindAgent}},
		{"warnings only do not fail it", []string{"--fail-on-violation"}, false, exitOK, []proxy.Kind{proxy.KindAgent}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			report := filepath.Join(t.TempDir(), "findings.jsonl")
			r := startProxy(t, append(tt.args, "--report", report)...)
			status, body := call(t, http.MethodGet, r.base+"/v1/tasks/available?limit=2", fixtures.AlphaKey, "", "")
			if status != http.StatusOK {
				t.Fatalf("listing through the proxy: %d %s", status, body)
			}
			var page struct {
				Data struct {
					Items []struct {
						ID string `json:"id"`
					} `json:"items"`
				} `json:"data"`
			}
			json.Unmarshal(body, &page)
			// A bid without Idempotency-Key: an agent warning.
			status, body = call(t, http.MethodPost, r.base+"/v1/tasks/"+page.Data.Items[0].ID+"/bids", fixtures.AlphaKey, "",
				`{"proposedPrice": 12.5, "coverLetter": "I can do it."}`)
			if status != http.StatusCreated {
				t.Fatalf("bid through the proxy: %d %s", status, body)
			}
			// The control API passes through to the in-process mock.
			if status, body = call(t, http.MethodGet, r.base+"/_control/capabilities", "", "", ""); status != http.StatusOK {
				t.Fatalf("control through the proxy: %d %s", status, body)
			}
			code := r.stop()
			out := r.stdout.String()
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, r.stderr)
			}
			for _, want := range []string{"fronting: the in-process reference mock", "agents: alpha and bravo", "agent/no-idempotency-key",
				"jtb proxy: stopped after", "KIND", "createBid"} {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			findings := readReport(t, report)
			kinds := map[proxy.Kind]bool{}
			for _, f := range findings {
				kinds[f.Kind] = true
				if f.Rule == "" || f.Message == "" || f.Severity == "" || f.Exchange.Method == "" || f.Agent != "alpha" {
					t.Errorf("an incomplete finding: %+v", f)
				}
			}
			for _, k := range tt.kinds {
				if !kinds[k] {
					t.Errorf("the report has no %s finding: %+v", k, findings)
				}
			}
			if tt.bad != kinds[proxy.KindResponse] {
				t.Errorf("response findings: %v, want %v", kinds[proxy.KindResponse], tt.bad)
			}
			if lines := strings.Count(out, " -> "); lines != len(findings) {
				t.Errorf("%d finding lines printed, %d in the report", lines, len(findings))
			}
			outs := map[string]string{"stdout": out, "stderr": r.stderr.String(), "report": mustRead(t, report)}
			assertNoSecret(t, outs, "fixture key alpha", fixtures.AlphaKey)
			assertNoSecret(t, outs, "fixture key bravo", fixtures.BravoKey)
		})
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// In front of an upstream that echoes every key and token it is sent, no
// output holds one.
func TestProxyLeaksNoSecret(t *testing.T) {
	keys := []string{"jtb_live_" + rand.Text(), "other-" + rand.Text()}
	token := "ctl_" + rand.Text()
	srv := httptest.NewServer(echoTarget())
	defer srv.Close()
	report := filepath.Join(t.TempDir(), "findings.jsonl")
	r := startProxy(t, "--upstream", srv.URL, "--control-token", token, "--report", report, "--fail-on-violation")
	for _, k := range keys {
		call(t, http.MethodGet, r.base+"/v1/tasks/available", k, "", "")
		call(t, http.MethodPost, r.base+"/v1/tasks/00000000-0000-4000-8000-000000000000/bids", k, "k", `{"proposedPrice":1,"coverLetter":"x"}`)
		call(t, http.MethodPost, r.base+"/v1/tasks/00000000-0000-4000-8000-000000000000/bids", k, "k", `{"proposedPrice":2,"coverLetter":"y"}`)
		call(t, http.MethodGet, r.base+"/v1/tasks/00000000-0000-4000-8000-000000000000/traces", k, "", "")
	}
	if code := r.stop(); code != exitFail {
		t.Errorf("exit %d, want %d (the echo target breaks the contract)", code, exitFail)
	}
	outs := map[string]string{"stdout": r.stdout.String(), "stderr": r.stderr.String(), "report": mustRead(t, report)}
	if !strings.Contains(outs["report"], "[REDACTED]") {
		t.Errorf("no redaction mark in the report: the echoed secrets never reached it, the test proves nothing\n%s", outs["report"])
	}
	for i, k := range keys {
		assertNoSecret(t, outs, "API key "+string(rune('1'+i)), k)
	}
	assertNoSecret(t, outs, "control token", token)
}

func TestProxyRefusesBadConfiguration(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--faults", "lost-response=2"}, "from 0 to 1"},
		{[]string{"--faults", "gremlins=0.1"}, "unknown fault"},
		{[]string{"--upstream", "ftp://example.com"}, "http:// or https://"},
		{[]string{"--upstream", "http://127.0.0.1:4011", "--listen", "localhost:4011"}, "forward to itself"},
		{[]string{"--upstream", "http://example.com", "--defect", "price-as-number"}, "in-process mock"},
		{[]string{"--control-token", "t"}, "need --upstream"},
		{[]string{"--defect", "no-such-defect"}, "unknown defect"},
		{[]string{"--timeout", "0s"}, "positive"},
		{[]string{"extra"}, "unexpected"},
		{[]string{"--report", filepath.Join(t.TempDir(), "no", "such", "dir", "f.jsonl")}, "--report"},
		{[]string{"--upstream", closedURL, "--timeout", "2s"}, "does not answer"},
		{[]string{"--listen", "256.0.0.1:1"}, "256.0.0.1"},
	} {
		t.Setenv(EnvUpstream, "")
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"proxy"}, tt.args...), nil, &stdout, &stderr)
		if code != exitConfig || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d naming %q", tt.args, code, stderr.String(), exitConfig, tt.want)
		}
	}
}

// -h prints the flags' defaults: the control token from the environment is
// not one of them, and is still used.
func TestProxyHelpPrintsNoSecret(t *testing.T) {
	token := "ctl_" + rand.Text()
	env := map[string]string{suites.EnvControlToken: token, EnvUpstream: "http://127.0.0.1:9"}
	var help bytes.Buffer
	if _, err := parseProxyFlags([]string{"-h"}, func(k string) string { return env[k] }, &help); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	if !strings.Contains(help.String(), "-upstream") || strings.Contains(help.String(), token) {
		t.Errorf("-h output:\n%s", help.String())
	}
	o, err := parseProxyFlags(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil || o.controlToken != token || o.upstream != "http://127.0.0.1:9" {
		t.Errorf("the environment was not used: %+v, %v", o, err)
	}
}
