package mockserver

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Limits bound what one client can hold of a serving mock: a client that
// stalls in its header, its body or between requests is cut off, so it
// cannot hold a connection (or, many of them, the mock) for ever. The body
// limit is MaxBody, enforced by the handler with a 413.
type Limits struct {
	ReadHeaderTimeout time.Duration // the request line and headers
	ReadTimeout       time.Duration // the whole request, body included
	WriteTimeout      time.Duration // from the end of the header read to the end of the answer
	IdleTimeout       time.Duration // a keep-alive connection between requests
	MaxHeaderBytes    int
}

// DefaultLimits are what jtb mock serves with: generous for a person at a
// terminal, short enough that a stalled agent does not pile up connections.
func DefaultLimits() Limits {
	return Limits{
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

// NewServer is an http.Server for h with the limits applied.
func NewServer(h http.Handler, l Limits) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
	}
}

// Serve serves srv on ln until ctx is done, then shuts down gracefully: no
// new connections, in-flight requests finish (at most grace), and m is
// closed, which leaves its state file as one fresh snapshot. It returns nil
// after a clean stop.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, m *Mock, grace time.Duration) error {
	// Event streams never end by themselves: they are closed as the
	// shutdown starts, or it would wait the whole grace for them.
	srv.RegisterOnShutdown(m.events.close)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		m.Close()
		return err
	case <-ctx.Done():
	}
	stop, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(stop)
	if errors.Is(err, context.DeadlineExceeded) {
		// Requests still running past the grace: cut them, then close the
		// state. Their answers are lost, not their acknowledged writes.
		srv.Close()
	}
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
