package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobtobot/jtb/mockserver"
)

// syncBuffer lets the test read what the serving goroutine writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestMockDefectList(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := runMock(context.Background(), []string{"--defect", "list"}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	defects := mockserver.Defects()
	if got, want := len(lines), 1+len(defects); got != want {
		t.Fatalf("got %d lines, want %d:\n%s", got, want, out.String())
	}
	for i, d := range defects {
		line := lines[1+i]
		if f := strings.Fields(line); len(f) < 3 || f[0] != d.Name || f[1] != d.Area || !strings.HasSuffix(line, strings.Join(d.Clauses, ", ")) {
			t.Errorf("line %d: %q, want %s, %s, ... %v", 1+i, line, d.Name, d.Area, d.Clauses)
		}
	}
}

func TestMockBadConfig(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"unknown defect", []string{"--defect", "no-such-defect", "--addr", "127.0.0.1:0"}},
		{"unknown flag", []string{"--nope"}},
		{"stray argument", []string{"extra"}},
		{"missing fixtures dir", []string{"--fixtures", "/nonexistent/dir", "--addr", "127.0.0.1:0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := runMock(context.Background(), tt.args, &out, &errOut); code != exitConfig {
				t.Fatalf("exit %d, want %d; stderr %s", code, exitConfig, errOut.String())
			}
		})
	}
}

func TestMockServesAndStops(t *testing.T) {
	m := startMockCmd(t)
	out := m.out.String()
	if !strings.Contains(out, "jtb_live_mock_agent_alpha") || !strings.Contains(out, "curl ") {
		t.Errorf("banner lacks the keys or the curl: %s", out)
	}
	req, _ := http.NewRequest(http.MethodGet, m.base+"/v1/tasks/available?limit=1", nil)
	req.Header.Set("Authorization", "Bearer jtb_live_mock_agent_alpha")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if code := m.stop(); code != exitOK {
		t.Fatalf("exit %d: %s", code, m.errOut.String())
	}
	log := m.errOut.String()
	if !strings.Contains(log, "path=/v1/tasks/available") || !strings.Contains(log, "status=200") {
		t.Errorf("no request log line: %s", log)
	}
	if strings.Contains(log, "mock_agent_alpha") {
		t.Errorf("request log leaks the key: %s", log)
	}
}

// runningMock is a jtb mock started by startMockCmd.
type runningMock struct {
	base        string
	out, errOut *syncBuffer
	stop        func() int // cancels it and returns its exit code
}

// startMockCmd runs jtb mock with args on a free port until stop or the
// test's end.
func startMockCmd(t *testing.T, args ...string) runningMock {
	t.Helper()
	return startMockCmdWith(t, lookupHost, "127.0.0.1:0", args...)
}

// startMockCmdWith is startMockCmd on addr (which must bind 127.0.0.1), with
// lookup as the resolver of the token rule.
func startMockCmdWith(t *testing.T, lookup func(string) ([]netip.Addr, error), addr string, args ...string) runningMock {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	m := runningMock{out: &syncBuffer{}, errOut: &syncBuffer{}}
	done := make(chan int, 1)
	go func() { done <- runMockWith(ctx, append([]string{"--addr", addr}, args...), m.out, m.errOut, lookup) }()
	m.stop = func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(20 * time.Second):
			t.Fatal("did not stop after cancel")
			return -1
		}
	}
	t.Cleanup(func() { cancel() })
	urlLine := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+) `)
	deadline := time.After(10 * time.Second)
	for {
		if match := urlLine.FindStringSubmatch(m.out.String()); match != nil {
			m.base = match[1]
			return m
		}
		select {
		case code := <-done:
			t.Fatalf("exited early with %d: %s", code, m.errOut.String())
		case <-deadline:
			t.Fatal("no base URL printed")
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// TestMockPrintsNoSecret: the control token from the environment is not a
// flag default that -h would print, yet it guards /_control; a key from
// --fixtures DIR is not printed in the banner.
func TestMockPrintsNoSecret(t *testing.T) {
	const token, key = "ctl-s3cr3t-token", "jtb_live_s3cr3t_agent_key"
	t.Setenv("JTB_CONTROL_TOKEN", token)
	var out, errOut syncBuffer
	if code := runMock(context.Background(), []string{"-h"}, &out, &errOut); code != exitOK {
		t.Fatalf("-h: exit %d", code)
	}
	if help := out.String() + errOut.String(); !strings.Contains(help, "control-token") || strings.Contains(help, "s3cr3t") {
		t.Fatalf("-h lacks the flag or prints the token:\n%s", help)
	}

	dir := t.TempDir()
	agents := `[{"id":"6f1c2b9e-0d4a-4c7e-9a51-3b8e2f7d1c01","name":"mine","apiKey":"` + key + `"}]`
	if err := os.WriteFile(filepath.Join(dir, "agents.json"), []byte(agents), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tasks.json"), []byte(`[]`), 0o600); err != nil {
		t.Fatal(err)
	}
	m := startMockCmd(t, "--fixtures", dir)
	resp, err := http.Get(m.base + "/_control/capabilities")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("/_control without the token from %s: %d, want 401", "JTB_CONTROL_TOKEN", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, m.base+"/v1/tasks/available", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the fixture key: %d, want 200", resp.StatusCode)
	}
	if code := m.stop(); code != exitOK {
		t.Fatalf("exit %d: %s", code, m.errOut.String())
	}
	if all := m.out.String() + m.errOut.String(); strings.Contains(all, "s3cr3t") || !strings.Contains(m.out.String(), "jtb_live_[redacted]") {
		t.Fatalf("the banner prints a secret or no redacted key:\n%s", all)
	}
}

func TestMockStateAcrossRestarts(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	m := startMockCmd(t, "--state", state, "--read-header-timeout", "2s", "--grace", "5s")
	resp, err := http.Post(m.base+"/_control/tasks", "application/json",
		strings.NewReader(`{"title":"Kept","description":"d","category":"coding","band":"basic","price":"7.00"}`))
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || created.Data.ID == "" {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	if code := m.stop(); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	m = startMockCmd(t, "--state", state)
	defer m.stop()
	resp, err = http.Get(m.base + "/_control/tasks/" + created.Data.ID)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("task created before the restart: %d", resp.StatusCode)
	}
}

func TestMockBadLimitFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--read-header-timeout", "soon"},
		{"--max-header-bytes", "many"},
		{"--grace", "-"},
	} {
		var out, errOut syncBuffer
		if code := runMock(context.Background(), args, &out, &errOut); code != exitConfig {
			t.Errorf("%v: exit %d, want %d", args, code, exitConfig)
		}
	}
}
