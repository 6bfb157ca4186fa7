package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// The relay answers what the upstream answered, on kept connections at
// both ends, and sends a GET again when a kept upstream connection was
// closed under it; anything else gets a 502 in the error envelope.
func TestRelayForwardsAnswers(t *testing.T) {
	var calls atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if n == 2 {
			w.Header().Set("Connection", "close") // the next call needs a new connection
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Seen", r.Header.Get("Authorization")+" "+r.URL.RequestURI())
		io.WriteString(w, `{"ok":true,"data":{"n":1}}`)
	}))
	defer up.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go (&relay{upstream: up.Listener.Addr().String()}).serve(ln)
	base := "http://" + ln.Addr().String()

	client := &http.Client{Transport: &http.Transport{}}
	get := func(method string) (*http.Response, string) {
		req, _ := http.NewRequest(method, base+"/v1/tasks/available?limit=20", nil)
		req.Header.Set("Authorization", "Bearer k")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(body)
	}
	for i := 0; i < 4; i++ {
		resp, body := get(http.MethodGet)
		if resp.StatusCode != 200 || body != `{"ok":true,"data":{"n":1}}` || resp.Header.Get("Content-Type") != "application/json" ||
			resp.Header.Get("X-Seen") != "Bearer k /v1/tasks/available?limit=20" {
			t.Fatalf("call %d: %d %v %s", i, resp.StatusCode, resp.Header, body)
		}
	}
	before := calls.Load()
	if resp, body := get(http.MethodPost); resp.StatusCode != http.StatusBadGateway || body == "" || calls.Load() != before {
		t.Errorf("a POST: %d %s, %d upstream calls; want 502 and none", resp.StatusCode, body, calls.Load()-before)
	}
	up.CloseClientConnections() // kept upstream connections go stale
	if resp, _ := get(http.MethodGet); resp.StatusCode != 200 {
		t.Errorf("after the upstream closed its kept connections: %d", resp.StatusCode)
	}
}
