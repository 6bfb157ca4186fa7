package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
)

// upstreamClient sends the modelled calls to the upstream over HTTP/1.1,
// on the caller's goroutine: write the request, read the answer, keep the
// connection for the next call. net/http's Transport hands every exchange
// to two goroutines of its connection; on a loaded machine each hand-off
// is a wake-up that costs CPU and latency, and the proxy's budget is a
// fraction of a millisecond (docs/PROXY.md, "Performance").
type upstreamClient struct {
	addr    string      // host:port
	tls     *tls.Config // nil for http
	dialer  net.Dialer
	mu      sync.Mutex
	idle    []*upConn // most recently used last
	maxIdle int
}

// idleFor is how long an idle connection is kept: shorter than any
// server's keep-alive timeout is likely to be, so a call rarely meets a
// connection the server closed meanwhile.
const idleFor = 20 * time.Second

type upConn struct {
	conn     net.Conn
	br       *bufio.Reader
	bw       *bufio.Writer
	lastUsed time.Time
	deadline time.Time // the connection's, as last set
}

func newUpstreamClient(u *url.URL) *upstreamClient {
	c := &upstreamClient{addr: u.Host, maxIdle: 256, dialer: net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}}
	if u.Port() == "" {
		c.addr = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	if u.Scheme == "https" {
		c.tls = &tls.Config{ServerName: u.Hostname(), NextProtos: []string{"http/1.1"}}
	}
	return c
}

// get is a kept connection or a new one. A kept one is looked at first
// (alive) only when check: a call that is sent again when its connection
// turns out closed (a GET) need not pay a syscall to learn it first.
func (c *upstreamClient) get(ctx context.Context, now time.Time, check bool) (*upConn, bool, error) {
	c.mu.Lock()
	for len(c.idle) > 0 {
		uc := c.idle[len(c.idle)-1]
		c.idle = c.idle[:len(c.idle)-1]
		if now.Sub(uc.lastUsed) < idleFor {
			c.mu.Unlock()
			if !check || alive(uc.conn) {
				uc.lastUsed = now
				return uc, true, nil
			}
			uc.conn.Close()
			c.mu.Lock()
			continue
		}
		uc.conn.Close()
	}
	c.mu.Unlock()
	conn, err := c.dialer.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return nil, false, err
	}
	if c.tls != nil {
		tc := tls.Client(conn, c.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, false, err
		}
		conn = tc
	}
	return &upConn{conn: conn, br: bufio.NewReaderSize(conn, 64<<10), bw: bufio.NewWriterSize(conn, 16<<10), lastUsed: now}, false, nil
}

// put keeps uc; its idle time counts from the start of its last call
// (lastUsed), which errs on the side of closing it sooner.
func (c *upstreamClient) put(uc *upConn) {
	c.mu.Lock()
	if len(c.idle) < c.maxIdle {
		c.idle = append(c.idle, uc)
		uc = nil
	}
	c.mu.Unlock()
	if uc != nil {
		uc.conn.Close()
	}
}

// errIdleClosed: a kept connection was closed by the server before it
// answered a byte: the request never reached it, or was never answered.
var errIdleClosed = errors.New("the upstream closed a kept connection")

// do sends req and returns the answer; the body must be read and closed,
// which gives the connection back when it was read to its end. ctx is
// the agent's (its end cuts the exchange); timeout bounds the whole
// exchange, the body included, on the connection's own deadline (no
// timer per call). A timeout is reported as context.DeadlineExceeded.
func (c *upstreamClient) do(ctx context.Context, req *http.Request, timeout time.Duration) (*http.Response, error) {
	resend := req.Method == http.MethodGet || req.Method == http.MethodHead
	for attempt := 0; ; attempt++ {
		now := time.Now()
		uc, reused, err := c.get(ctx, now, !resend)
		if err != nil {
			return nil, err
		}
		resp, err := c.exchange(ctx, uc, req, now.Add(timeout), timeout/30)
		if err == nil {
			return resp, nil
		}
		uc.conn.Close()
		// A kept connection the server closed before it answered: a GET
		// is sent again on a new one (as net/http does). A POST is not:
		// the server may have read it (and get looked at its connection
		// before it was sent).
		if attempt > 0 || !reused || !resend || ctx.Err() != nil || !closedUnanswered(err) {
			return nil, err
		}
	}
}

// closedUnanswered is whether err says the server closed (or reset) the
// connection before its answer was whole: the end of the stream before a
// byte, a reset, a broken pipe.
func closedUnanswered(err error) bool {
	return errors.Is(err, errIdleClosed) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func (c *upstreamClient) exchange(ctx context.Context, uc *upConn, req *http.Request, deadline time.Time, slack time.Duration) (*http.Response, error) {
	// A kept connection's deadline is moved only when it would move by
	// more than slack: two timer updates saved on most calls, for an
	// exchange cut at most slack before its timeout.
	if moved(uc.deadline, deadline, slack) {
		uc.conn.SetDeadline(deadline)
		uc.deadline = deadline
	}
	// A context cancelled mid-exchange (the agent hung up) cuts the
	// connection's reads and writes at once. A context that cannot be
	// cancelled (Server's loop) needs no watch.
	stop := neverStopped
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { uc.conn.SetDeadline(time.Unix(1, 0)) })
	}
	fail := func(err error) (*http.Response, error) {
		stop()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, timeoutAsContext(err)
	}
	write := req.Write
	if req.Body == nil && (req.Method == http.MethodGet || req.Method == http.MethodHead) {
		write = func(w io.Writer) error { return writeBodiless(uc.bw, req) }
	}
	if err := write(uc.bw); err != nil {
		return fail(err)
	}
	if err := uc.bw.Flush(); err != nil {
		return fail(err)
	}
	for {
		if _, err := uc.br.Peek(1); err != nil {
			if err == io.EOF {
				err = errIdleClosed
			}
			return fail(err)
		}
		resp, err := http.ReadResponse(uc.br, req)
		if err != nil {
			return fail(err)
		}
		if resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
			continue // an informational answer (100 Continue, 103): the real one follows
		}
		resp.Body = &upBody{ReadCloser: resp.Body, c: c, uc: uc, stop: stop, keep: !resp.Close && !req.Close}
		return resp, nil
	}
}

func neverStopped() bool { return true }

// writeBodiless writes a request without a body (a GET) as req.Write
// does (the request line, Host, the header; a User-Agent only when it has
// a value), without its allocations and sorting: a proxied listing's
// upstream request is most of what the proxy writes.
func writeBodiless(w *bufio.Writer, req *http.Request) error {
	w.WriteString(req.Method)
	w.WriteByte(' ')
	w.WriteString(req.URL.RequestURI())
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(req.Host)
	w.WriteString("\r\n")
	for k, vv := range req.Header {
		switch k {
		case "Host", "Content-Length", "Transfer-Encoding", "Trailer":
			continue
		}
		for _, v := range vv {
			if k == "User-Agent" && v == "" {
				continue
			}
			w.WriteString(k)
			w.WriteString(": ")
			if strings.IndexAny(v, "\r\n") >= 0 {
				v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
			}
			w.WriteString(v)
			w.WriteString("\r\n")
		}
	}
	_, err := w.WriteString("\r\n")
	return err
}

// timeoutAsContext reports a connection deadline as the exchange's timeout.
func timeoutAsContext(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
	}
	return err
}

// upBody gives the connection back when the answer was read to its end,
// and closes it otherwise.
type upBody struct {
	io.ReadCloser
	c      *upstreamClient
	uc     *upConn
	stop   func() bool
	keep   bool
	ended  bool
	closed bool
}

func (b *upBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.ended = true
	} else if err != nil {
		b.keep = false
		err = timeoutAsContext(err)
	}
	return n, err
}

func (b *upBody) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	err := b.ReadCloser.Close()
	interrupted := !b.stop()
	if b.keep && b.ended && !interrupted && err == nil {
		b.c.put(b.uc)
	} else {
		b.uc.conn.Close()
	}
	return err
}
