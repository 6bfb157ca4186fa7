package suites

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// captureClient is a client of a test server that keeps its exchanges in c.
func captureClient(t *testing.T, c *Capture, h http.HandlerFunc, header http.Header, auth string) *Client {
	t.Helper()
	srv := hostileServer(t, h)
	return &Client{http: srv.Client(), base: srv.URL, api: apiAgent, as: "agent A", auth: auth, header: header, capture: c}
}

func TestCaptureRedactsWhenRead(t *testing.T) {
	const key, gateway, created = "jtb_live_capturekey123", "gw-secret-7Yq2", "made-by-control-9Zr4Wk"
	c := NewCapture()
	echo := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Echo", r.Header.Get("Authorization"))
		w.Header().Set("Set-Cookie", "session=abc123def")
		w.Write([]byte(`{"ok":true,"data":{"apiKey":"` + created + `","seen":"` + r.Header.Get("X-Gateway-Token") + `"}}`))
	}
	cl := captureClient(t, c, echo, http.Header{"X-Gateway-Token": {gateway}, "X-Env": {"staging"}}, "Bearer "+key)
	if _, err := cl.do(context.Background(), Request{Method: http.MethodPost, Path: "/v1/tasks/t1/bids?x=" + key,
		Header: http.Header{"Idempotency-Key": {"idem-1"}}, Body: []byte(`{"key":"` + key + `"}`)}); err != nil {
		t.Fatal(err)
	}
	// The key the control API created is learnt after its answer was kept.
	entries := c.Entries(NewRedactor(key, gateway, created))
	if len(entries) != 1 {
		t.Fatalf("%d entries, want 1", len(entries))
	}
	x := entries[0]
	if x.Phase != PhasePreflight || x.Spec != "" {
		t.Errorf("outside any spec: phase %q, spec %q", x.Phase, x.Spec)
	}
	all := x.URL + x.Err + string(x.RequestBody) + string(x.ResponseBody)
	for _, h := range []http.Header{x.RequestHeader, x.ResponseHeader} {
		for name, vs := range h {
			all += name + ": " + strings.Join(vs, ",") + "\n"
		}
	}
	for _, secret := range []string{"capturekey123", gateway, created, "abc123def"} {
		if strings.Contains(all, secret) {
			t.Errorf("a read entry holds %q:\n%s", secret, all)
		}
	}
	tests := []struct {
		h          http.Header
		name, want string
	}{
		{x.RequestHeader, "Authorization", "Bearer [REDACTED]"},
		{x.RequestHeader, "X-Gateway-Token", "[REDACTED]"},
		{x.RequestHeader, "X-Env", "staging"},
		{x.RequestHeader, "Idempotency-Key", "idem-1"},
		{x.ResponseHeader, "X-Echo", "Bearer [REDACTED]"},
		{x.ResponseHeader, "Set-Cookie", "[REDACTED]"},
	}
	for _, tt := range tests {
		if got := tt.h.Get(tt.name); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	if x.Method != http.MethodPost || x.Status != http.StatusOK || x.RequestHeader.Get("Host") == "" || x.RequestHeader.Get("Content-Length") == "" {
		t.Errorf("entry %s %d, Host %q, Content-Length %q", x.Method, x.Status, x.RequestHeader.Get("Host"), x.RequestHeader.Get("Content-Length"))
	}
}

// Wherever the cut of a long body falls in a secret, no piece of it as
// long as 8 characters is left in what is read.
func TestCaptureCutLeavesNoPieceOfASecret(t *testing.T) {
	const token = "ctl-tok-9fK2xQ7mLp4Rz8Vw3Ny6Hb1D"
	const maxBody = 64
	for pad := maxBody - len(token); pad <= maxBody; pad++ {
		c := NewCapture()
		c.maxBody = maxBody
		body := strings.Repeat("x", pad) + token + strings.Repeat("y", 40)
		cl := captureClient(t, c, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body)) }, nil, "")
		if _, err := cl.do(context.Background(), Request{Method: http.MethodGet, Path: "/"}); err != nil {
			t.Fatal(err)
		}
		x := c.Entries(NewRedactor(token))[0]
		if !x.ResponseCut() || x.ResponseSize != len(body) {
			t.Fatalf("pad %d: kept %d of %d bytes, cut %v", pad, len(x.ResponseBody), x.ResponseSize, x.ResponseCut())
		}
		for i := 0; i+8 <= len(token); i++ {
			if strings.Contains(string(x.ResponseBody), token[i:i+8]) {
				t.Fatalf("pad %d: the kept body %q holds %q", pad, x.ResponseBody, token[i:i+8])
			}
		}
	}
}

// A Capture keeps at most its entries' bound (and counts the rest), and
// past its bytes' bound keeps exchanges without their bodies.
func TestCaptureBounds(t *testing.T) {
	c := NewCapture()
	c.maxEntries, c.maxBody, c.maxBytes = 5, 100, 250
	cl := captureClient(t, c, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(strings.Repeat("z", 300))) }, nil, "")
	for range 8 {
		if _, err := cl.do(context.Background(), Request{Method: http.MethodGet, Path: "/"}); err != nil {
			t.Fatal(err)
		}
	}
	entries := c.Entries(Redactor{})
	if len(entries) != 5 || c.Dropped() != 3 {
		t.Fatalf("%d entries kept, %d dropped; want 5 and 3", len(entries), c.Dropped())
	}
	for i, x := range entries {
		wantBody := i < 2 // 100 bytes each, the third would pass 250
		if (len(x.ResponseBody) == 100) != wantBody || x.BodiesLeftOut == wantBody || x.ResponseSize != 300 {
			t.Errorf("entry %d: kept %d bytes, left out %v, size %d", i, len(x.ResponseBody), x.BodiesLeftOut, x.ResponseSize)
		}
	}
}

// A request with no answer is kept too, with why.
func TestCaptureKeepsARequestWithNoAnswer(t *testing.T) {
	c := NewCapture()
	srv := hostileServer(t, func(w http.ResponseWriter, r *http.Request) {})
	srv.Close()
	cl := &Client{http: http.DefaultClient, base: srv.URL, api: apiControl, as: "control", capture: c}
	if _, err := cl.do(context.Background(), Request{Method: http.MethodGet, Path: "/_control/capabilities"}); err == nil {
		t.Fatal("a closed server answered")
	}
	entries := c.Entries(Redactor{})
	if len(entries) != 1 || entries[0].Status != 0 || entries[0].Err == "" || entries[0].API != apiControl {
		t.Errorf("entries %+v", entries)
	}
}

func TestTargetHeaders(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		err    string
	}{
		{"a gateway header", http.Header{"X-Gateway": {"eu"}}, ""},
		{"the suite's own Authorization", http.Header{"Authorization": {"Bearer x"}}, "the suite's own"},
		{"the suite's own Idempotency-Key", http.Header{"idempotency-key": {"k"}}, "the suite's own"},
		{"not a header name", http.Header{"X Bad": {"v"}}, "not a valid HTTP header name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Target{BaseURL: "http://127.0.0.1:1", Headers: tt.header}.Validate()
			if (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("Validate: %v, want %q", err, tt.err)
			}
		})
	}
	secret := []string{"Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key", "X-Gateway-Token", "X-Client-Secret", "X-Session-Id", "X-Signature"}
	plain := []string{"X-Env", "Idempotency-Key", "WWW-Authenticate", "User-Agent", "Accept"}
	for _, name := range secret {
		if !SecretHeader(name) {
			t.Errorf("%s does not look secret", name)
		}
	}
	for _, name := range plain {
		if SecretHeader(name) {
			t.Errorf("%s looks secret", name)
		}
	}
	r := Target{Headers: http.Header{"X-Api-Key": {"gw-secret-1"}, "X-Env": {"staging"}}}.Redactor()
	if got := r.String("gw-secret-1 staging"); got != "[REDACTED] staging" {
		t.Errorf("the target's redactor: %q", got)
	}
}
