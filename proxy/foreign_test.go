package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jobtobot/jtb/internal/foreign"
	"github.com/jobtobot/jtb/mockserver"
)

// rewriter turns the reference mock into a stand-in for a server we did not
// write: it differs from the mock in every free choice the contract
// leaves, and decides some of our SHOULDs otherwise.
//   - ids: UUIDs in upper case (the mock writes lower case; the contract's
//     lower case is inferred), accepted back in any case;
//   - timestamps: whole seconds, no milliseconds;
//   - key order: every object's keys in reverse order;
//   - messages: its own error texts;
//   - extra fields: a requestId beside ok, a "_links" in data and items,
//     an X-Request-Id header;
//   - SHOULDs decided otherwise: a new bid and a new trace are 200, not
//     201; the verdicts are "accepted_with_warning", "accepted" and
//     "rejected"; no Idempotent-Replayed header on a replay; no control
//     clock to read (GET /_control/clock is 404), so the proxy must
//     estimate the server's time from its answers.
func rewriter(mock http.Handler) http.Handler {
	var n atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := r.Clone(r.Context())
		in.URL.Path, in.URL.RawPath = strings.ToLower(in.URL.Path), ""
		if r.Method == http.MethodGet && in.URL.Path == "/_control/clock" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"ok":false,"error":{"code":"NOT_FOUND","message":"no such thing here"}}`))
			return
		}
		rec := httptest.NewRecorder()
		mock.ServeHTTP(rec, in)
		status, body := rec.Code, rec.Body.Bytes()
		if r.Method == http.MethodPost && status == http.StatusCreated &&
			(strings.HasSuffix(in.URL.Path, "/bids") || strings.HasSuffix(in.URL.Path, "/progress")) {
			status = http.StatusOK
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			if env, ok := v.(map[string]any); ok {
				env["requestId"] = fmt.Sprintf("req-%d", n.Add(1))
				if e, ok := env["error"].(map[string]any); ok {
					e["message"] = "The foreign server refuses this (" + fmt.Sprint(e["code"]) + ")."
				}
				if data, ok := env["data"].(map[string]any); ok {
					data["_links"] = map[string]any{"self": r.URL.Path}
					if items, ok := data["items"].([]any); ok {
						for _, it := range items {
							if m, ok := it.(map[string]any); ok {
								m["_links"] = map[string]any{}
							}
						}
					}
				}
			}
			var out bytes.Buffer
			foreignEncode(&out, v, "")
			body = out.Bytes()
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Del("Content-Length")
		w.Header().Del("Idempotent-Replayed")
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("X-Request-Id", fmt.Sprint(n.Load()))
		w.WriteHeader(status)
		w.Write(body)
	})
}

var (
	uuidPattern  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	stampPattern = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.\d+Z$`)
	verdicts     = map[string]string{"warn": "accepted_with_warning", "pass": "accepted", "reject": "rejected"}
)

// foreignEncode writes v as JSON with the foreign server's choices: keys
// in reverse order, upper-case ids, whole-second timestamps, its verdicts.
func foreignEncode(b *bytes.Buffer, v any, key string) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		slices.Reverse(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteByte(':')
			if key == "metadata" {
				foreignEncode(b, x[k], "metadata") // the agent's own data: only reordered
				continue
			}
			foreignEncode(b, x[k], k)
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			foreignEncode(b, e, key)
		}
		b.WriteByte(']')
	case string:
		s := x
		switch {
		case key == "metadata":
		case uuidPattern.MatchString(s):
			s = strings.ToUpper(s)
		case stampPattern.MatchString(s):
			s = stampPattern.ReplaceAllString(s, "${1}Z")
		case key == "verdict" && verdicts[s] != "":
			s = verdicts[s]
		}
		sb, _ := json.Marshal(s)
		b.Write(sb)
	default:
		vb, _ := json.Marshal(x)
		b.Write(vb)
	}
}

// In front of a foreign server, the well-behaved agent's whole flow gives
// no error-severity finding: only warnings, each of a SHOULD the foreign
// server decided otherwise.
func TestForeignServerGivesOnlyWarnings(t *testing.T) {
	ctx := context.Background()
	ts := mockserver.NewTestServer(t, mockserver.Options{})
	srv := httptest.NewServer(rewriter(ts.Mock))
	defer srv.Close()
	r := newRig(t, srv.URL, Options{})
	task, category := r.newCategoryTask(ctx)
	if task != strings.ToUpper(task) {
		t.Fatalf("the foreign server's ids are not its own: %s", task)
	}
	r.goodAgent(ts.AgentKeys[0]).walk(ctx, task, category)
	all := r.findings.list()
	if len(all) == 0 {
		t.Fatal("no finding at all: the foreign server's departures from our SHOULDs went unseen")
	}
	for _, f := range all {
		if f.Severity == Error {
			t.Errorf("an error on a foreign server that keeps every MUST: %s", f.Line())
		}
		if f.Kind != KindResponse || f.Clause != "JTB-ENV-009" {
			t.Errorf("a warning other than an inferred part of an answer: %s", f.Line())
		}
	}
	t.Logf("%d warnings, e.g. %s", len(all), all[0].Line())
	if how := r.proxy.ClockSource(); !strings.Contains(how, "estimated") {
		t.Errorf("clock source %q: the foreign server has no control clock", how)
	}
}

// The foreign server, broken: its listing keeps claimed tasks. The proxy
// still catches that, ids in upper case and all.
func TestForeignServerBrokenIsCaught(t *testing.T) {
	ts := mockserver.NewTestServer(t, mockserver.Options{Defects: []string{"pag-lists-claimed"}})
	srv := httptest.NewServer(rewriter(ts.Mock))
	defer srv.Close()
	r := newRig(t, srv.URL, Options{})
	b := r.bot(ts.AgentKeys[0])
	r.claimed(b)
	b.get("/v1/tasks/available?limit=100")
	r.expectRule(ruleListedClaimed, Error, "claimed")
}

// The kit's stand-in foreign server (internal/foreign: its own data, ids,
// microsecond timestamps, reversed keys, its own messages and extra
// fields, its Agent API under a path prefix, its control API on another
// port behind a token and answering in other shapes, our SHOULDs decided
// otherwise). In front of it, with the control calls going through the
// proxy to its control URL, the well-behaved agent's whole flow gives no
// error, only warnings of the SHOULDs it decided otherwise.
func TestStandInForeignServerGivesOnlyWarnings(t *testing.T) {
	ctx := context.Background()
	fs := foreign.Start(t, foreign.Options{})
	r := newRig(t, fs.URL, Options{ControlURL: fs.ControlURL, ControlToken: fs.ControlToken})
	r.control = mockserver.NewControlClient(r.URL+"/_control", fs.ControlToken, nil)
	task, category := r.newCategoryTask(ctx)
	r.goodAgent(fs.Keys[0]).walk(ctx, task, category)
	all := r.findings.list()
	if len(all) == 0 {
		t.Fatal("no finding at all: the stand-in's departures from our SHOULDs went unseen")
	}
	for _, f := range all {
		if f.Severity == Error {
			t.Errorf("an error on a foreign server that keeps every MUST: %s", f.Line())
		}
	}
	t.Logf("%d warnings:\n%s", len(all), r.findings)
	if how := r.proxy.ClockSource(); !strings.Contains(how, "control clock") {
		t.Errorf("clock source %q: the stand-in's control clock, reached at its control URL, was not read", how)
	}
	// The control calls went through the proxy to the control URL.
	seen := false
	for _, req := range fs.Requests() {
		seen = seen || (req.API == "control" && strings.HasSuffix(req.Path, "/accept") && req.Status/100 == 2)
	}
	if !seen {
		t.Error("the stand-in's control API saw no accept")
	}
}

// The stand-in, broken: it ignores Idempotency-Key, so a retry runs again.
// The proxy catches the replay that differs from the first answer.
func TestStandInForeignServerBrokenIsCaught(t *testing.T) {
	ctx := context.Background()
	fs := foreign.Start(t, foreign.Options{IgnoreIdempotencyKey: true})
	r := newRig(t, fs.URL, Options{ControlURL: fs.ControlURL, ControlToken: fs.ControlToken})
	r.control = mockserver.NewControlClient(r.URL+"/_control", fs.ControlToken, nil)
	task, _ := r.newCategoryTask(ctx)
	b := r.bot(fs.Keys[0])
	b.send(http.MethodPost, "/v1/tasks/"+task+"/bids", bidBody(), "the-key")
	b.send(http.MethodPost, "/v1/tasks/"+task+"/bids", bidBody(), "the-key")
	r.expectRule(ruleReplayDiffers, Error, "replay")
}
