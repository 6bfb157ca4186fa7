package suites

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jobtobot/jtb/suites/results"
)

// hostileServer answers every request with this handler, on 127.0.0.1.
func hostileServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestClientCapsTheBody(t *testing.T) {
	tests := []struct {
		name          string
		size          int
		wantTruncated bool
	}{
		{"small", 100, false},
		{"exactly the cap", MaxBody, false},
		{"one byte over", MaxBody + 1, true},
		{"10 MB", 10 << 20, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := hostileServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(strings.Repeat("x", tt.size)))
			})
			c := &Client{http: srv.Client(), base: srv.URL, as: "test"}
			x, err := c.do(context.Background(), Request{Method: http.MethodGet, Path: "/v1/tasks/available"})
			if err != nil {
				t.Fatal(err)
			}
			if x.Truncated != tt.wantTruncated {
				t.Errorf("Truncated = %v, want %v", x.Truncated, tt.wantTruncated)
			}
			if got, want := len(x.Body), min(tt.size, MaxBody); got != want {
				t.Errorf("read %d bytes, want %d", got, want)
			}
			if says := "longer than 2 MiB"; tt.wantTruncated != strings.Contains(x.String(), says) {
				t.Errorf("exchange says %q: %v, want %v", says, !tt.wantTruncated, tt.wantTruncated)
			}
		})
	}
}

// A secret must not survive the cut of a long body to an excerpt, wherever
// the cut falls in it.
func TestExchangeRedactsBeforeItCuts(t *testing.T) {
	const token = "ctl-tok-9fK2xQ7mLp4Rz8Vw3Ny6Hb1D"
	redact := NewRedactor(token)
	for offset := results.MaxAnswerBody - 40 - len(token); offset <= results.MaxAnswerBody; offset++ {
		body := strings.Repeat("a", offset) + token + strings.Repeat("b", 100)
		x := &Exchange{Method: "GET", Path: "/p", Header: http.Header{}, Body: []byte(body), redact: redact}
		got := x.String()
		for i := 0; i+8 <= len(token); i++ {
			if strings.Contains(got, token[i:i+8]) {
				t.Fatalf("offset %d: the excerpt holds %q, part of the token:\n%s", offset, token[i:i+8], got)
			}
		}
	}
}

func TestConnectSkipsAControlAPIThatIsNotOne(t *testing.T) {
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		wantSays string
	}{
		{"an HTML page for every path", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html><body>Welcome</body></html>"))
		}, "answered 200 text/html without a capabilities envelope"},
		{"invalid JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"ok":true,"data":`))
		}, "without a capabilities envelope"},
		{"a 10 MB answer", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(strings.Repeat(" ", 10<<20)))
		}, "without a capabilities envelope"},
		{"404", func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/_control/") {
				http.NotFound(w, r)
			}
		}, "answered 404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := hostileServer(t, tt.handler)
			env, err := Connect(context.Background(), Target{BaseURL: srv.URL, APIKey: "jtb_live_test_key"})
			if err != nil {
				t.Fatalf("Connect: %v", err)
			}
			if env.Control != nil {
				t.Fatalf("found a control API in %s", tt.name)
			}
			if !strings.Contains(env.NoControl, tt.wantSays) {
				t.Errorf("NoControl %q does not say %q", env.NoControl, tt.wantSays)
			}
		})
	}
}
