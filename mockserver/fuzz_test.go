package mockserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jobtobot/jtb/mockserver/core"
)

// Fixture ids the seeds use, so the fuzzer starts from paths that reach the
// core: claimedID is claimed by alpha in fuzzMock, openID stays open.
const (
	claimedID = "1a147590-9c63-5c82-964d-08a8a4354a23"
	openID    = "dda8dd30-3dfa-5737-b251-8964fc27595d"
)

// fuzzMock is a mock with one task claimed by alpha. The fuzz engine reuses
// it across inputs, so the state drifts as the fuzzer mutates it: the
// invariants must hold in any state.
func fuzzMock(tb testing.TB) *Mock {
	tb.Helper()
	m, err := New(Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { m.Close() })
	alpha := m.fixture.Agents[0].ID
	bid, err := m.store.PlaceBid(alpha, claimedID, 10, "fuzz")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := m.store.AcceptBid(claimedID, bid.ID); err != nil {
		tb.Fatal(err)
	}
	return m
}

// checkEnvelope is the handler's promise for any request: no 5xx, a JSON
// content type and the envelope, ok true exactly for 2xx.
func checkEnvelope(status int, header http.Header, body []byte) error {
	if status >= 500 {
		return fmt.Errorf("status %d", status)
	}
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("content type %q", ct)
	}
	var env struct {
		OK    *bool           `json:"ok"`
		Data  json.RawMessage `json:"data"`
		Error *struct {
			Code    *string `json:"code"`
			Message *string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("body is not JSON: %v", err)
	}
	ok := status >= 200 && status <= 299
	switch {
	case env.OK == nil:
		return fmt.Errorf("no ok field")
	case *env.OK != ok:
		return fmt.Errorf("ok %v with status %d", *env.OK, status)
	case ok && len(env.Data) == 0:
		return fmt.Errorf("success without data")
	case !ok && (env.Error == nil || env.Error.Code == nil || *env.Error.Code == "" || env.Error.Message == nil):
		return fmt.Errorf("error without code and message")
	}
	return nil
}

func TestCheckEnvelopeRefusesBrokenAnswers(t *testing.T) {
	json := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		ok     bool
	}{
		{"success", 200, json, `{"ok":true,"data":{}}`, true},
		{"error", 404, json, `{"ok":false,"error":{"code":"NOT_FOUND","message":"x"}}`, true},
		{"5xx", 500, json, `{"ok":false,"error":{"code":"INTERNAL","message":"x"}}`, false},
		{"text", 404, http.Header{"Content-Type": {"text/plain"}}, `not found`, false},
		{"no ok", 200, json, `{"data":{}}`, false},
		{"ok on error", 400, json, `{"ok":true,"data":{}}`, false},
		{"no code", 400, json, `{"ok":false,"error":{"message":"x"}}`, false},
		{"not json", 400, json, `{"ok":false`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkEnvelope(tt.status, tt.header, []byte(tt.body))
			if (err == nil) != tt.ok {
				t.Fatalf("checkEnvelope = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

// FuzzHandler sends any method, target, headers and body, parsed the way
// net/http's server parses a request, and checks the envelope promise.
func FuzzHandler(f *testing.F) {
	seeds := []struct {
		method, target, headers, body string
		auth                          uint8
	}{
		{"GET", "/v1/tasks/available?limit=5", "", "", 1},
		{"GET", "/v1/tasks/available?limit=0&cursor=x.y", "", "", 1},
		{"GET", "/v1/tasks/available?category=coding&limit=101", "", "", 2},
		{"POST", "/v1/tasks/" + openID + "/bids", "Content-Type: application/json", `{"proposedPrice":12.5,"coverLetter":"hi"}`, 2},
		{"POST", "/v1/tasks/" + openID + "/bids", "Content-Type: application/json\nIdempotency-Key: k1", `{"proposedPrice":-1,"coverLetter":""}`, 1},
		{"POST", "/v1/tasks/" + claimedID + "/progress", "Content-Type: application/json", `{"event":"e","message":"m","metadata":{"a":[1,2]}}`, 1},
		{"POST", "/v1/tasks/" + claimedID + "/deliver", "Content-Type: application/json", `{"content":"# Report\n\nFindings."}`, 1},
		{"POST", "/v1/tasks/" + claimedID + "/resubmit", "Content-Type: text/plain", `content`, 1},
		{"GET", "/v1/tasks/" + claimedID + "/traces", "", "", 1},
		{"DELETE", "/v1/tasks/available", "", "", 0},
		{"POST", "/v1/tasks/not-a-uuid/bids", "Authorization: Basic Zm9v", "{", 0},
		{"GET", "/_control/tasks/" + claimedID, "", "", 0},
		{"POST", "/_control/tasks", "Content-Type: application/json", `{"title":"t","description":"d","category":"c","band":"b","price":"1.00"}`, 0},
		{"POST", "/_control/clock/advance", "Content-Type: application/json", `{"seconds":1e300}`, 0},
		{"POST", "/_control/tasks/" + openID + "/pdqg", "Content-Type: application/json", `{"scores":[0.1,2]}`, 0},
		{"PATCH", "/%2e%2e/_control", "Content-Length: 3", "abc", 0},
	}
	for _, s := range seeds {
		f.Add(s.method, s.target, s.headers, []byte(s.body), s.auth)
	}
	m := fuzzMock(f)
	keys := []string{"", "Bearer " + m.AgentKeys()[0], "bearer " + m.AgentKeys()[1], "Bearer jtb_live_unknown"}
	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte, auth uint8) {
		var raw bytes.Buffer
		fmt.Fprintf(&raw, "%s %s HTTP/1.1\r\nHost: mock\r\n", method, target)
		if k := keys[int(auth)%len(keys)]; k != "" {
			fmt.Fprintf(&raw, "Authorization: %s\r\n", k)
		}
		for _, line := range strings.Split(headers, "\n") {
			if line = strings.TrimRight(line, "\r"); line != "" {
				raw.WriteString(line + "\r\n")
			}
		}
		if !strings.Contains(strings.ToLower(headers), "content-length") {
			fmt.Fprintf(&raw, "Content-Length: %d\r\n", len(body))
		}
		raw.WriteString("\r\n")
		raw.Write(body)
		req, err := http.ReadRequest(bufio.NewReader(&raw))
		if err != nil {
			return // net/http's server answers this itself, before the mock
		}
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, req)
		if err := checkEnvelope(rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			t.Fatalf("%s %q: %v\nbody: %s", method, target, err, rec.Body.Bytes())
		}
	})
}

// FuzzIdempotencyKey sends a progress event twice under one key, then another
// body under the same key, and checks the contract: a bad key is 400; a
// stored 2xx replays byte for byte with Idempotent-Replayed and adds no
// second trace; another body is 422; an error is not stored.
func FuzzIdempotencyKey(f *testing.F) {
	for _, s := range []struct{ key, first, second string }{
		{"k-1", `{"event":"e","message":"m"}`, `{"message":"m","event":"e"}`},
		{"k-2", `{"event":"e","message":"m"}`, `{"event":"e","message":"other"}`},
		{"", `{"event":"e","message":"m"}`, `{}`},
		{strings.Repeat("k", 256), `{"event":"e","message":"m"}`, `{}`},
		{"k\x7f", `{"event":"e","message":"m"}`, `{}`},
		{"k-3", `{"event":"","message":"m"}`, `{"event":"","message":"m"}`},
		{"k-4", `not json`, `not  json`},
	} {
		f.Add(s.key, []byte(s.first), []byte(s.second))
	}
	m := fuzzMock(f)
	alpha := m.fixture.Agents[0]
	send := func(key string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/v1/tasks/"+claimedID+"/progress", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+alpha.APIKey)
		req.Header.Set("Content-Type", "application/json")
		req.Header["Idempotency-Key"] = []string{key}
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, req)
		return rec
	}
	traces := func(t *testing.T) int {
		t.Helper()
		list, err := m.store.Traces(alpha.ID, claimedID)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	run := 0
	f.Fuzz(func(t *testing.T, key string, first, second []byte) {
		// Each run gets its own key: the engine reuses the mock, and runs
		// the same input again while minimising. A valid key stays valid
		// (the tag replaces its tail when there is no room to append).
		run++
		if validIdemKey(key) {
			tag := fmt.Sprintf("#%d", run)
			key = key[:min(len(key), 255-len(tag))] + tag
		}
		before := traces(t)
		a := send(key, first)
		if err := checkEnvelope(a.Code, a.Header(), a.Body.Bytes()); err != nil {
			t.Fatalf("first: %v", err)
		}
		if !validIdemKey(key) {
			if a.Code != 400 {
				t.Fatalf("invalid key %q: %d, want 400", key, a.Code)
			}
			return
		}
		b := send(key, first)
		stored := a.Code/100 == 2
		switch {
		case stored && (b.Code != a.Code || !bytes.Equal(b.Body.Bytes(), a.Body.Bytes()) || b.Header().Get("Idempotent-Replayed") != "true"):
			t.Fatalf("replay: %d %s, first %d %s", b.Code, b.Body.Bytes(), a.Code, a.Body.Bytes())
		case !stored && b.Header().Get("Idempotent-Replayed") != "":
			t.Fatalf("an error %d was stored and replayed", a.Code)
		}
		want := before
		if stored {
			want++
		}
		if got := traces(t); got != want {
			t.Fatalf("traces %d → %d after first %d and repeat %d", before, got, a.Code, b.Code)
		}
		c := send(key, second)
		if err := checkEnvelope(c.Code, c.Header(), c.Body.Bytes()); err != nil {
			t.Fatalf("second body: %v", err)
		}
		same := core.Fingerprint(first) == core.Fingerprint(second)
		switch {
		case stored && same && !bytes.Equal(c.Body.Bytes(), a.Body.Bytes()):
			t.Fatalf("same JSON body not replayed: %s", c.Body.Bytes())
		case stored && !same && c.Code != 422:
			t.Fatalf("another body under a stored key: %d, want 422", c.Code)
		}
	})
}
