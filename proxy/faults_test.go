package proxy

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jobtobot/jtb/mockserver"
)

func mustFaults(t testing.TB, spec string) Faults {
	t.Helper()
	f, err := ParseFaults(spec)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// bids is how many bids the mock holds on a task (read directly, not
// through the proxy).
func bids(t testing.TB, r *rig, task string) int {
	t.Helper()
	ct, err := r.mock.Control.Task(context.Background(), task)
	if err != nil {
		t.Fatal(err)
	}
	return len(ct.Bids)
}

// With every answer lost, an agent that retries with its first key ends
// with one bid and the proxy has nothing to say: that is what
// Idempotency-Key is for.
func TestLostResponseRetryWithTheSameKey(t *testing.T) {
	r := mockRig(t, mockserver.Options{}, Options{Faults: mustFaults(t, "lost-response=1")})
	b := r.bot(r.keys[0])
	task := r.newTask()
	for try := 0; try < 3; try++ {
		got := b.send(http.MethodPost, "/v1/tasks/"+task+"/bids", bidBody(), "the-one-key")
		if got.err == nil {
			t.Fatalf("try %d: got an answer (%d), want it lost", try, got.status)
		}
		r.clock.Advance(time.Second)
	}
	if n := bids(t, r, task); n != 1 {
		t.Errorf("the mock holds %d bids, want 1", n)
	}
	r.expectNone("retries with the same key")
}

// An agent that retries a lost bid with a new key is told so; the mock
// refuses the second bid (409), or holds two when it is broken that way.
func TestLostResponseRetryWithANewKey(t *testing.T) {
	for _, tt := range []struct {
		defects []string
		bids    int
	}{{nil, 1}, {[]string{"bid-double-allowed"}, 2}} {
		r := mockRig(t, mockserver.Options{Defects: tt.defects}, Options{Faults: mustFaults(t, "lost-response=1")})
		b := r.bot(r.keys[0])
		task := r.newTask()
		b.send(http.MethodPost, "/v1/tasks/"+task+"/bids", bidBody(), "key-1")
		r.clock.Advance(time.Second)
		b.send(http.MethodPost, "/v1/tasks/"+task+"/bids", bidBody(), "key-2")
		f := r.expectRule(ruleRetryNewKey, Error, "new Idempotency-Key", "lost")
		if f.Exchange.Fault != "lost-response" || f.Exchange.Status != 0 || f.Agent != "agent#1" {
			t.Errorf("finding %+v", f)
		}
		if n := bids(t, r, task); n != tt.bids {
			t.Errorf("defects %v: the mock holds %d bids, want %d", tt.defects, n, tt.bids)
		}
		if tt.bids == 1 && r.findings.byRule(ruleReplayDiffers) != nil {
			t.Errorf("a new key is no replay:\n%s", r.findings)
		}
	}
}

// A retry without any key after a lost answer is the same mistake.
func TestLostResponseRetryWithoutAKey(t *testing.T) {
	r := mockRig(t, mockserver.Options{}, Options{Faults: mustFaults(t, "lost-response=1")})
	b := r.bot(r.keys[0])
	// Claimed behind the proxy's back: through it every answer is lost.
	direct := &bot{t: t, base: r.mock.URL, key: r.keys[0], http: http.DefaultClient}
	task := r.newTask()
	var bid struct {
		ID string `json:"id"`
	}
	direct.send(http.MethodPost, "/v1/tasks/"+task+"/bids", bidBody(), "b").data(t, &bid)
	if _, err := r.mock.Control.AcceptBid(context.Background(), task, bid.ID); err != nil {
		t.Fatal(err)
	}
	p := map[string]any{"event": "step", "message": "one step"}
	b.send(http.MethodPost, "/v1/tasks/"+task+"/progress", p, "")
	b.send(http.MethodPost, "/v1/tasks/"+task+"/progress", p, "")
	r.expectRule(ruleRetryNewKey, Error, "without an Idempotency-Key")
}

func TestRetryAfterIsHonoured(t *testing.T) {
	r := mockRig(t, mockserver.Options{}, Options{Faults: mustFaults(t, "429=1,retry-after=2s")})
	b := r.bot(r.keys[0])
	task := r.newTask()
	got := b.send(http.MethodPost, "/v1/tasks/"+task+"/bids", bidBody(), "k")
	if got.status != http.StatusTooManyRequests || got.header.Get("Retry-After") != "2" || got.code() != "RATE_LIMITED" ||
		got.header.Get("X-Jtb-Proxy") != "fault-429" {
		t.Fatalf("fault answer %d %v %s", got.status, got.header, got.body)
	}
	if n := bids(t, r, task); n != 0 {
		t.Fatalf("a 429 fault forwarded the bid: %d bids", n)
	}
	r.clock.Advance(2 * time.Second)
	b.send(http.MethodPost, "/v1/tasks/"+task+"/bids", bidBody(), "k")
	r.expectNone("a retry after Retry-After")

	r.clock.Advance(500 * time.Millisecond)
	b.send(http.MethodPost, "/v1/tasks/"+task+"/bids", bidBody(), "k")
	f := r.expectRule(ruleRetryTooSoon, Error, "Retry-After: 2s", "500ms")
	if f.Exchange.Fault != "429" || f.Exchange.Status != 429 {
		t.Errorf("finding %+v", f)
	}
}

func TestAgentThatNeverGivesUp(t *testing.T) {
	r := mockRig(t, mockserver.Options{}, Options{Faults: mustFaults(t, "5xx=1")})
	b := r.bot(r.keys[0])
	task := r.newTask()
	for try := 1; try <= maxAttempts; try++ {
		got := b.send(http.MethodPost, "/v1/tasks/"+task+"/bids", bidBody(), "k")
		if got.status != http.StatusServiceUnavailable || got.code() != "UNAVAILABLE" {
			t.Fatalf("try %d: %d %s", try, got.status, got.body)
		}
		r.clock.Advance(time.Duration(try) * time.Second)
	}
	r.expectNone("five tries, then giving up")
	for try := 0; try < 3; try++ {
		b.send(http.MethodPost, "/v1/tasks/"+task+"/bids", bidBody(), "k")
	}
	r.expectRule(ruleRetryForever, Error, "try 6", "give up")
	if n := len(r.findings.byRule(ruleRetryForever)); n != 1 {
		t.Errorf("%d findings of %s, want one per run of tries", n, ruleRetryForever)
	}
}

func TestDelayForwardsLate(t *testing.T) {
	var slept []time.Duration
	r := mockRig(t, mockserver.Options{}, Options{Faults: mustFaults(t, "delay=200ms"),
		Sleep: func(ctx context.Context, d time.Duration) error { slept = append(slept, d); return nil }})
	got := r.bot(r.keys[0]).get("/v1/tasks/available?limit=1")
	if got.status != http.StatusOK || len(slept) != 1 || slept[0] != 200*time.Millisecond {
		t.Fatalf("status %d, slept %v", got.status, slept)
	}
	r.expectNone("a delayed listing")
}

// The well-behaved agent gets through its whole flow with faults on, and
// the proxy finds nothing: it retries with its keys and waits as told.
func TestWellBehavedAgentUnderFaults(t *testing.T) {
	ctx := context.Background()
	for _, seed := range []uint64{1, 2, 3, 4, 5} {
		r := mockRig(t, mockserver.Options{}, Options{Seed: seed, Faults: mustFaults(t, "lost-response=0.2,5xx=0.1,429=0.1,delay=50ms@0.3")})
		task, category := r.newCategoryTask(ctx)
		g := r.goodAgent(r.keys[0])
		g.tries = 5
		g.walk(ctx, task, category)
		r.expectNone("a well-behaved agent under faults")
		faults := r.proxy.Summary().Faults
		t.Logf("seed %d: faults %v", seed, faults)
		if faults["lost-response"]+faults["5xx"]+faults["429"] == 0 {
			t.Errorf("seed %d: no fault hit the walk: the test proves nothing", seed)
		}
		if n := bids(t, r, task); n != 1 {
			t.Errorf("seed %d: %d bids, want 1", seed, n)
		}
	}
}

func TestFaultsAreDeterministicPerSeed(t *testing.T) {
	f := mustFaults(t, "lost-response=0.3,5xx=0.2,429=0.1,delay=1s@0.5")
	draw := func(seed uint64) string {
		var b strings.Builder
		for n := uint64(0); n < 200; n++ {
			d := f.decide(seed, 42, "createBid", n, true)
			b.WriteString(d.name + "/" + d.delay.String() + ";")
		}
		return b.String()
	}
	if draw(7) != draw(7) {
		t.Fatal("the same seed drew other faults")
	}
	if draw(7) == draw(8) {
		t.Fatal("another seed drew the same faults")
	}
	// The rates hold over many draws.
	counts := map[string]int{}
	const n = 20000
	for i := uint64(0); i < n; i++ {
		d := f.decide(1, 42, "createBid", i, true)
		counts[d.name]++
		if d.delay > 0 {
			counts["delay"]++
		}
		if g := f.decide(1, 42, "listAvailableTasks", i, false); g.name == "lost-response" {
			t.Fatal("a GET lost its answer")
		}
	}
	for name, want := range map[string]float64{"lost-response": 0.3, "5xx": 0.2, "429": 0.1, "": 0.4, "delay": 0.5} {
		if got := float64(counts[name]) / n; got < want-0.02 || got > want+0.02 {
			t.Errorf("%q: %.3f of draws, want %.2f", name, got, want)
		}
	}
}

func TestParseFaults(t *testing.T) {
	for _, tt := range []struct {
		spec, want, err string
	}{
		{spec: "", want: "none"},
		{spec: "none", want: "none"},
		{spec: "lost-response=0.05,5xx=0.02,delay=200ms,429=0.01", want: "lost-response=0.05,5xx=0.02,429=0.01,delay=200ms,retry-after=1s"},
		{spec: "lost-response=1", want: "lost-response=1"},
		{spec: "delay=1s@0.25,429=0.5,retry-after=3s", want: "429=0.5,delay=1s@0.25,retry-after=3s"},
		{spec: "lost-response=2", err: "from 0 to 1"},
		{spec: "5xx=-0.1", err: "from 0 to 1"},
		{spec: "5xx=0.6,429=0.6", err: "at most 1"},
		{spec: "timeout=0.1", err: "unknown fault"},
		{spec: "5xx", err: "name=value"},
		{spec: "5xx=0.1,5xx=0.2", err: "twice"},
		{spec: "delay=0s", err: "positive"},
		{spec: "delay=soon", err: "delay=soon"},
		{spec: "retry-after=1500ms", err: "whole seconds"},
	} {
		f, err := ParseFaults(tt.spec)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%q: error %v, want one naming %q", tt.spec, err, tt.err)
		case tt.err == "" && err != nil:
			t.Errorf("%q: %v", tt.spec, err)
		case tt.err == "" && f.String() != tt.want:
			t.Errorf("%q: reads back as %q, want %q", tt.spec, f.String(), tt.want)
		}
	}
}
