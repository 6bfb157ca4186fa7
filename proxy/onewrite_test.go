package proxy

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jobtobot/jtb/mockserver"
)

// countingListener counts the writes on the connections it accepts.
type countingListener struct {
	net.Listener
	mu    sync.Mutex
	conns []*countingConn
}

type countingConn struct {
	net.Conn
	writes atomic.Int64
	bytes  atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	c.bytes.Add(int64(len(p)))
	return c.Conn.Write(p)
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	cc := &countingConn{Conn: c}
	l.mu.Lock()
	l.conns = append(l.conns, cc)
	l.mu.Unlock()
	return cc, nil
}

// writesPerListing serves a proxy in front of a fresh mock with serve,
// sends it one listing on one connection and returns how many writes the
// answer took and the body the agent read.
func writesPerListing(t *testing.T, serve func(*http.Server, net.Listener) (stop func())) (int64, []byte) {
	t.Helper()
	ts := mockserver.NewTestServer(t, mockserver.Options{})
	p, err := New(Options{Upstream: ts.URL})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln}
	srv := &http.Server{Handler: p}
	t.Cleanup(serve(srv, cl))

	req, _ := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/v1/tasks/available?limit=20", nil)
	req.Header.Set("Authorization", "Bearer "+ts.AgentKeys[0])
	client := &http.Client{Transport: &http.Transport{}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("listing: %d %v", resp.StatusCode, err)
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if len(cl.conns) != 1 {
		t.Fatalf("%d connections, want 1", len(cl.conns))
	}
	if len(body) <= 4096 {
		t.Fatalf("the listing is %d bytes: too short to need more than net/http's 4 KiB buffer, so the test proves nothing", len(body))
	}
	return cl.conns[0].writes.Load(), body
}

// serveWith starts srv on ln with one of the ways below and returns its stop.
func serveWith(how string) func(*http.Server, net.Listener) func() {
	return func(srv *http.Server, ln net.Listener) func() {
		var s *Server
		switch how {
		case "server": // as jtb proxy serves: the loop for plain calls
			s = NewServer(srv)
		case "server-without-loop": // every call on net/http, with held writes
			s = newServer(srv, nil)
		default: // plain net/http
			go srv.Serve(ln)
			return func() { srv.Close() }
		}
		go s.Serve(ln)
		return func() { s.Close() }
	}
}

func TestARelayedAnswerLeavesInOneWrite(t *testing.T) {
	for _, how := range []string{"server", "server-without-loop"} {
		writes, body := writesPerListing(t, serveWith(how))
		if writes != 1 {
			t.Errorf("%s: the %d-byte listing took %d writes, want 1", how, len(body), writes)
		}
	}
	// The same proxy under a plain net/http server: what Server saves.
	plain, _ := writesPerListing(t, serveWith("net/http"))
	if plain < 2 {
		t.Errorf("under plain net/http the listing took %d write(s); the test expects at least 2 there, or it cannot tell Server's one write apart", plain)
	}
}

// failingConn refuses every write.
type failingConn struct {
	net.Conn
	closed bool
}

func (c *failingConn) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }
func (c *failingConn) Close() error              { c.closed = true; return nil }

func TestAHeldWriteThatFailsClosesTheConnection(t *testing.T) {
	fc := &failingConn{}
	hc := &heldConn{Conn: fc}
	hc.hold()
	if n, err := hc.Write([]byte("HTTP/1.1 200 OK\r\n")); err != nil || n != 17 {
		t.Fatalf("held write: %d, %v", n, err)
	}
	if err := hc.release(); err == nil {
		t.Fatal("release: no error from a connection that refuses writes")
	}
	if !fc.closed {
		t.Error("the connection was not closed after its held answer failed: net/http would send the next answer on it")
	}
	if hc.holding || len(hc.buf) != 0 {
		t.Errorf("after release: holding=%v, %d bytes kept", hc.holding, len(hc.buf))
	}
	// Not holding: writes go straight through (and fail here).
	if _, err := hc.Write([]byte("x")); err == nil {
		t.Error("a write while not holding did not reach the connection")
	}
}
