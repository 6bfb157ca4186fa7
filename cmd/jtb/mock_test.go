package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
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
	if got, want := len(lines), 1+38; got != want {
		t.Fatalf("got %d lines, want %d:\n%s", got, want, out.String())
	}
	if !strings.HasPrefix(lines[1], "auth-accept-any-key") {
		t.Errorf("first defect line: %q", lines[1])
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
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- runMock(ctx, []string{"--addr", "127.0.0.1:0"}, &out, &errOut) }()

	urlLine := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+) `)
	var base string
	deadline := time.After(10 * time.Second)
	for base == "" {
		if m := urlLine.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("exited early with %d: %s", code, errOut.String())
		case <-deadline:
			t.Fatal("no base URL printed")
		case <-time.After(5 * time.Millisecond):
		}
	}
	if !strings.Contains(out.String(), "jtb_live_mock_agent_alpha") || !strings.Contains(out.String(), "curl ") {
		t.Errorf("banner lacks the keys or the curl: %s", out.String())
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/v1/tasks/available?limit=1", nil)
	req.Header.Set("Authorization", "Bearer jtb_live_mock_agent_alpha")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not stop after cancel")
	}
	log := errOut.String()
	if !strings.Contains(log, "path=/v1/tasks/available") || !strings.Contains(log, "status=200") {
		t.Errorf("no request log line: %s", log)
	}
	if strings.Contains(log, "mock_agent_alpha") {
		t.Errorf("request log leaks the key: %s", log)
	}
}

// startMock runs jtb mock with args on a free port and returns its base URL
// and a stop function that cancels it and returns its exit code.
func startMockCmd(t *testing.T, args ...string) (string, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- runMock(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), &out, &errOut) }()
	stop := func() int {
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
		if m := urlLine.FindStringSubmatch(out.String()); m != nil {
			return m[1], stop
		}
		select {
		case code := <-done:
			t.Fatalf("exited early with %d: %s", code, errOut.String())
		case <-deadline:
			t.Fatal("no base URL printed")
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func TestMockStateAcrossRestarts(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	base, stop := startMockCmd(t, "--state", state, "--read-header-timeout", "2s", "--grace", "5s")
	resp, err := http.Post(base+"/_control/tasks", "application/json",
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
	if code := stop(); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	base, stop = startMockCmd(t, "--state", state)
	defer stop()
	resp, err = http.Get(base + "/_control/tasks/" + created.Data.ID)
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
