package main

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobtobot/jtb"
	"github.com/jobtobot/jtb/suites"
)

var hostileKeyB = "jtb_live_" + rand.Text()

// echoTarget answers every request with the caller's Authorization value
// (an API key or the control token) in the body and a header: a target that
// leaks what it is sent. Its control API claims every capability, so the
// specs that use the control token run too. The echoed value lands at a
// different offset each time, so the cut of a failure message's excerpt
// falls inside it sooner or later.
func echoTarget() http.HandlerFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Echo", auth)
		if r.URL.Path == "/_control/capabilities" {
			w.Write([]byte(`{"ok":true,"data":{"clock":true,"pdqgPin":true,"reset":true,"agents":false}}`))
			return
		}
		// 201 for a POST gets most specs past their setup, to assertions that
		// print what they received.
		if r.Method == http.MethodPost && !strings.HasSuffix(r.URL.Path, "/accept") && !strings.HasSuffix(r.URL.Path, "/pdqg") {
			w.WriteHeader(http.StatusCreated)
		}
		pad := strings.Repeat("x", int(n.Add(37)%900))
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "data": map[string]any{
			"id": auth, "status": auth, "message": pad + auth + " " + auth,
			"items": []map[string]string{{"id": auth, "title": auth}},
		}})
	}
}

// TestCheckLeaksNoSecret runs jtb check with two keys and a control token
// against a failing target that echoes them back in every answer, and finds
// none of them (nor a piece of one) in stdout, stderr, JUnit or JSON.
func TestCheckLeaksNoSecret(t *testing.T) {
	srv := httptest.NewServer(echoTarget())
	defer srv.Close()
	r := runCheckWithin(t, 60*time.Second, hostileTimeout, srv.URL, "--api-key-b", hostileKeyB)
	t.Logf("exit %d in %s", r.code, r.elapsed.Round(time.Millisecond))
	if r.code != exitFail {
		t.Fatalf("exit %d, want %d (the target fails)\nstdout:\n%s\nstderr:\n%s", r.code, exitFail, tail(r.stdout), r.stderr)
	}
	assertValidJUnit(t, r.junit)
	specReports(t, r.json)
	outs := r.outputs(t)
	if len(outs) != 4 {
		t.Fatalf("want stdout, stderr and both reports, got %d outputs", len(outs))
	}
	// The test proves something only if the secrets reached the outputs'
	// sources: the redaction marks show they did.
	if !strings.Contains(outs["JSON report"], "[REDACTED]") || !strings.Contains(outs["stdout"], "[REDACTED]") {
		t.Errorf("no redaction mark in the JSON report or stdout: the echoed secrets never reached them")
	}
	assertNoSecret(t, outs, "API key", hostileKey)
	assertNoSecret(t, outs, "second API key", hostileKeyB)
	assertNoSecret(t, outs, "control token", hostileToken)
}

// A spec naming a clause the catalogue does not hold is a spec bug: jtb
// check says which, with exit 2, before sending anything; a clause without a
// spec is a warning only.
func TestCheckCatalogueOutOfStep(t *testing.T) {
	const entry = "  - id: JTB-AUTH-003\n"
	cat := string(jtb.CatalogueSpec)
	start := strings.Index(cat, entry)
	if start < 0 {
		t.Fatal("catalogue.yaml has no JTB-AUTH-003 entry")
	}
	end := start + len(entry) + strings.Index(cat[start+len(entry):], "  - id: ")
	clause := cat[start:end]
	tests := []struct {
		name      string
		catalogue string
		wantCode  int
		says      string
	}{
		{"a spec names a clause the catalogue lacks", cat[:start] + cat[end:], exitConfig, "a spec names clause JTB-AUTH-003, which the catalogue does not hold"},
		{"a clause has no spec", cat[:end] + strings.Replace(clause, "JTB-AUTH-003", "JTB-AUTH-099", 1) + cat[end:], exitOK, "clause JTB-AUTH-099"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "catalogue.yaml")
			if err := os.WriteFile(path, []byte(tt.catalogue), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := jtbRun(t, "check", "--catalogue", path, "--label-filter", "auth")
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.wantCode, tail(stdout), stderr)
			}
			if !strings.Contains(stderr, tt.says) {
				t.Errorf("stderr does not say %q:\n%s", tt.says, stderr)
			}
			if strings.Contains(stdout+stderr, "panic") {
				t.Errorf("the run panicked:\n%s%s", stdout, stderr)
			}
		})
	}
}

// Ginkgo writes its failure reports in pieces; a secret split between two
// writes must still be hidden.
func TestRedactingWriterHidesSplitSecrets(t *testing.T) {
	text := "first line\nthe token " + hostileToken + " and the key " + hostileKey + "\nno newline at the end " + hostileToken
	for size := 1; size <= len(text); size++ {
		var out strings.Builder
		w := &redactingWriter{w: &out, redact: suites.NewRedactor(hostileToken)}
		for i := 0; i < len(text); i += size {
			w.Write([]byte(text[i:min(i+size, len(text))]))
		}
		w.Flush()
		got := out.String()
		want := "first line\nthe token [REDACTED] and the key jtb_live_[REDACTED]\nno newline at the end [REDACTED]"
		if got != want {
			t.Fatalf("writes of %d bytes: got %q, want %q", size, got, want)
		}
	}
}
