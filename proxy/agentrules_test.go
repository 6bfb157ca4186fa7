package proxy

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jobtobot/jtb/mockserver"
)

func TestKeyReusedWithAnotherBody(t *testing.T) {
	r := mockRig(t, mockserver.Options{}, Options{})
	b := r.bot(r.keys[0])
	task, _ := r.claimed(b)
	b.send(http.MethodPost, "/v1/tasks/"+task+"/progress", map[string]any{"event": "a", "message": "one"}, "k")
	// The same body again (white space and key order aside) is a replay, not a reuse.
	b.send(http.MethodPost, "/v1/tasks/"+task+"/progress", []byte(`{ "message": "one", "event": "a" }`), "k")
	r.expectNone("a replay with the same body")
	got := b.send(http.MethodPost, "/v1/tasks/"+task+"/progress", map[string]any{"event": "b", "message": "two"}, "k")
	if got.status != http.StatusUnprocessableEntity {
		t.Fatalf("the mock answered %d, want 422", got.status)
	}
	r.expectRule(ruleKeyReused, Error, "another body")

	// After a refused first use (nothing stored), the fixed request may keep its key.
	r.findings.reset()
	other := r.newTask()
	b.send(http.MethodPost, "/v1/tasks/"+other+"/bids", map[string]any{"proposedPrice": 0, "coverLetter": "x"}, "fix-me")
	b.send(http.MethodPost, "/v1/tasks/"+other+"/bids", bidBody(), "fix-me")
	if got := r.findings.byRule(ruleKeyReused); got != nil {
		t.Errorf("a key kept after a 400: %s", got[0].Line())
	}
}

func TestDeliverBeforeAccept(t *testing.T) {
	r := mockRig(t, mockserver.Options{}, Options{})
	alpha, bravo := r.bot(r.keys[0]), r.bot(r.keys[1])
	task := r.newTask()
	alpha.send(http.MethodPost, "/v1/tasks/"+task+"/bids", bidBody(), "a")
	got := alpha.send(http.MethodPost, "/v1/tasks/"+task+"/deliver", map[string]any{"content": "done"}, "d")
	if got.status != http.StatusForbidden {
		t.Fatalf("deliver before accept: %d", got.status)
	}
	r.expectRule(ruleDeliverEarly, Warning, "no sign that it was accepted", "403")

	// Another agent's bid accepted: alpha's deliver is early too, and says why.
	r.findings.reset()
	task2 := r.newTask()
	alpha.send(http.MethodPost, "/v1/tasks/"+task2+"/bids", bidBody(), "a2")
	var bid struct {
		ID string `json:"id"`
	}
	bravo.send(http.MethodPost, "/v1/tasks/"+task2+"/bids", bidBody(), "b2").data(t, &bid)
	if _, err := r.control.AcceptBid(context.Background(), task2, bid.ID); err != nil {
		t.Fatal(err)
	}
	alpha.send(http.MethodPost, "/v1/tasks/"+task2+"/deliver", map[string]any{"content": "done"}, "d2")
	r.expectRule(ruleDeliverEarly, Warning, "another agent's bid")

	// bravo, accepted, delivers: nothing to say.
	r.findings.reset()
	bravo.send(http.MethodPost, "/v1/tasks/"+task2+"/deliver", map[string]any{"content": "done"}, "d3")
	r.expectNone("a deliver after the accept")
}

func TestResubmitAfterAPass(t *testing.T) {
	r := mockRig(t, mockserver.Options{}, Options{})
	b := r.bot(r.keys[0])
	task, _ := r.claimed(b)
	r.control.PinScores(context.Background(), task, 0.8)
	b.send(http.MethodPost, "/v1/tasks/"+task+"/deliver", map[string]any{"content": "done"}, "d")
	got := b.send(http.MethodPost, "/v1/tasks/"+task+"/resubmit", map[string]any{"content": "again"}, "r")
	if got.status != http.StatusForbidden {
		t.Fatalf("resubmit after a pass: %d", got.status)
	}
	r.expectRule(ruleResubmitPassed, Error, "passed")
}

// The deadline is judged by the upstream's clock: read from the mock's
// control API, or estimated from the answers of a server that has none.
func TestResubmitAfterTheDeadline(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name    string
		foreign bool
		how     string
	}{{"the mock's control clock", false, "control clock"}, {"estimated on a foreign server", true, "estimated"}} {
		t.Run(tt.name, func(t *testing.T) {
			ts := mockserver.NewTestServer(t, mockserver.Options{})
			var up http.Handler = ts.Mock
			if tt.foreign {
				up = rewriter(ts.Mock)
			}
			srv := httptest.NewServer(up)
			defer srv.Close()
			r := newRig(t, srv.URL, Options{})
			b := r.bot(ts.AgentKeys[0])
			task, _ := r.claimed(b)
			r.control.PinScores(ctx, task, 0.1, 0.9)
			b.send(http.MethodPost, "/v1/tasks/"+task+"/deliver", map[string]any{"content": "draft"}, "d")
			// Within the window: fine. (A first resubmit attempt here would
			// use up the one allowed, so only the clock moves.)
			if _, err := r.control.AdvanceClock(ctx, 5*time.Hour); err != nil {
				t.Fatal(err)
			}
			if _, err := r.control.AdvanceClock(ctx, 61*time.Minute); err != nil {
				t.Fatal(err)
			}
			got := b.send(http.MethodPost, "/v1/tasks/"+task+"/resubmit", map[string]any{"content": "late"}, "r")
			if got.status != http.StatusForbidden {
				t.Fatalf("a late resubmit: %d %s", got.status, got.body)
			}
			f := r.expectRule(ruleResubmitLate, Error, "resubmitDeadline", tt.how)
			if !strings.Contains(f.Message, "1m0s after") && !strings.Contains(f.Message, "1m1s after") {
				t.Errorf("message %q: want it to say the resubmit came a minute late", f.Message)
			}
		})
	}
	// In time, on the mock: silent.
	r := mockRig(t, mockserver.Options{}, Options{})
	b := r.bot(r.keys[0])
	task, _ := r.claimed(b)
	r.control.PinScores(ctx, task, 0.1, 0.9)
	b.send(http.MethodPost, "/v1/tasks/"+task+"/deliver", map[string]any{"content": "draft"}, "d")
	r.control.AdvanceClock(ctx, 5*time.Hour+59*time.Minute)
	if got := b.send(http.MethodPost, "/v1/tasks/"+task+"/resubmit", map[string]any{"content": "in time"}, "r"); got.status != http.StatusOK {
		t.Fatalf("a resubmit in time: %d", got.status)
	}
	r.expectNone("a resubmit in time")
}
