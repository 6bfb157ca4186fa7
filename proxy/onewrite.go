package proxy

import (
	"context"
	"net"
	"net/http"
)

// An answer in one write. net/http writes an answer through its
// connection's 4 KiB buffer, so a listing of 8.5 KB leaves in two
// writes (the header with the first 4 KiB, then the rest): on loopback
// each write is a TCP segment the kernel delivers, and the agent wakes
// up for, on the writer's CPU time. The proxy knows every relayed
// answer whole before it writes a byte, so Server gives each connection a
// holding buffer: relay holds the connection's writes while net/http
// formats the answer and lets them go as one write (docs/PROXY.md,
// "Performance"). That is for the calls net/http serves; Server's own
// loop writes an answer in one write anyway (fastpath.go).

// holdingListener wraps ln so that its connections can hold writes, and
// sets srv.ConnContext to hand each request its connection.
func holdingListener(srv *http.Server, ln net.Listener) net.Listener {
	prev := srv.ConnContext
	srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if prev != nil {
			ctx = prev(ctx, c)
		}
		if hc, ok := c.(*heldConn); ok {
			ctx = context.WithValue(ctx, heldConnKey{}, hc)
		}
		return ctx
	}
	return heldListener{ln}
}

type heldConnKey struct{}

type heldListener struct{ net.Listener }

func (l heldListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if hc, ok := c.(*heldConn); ok {
		return hc, nil // handed over by Server's loop
	}
	return &heldConn{Conn: c}, nil
}

// heldConn is an agent's connection whose writes can be held. Only the
// goroutine serving the connection writes to it (HTTP/1.1: one request
// at a time), so hold, Write and release need no lock.
type heldConn struct {
	net.Conn
	holding bool
	buf     []byte
	pending []byte // read before the connection: what Server's loop read and handed over
}

func (c *heldConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// NetConn is the connection underneath (as tls.Conn.NetConn), for code
// that needs the socket itself (dropConnection's reset).
func (c *heldConn) NetConn() net.Conn { return c.Conn }

func (c *heldConn) Write(p []byte) (int, error) {
	if !c.holding {
		return c.Conn.Write(p)
	}
	c.buf = append(c.buf, p...)
	return len(p), nil
}

// CloseWrite lets net/http half-close the socket before it closes it
// (its closeWriteAndWait), as it does on an unwrapped TCP connection.
func (c *heldConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *heldConn) hold() { c.holding = true }

// release writes what was held, in one write. On an error the connection
// is closed: net/http did not see the write fail and must not send
// another answer on it.
func (c *heldConn) release() error {
	c.holding = false
	if len(c.buf) == 0 {
		return nil
	}
	_, err := c.Conn.Write(c.buf)
	if cap(c.buf) > 64<<10 {
		c.buf = nil // an unusually long answer: not kept for the connection's life
	} else {
		c.buf = c.buf[:0]
	}
	if err != nil {
		c.Conn.Close()
	}
	return err
}

// heldConnOf is the connection r came on when it can hold writes, else nil.
func heldConnOf(r *http.Request) *heldConn {
	if r.ProtoMajor != 1 {
		return nil
	}
	hc, _ := r.Context().Value(heldConnKey{}).(*heldConn)
	return hc
}
