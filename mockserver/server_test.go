package mockserver

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestStalledClientCannotHoldTheMock opens connections that stall half way
// through a request and shows that other clients are served meanwhile and
// that the stalled connection is closed once its timeout passes.
func TestStalledClientCannotHoldTheMock(t *testing.T) {
	const timeout = 300 * time.Millisecond
	tests := []struct {
		name, partial string
	}{
		{"half a header", "GET /v1/tasks/available HTTP/1.1\r\nHost: mock\r\nAuthoriz"},
		{"half a body", "POST /_control/agents HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":"},
		{"idle keep-alive", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := New(Options{})
			if err != nil {
				t.Fatal(err)
			}
			srv := NewServer(m, Limits{ReadHeaderTimeout: timeout, ReadTimeout: timeout, WriteTimeout: 5 * time.Second, IdleTimeout: timeout, MaxHeaderBytes: 8 << 10})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go srv.Serve(ln)
			t.Cleanup(func() { srv.Close() })
			base := "http://" + ln.Addr().String()

			start := time.Now()
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, tt.partial); err != nil {
				t.Fatal(err)
			}
			// (a) others are served while the connection stalls
			for range 20 {
				req, _ := http.NewRequest("GET", base+"/v1/tasks/available?limit=1", nil)
				req.Header.Set("Authorization", "Bearer "+alphaKey)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("served %d while a client stalls", resp.StatusCode)
				}
			}
			// (b) the stalled connection is closed by the server after the
			// timeout; the deadline only guards the test.
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, err = io.ReadAll(conn)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatal("the stalled connection was still open after 10s")
			}
			// The server's clock for the connection starts a moment before
			// ours can; a close well before the timeout is not the timeout.
			if held := time.Since(start); held < timeout*3/4 {
				t.Fatalf("closed after %v, well before the %v timeout", held, timeout)
			}
		})
	}
}

func TestHeaderLimit(t *testing.T) {
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(m, Limits{ReadHeaderTimeout: 5 * time.Second, MaxHeaderBytes: 4 << 10})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	for _, tt := range []struct {
		size int
		want int
	}{{1 << 10, 200}, {64 << 10, http.StatusRequestHeaderFieldsTooLarge}} {
		req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/v1/tasks/available?limit=1", nil)
		req.Header.Set("Authorization", "Bearer "+alphaKey)
		req.Header.Set("X-Pad", strings.Repeat("a", tt.size))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("header of %d bytes: %d, want %d", tt.size, resp.StatusCode, tt.want)
		}
	}
}

// held lets a test hold a request inside the handler.
type held struct {
	next    http.Handler
	started chan struct{}
	release chan struct{}
}

func (h *held) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Hold") != "" {
		close(h.started)
		<-h.release
	}
	h.next.ServeHTTP(w, r)
}

// TestGracefulShutdown: a request in flight when the stop comes completes
// with its answer, Serve waits for it, and the state file holds it.
func TestGracefulShutdown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	m, err := New(Options{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	h := &held{next: m, started: make(chan struct{}), release: make(chan struct{})}
	srv := NewServer(h, DefaultLimits())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, srv, ln, m, 10*time.Second) }()

	type result struct {
		status int
		err    error
	}
	answered := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/_control/agents", strings.NewReader(`{"name":"inflight"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Hold", "1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- result{err: err}
			return
		}
		resp.Body.Close()
		answered <- result{status: resp.StatusCode}
	}()
	<-h.started
	stop() // SIGTERM, as jtb mock sees it
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v with a request in flight", err)
	default:
	}
	close(h.release)
	if r := <-answered; r.err != nil || r.status != http.StatusCreated {
		t.Fatalf("in-flight request: %d %v", r.status, r.err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	again, err := New(Options{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	found := false
	for _, a := range again.store.Agents() {
		found = found || a.Name == "inflight"
	}
	if !found {
		t.Fatal("the in-flight write is not in the state file")
	}
}

// TestRequestLogRedactsKeys: whatever a client puts in Authorization, the
// request log shows at most a known scheme word and the public prefix.
func TestRequestLogRedactsKeys(t *testing.T) {
	const secret = "jtb_live_s3cr3tvalue"
	tests := []struct{ header, want string }{
		{"", "none"},
		{"Bearer " + secret, "Bearer jtb_live_[redacted]"},
		{"bearer  " + secret, "bearer jtb_live_[redacted]"},
		{"Basic dXNlcjpwYXNz", "Basic [redacted]"},
		{secret, "[redacted]"},                // the key with no scheme
		{secret + " " + secret, "[redacted]"}, // the key where the scheme goes
		{"Bearer", "Bearer [redacted]"},
	}
	for _, tt := range tests {
		if got := redactAuth(tt.header); got != tt.want {
			t.Errorf("redactAuth(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
	var log strings.Builder
	var mu sync.Mutex
	m, err := New(Options{Logger: slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return log.Write(p)
	}), nil))})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", "/v1/tasks/available?limit=1", nil)
		if tt.header != "" {
			req.Header.Set("Authorization", tt.header)
		}
		m.ServeHTTP(httptest.NewRecorder(), req)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(log.String(), "s3cr3t") || strings.Contains(log.String(), "dXNlcjpwYXNz") {
		t.Fatalf("the request log leaks a credential:\n%s", log.String())
	}
	if n := strings.Count(log.String(), "path=/v1/tasks/available"); n != len(tests) {
		t.Fatalf("%d log lines, want %d:\n%s", n, len(tests), log.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
