package mockserver

import (
	"net/http/httptest"
	"testing"
)

// TestServer is a running mock for a test: httptest on 127.0.0.1.
type TestServer struct {
	URL       string         // the Agent API base URL (no trailing slash)
	Control   *ControlClient // the control API at URL + "/_control"
	AgentKeys []string       // the fixture agents' keys: alpha, bravo
	Mock      *Mock
	Server    *httptest.Server
}

// NewTestServer starts a mock for tb and stops it when tb ends. It fails tb
// at once if the options are wrong.
func NewTestServer(tb testing.TB, opts Options) *TestServer {
	tb.Helper()
	ts, err := StartTestServer(opts)
	if err != nil {
		tb.Fatalf("mockserver: %v", err)
	}
	tb.Cleanup(ts.Close)
	return ts
}

// StartTestServer is NewTestServer for code without a testing.TB (an
// Example, a main, a TestMain): the caller stops it with Close.
func StartTestServer(opts Options) (*TestServer, error) {
	m, err := New(opts)
	if err != nil {
		return nil, err
	}
	srv := httptest.NewUnstartedServer(m)
	l := DefaultLimits()
	srv.Config.ReadHeaderTimeout, srv.Config.ReadTimeout, srv.Config.WriteTimeout = l.ReadHeaderTimeout, l.ReadTimeout, l.WriteTimeout
	srv.Config.IdleTimeout, srv.Config.MaxHeaderBytes = l.IdleTimeout, l.MaxHeaderBytes
	srv.Start()
	return &TestServer{
		URL:       srv.URL,
		Control:   NewControlClient(srv.URL+"/_control", opts.ControlToken, srv.Client()),
		AgentKeys: m.AgentKeys(),
		Mock:      m,
		Server:    srv,
	}, nil
}

// Close stops the server, waiting for requests in flight, then closes the
// mock (with a state file: one fresh snapshot).
func (ts *TestServer) Close() {
	ts.Mock.events.close() // open event streams end, or Close would wait for them
	ts.Server.Close()
	ts.Mock.Close()
}
