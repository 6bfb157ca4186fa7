package proxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobtobot/jtb/mockserver"
)

// loopServer serves a handler that says which way each call came (the
// loop or net/http) on a Server whose loop takes the GETs under /fast/.
type loopServer struct {
	t       *testing.T
	s       *Server
	addr    string
	release chan struct{} // /fast/slow waits for it
	entered chan struct{} // /fast/slow says it started
	errLog  *syncBuffer
	served  chan error // Serve's result
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func newLoopServer(t *testing.T, configure func(*http.Server)) *loopServer {
	t.Helper()
	ls := &loopServer{t: t, release: make(chan struct{}), entered: make(chan struct{}, 1), errLog: &syncBuffer{}, served: make(chan error, 1)}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		via := "net/http"
		if _, ok := w.(*fastWriter); ok {
			via = "loop"
		}
		w.Header().Set("X-Via", via)
		switch r.URL.Path {
		case "/fast/panic":
			panic("on purpose")
		case "/fast/abort":
			panic(http.ErrAbortHandler)
		case "/fast/hijack":
			conn, bw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			bw.WriteString("HTTP/1.1 299 Taken\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			bw.Flush()
			conn.Close()
			return
		case "/fast/flush":
			w.Write([]byte("first,"))
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Errorf("flush: %v", err)
			}
			w.Write([]byte("second"))
			return
		case "/fast/204":
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusNoContent)
			return
		case "/fast/html":
			w.Write([]byte("<html><body>sniffed</body></html>"))
			return
		case "/fast/close":
			w.Header().Set("Connection", "close")
		case "/fast/slow":
			ls.entered <- struct{}{}
			<-ls.release
		}
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %q", r.Method, r.URL.RequestURI(), body)
	})
	srv := &http.Server{Handler: h, ErrorLog: log.New(ls.errLog, "", 0)}
	if configure != nil {
		configure(srv)
	}
	ls.s = newServer(srv, func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/fast/") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ls.addr = ln.Addr().String()
	go func() { ls.served <- ls.s.Serve(ln) }()
	t.Cleanup(func() { ls.s.Close() })
	return ls
}

// dial is a raw connection to the server, with a bound on every read so
// that a test that goes wrong fails rather than hangs.
func (ls *loopServer) dial() (net.Conn, *bufio.Reader) {
	ls.t.Helper()
	c, err := net.Dial("tcp", ls.addr)
	if err != nil {
		ls.t.Fatal(err)
	}
	ls.t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, bufio.NewReader(c)
}

type rawAnswer struct {
	status int
	header http.Header
	body   string
	close  bool
}

func readAnswer(t *testing.T, br *bufio.Reader, method string) rawAnswer {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	for err == nil && resp.StatusCode == http.StatusContinue {
		resp, err = http.ReadResponse(br, &http.Request{Method: method}) // the final answer follows
	}
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("reading the answer's body: %v", err)
	}
	return rawAnswer{status: resp.StatusCode, header: resp.Header, body: string(body), close: resp.Close}
}

func TestLoopServesPlainGETsOnAKeptConnection(t *testing.T) {
	ls := newLoopServer(t, nil)
	c, br := ls.dial()
	for i := range 3 {
		fmt.Fprintf(c, "GET /fast/a?i=%d HTTP/1.1\r\nHost: example.test\r\nAuthorization: Bearer x\r\n\r\n", i)
		a := readAnswer(t, br, http.MethodGet)
		want := fmt.Sprintf(`GET /fast/a?i=%d ""`, i)
		if a.status != 200 || a.body != want || a.header.Get("X-Via") != "loop" || a.close {
			t.Fatalf("call %d: %d %q via %q close=%v", i, a.status, a.body, a.header.Get("X-Via"), a.close)
		}
		if a.header.Get("Content-Length") != fmt.Sprint(len(want)) || a.header.Get("Date") == "" ||
			a.header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Errorf("call %d: header %v", i, a.header)
		}
	}
	if got := ls.s.served.Load(); got != 3 {
		t.Errorf("the loop served %d calls, want 3", got)
	}
	if got := ls.s.handed.Load(); got != 0 {
		t.Errorf("%d connections handed to net/http, want 0", got)
	}
}

// Every request the loop does not serve reaches net/http with all its
// bytes, and net/http answers it as it answers any: served, or refused
// with its own status.
func TestLoopHandsTheRestToNetHTTP(t *testing.T) {
	big := strings.Repeat("a", 8<<10)
	cases := []struct {
		name, request string
		method        string
		status        int
		body          string // "" for any
	}{
		{"a POST with a body", "POST /fast/a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", "POST", 200, `POST /fast/a "hello"`},
		{"a GET with a body", "GET /fast/a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", "GET", 200, `GET /fast/a "abc"`},
		{"a chunked body", "GET /fast/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", "GET", 200, `GET /fast/a "abc"`},
		{"HTTP/1.0", "GET /fast/a HTTP/1.0\r\nHost: x\r\n\r\n", "GET", 200, `GET /fast/a ""`},
		{"a path the loop does not take", "GET /other HTTP/1.1\r\nHost: x\r\n\r\n", "GET", 200, `GET /other ""`},
		{"HEAD", "HEAD /fast/a HTTP/1.1\r\nHost: x\r\n\r\n", "HEAD", 200, ""},
		{"Expect: 100-continue", "POST /fast/a HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi", "POST", 200, `POST /fast/a "hi"`},
		{"the absolute form", "GET http://x/fast/a HTTP/1.1\r\nHost: x\r\n\r\n", "GET", 200, `GET /fast/a ""`},
		{"no Host", "GET /fast/a HTTP/1.1\r\n\r\n", "GET", 400, ""},
		{"a malformed Host", "GET /fast/a HTTP/1.1\r\nHost: a b\r\n\r\n", "GET", 400, ""},
		{"a header name with a space", "GET /fast/a HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", "GET", 400, ""},
		{"a malformed request line", "NOT HTTP AT ALL\r\n\r\n", "GET", 400, ""},
		{"a header over MaxHeaderBytes", "GET /fast/a HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n", "GET", 431, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ls := newLoopServer(t, func(s *http.Server) { s.MaxHeaderBytes = 1 << 10 })
			c, br := ls.dial()
			io.WriteString(c, tc.request)
			a := readAnswer(t, br, tc.method)
			if a.status != tc.status || tc.body != "" && a.body != tc.body {
				t.Fatalf("%d %q, want %d %q", a.status, a.body, tc.status, tc.body)
			}
			if tc.status == 200 && a.header.Get("X-Via") != "net/http" {
				t.Errorf("served via %q, want net/http", a.header.Get("X-Via"))
			}
			if ls.s.served.Load() != 0 || ls.s.handed.Load() != 1 {
				t.Errorf("loop served %d, handed %d; want 0 and 1", ls.s.served.Load(), ls.s.handed.Load())
			}
		})
	}
}

// A connection that starts on the loop and then sends what the loop does
// not serve goes on under net/http, pipelined requests included.
func TestLoopHandsOffMidConnection(t *testing.T) {
	ls := newLoopServer(t, nil)
	c, br := ls.dial()
	io.WriteString(c, "GET /fast/1 HTTP/1.1\r\nHost: x\r\n\r\n"+
		"POST /fast/2 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody"+
		"GET /fast/3 HTTP/1.1\r\nHost: x\r\n\r\n")
	want := []struct{ body, via string }{
		{`GET /fast/1 ""`, "loop"},
		{`POST /fast/2 "body"`, "net/http"},
		{`GET /fast/3 ""`, "net/http"}, // the connection is net/http's now
	}
	for i, w := range want {
		a := readAnswer(t, br, http.MethodGet)
		if a.status != 200 || a.body != w.body || a.header.Get("X-Via") != w.via {
			t.Fatalf("answer %d: %d %q via %q, want %q via %s", i, a.status, a.body, a.header.Get("X-Via"), w.body, w.via)
		}
	}
}

func TestLoopClosesWhenAsked(t *testing.T) {
	for _, tc := range []struct{ name, request string }{
		{"by the agent", "GET /fast/a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"},
		{"by the handler", "GET /fast/close HTTP/1.1\r\nHost: x\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ls := newLoopServer(t, nil)
			c, br := ls.dial()
			io.WriteString(c, tc.request)
			a := readAnswer(t, br, http.MethodGet)
			if a.status != 200 || !a.close || a.header.Get("X-Via") != "loop" {
				t.Fatalf("%d close=%v via %q", a.status, a.close, a.header.Get("X-Via"))
			}
			if _, err := br.ReadByte(); err != io.EOF {
				t.Errorf("after the answer: %v, want the connection closed (EOF)", err)
			}
		})
	}
}

func TestLoopWritesWhatHandlersWrite(t *testing.T) {
	ls := newLoopServer(t, nil)
	c, br := ls.dial()

	io.WriteString(c, "GET /fast/flush HTTP/1.1\r\nHost: x\r\n\r\n")
	a := readAnswer(t, br, http.MethodGet)
	if a.body != "first,second" || a.header.Get("Content-Length") != "" {
		t.Errorf("a flushed answer: %q, Content-Length %q (want it streamed, chunked)", a.body, a.header.Get("Content-Length"))
	}

	io.WriteString(c, "GET /fast/204 HTTP/1.1\r\nHost: x\r\n\r\n")
	a = readAnswer(t, br, http.MethodGet)
	if a.status != http.StatusNoContent || a.body != "" || a.header["Content-Length"] != nil {
		t.Errorf("204: %d %q, Content-Length %v", a.status, a.body, a.header["Content-Length"])
	}

	io.WriteString(c, "GET /fast/html HTTP/1.1\r\nHost: x\r\n\r\n")
	a = readAnswer(t, br, http.MethodGet)
	if !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") {
		t.Errorf("an answer without Content-Type: %q, want it sniffed as net/http does", a.header.Get("Content-Type"))
	}

	io.WriteString(c, "GET /fast/hijack HTTP/1.1\r\nHost: x\r\n\r\n")
	a = readAnswer(t, br, http.MethodGet)
	if a.status != 299 {
		t.Errorf("a hijacked connection: %d, want the handler's own 299", a.status)
	}
	if ls.s.served.Load() != 4 {
		t.Errorf("the loop served %d, want 4", ls.s.served.Load())
	}
}

// A handler that panics loses its connection, not the server.
func TestLoopSurvivesAPanic(t *testing.T) {
	ls := newLoopServer(t, nil)
	for _, path := range []string{"/fast/panic", "/fast/abort"} {
		c, br := ls.dial()
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
		if _, err := br.ReadByte(); err == nil {
			t.Errorf("%s: an answer after a panic; want the connection closed", path)
		}
	}
	if !strings.Contains(ls.errLog.String(), "on purpose") {
		t.Errorf("the panic was not logged: %q", ls.errLog.String())
	}
	if strings.Contains(ls.errLog.String(), "abort") {
		t.Errorf("http.ErrAbortHandler was logged: %q", ls.errLog.String())
	}
	c, br := ls.dial()
	io.WriteString(c, "GET /fast/a HTTP/1.1\r\nHost: x\r\n\r\n")
	if a := readAnswer(t, br, http.MethodGet); a.status != 200 {
		t.Errorf("after the panics: %d", a.status)
	}
}

// Shutdown closes idle connections at once, lets a busy one finish (its
// answer says Connection: close), then returns; Serve returns
// http.ErrServerClosed.
func TestLoopShutsDownGracefully(t *testing.T) {
	ls := newLoopServer(t, nil)
	idle, idleBR := ls.dial()
	io.WriteString(idle, "GET /fast/a HTTP/1.1\r\nHost: x\r\n\r\n")
	readAnswer(t, idleBR, http.MethodGet)

	busy, busyBR := ls.dial()
	io.WriteString(busy, "GET /fast/slow HTTP/1.1\r\nHost: x\r\n\r\n")
	<-ls.entered

	done := make(chan error, 1)
	go func() { done <- ls.s.Shutdown(context.Background()) }()
	if _, err := idleBR.ReadByte(); err != io.EOF {
		t.Fatalf("the idle connection: %v, want closed (EOF)", err)
	}
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned (%v) while a call was still being served", err)
	default:
	}
	close(ls.release)
	a := readAnswer(t, busyBR, http.MethodGet)
	if a.status != 200 || !a.close || a.body != `GET /fast/slow ""` {
		t.Errorf("the busy call: %d %q close=%v", a.status, a.body, a.close)
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-ls.served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve: %v, want http.ErrServerClosed", err)
	}
	if c, err := net.Dial("tcp", ls.addr); err == nil {
		c.Close()
		t.Error("a new connection was accepted after Shutdown")
	}
}

// An idle connection is closed after IdleTimeout; a header that does not
// come whole is cut after ReadHeaderTimeout.
func TestLoopTimesOutIdleAndSlowConnections(t *testing.T) {
	ls := newLoopServer(t, func(s *http.Server) {
		s.IdleTimeout = 20 * time.Millisecond
		s.ReadHeaderTimeout = 20 * time.Millisecond
	})
	c, br := ls.dial()
	io.WriteString(c, "GET /fast/a HTTP/1.1\r\nHost: x\r\n\r\n")
	readAnswer(t, br, http.MethodGet)
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("an idle connection: %v, want closed by the server (EOF)", err)
	}
	c, br = ls.dial()
	io.WriteString(c, "GET /fast/a HTTP/1.1\r\nHost: x\r\n") // and never the rest
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("a header that never ends: %v, want closed by the server (EOF)", err)
	}
}

// jtb proxy's plain calls go on the loop, validated as any; the rest, and
// every call while faults are injected, on net/http.
func TestProxyServesItsPlainCallsOnTheLoop(t *testing.T) {
	r := mockRig(t, mockserver.Options{}, Options{})
	b := r.bot(r.keys[0])
	through := b.get("/v1/tasks/available?limit=5")
	direct := (&bot{t: t, base: r.mock.URL, key: r.keys[0], http: http.DefaultClient}).get("/v1/tasks/available?limit=5")
	if through.status != 200 || !bytes.Equal(through.body, direct.body) ||
		through.header.Get("Content-Type") != direct.header.Get("Content-Type") {
		t.Fatalf("through the loop: %d %q %.80s; the mock direct: %d %q %.80s", through.status, through.header.Get("Content-Type"), through.body,
			direct.status, direct.header.Get("Content-Type"), direct.body)
	}
	if s := r.server; s.served.Load() != 1 || s.handed.Load() != 0 {
		t.Fatalf("a listing: the loop served %d, handed %d; want 1 and 0", s.served.Load(), s.handed.Load())
	}
	r.expectNone("a clean listing on the loop")

	// A request that breaks the contract is found on the loop as well.
	if got := b.get("/v1/tasks/available?limit=abc"); got.err != nil {
		t.Fatal(got.err)
	}
	if fs := r.findings.list(); len(fs) != 1 || fs[0].Kind != KindRequest || !strings.Contains(fs[0].Message, "limit") {
		t.Errorf("limit=abc on the loop: findings %v, want one request finding naming limit", fs)
	}
	if r.server.served.Load() != 2 {
		t.Errorf("the loop served %d calls, want 2", r.server.served.Load())
	}

	// A POST (a body) is net/http's.
	task := r.newTask()
	if got := b.send(http.MethodPost, "/v1/tasks/"+task+"/bids", bidBody(), "k-loop-1"); got.status != http.StatusCreated {
		t.Fatalf("bid: %d %s", got.status, got.body)
	}
	if r.server.handed.Load() < 2 { // the control call that made the task, the bid
		t.Errorf("%d connections handed to net/http, want the control call's and the bid's", r.server.handed.Load())
	}

	// With faults, nothing is served on the loop: a fault's delay and a
	// lost answer need net/http's watch on the connection.
	rf := mockRig(t, mockserver.Options{}, Options{Faults: mustFaults(t, "5xx=0.5")})
	rf.bot(rf.keys[0]).get("/v1/tasks/available")
	if rf.server.served.Load() != 0 || rf.server.handed.Load() != 1 {
		t.Errorf("with faults: the loop served %d, handed %d; want 0 and 1", rf.server.served.Load(), rf.server.handed.Load())
	}
}

// Nobody watches an agent's connection on the loop while its call runs;
// a call that fails after the agent hung up is still not blamed on the
// upstream (as under net/http, whose request context says so).
func TestLoopAgentThatHungUpIsNotAnUpstreamFailure(t *testing.T) {
	// An upstream that says when a call reached it and never answers.
	arrived, gone := make(chan struct{}, 1), make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-gone:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(up.Close)
	t.Cleanup(func() { close(gone) })
	for _, hangUp := range []bool{true, false} {
		r := newRig(t, up.URL, Options{Timeout: hangTimeout})
		c, err := net.Dial("tcp", strings.TrimPrefix(r.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(c, "GET /v1/tasks/available HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer jtb_live_%s\r\n\r\n", rand.Text())
		<-arrived // the call is in flight, on the loop
		if hangUp {
			c.Close()
		} else if a := readAnswer(t, bufio.NewReader(c), http.MethodGet); a.status != http.StatusGatewayTimeout {
			t.Fatalf("an agent that waited: %d %s, want 504", a.status, a.body)
		}
		// Shutdown returns once the call in flight ended.
		if err := r.server.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		c.Close()
		got := len(r.findings.byRule(ruleResponseTimeout))
		if served := r.server.served.Load(); served != 1 {
			t.Fatalf("the loop served %d calls, want 1", served)
		}
		switch {
		case hangUp && got != 0:
			t.Errorf("the agent hung up, yet the upstream was blamed:\n%s", r.findings)
		case !hangUp && got != 1:
			t.Errorf("an agent that waited for the timeout: %d %s findings, want 1:\n%s", got, ruleResponseTimeout, r.findings)
		}
	}
}
