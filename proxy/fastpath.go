package proxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The plain call on a loop of the proxy's own. net/http's server does
// work per request the proxy's commonest call has no use for: a
// goroutine that reads the connection while the handler runs (to see the
// agent hang up), four or more deadline updates, an answer copied twice
// through buffers. For a GET of the Agent API with no faults injected
// (what an agent does most: list, look, poll), a Server reads the
// request with net/http's own parser, calls the handler and writes the
// answer in one write. Everything else (a body, a control call, an
// event stream, HTTP/1.0, Expect, Upgrade, a request net/http would
// refuse, any call while faults are injected) is handed, bytes and all,
// to the http.Server, which serves the connection from then on
// (docs/PROXY.md, "Performance").
//
// What the loop does not do: see the agent hang up while the handler
// runs. The request's context is context.Background(): never cancelled
// (so the upstream exchange sets no watch on it), without net/http's
// values (ServerContextKey, LocalAddrContextKey, srv.ConnContext's),
// which the proxy does not use. A GET the agent gave up on runs to its
// end (the upstream's answer, or --timeout) and its answer meets a
// closed connection; if it failed, a peek at the agent's socket keeps the
// upstream from being blamed (agentHungUp). The calls where giving up
// matters more (a write whose answer is lost, a fault's delay) are
// net/http's.

// Server serves a Proxy to agents: its plain calls on the loop above,
// the rest on the http.Server it was made with, whose timeouts and
// limits both honour.
type Server struct {
	srv     *http.Server
	fast    func(*http.Request) bool // which requests the loop serves; nil: none
	handoff *handoffListener

	mu      sync.Mutex
	ln      net.Listener
	conns   map[*fastConn]struct{}
	closing atomic.Bool
	wg      sync.WaitGroup

	served atomic.Int64 // calls the loop served (for tests)
	handed atomic.Int64 // connections handed to net/http (for tests)
}

// NewServer serves srv.Handler as srv would, with its plain calls on the
// proxy's loop when the handler is a *Proxy.
func NewServer(srv *http.Server) *Server {
	var fast func(*http.Request) bool
	if p, ok := srv.Handler.(*Proxy); ok {
		fast = p.fastPath
	}
	return newServer(srv, fast)
}

func newServer(srv *http.Server, fast func(*http.Request) bool) *Server {
	s := &Server{srv: srv, fast: fast, handoff: newHandoffListener(), conns: map[*fastConn]struct{}{}}
	srv.RegisterOnShutdown(s.beginShutdown)
	return s
}

// fastPath is whether the proxy's loop may serve r: a GET of the Agent
// API, with no faults injected (a fault's delay and a lost answer need
// net/http's watch on the agent's connection).
func (p *Proxy) fastPath(r *http.Request) bool {
	if r.Method != http.MethodGet || !p.faults.None() {
		return false
	}
	op, _ := match(p.ops, r.Method, r.URL.Path)
	return op != nil && !op.control
}

// Serve accepts connections on ln until Shutdown or Close; it returns
// http.ErrServerClosed then, or the listener's error.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		ln.Close()
		return http.ErrServerClosed
	}
	s.ln = ln
	s.mu.Unlock()
	hl := holdingListener(s.srv, s.handoff) // before any connection reads srv.ConnContext
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(hl) }()
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.closing.Load() {
				return http.ErrServerClosed
			}
			var te interface{ Temporary() bool }
			if errors.As(err, &te) && te.Temporary() {
				// Out of file descriptors and the like: wait and retry, as
				// net/http does.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			s.handoff.Close()
			<-errc
			return err
		}
		backoff = 0
		fc := s.track(c)
		if fc == nil {
			c.Close()
			continue
		}
		go fc.serve()
	}
}

func (s *Server) track(c net.Conn) *fastConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return nil
	}
	fc := &fastConn{s: s, c: c}
	s.conns[fc] = struct{}{}
	s.wg.Add(1)
	return fc
}

func (s *Server) untrack(fc *fastConn) {
	s.mu.Lock()
	delete(s.conns, fc)
	s.mu.Unlock()
	s.wg.Done()
}

// beginShutdown stops accepting and closes the loop's idle connections;
// busy ones close after their answer. It runs when the http.Server's
// Shutdown starts (and again, harmlessly, from Server's Shutdown).
func (s *Server) beginShutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing.Store(true)
	if s.ln != nil {
		s.ln.Close()
	}
	for fc := range s.conns {
		if fc.state.CompareAndSwap(connIdle, connClosed) {
			fc.c.Close()
		}
	}
}

// Shutdown stops as http.Server.Shutdown does: no new connections, idle
// ones closed, busy ones finished (until ctx is done).
func (s *Server) Shutdown(ctx context.Context) error {
	// Here, not only as srv's shutdown hook, which runs in a goroutine of
	// its own: nothing is accepted once Shutdown returns.
	s.beginShutdown()
	err := s.srv.Shutdown(ctx)
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close closes every connection at once, as http.Server.Close does. A
// call in flight on the loop runs on to its end (or its --timeout); its
// answer finds the connection closed.
func (s *Server) Close() error {
	s.beginShutdown()
	s.mu.Lock()
	for fc := range s.conns {
		fc.state.Store(connClosed)
		fc.c.Close()
	}
	s.mu.Unlock()
	return s.srv.Close()
}

const (
	connIdle int32 = iota
	connActive
	connClosed
)

// fastConn is one agent connection while the loop serves it.
type fastConn struct {
	s      *Server
	c      net.Conn
	rec    recordingReader
	br     *bufio.Reader
	remote string
	state  atomic.Int32
	rdl    time.Time   // the read deadline, as last set
	wdl    time.Time   // the write deadline, as last set
	head   []byte      // an answer's status line and header, reused
	out    []byte      // what one write sends, reused
	header http.Header // an answer's header, reused
	body   []byte      // an answer the handler wrote, reused
}

func (fc *fastConn) serve() {
	owned := true // false once the connection is net/http's or the handler's
	defer func() {
		if owned {
			fc.c.Close()
		}
		fc.s.untrack(fc)
	}()
	srv := fc.s.srv
	fc.remote = fc.c.RemoteAddr().String()
	fc.rec.r = fc.c
	fc.br = bufio.NewReaderSize(&fc.rec, 4<<10)
	wait := srv.ReadHeaderTimeout // the first request's header
	if wait <= 0 {
		wait = srv.ReadTimeout
	}
	for {
		// Wait for the request's first byte, then read its header.
		if !fc.readDeadline(wait) {
			return
		}
		if _, err := fc.br.Peek(1); err != nil {
			return
		}
		if !fc.state.CompareAndSwap(connIdle, connActive) {
			return // shutting down
		}
		if b, _ := fc.br.Peek(fc.br.Buffered()); !bytes.Contains(b, []byte("\r\n\r\n")) {
			// The header is not all in: from here it has ReadHeaderTimeout
			// (ReadTimeout when that is unset, as net/http).
			hdr := srv.ReadHeaderTimeout
			if hdr <= 0 {
				hdr = srv.ReadTimeout
			}
			if !fc.readDeadline(hdr) {
				return
			}
		}
		fc.rec.start(fc.br, headerLimit(srv))
		req, err := http.ReadRequest(fc.br)
		fc.rec.on = false
		if err != nil && fc.rec.err != nil && !errors.Is(fc.rec.err, errHeaderTooLong) {
			return // the connection failed (or timed out) mid-request
		}
		if err != nil || !fc.plain(req) {
			owned = false
			fc.handOff()
			return
		}
		if !fc.answer(req) {
			owned = false // hijacked
			return
		}
		if fc.state.Load() == connClosed {
			return
		}
		fc.state.Store(connIdle)
		if fc.s.closing.Load() && fc.state.CompareAndSwap(connIdle, connClosed) {
			return
		}
		wait = srv.IdleTimeout
		if wait <= 0 {
			wait = srv.ReadTimeout
		}
	}
}

// plain is whether the loop serves req; anything else is net/http's,
// which also answers what it would refuse (a missing or malformed Host,
// an invalid header) as it always does.
func (fc *fastConn) plain(req *http.Request) bool {
	h := req.Header
	return req.ProtoMajor == 1 && req.ProtoMinor == 1 && req.Method == http.MethodGet &&
		req.ContentLength == 0 && len(req.TransferEncoding) == 0 &&
		plainHost(req.Host) && h["Expect"] == nil && h["Upgrade"] == nil &&
		strings.HasPrefix(req.RequestURI, "/") && plainHeader(h) &&
		fc.s.fast != nil && fc.s.fast(req)
}

// plainHeader: names without spaces (textproto lets them through, net/http
// refuses them) and values without control characters but tab.
func plainHeader(h http.Header) bool {
	for k, vv := range h {
		if strings.IndexByte(k, ' ') >= 0 {
			return false
		}
		for _, v := range vv {
			for i := 0; i < len(v); i++ {
				if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
					return false
				}
			}
		}
	}
	return true
}

// plainHost: the characters of a host name, an IPv4 or IPv6 address and a
// port, and nothing else (net/http judges the rest).
func plainHost(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_') {
			return false
		}
	}
	return true
}

// handOff gives the connection to net/http, with the bytes of the
// request read so far (and any after it) to be read again.
func (fc *fastConn) handOff() {
	fc.s.handed.Add(1)
	pending := append([]byte(nil), fc.rec.rec...)
	fc.rec.rec = nil
	// The deadlines are net/http's to set from here.
	fc.c.SetDeadline(time.Time{})
	fc.s.handoff.give(&heldConn{Conn: fc.c, pending: pending})
}

// answer calls the handler for req and writes its answer. It returns
// false when the handler took the connection (Hijack).
func (fc *fastConn) answer(req *http.Request) (kept bool) {
	fc.s.served.Add(1)
	req.RemoteAddr = fc.remote
	fc.writeDeadline()
	if fc.header == nil {
		fc.header = make(http.Header)
	}
	clear(fc.header) // the last answer's, written and done with
	w := &fastWriter{fc: fc, header: fc.header, req: req, body: fc.body[:0], length: -1}
	defer func() {
		if v := recover(); v != nil {
			w.closeAfter = true
			if v != http.ErrAbortHandler {
				buf := make([]byte, 64<<10)
				buf = buf[:runtime.Stack(buf, false)]
				fc.logf("http: panic serving %v: %v\n%s", fc.remote, v, buf)
			}
			fc.state.Store(connClosed)
			kept = !w.hijacked
		}
		if cap(w.body) <= 64<<10 {
			fc.body = w.body[:0] // kept for the connection's next answer
		}
	}()
	fc.s.srv.Handler.ServeHTTP(w, req)
	if w.hijacked {
		return false
	}
	if w.finish() != nil || w.closeAfter || req.Close {
		fc.closeGracefully()
		fc.state.Store(connClosed)
	}
	return true
}

func (fc *fastConn) logf(format string, args ...any) {
	if l := fc.s.srv.ErrorLog; l != nil {
		l.Printf(format, args...)
	} else {
		log.Printf(format, args...)
	}
}

// closeGracefully ends the answer side first, so that the agent reads the
// answer whole before the close.
func (fc *fastConn) closeGracefully() {
	if cw, ok := fc.c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
}

// readDeadline sets the read deadline to now+d (none for d <= 0).
func (fc *fastConn) readDeadline(d time.Duration) bool {
	return lazyDeadline(fc.c.SetReadDeadline, &fc.rdl, d)
}

func (fc *fastConn) writeDeadline() {
	lazyDeadline(fc.c.SetWriteDeadline, &fc.wdl, fc.s.srv.WriteTimeout)
}

// lazyDeadline sets a deadline to now+d (none for d <= 0) through set,
// *last being the one set before, but only when it would move by more
// than d/30: a timer update saved on most calls, for a wait cut at most
// that early.
func lazyDeadline(set func(time.Time) error, last *time.Time, d time.Duration) bool {
	var t time.Time
	if d > 0 {
		t = time.Now().Add(d)
	}
	if !moved(*last, t, d/30) {
		return true
	}
	if set(t) != nil {
		return false
	}
	*last = t
	return true
}

// moved is whether a deadline set to old must be set to next: later by
// more than slack, or earlier at all.
func moved(old, next time.Time, slack time.Duration) bool {
	if old.IsZero() || next.IsZero() {
		return !old.Equal(next)
	}
	d := next.Sub(old)
	return d < 0 || d > slack
}

// headerLimit is as net/http's: MaxHeaderBytes (1 MB when unset) and 4 KiB
// of slack.
func headerLimit(srv *http.Server) int {
	n := srv.MaxHeaderBytes
	if n <= 0 {
		n = http.DefaultMaxHeaderBytes
	}
	return n + 4096
}

// recordingReader keeps, while on, what a request's reading takes from
// the connection, so that a request the loop does not serve can be read
// again by net/http.
type recordingReader struct {
	r     io.Reader
	on    bool
	rec   []byte
	limit int
	err   error
}

var errHeaderTooLong = errors.New("request header too long")

// start records from here: the bytes br holds and those read after them.
func (rr *recordingReader) start(br *bufio.Reader, limit int) {
	b, _ := br.Peek(br.Buffered())
	rr.rec = append(rr.rec[:0], b...)
	rr.on, rr.limit, rr.err = true, limit, nil
}

func (rr *recordingReader) Read(p []byte) (int, error) {
	if rr.on && len(rr.rec) >= rr.limit {
		rr.err = errHeaderTooLong // net/http answers it (431)
		return 0, rr.err
	}
	n, err := rr.r.Read(p)
	if rr.on {
		rr.rec = append(rr.rec, p[:n]...)
		if err != nil {
			rr.err = err
		}
	}
	return n, err
}

// fastWriter is the loop's http.ResponseWriter: an answer is held whole
// and written in one write, its Content-Length counted, unless the
// handler flushes (then it streams, chunked).
type fastWriter struct {
	fc         *fastConn
	req        *http.Request
	header     http.Header
	status     int
	body       []byte
	length     int  // the body's length when the answer is written whole, else -1
	wrote      bool // the status line and header are on the connection
	chunked    bool
	hijacked   bool
	closeAfter bool
	err        error
}

func (w *fastWriter) Header() http.Header { return w.header }

func (w *fastWriter) WriteHeader(code int) {
	if w.hijacked || w.status != 0 {
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		// An informational answer (103 Early Hints): out at once, the
		// final one follows.
		w.writeRaw(w.appendHead(w.fc.head[:0], code))
		return
	}
	w.status = code
}

func (w *fastWriter) Write(p []byte) (int, error) {
	if w.hijacked {
		return 0, http.ErrHijacked
	}
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.chunked {
		if len(p) == 0 {
			return 0, nil
		}
		chunk := strconv.AppendInt(w.fc.head[:0], int64(len(p)), 16)
		chunk = append(chunk, "\r\n"...)
		w.writeRaw(chunk, p, []byte("\r\n"))
		return len(p), w.err
	}
	w.body = append(w.body, p...)
	return len(p), nil
}

// answerWhole writes an answer the caller has whole (relay): status,
// header and body in one write, the body not copied.
func (w *fastWriter) answerWhole(status int, body []byte) error {
	w.WriteHeader(status)
	if w.wrote || w.hijacked || len(w.body) > 0 {
		_, err := w.Write(body) // not the first write: the general way
		if err == nil {
			err = w.FlushError()
		}
		return err
	}
	return w.writeAnswer(body)
}

// Flush sends what the handler wrote so far; the rest streams, chunked.
func (w *fastWriter) Flush() { w.FlushError() }

func (w *fastWriter) FlushError() error {
	if w.hijacked {
		return http.ErrHijacked
	}
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.wrote {
		_, declared := w.header["Content-Length"]
		w.chunked = bodyAllowed(w.status) && !declared
		body := w.body
		w.body = w.body[:0]
		if !w.chunked {
			w.wrote = true
			w.writeRaw(w.appendHead(w.fc.head[:0], w.status), body)
			return w.err
		}
		w.wrote = true
		w.writeRaw(w.appendHead(w.fc.head[:0], w.status))
		if len(body) > 0 {
			w.Write(body)
		}
		return w.err
	}
	if !w.chunked && len(w.body) > 0 {
		w.writeRaw(w.body)
		w.body = w.body[:0]
	}
	return w.err
}

// Hijack hands the connection to the handler (dropConnection).
func (w *fastWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.hijacked {
		return nil, nil, http.ErrHijacked
	}
	w.hijacked = true
	return w.fc.c, bufio.NewReadWriter(w.fc.br, bufio.NewWriter(w.fc.c)), nil
}

// finish writes what is still to write once the handler returned.
func (w *fastWriter) finish() error {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	switch {
	case w.err != nil:
		return w.err
	case w.chunked:
		w.writeRaw([]byte("0\r\n\r\n"))
		return w.err
	case w.wrote:
		return w.FlushError()
	}
	return w.writeAnswer(w.body)
}

// writeAnswer writes the status line, the header and the body in one write.
// Content-Length is the body's: the answer is whole, so it is known.
func (w *fastWriter) writeAnswer(body []byte) error {
	if bodyAllowed(w.status) {
		if _, typed := w.header["Content-Type"]; !typed && len(body) > 0 {
			w.header["Content-Type"] = []string{http.DetectContentType(body)}
		}
		w.length = len(body)
	} else {
		body = nil
		if w.status == http.StatusNoContent {
			delete(w.header, "Content-Length")
		}
	}
	w.wrote = true
	w.writeRaw(w.appendHead(w.fc.head[:0], w.status), body)
	return w.err
}

func (w *fastWriter) appendHead(b []byte, status int) []byte {
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = append(b, http.StatusText(status)...)
	b = append(b, "\r\n"...)
	for k, vv := range w.header {
		if k == "Transfer-Encoding" || k == "Content-Length" && w.length >= 0 {
			continue // the loop's to decide
		}
		if k == "Connection" {
			for _, v := range vv {
				if strings.EqualFold(strings.TrimSpace(v), "close") {
					w.closeAfter = true
				}
			}
			continue
		}
		for _, v := range vv {
			b = append(b, k...)
			b = append(b, ": "...)
			b = appendHeaderValue(b, v)
			b = append(b, "\r\n"...)
		}
	}
	if status >= 200 {
		if _, dated := w.header["Date"]; !dated {
			b = append(b, "Date: "...)
			b = time.Now().UTC().AppendFormat(b, http.TimeFormat)
			b = append(b, "\r\n"...)
		}
		switch {
		case w.chunked:
			b = append(b, "Transfer-Encoding: chunked\r\n"...)
		case w.length >= 0:
			b = append(b, "Content-Length: "...)
			b = strconv.AppendInt(b, int64(w.length), 10)
			b = append(b, "\r\n"...)
		}
		if w.closeAfter || w.req.Close || w.fc.s.closing.Load() {
			w.closeAfter = true
			b = append(b, "Connection: close\r\n"...)
		}
	}
	b = append(b, "\r\n"...)
	w.fc.head = b[:0]
	return b
}

// appendHeaderValue writes v with any CR or LF as a space, as net/http does.
func appendHeaderValue(b []byte, v string) []byte {
	if strings.IndexAny(v, "\r\n") < 0 {
		return append(b, v...)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return b
}

// writeRaw writes the parts in one write: copied together (a listing's
// 8.5 KB is a fraction of a microsecond to copy), so that an answer is one
// segment on any connection, wrapped or not.
func (w *fastWriter) writeRaw(parts ...[]byte) {
	if w.err != nil {
		return
	}
	out := w.fc.out[:0]
	for _, p := range parts {
		out = append(out, p...)
	}
	if cap(out) <= 64<<10 {
		w.fc.out = out[:0] // kept for the connection's next answer
	}
	if _, err := w.fc.c.Write(out); err != nil {
		w.err = err
		w.closeAfter = true
	}
}

func bodyAllowed(status int) bool {
	return !(status >= 100 && status < 200 || status == http.StatusNoContent || status == http.StatusNotModified)
}

// handoffListener is how net/http gets the connections the loop hands it.
type handoffListener struct {
	ch     chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newHandoffListener() *handoffListener {
	return &handoffListener{ch: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *handoffListener) give(c net.Conn) {
	select {
	case l.ch <- c:
	case <-l.closed:
		c.Close()
	}
}

func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *handoffListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *handoffListener) Addr() net.Addr { return handoffAddr{} }

type handoffAddr struct{}

func (handoffAddr) Network() string { return "handoff" }
func (handoffAddr) String() string  { return "handoff" }
