package mockserver

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// Tests of the control calls for a shared target: one task's time, and
// removing a task or an agent. Every answer is validated against
// control-api.yaml (or openapi.yaml) by the client, statuses included.

// failedTask is a task claimed by alpha whose first delivery was rejected.
func failedTask(t *testing.T, c *client) (string, deliveryView) {
	t.Helper()
	id := claimedTask(t, c)
	if _, err := c.ts.Control.PinScores(context.Background(), id, 0.2, 0.9); err != nil {
		t.Fatal(err)
	}
	var d deliveryView
	c.do("POST", "/v1/tasks/"+id+"/deliver", alphaKey, map[string]any{"content": "draft"}).want(t, 200, "").data(t, &d)
	if d.Status != "pdqg_failed" || d.ResubmitDeadline == nil {
		t.Fatalf("setup: %+v", d)
	}
	return id, d
}

func mustParse(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// TestTaskTimeMovesOneTask: a task's time moves alone. Its deadline and
// submission move into the past, its status follows (inside the window: a
// resubmit is still accepted; past it: pdqg_final_fail and 403), and the
// clock and a bystander task do not move at all.
func TestTaskTimeMovesOneTask(t *testing.T) {
	clock := &fakeClock{now: Epoch}
	c := newClient(t, Options{Clock: clock})
	ctx := context.Background()
	inside, _ := failedTask(t, c)
	past, d := failedTask(t, c)
	bystander, bd := failedTask(t, c)
	before, err := c.ts.Control.Task(ctx, past)
	if err != nil {
		t.Fatal(err)
	}
	now, _ := c.ts.Control.Now(ctx)

	moved, err := c.ts.Control.AdvanceTaskTime(ctx, inside, 6*time.Hour-time.Second)
	if err != nil || moved.Status != "pdqg_failed" {
		t.Fatalf("6 h - 1 s: %s %v", moved.Status, err)
	}
	c.do("POST", "/v1/tasks/"+inside+"/resubmit", alphaKey, map[string]any{"content": "better"}).want(t, 200, "")

	moved, err = c.ts.Control.AdvanceTaskTime(ctx, past, 6*time.Hour+time.Second)
	if err != nil || moved.Status != "pdqg_final_fail" || moved.ResubmitDeadline != nil {
		t.Fatalf("6 h + 1 s: %+v %v", moved, err)
	}
	shift := -(6*time.Hour + time.Second)
	for name, pair := range map[string][2]time.Time{
		"createdAt":       {before.CreatedAt, moved.CreatedAt},
		"bid createdAt":   {before.Bids[0].CreatedAt, moved.Bids[0].CreatedAt},
		"submittedAt":     {mustParse(t, d.SubmittedAt), moved.Deliveries[0].SubmittedAt},
		"deadline (view)": {mustParse(t, *d.ResubmitDeadline), moved.Deliveries[0].SubmittedAt.Add(6 * time.Hour)},
	} {
		if got := pair[1].Sub(pair[0]); got != shift {
			t.Errorf("%s moved %v, want %v", name, got, shift)
		}
	}
	c.do("POST", "/v1/tasks/"+past+"/resubmit", alphaKey, map[string]any{"content": "late"}).want(t, 403, "FORBIDDEN")

	if after, _ := c.ts.Control.Now(ctx); !after.Equal(now) {
		t.Errorf("the clock moved: %v → %v", now, after)
	}
	other, err := c.ts.Control.Task(ctx, bystander)
	if err != nil || other.Status != "pdqg_failed" || other.ResubmitDeadline == nil || stamp(*other.ResubmitDeadline) != *bd.ResubmitDeadline {
		t.Fatalf("the bystander task moved: %+v %v", other, err)
	}
	c.do("POST", "/v1/tasks/"+bystander+"/resubmit", alphaKey, map[string]any{"content": "in time"}).want(t, 200, "")
}

// TestTaskTimeMovesTheTasksIdempotencyKeys: a key stored on a task's route
// runs out when that task's time passes 24 hours (the same key with another
// body then runs anew instead of 422), while the same key on another task's
// route is still held.
func TestTaskTimeMovesTheTasksIdempotencyKeys(t *testing.T) {
	c := newClient(t, Options{Clock: &fakeClock{now: Epoch}})
	ctx := context.Background()
	moved, held := claimedTask(t, c), claimedTask(t, c)
	for _, id := range []string{moved, held} {
		c.do("POST", "/v1/tasks/"+id+"/progress", alphaKey, map[string]any{"event": "a", "message": "m"}, "Idempotency-Key", "k").want(t, 201, "")
	}
	if _, err := c.ts.Control.AdvanceTaskTime(ctx, moved, 24*time.Hour+time.Second); err != nil {
		t.Fatal(err)
	}
	c.do("POST", "/v1/tasks/"+moved+"/progress", alphaKey, map[string]any{"event": "b", "message": "m"}, "Idempotency-Key", "k").want(t, 201, "")
	c.do("POST", "/v1/tasks/"+held+"/progress", alphaKey, map[string]any{"event": "b", "message": "m"}, "Idempotency-Key", "k").want(t, 422, "IDEMPOTENCY_KEY_REUSED")
}

// TestTaskTimeMovesAnOpenTaskInTheListing: an open task whose time moved is
// older, and the newest-first listing shows it so.
func TestTaskTimeMovesAnOpenTaskInTheListing(t *testing.T) {
	c := newClient(t, Options{Clock: &fakeClock{now: Epoch}})
	ctx := context.Background()
	var ids []string
	for range 3 {
		task, err := c.ts.Control.CreateTask(ctx, NewTask{Title: "t", Description: "d", Category: "moving", Band: "basic", Price: "5.00"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, task.ID)
	}
	order := func() []string {
		var page pageView
		c.do("GET", "/v1/tasks/available?category=moving", alphaKey, nil).want(t, 200, "").data(t, &page)
		var out []string
		for _, it := range page.Items {
			out = append(out, it.ID)
		}
		return out
	}
	newest := order()[0]
	if _, err := c.ts.Control.AdvanceTaskTime(ctx, newest, time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := order(); len(got) != 3 || got[2] != newest {
		t.Fatalf("the task an hour older is not last: %v (it is %s)", got, newest)
	}
}

func TestTaskTimeRefuses(t *testing.T) {
	c := newClient(t, Options{Clock: &fakeClock{now: Epoch}})
	id := claimedTask(t, c)
	for _, tt := range []struct {
		name, path string
		body       any
		status     int
		code       string
	}{
		{"unknown task", "/_control/tasks/00000000-0000-4000-8000-000000000000/time/advance", map[string]any{"seconds": 1}, 404, "NOT_FOUND"},
		{"malformed task", "/_control/tasks/nope/time/advance", map[string]any{"seconds": 1}, 404, "NOT_FOUND"},
		{"negative", "/_control/tasks/" + id + "/time/advance", map[string]any{"seconds": -1}, 400, "BAD_REQUEST"},
		{"a fraction", "/_control/tasks/" + id + "/time/advance", map[string]any{"seconds": 1.5}, 400, "BAD_REQUEST"},
		{"no seconds", "/_control/tasks/" + id + "/time/advance", map[string]any{}, 400, "BAD_REQUEST"},
		{"past 100 years", "/_control/tasks/" + id + "/time/advance", map[string]any{"seconds": int64(1e11)}, 400, "BAD_REQUEST"},
		{"100 years", "/_control/tasks/" + id + "/time/advance", map[string]any{"seconds": 3153600000}, 200, ""},
		{"100 years and 1 s in all", "/_control/tasks/" + id + "/time/advance", map[string]any{"seconds": 1}, 400, "BAD_REQUEST"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c.do("POST", tt.path, "", tt.body).want(t, tt.status, tt.code)
		})
	}
}

// TestRemoveTask: a removed task is gone from both APIs and the listing's
// total, with what hung on it; a second removal is a 404.
func TestRemoveTask(t *testing.T) {
	c := newClient(t, Options{Clock: &fakeClock{now: Epoch}})
	ctx := context.Background()
	total := func() int {
		var page pageView
		c.do("GET", "/v1/tasks/available?limit=1", alphaKey, nil).want(t, 200, "").data(t, &page)
		return page.Pagination.TotalEstimate
	}
	start := total()
	open, err := c.ts.Control.CreateTask(ctx, NewTask{Title: "t", Description: "d", Category: "gone", Band: "basic", Price: "5.00"})
	if err != nil {
		t.Fatal(err)
	}
	c.do("POST", "/v1/tasks/"+open.ID+"/bids", bravoKey, map[string]any{"proposedPrice": 4, "coverLetter": "me"}).want(t, 201, "")
	failed, _ := failedTask(t, c)
	c.do("POST", "/v1/tasks/"+failed+"/progress", alphaKey, map[string]any{"event": "e", "message": "m"}, "Idempotency-Key", "k").want(t, 201, "")
	if got := total(); got != start+1 {
		t.Fatalf("total_estimate %d after one new open task, want %d", got, start+1)
	}

	gone, err := c.ts.Control.DeleteTask(ctx, failed)
	if err != nil {
		t.Fatal(err)
	}
	if want := (TaskRemoved{TaskID: failed, Bids: 1, Deliveries: 1, Traces: 1, PinnedScores: 1, IdempotencyKeys: 1}); gone != want {
		t.Errorf("removed %+v, want %+v", gone, want)
	}
	if gone, err = c.ts.Control.DeleteTask(ctx, open.ID); err != nil || gone.Bids != 1 {
		t.Fatalf("removing the open task: %+v %v", gone, err)
	}
	if got := total(); got != start {
		t.Errorf("total_estimate %d after the removal, want %d as before", got, start)
	}
	var page pageView
	c.do("GET", "/v1/tasks/available?category=gone", alphaKey, nil).want(t, 200, "").data(t, &page)
	if len(page.Items) != 0 {
		t.Errorf("the removed task is listed: %+v", page.Items)
	}
	for _, id := range []string{failed, open.ID} {
		c.do("GET", "/_control/tasks/"+id, "", nil).want(t, 404, "NOT_FOUND")
		c.do("DELETE", "/_control/tasks/"+id, "", nil).want(t, 404, "NOT_FOUND")
		c.do("GET", "/v1/tasks/"+id+"/traces", alphaKey, nil).want(t, 404, "NOT_FOUND")
		c.do("POST", "/v1/tasks/"+id+"/bids", alphaKey, map[string]any{"proposedPrice": 4, "coverLetter": "me"}).want(t, 404, "NOT_FOUND")
	}
	// the key went with the task: a retry runs again, and finds no task
	c.do("POST", "/v1/tasks/"+failed+"/progress", alphaKey, map[string]any{"event": "e", "message": "m"}, "Idempotency-Key", "k").want(t, 404, "NOT_FOUND")
	c.do("DELETE", "/_control/tasks/nope", "", nil).want(t, 404, "NOT_FOUND")
}

// TestRemoveAgent: a removed agent's key is refused at once, its bids stay;
// the fixture agents cannot be removed.
func TestRemoveAgent(t *testing.T) {
	c := newClient(t, Options{Clock: &fakeClock{now: Epoch}})
	ctx := context.Background()
	a, err := c.ts.Control.CreateAgent(ctx, "temporary")
	if err != nil {
		t.Fatal(err)
	}
	task, err := c.ts.Control.CreateTask(ctx, NewTask{Title: "t", Description: "d", Category: "coding", Band: "basic", Price: "5.00"})
	if err != nil {
		t.Fatal(err)
	}
	c.do("POST", "/v1/tasks/"+task.ID+"/bids", a.APIKey, map[string]any{"proposedPrice": 4, "coverLetter": "me"}, "Idempotency-Key", "k").want(t, 201, "")
	gone, err := c.ts.Control.DeleteAgent(ctx, a.ID)
	if err != nil || gone != (AgentRemoved{AgentID: a.ID, IdempotencyKeys: 1}) {
		t.Fatalf("removed %+v %v", gone, err)
	}
	c.do("GET", "/v1/tasks/available?limit=1", a.APIKey, nil).want(t, 401, "UNAUTHORIZED")
	if st, err := c.ts.Control.Task(ctx, task.ID); err != nil || len(st.Bids) != 1 || st.Bids[0].AgentID != a.ID {
		t.Fatalf("the removed agent's bid: %+v %v", st.Bids, err)
	}
	c.do("DELETE", "/_control/agents/"+a.ID, "", nil).want(t, 404, "NOT_FOUND")
	c.do("DELETE", "/_control/agents/nope", "", nil).want(t, 404, "NOT_FOUND")
	for _, f := range c.ts.Mock.fixture.Agents {
		c.do("DELETE", "/_control/agents/"+f.ID, "", nil).want(t, 409, "CONFLICT")
	}
	c.do("GET", "/v1/tasks/available?limit=1", alphaKey, nil).want(t, 200, "")
	var ce *ControlError
	if _, err := c.ts.Control.DeleteAgent(ctx, c.ts.Mock.fixture.Agents[0].ID); !errors.As(err, &ce) || ce.Status != 409 {
		t.Fatalf("the client's error for a fixture agent: %v", err)
	}
}

// TestSharedCallsNeedTheToken: the new calls are control calls like the
// others: a 401 without the token.
func TestSharedCallsNeedTheToken(t *testing.T) {
	c := newClient(t, Options{ControlToken: "secret"})
	id := c.firstTaskID(t)
	caps, err := c.ts.Control.Capabilities(context.Background())
	if err != nil || !caps.TaskTime || !caps.Cleanup {
		t.Fatalf("capabilities %+v %v", caps, err)
	}
	for _, r := range []struct{ method, path string }{
		{"POST", "/_control/tasks/" + id + "/time/advance"},
		{"DELETE", "/_control/tasks/" + id},
		{"DELETE", "/_control/agents/" + c.ts.Mock.fixture.Agents[0].ID},
	} {
		var body any
		if r.method == "POST" {
			body = map[string]any{"seconds": 1}
		}
		rep := c.do(r.method, r.path, "", body).want(t, 401, "UNAUTHORIZED")
		if !strings.HasPrefix(rep.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s %s: no challenge", r.method, r.path)
		}
	}
}
