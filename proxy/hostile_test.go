package proxy

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// hangTimeout is the proxy's upstream timeout in the tests of a hanging
// upstream: each such test waits it out once, and every other call of the
// test must answer within it, also under -race on a loaded machine.
const hangTimeout = time.Second

// hostile answers the listing as the X-Mode header of the request says:
// "hang" (never), "reset" (closes the connection), "huge" (10 MB),
// "invalid" (not JSON), "text" (a 404 in text/plain); anything else a
// good empty page.
func hostile(t *testing.T) *httptest.Server {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("X-Mode") {
		case "hang":
			select {
			case <-stop:
			case <-r.Context().Done():
			}
		case "reset":
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.(*net.TCPConn).SetLinger(0)
				conn.Close()
			}
		case "huge":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"ok":true,"data":"`))
			chunk := bytes.Repeat([]byte("x"), 64<<10)
			for i := 0; i < 160; i++ { // 10 MiB
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			w.Write([]byte(`"}`))
		case "invalid":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"ok":tru`))
		case "text":
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte("not found " + r.Header.Get("Authorization")))
		default:
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"ok":true,"data":{"items":[],"pagination":{"next_cursor":null,"has_more":false,"total_estimate":0}}}`))
		}
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	return srv
}

func TestHostileUpstream(t *testing.T) {
	srv := hostile(t)
	r := newRig(t, srv.URL, Options{Timeout: hangTimeout})
	key := "jtb_live_" + rand.Text()
	call := func(mode string) answer {
		req, _ := http.NewRequest(http.MethodGet, r.URL+"/v1/tasks/available?limit=5", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("X-Mode", mode)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return answer{err: err}
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		return answer{status: resp.StatusCode, header: resp.Header, body: buf.Bytes()}
	}
	for _, tt := range []struct {
		mode   string
		status int
		code   string
		rule   string
	}{
		{"hang", http.StatusGatewayTimeout, "UPSTREAM_TIMEOUT", ruleResponseTimeout},
		{"reset", http.StatusBadGateway, "UPSTREAM_UNAVAILABLE", ruleResponseDown},
		{"huge", http.StatusBadGateway, "UPSTREAM_TOO_LARGE", ruleResponseLarge},
		{"invalid", http.StatusBadGateway, "UPSTREAM_INVALID", ruleResponseNotJSON},
		{"text", http.StatusBadGateway, "UPSTREAM_INVALID", ruleResponseNotJSON},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			r.findings.reset()
			got := call(tt.mode)
			if got.err != nil || got.status != tt.status || got.code() != tt.code ||
				!strings.HasPrefix(got.header.Get("Content-Type"), "application/json") || got.header.Get("X-Jtb-Proxy") == "" {
				t.Fatalf("%s: %d %v %s (%v), want %d %s in the envelope", tt.mode, got.status, got.header, got.body, got.err, tt.status, tt.code)
			}
			var env struct {
				OK    *bool `json:"ok"`
				Error struct {
					Message string `json:"message"`
				} `json:"error"`
			}
			if json.Unmarshal(got.body, &env) != nil || env.OK == nil || *env.OK || env.Error.Message == "" {
				t.Errorf("not the error envelope: %s", got.body)
			}
			f := r.expectRule(tt.rule, Error)
			if f.Kind != KindResponse || f.Exchange.Status != tt.status {
				t.Errorf("finding %+v", f)
			}
			// The proxy keeps serving.
			if ok := call("good"); ok.status != http.StatusOK {
				t.Fatalf("after %s: the next call got %d %s (%v)", tt.mode, ok.status, ok.body, ok.err)
			}
			for _, f := range r.findings.list() {
				if strings.Contains(f.Message+f.Exchange.Path, key) {
					t.Errorf("a finding holds the key: %s", f.Line())
				}
			}
			if bytes.Contains(got.body, []byte(key)) {
				t.Errorf("the proxy's answer holds the key: %s", got.body)
			}
		})
	}
}

func TestUpstreamDown(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	r := newRig(t, url, Options{Timeout: time.Second})
	got := r.bot("jtb_live_x").get("/v1/tasks/available")
	if got.status != http.StatusBadGateway || got.code() != "UPSTREAM_UNAVAILABLE" {
		t.Fatalf("%d %s", got.status, got.body)
	}
	r.expectRule(ruleResponseDown, Error, "unavailable")
	if err := r.proxy.Probe(t.Context()); err == nil {
		t.Error("Probe of a closed upstream: no error")
	}
	// Not modelled paths pass through, with the same envelope when the
	// upstream is down.
	resp, err := http.Get(r.URL + "/dashboard")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || resp.Header.Get("X-Jtb-Proxy") != "upstream-unavailable" {
		t.Errorf("pass-through to a closed upstream: %d %v", resp.StatusCode, resp.Header)
	}
}

// No finding holds a key the proxy was sent, whatever its shape, even
// when the upstream echoes it everywhere.
func TestFindingsHoldNoKey(t *testing.T) {
	keys := []string{"jtb_live_" + rand.Text(), "sk-foreign-" + rand.Text()}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Echo", auth)
		if strings.HasSuffix(r.URL.Path, "/bids") {
			w.WriteHeader(http.StatusConflict)
			json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": map[string]string{"code": auth, "message": auth}})
			return
		}
		w.Write([]byte(`not json ` + auth))
	}))
	defer srv.Close()
	r := newRig(t, srv.URL, Options{})
	for _, k := range keys {
		b := r.bot(k)
		b.get("/v1/tasks/available")
		b.send(http.MethodPost, "/v1/tasks/00000000-0000-4000-8000-000000000000/bids", bidBody(), "")
		b.send(http.MethodPost, "/v1/tasks/00000000-0000-4000-8000-000000000000/bids", bidBody(), "")
	}
	all := r.findings.list()
	if len(all) < 6 {
		t.Fatalf("want findings for both agents, got:\n%s", r.findings)
	}
	redacted := false
	for _, f := range all {
		line, _ := json.Marshal(f)
		for _, k := range keys {
			if strings.Contains(f.Line(), k) || bytes.Contains(line, []byte(k)) {
				t.Errorf("a finding holds a key: %s", line)
			}
		}
		redacted = redacted || strings.Contains(f.Line(), "[REDACTED]")
	}
	if !redacted {
		t.Errorf("no finding shows a redaction mark: the echoed keys never reached them, the test proves nothing\n%s", r.findings)
	}
}
