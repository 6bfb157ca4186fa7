package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
)

// The relay: the least an HTTP/1.1 proxy written in Go does for a call,
// the floor that jtb proxy's overhead is read against. It parses each
// request with net/http's parser, sends it on a kept connection to the
// upstream, reads the answer whole and writes it back in one write: no
// validation, no model, no net/http server (no per-request goroutine or
// deadlines), nothing a real proxy could leave out. It serves GETs only
// (a failed call on a stale kept connection is sent again), which is all
// the bench sends it.
type relay struct {
	upstream string // host:port
	mu       sync.Mutex
	idle     []*relayConn
}

type relayConn struct {
	conn net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer
	body bytes.Buffer // the last answer's body, reused
}

func (rl *relay) get() (*relayConn, bool, error) {
	rl.mu.Lock()
	if n := len(rl.idle); n > 0 {
		c := rl.idle[n-1]
		rl.idle = rl.idle[:n-1]
		rl.mu.Unlock()
		return c, true, nil
	}
	rl.mu.Unlock()
	conn, err := net.Dial("tcp", rl.upstream)
	if err != nil {
		return nil, false, err
	}
	return &relayConn{conn: conn, br: bufio.NewReaderSize(conn, 64<<10), bw: bufio.NewWriterSize(conn, 16<<10)}, false, nil
}

func (rl *relay) put(c *relayConn) {
	rl.mu.Lock()
	rl.idle = append(rl.idle, c)
	rl.mu.Unlock()
}

// answer sends req upstream and writes the upstream's answer to out, the
// whole of it after the header; false when no answer came (out is then
// untouched).
func (rl *relay) answer(out *bytes.Buffer, req *http.Request) bool {
	for attempt := 0; ; attempt++ {
		c, reused, err := rl.get()
		if err != nil {
			return false
		}
		resp, err := c.exchange(req)
		if err != nil {
			c.conn.Close()
			if !reused || attempt > 0 {
				return false
			}
			continue // a kept connection the upstream closed: once more on a new one
		}
		fmt.Fprintf(out, "HTTP/1.1 %d %s\r\n", resp.StatusCode, http.StatusText(resp.StatusCode))
		for k, vs := range resp.Header {
			if k == "Content-Length" || k == "Connection" {
				continue
			}
			for _, v := range vs {
				out.WriteString(k + ": " + v + "\r\n")
			}
		}
		out.WriteString("Content-Length: " + strconv.Itoa(c.body.Len()) + "\r\n\r\n")
		out.Write(c.body.Bytes())
		if resp.Close {
			c.conn.Close()
		} else {
			rl.put(c)
		}
		return true
	}
}

func (c *relayConn) exchange(req *http.Request) (*http.Response, error) {
	if err := req.Write(c.bw); err != nil {
		return nil, err
	}
	if err := c.bw.Flush(); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(c.br, req)
	if err != nil {
		return nil, err
	}
	c.body.Reset()
	_, err = c.body.ReadFrom(resp.Body)
	resp.Body.Close()
	return resp, err
}

// serveConn serves one agent connection until it closes or sends
// something that is not a request.
func (rl *relay) serveConn(conn net.Conn) {
	defer conn.Close()
	br := bufio.NewReaderSize(conn, 4<<10)
	var out bytes.Buffer
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			return
		}
		req.RequestURI = ""
		out.Reset()
		if req.Method != http.MethodGet || !rl.answer(&out, req) {
			msg := `{"ok":false,"error":{"code":"UPSTREAM_UNAVAILABLE","message":"benchtool relay: GET only, to a live upstream"}}`
			fmt.Fprintf(&out, "HTTP/1.1 502 Bad Gateway\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(msg), msg)
		}
		if _, err := conn.Write(out.Bytes()); err != nil || req.Close {
			return
		}
	}
}

func (rl *relay) serve(ln net.Listener) error {
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go rl.serveConn(conn)
	}
}

func runRelay(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("relay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	upstream := fs.String("upstream", "", "the server's base URL (http://host:port)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	u, err := url.Parse(*upstream)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("-upstream %q: want http://host:port", *upstream)
	}
	// The same GC setting as jtb proxy's, so the two differ by their work
	// only.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	return (&relay{upstream: u.Host}).serve(ln)
}
