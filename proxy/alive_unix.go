//go:build unix

package proxy

import (
	"net"
	"syscall"
)

// alive looks, without waiting, whether the server closed a kept
// connection: one peek at the socket, which net/http's Transport learns
// from a goroutine reading each connection all the time. A TLS connection
// is not looked at (its close is data on the socket); it is trusted for
// idleFor.
func alive(conn net.Conn) bool {
	_, errno, ok := peek(conn)
	if !ok {
		return !isTCP(conn) // not a socket to look at: trusted
	}
	// Closed (0 bytes: end of stream) or broken, or bytes nobody asked
	// for: not a connection to reuse.
	return errno == syscall.EAGAIN || errno == syscall.EWOULDBLOCK
}

// hungUp looks, without waiting, whether the agent closed (or reset) its
// connection: Server's loop does not watch a connection during a call,
// so a call that failed asks before it blames the upstream. Bytes waiting
// (a pipelined request) are an agent still there.
func hungUp(conn net.Conn) bool {
	n, errno, ok := peek(conn)
	if !ok {
		return isTCP(conn) // a socket that cannot be looked at is gone
	}
	return errno == nil && n == 0 || errno != nil && errno != syscall.EAGAIN && errno != syscall.EWOULDBLOCK
}

func isTCP(conn net.Conn) bool {
	_, ok := conn.(*net.TCPConn)
	return ok
}

// peek reads one byte of a TCP connection without taking it or waiting:
// the byte count and errno of recvfrom(MSG_PEEK|MSG_DONTWAIT); ok is false
// when conn is not a TCP connection or its socket could not be reached.
func peek(conn net.Conn) (n int, errno error, ok bool) {
	tc, isTCP := conn.(*net.TCPConn)
	if !isTCP {
		return 0, nil, false
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return 0, nil, false
	}
	var buf [1]byte
	err = raw.Read(func(fd uintptr) bool {
		n, _, errno = syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return true
	})
	return n, errno, err == nil
}
