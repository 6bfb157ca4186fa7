package mockserver

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// bid places a bid through the Agent API and returns its id.
func (c *client) bid(t *testing.T, key, task string) string {
	t.Helper()
	var b bidView
	c.do("POST", "/v1/tasks/"+task+"/bids", key, map[string]any{"proposedPrice": 12.5, "coverLetter": "I can do it."}).want(t, 201, "").data(t, &b)
	if b.Status != "pending" {
		t.Fatalf("a new bid answers %q, want pending (as created)", b.Status)
	}
	return b.ID
}

func (c *client) newTask(t *testing.T) string {
	t.Helper()
	task, err := c.ts.Control.CreateTask(context.Background(), NewTask{Title: "Summarize", Description: "the report", Category: "summarization", Band: "standard", Price: "15.00"})
	if err != nil {
		t.Fatal(err)
	}
	return task.ID
}

func (c *client) bidStatuses(t *testing.T, task string) (string, map[string]string) {
	t.Helper()
	st, err := c.ts.Control.Task(context.Background(), task)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, b := range st.Bids {
		out[b.ID] = b.Status
	}
	return st.Status, out
}

func TestManualPosterIsTheDefault(t *testing.T) {
	c := newClient(t, Options{Clock: &fakeClock{now: Epoch}})
	task := c.newTask(t)
	bid := c.bid(t, alphaKey, task)
	if _, err := c.ts.Control.AdvanceClock(context.Background(), 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	status, bids := c.bidStatuses(t, task)
	if status != "open" || bids[bid] != "pending" {
		t.Fatalf("without --auto-accept a day later: task %s, bid %s; want open, pending", status, bids[bid])
	}
	c.do("GET", "/_control/poster", "", nil).want(t, 200, "")
	p, err := c.ts.Control.Poster(context.Background())
	if err != nil || p != (Poster{}) {
		t.Fatalf("poster %+v, %v; want manual", p, err)
	}
}

func TestAutoAcceptAtOnce(t *testing.T) {
	c := newClient(t, Options{Clock: &fakeClock{now: Epoch}, AutoAccept: true})
	task := c.newTask(t)
	bid := c.bid(t, alphaKey, task)
	status, bids := c.bidStatuses(t, task)
	if status != "claimed" || bids[bid] != "accepted" {
		t.Fatalf("after the bid's answer: task %s, bid %s; want claimed, accepted", status, bids[bid])
	}
	// The agent can deliver at once: the page's flow without a poster.
	c.do("POST", "/v1/tasks/"+task+"/progress", alphaKey, map[string]any{"event": "started", "message": "on it"}).want(t, 201, "")
	c.do("POST", "/v1/tasks/"+task+"/bids", bravoKey, map[string]any{"proposedPrice": 10, "coverLetter": "me too"}).want(t, 409, "CONFLICT")
}

// TestAutoAcceptAfter: the first pending bid of each task is accepted once
// it is old enough by the mock's clock, the task's other pending bids are
// rejected; the clock moves by the injected clock or the control API, and
// no test waits.
func TestAutoAcceptAfter(t *testing.T) {
	clock := &fakeClock{now: Epoch}
	c := newClient(t, Options{Clock: clock, AutoAccept: true, AcceptAfter: time.Minute})
	ctx := context.Background()
	first, other := c.newTask(t), c.newTask(t)
	a := c.bid(t, alphaKey, first)
	clock.mu.Lock()
	clock.now = clock.now.Add(10 * time.Second)
	clock.mu.Unlock()
	b := c.bid(t, bravoKey, first)
	o := c.bid(t, bravoKey, other)
	if _, err := c.ts.Control.AdvanceClock(ctx, 49*time.Second); err != nil {
		t.Fatal(err)
	}
	if status, bids := c.bidStatuses(t, first); status != "open" || bids[a] != "pending" || bids[b] != "pending" {
		t.Fatalf("59 s after the first bid: task %s, bids %v; want open, both pending", status, bids)
	}
	// The injected clock passes the minute: the next request sees the accept.
	clock.mu.Lock()
	clock.now = clock.now.Add(time.Second)
	clock.mu.Unlock()
	if status, bids := c.bidStatuses(t, first); status != "claimed" || bids[a] != "accepted" || bids[b] != "rejected" {
		t.Fatalf("a minute after the first bid: task %s, bids %v; want claimed, first accepted, second rejected", status, bids)
	}
	if status, bids := c.bidStatuses(t, other); status != "open" || bids[o] != "pending" {
		t.Fatalf("the other task's bid, 50 s old: task %s, bid %s; want open, pending", status, bids[o])
	}
	// The control API's clock move decides in its own request.
	if _, err := c.ts.Control.AdvanceClock(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	st, _ := c.ts.Control.Tasks(ctx, TaskFilter{Statuses: []string{"claimed"}})
	if st.Total != 2 {
		t.Fatalf("claimed tasks after the other bid's minute: %d, want 2", st.Total)
	}
}

func TestPosterThroughControl(t *testing.T) {
	c := newClient(t, Options{Clock: &fakeClock{now: Epoch}})
	ctx := context.Background()
	waiting := c.newTask(t)
	early := c.bid(t, alphaKey, waiting)
	// Switched on, the poster takes over the bids already pending.
	c.do("POST", "/_control/poster", "", map[string]any{"autoAccept": true, "acceptAfterSeconds": 30}).want(t, 200, "")
	if status, bids := c.bidStatuses(t, waiting); status != "open" || bids[early] != "pending" {
		t.Fatalf("on, a fresh bid 0 s old: task %s, bid %s; want open, pending", status, bids[early])
	}
	if _, err := c.ts.Control.AdvanceClock(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if status, bids := c.bidStatuses(t, waiting); status != "claimed" || bids[early] != "accepted" {
		t.Fatalf("30 s later: task %s, bid %s; want claimed, accepted", status, bids[early])
	}
	// Off again, bids wait for the poster.
	if p, err := c.ts.Control.SetPoster(ctx, Poster{}); err != nil || p.AutoAccept {
		t.Fatalf("switching off: %+v, %v", p, err)
	}
	later := c.newTask(t)
	bid := c.bid(t, alphaKey, later)
	if _, err := c.ts.Control.AdvanceClock(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, bids := c.bidStatuses(t, later); bids[bid] != "pending" {
		t.Fatalf("off: bid %s, want pending", bids[bid])
	}
	// curl -d sends a form Content-Type: the control API reads the JSON anyway.
	r := c.doRaw("POST", "/_control/poster", "", `{"autoAccept":true}`, "Content-Type", "application/x-www-form-urlencoded")
	r.want(t, 200, "")
	if _, bids := c.bidStatuses(t, later); bids[bid] != "accepted" {
		t.Fatalf("on with no wait: bid %s, want accepted", bids[bid])
	}
	// Reset: the settings the mock started with (manual).
	if _, err := c.ts.Control.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if p, err := c.ts.Control.Poster(ctx); err != nil || p != (Poster{}) {
		t.Fatalf("after reset: %+v, %v; want manual", p, err)
	}
	caps, err := c.ts.Control.Capabilities(ctx)
	if err != nil || !caps.Poster || !caps.Events {
		t.Fatalf("capabilities %+v, %v: want poster and events", caps, err)
	}
}

func TestPosterRefusesBadSettings(t *testing.T) {
	c := newClient(t, Options{})
	for _, body := range []string{`{}`, `{"autoAccept":"yes"}`, `{"autoAccept":true,"acceptAfterSeconds":-1}`,
		`{"autoAccept":true,"acceptAfterSeconds":1.5}`, `{"autoAccept":true,"acceptAfterSeconds":31536001}`, `not json`} {
		c.do("POST", "/_control/poster", "", rawBody(body), "Content-Type", "application/json").want(t, 400, "BAD_REQUEST")
	}
	if p, _ := c.ts.Control.Poster(context.Background()); p != (Poster{}) {
		t.Fatalf("a refused setting changed the poster: %+v", p)
	}
	for _, opts := range []Options{{AutoAccept: true, AcceptAfter: -time.Second}, {AutoAccept: true, AcceptAfter: 1500 * time.Millisecond}, {AcceptAfter: 400 * 24 * time.Hour}} {
		if _, err := New(opts); err == nil {
			t.Errorf("New(%+v): no error", opts)
		}
	}
}

// TestPosterAcceptsAreJournalled: the poster's accepts are state changes
// like any: they survive a restart; and a mock restarted with auto-accept
// takes over the bids left pending in its state file.
func TestPosterAcceptsAreJournalled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	clock := &fakeClock{now: Epoch}
	m, err := New(Options{StatePath: path, Clock: clock, AutoAccept: true})
	if err != nil {
		t.Fatal(err)
	}
	task := mustStatus(t, serve(t, m, "POST", "/_control/tasks", "", `{"title":"t","description":"d","category":"coding","band":"basic","price":"1.00"}`), 201)["id"].(string)
	mustStatus(t, serve(t, m, "POST", "/v1/tasks/"+task+"/bids", alphaKey, `{"proposedPrice":1,"coverLetter":"x"}`), 201)
	m.Close()

	manual, err := New(Options{StatePath: path, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustStatus(t, serve(t, manual, "GET", "/_control/tasks/"+task, "", ""), 200)["status"]; got != "claimed" {
		t.Fatalf("after a restart the auto-accepted task is %v, want claimed", got)
	}
	pending := mustStatus(t, serve(t, manual, "POST", "/_control/tasks", "", `{"title":"t","description":"d","category":"coding","band":"basic","price":"1.00"}`), 201)["id"].(string)
	mustStatus(t, serve(t, manual, "POST", "/v1/tasks/"+pending+"/bids", alphaKey, `{"proposedPrice":1,"coverLetter":"x"}`), 201)
	manual.Close()

	auto, err := New(Options{StatePath: path, Clock: clock, AutoAccept: true})
	if err != nil {
		t.Fatal(err)
	}
	defer auto.Close()
	if got := mustStatus(t, serve(t, auto, "GET", "/_control/tasks/"+pending, "", ""), 200)["status"]; got != "claimed" {
		t.Fatalf("a bid left pending, restarted with auto-accept: task %v, want claimed", got)
	}
}
