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
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		return true
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return false
	}
	open := true
	var buf [1]byte
	err = raw.Read(func(fd uintptr) bool {
		n, _, rerr := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case rerr == syscall.EAGAIN || rerr == syscall.EWOULDBLOCK:
		case rerr != nil || n == 0:
			open = false // closed (0 bytes: end of stream) or broken
		default:
			open = false // bytes nobody asked for: not a connection to reuse
		}
		return true
	})
	return err == nil && open
}

// hungUp looks, without waiting, whether the agent closed (or reset) its
// connection: Server's loop does not watch a connection during a call,
// so a call that failed asks before it blames the upstream. Bytes waiting
// (a pipelined request) are an agent still there.
func hungUp(conn net.Conn) bool {
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		return false
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return true
	}
	gone := false
	var buf [1]byte
	err = raw.Read(func(fd uintptr) bool {
		n, _, rerr := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		gone = rerr == nil && n == 0 || rerr != nil && rerr != syscall.EAGAIN && rerr != syscall.EWOULDBLOCK
		return true
	})
	return err != nil || gone
}
