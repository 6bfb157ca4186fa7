package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jobtobot/jtb/mockserver"
)

// The well-behaved agent walks the whole flow through the proxy in front
// of the reference mock: not one finding, not even a warning.
func TestWellBehavedAgentIsSilent(t *testing.T) {
	ctx := context.Background()
	r := mockRig(t, mockserver.Options{}, Options{})
	task, category := r.newCategoryTask(ctx)
	r.goodAgent(r.keys[0]).walk(ctx, task, category)
	r.expectNone("a well-behaved agent against the mock")
	if s := r.proxy.Summary(); s.Exchanges < 12 || len(s.Rows) != 0 {
		t.Errorf("summary %+v: want a dozen exchanges and no finding", s)
	}
}

// dropFirstTrace is a broken upstream: its traces answers lose the oldest
// event.
func dropFirstTrace(h http.Handler) http.Handler {
	return rewrite(h, func(req *http.Request, status int, body []byte) (int, []byte) {
		if !strings.HasSuffix(req.URL.Path, "/traces") || status != http.StatusOK {
			return status, body
		}
		var env struct {
			OK   bool `json:"ok"`
			Data struct {
				Items []json.RawMessage `json:"items"`
			} `json:"data"`
		}
		if json.Unmarshal(body, &env) != nil || len(env.Data.Items) == 0 {
			return status, body
		}
		env.Data.Items = env.Data.Items[1:]
		out, _ := json.Marshal(env)
		return status, out
	})
}

// rewrite wraps a handler and lets f change the status and body of each
// answer; the headers stay, less Content-Length.
func rewrite(h http.Handler, f func(req *http.Request, status int, body []byte) (int, []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		status, body := f(req, rec.Code, rec.Body.Bytes())
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(status)
		w.Write(body)
	})
}

// Each sequence rule fires on a broken upstream and stays silent on the
// reference mock running the same script.
func TestSequenceRules(t *testing.T) {
	ctx := context.Background()
	progress := func(b *bot, task, key string) {
		got := b.send(http.MethodPost, "/v1/tasks/"+task+"/progress", map[string]any{"event": "step", "message": "did a step",
			"metadata": map[string]any{"pages": 47}}, key)
		if got.status/100 != 2 {
			t.Fatalf("progress: %d %s", got.status, got.body)
		}
	}
	tests := []struct {
		name    string
		defects []string
		wrap    func(http.Handler) http.Handler
		rule    string
		words   []string
		script  func(r *rig, b *bot)
	}{
		{
			name: "a replay that differs from the first answer", defects: []string{"idem-ignored"},
			rule: ruleReplayDiffers, words: []string{"409", "201"},
			script: func(r *rig, b *bot) {
				task := r.newTask()
				b.send(http.MethodPost, "/v1/tasks/"+task+"/bids", bidBody(), "same-key")
				b.send(http.MethodPost, "/v1/tasks/"+task+"/bids", bidBody(), "same-key")
			},
		},
		{
			name: "a task listed after it was claimed", defects: []string{"pag-lists-claimed"},
			rule: ruleListedClaimed, words: []string{"claimed", "accepted bid"},
			script: func(r *rig, b *bot) {
				r.claimed(b)
				b.get("/v1/tasks/available?limit=100")
			},
		},
		{
			name: "a second bid by one agent accepted", defects: []string{"bid-double-allowed"},
			rule: ruleSecondBid, words: []string{"second bid", "409"},
			script: func(r *rig, b *bot) {
				task := r.newTask()
				b.send(http.MethodPost, "/v1/tasks/"+task+"/bids", bidBody(), "first")
				b.send(http.MethodPost, "/v1/tasks/"+task+"/bids", map[string]any{"proposedPrice": 11, "coverLetter": "Cheaper."}, "second")
			},
		},
		{
			name: "a second resubmit accepted", defects: []string{"resubmit-twice"},
			rule: ruleSecondResubmit, words: []string{"second resubmit"},
			script: func(r *rig, b *bot) {
				task, _ := r.claimed(b)
				r.control.PinScores(ctx, task, 0.1, 0.2, 0.3)
				b.send(http.MethodPost, "/v1/tasks/"+task+"/deliver", map[string]any{"content": "draft"}, "d")
				b.send(http.MethodPost, "/v1/tasks/"+task+"/resubmit", map[string]any{"content": "better"}, "r1")
				b.send(http.MethodPost, "/v1/tasks/"+task+"/resubmit", map[string]any{"content": "best"}, "r2")
			},
		},
		{
			name: "traces that lose an event", wrap: dropFirstTrace,
			rule: ruleTraceLost, words: []string{"lack", `"step"`},
			script: func(r *rig, b *bot) {
				task, _ := r.claimed(b)
				progress(b, task, "p1")
				progress(b, task, "p2")
				b.get("/v1/tasks/" + task + "/traces")
			},
		},
		{
			name: "traces that change an event", defects: []string{"traces-metadata-dropped"},
			rule: ruleTraceChanged, words: []string{"metadata"},
			script: func(r *rig, b *bot) {
				task, _ := r.claimed(b)
				progress(b, task, "p1")
				b.get("/v1/tasks/" + task + "/traces")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, broken := range []bool{true, false} {
				mopts := mockserver.Options{}
				if broken {
					mopts.Defects = tt.defects
				}
				ts := mockserver.NewTestServer(t, mopts)
				var up http.Handler = ts.Mock
				if broken && tt.wrap != nil {
					up = tt.wrap(ts.Mock)
				}
				srv := httptest.NewServer(up)
				t.Cleanup(srv.Close)
				r := newRig(t, srv.URL, Options{})
				tt.script(r, r.bot(ts.AgentKeys[0]))
				if broken {
					f := r.expectRule(tt.rule, r.proxy.rules[tt.rule].Severity, tt.words...)
					if f.Kind != KindSequence || f.Clause == "" {
						t.Errorf("finding %+v", f)
					}
					continue
				}
				if got := r.findings.byRule(tt.rule); len(got) > 0 {
					t.Errorf("the reference mock, same script: want no %s finding, got:\n%s", tt.rule, r.findings)
				}
			}
		})
	}
}

// A listing asked for before the claim is known does not count against
// the server: only claims the proxy saw before the listing was sent do.
func TestListingBeforeTheClaimIsNotJudged(t *testing.T) {
	r := mockRig(t, mockserver.Options{Defects: []string{"pag-lists-claimed"}}, Options{})
	b := r.bot(r.keys[0])
	task := r.newTask()
	if !bytes.Contains(b.get("/v1/tasks/available?limit=100").body, []byte(task)) {
		t.Fatalf("the new task is not on the first page")
	}
	r.expectNone("a listing before any claim")
}
