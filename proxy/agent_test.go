package proxy

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// goodAgent is a well-behaved scripted agent: it sends an Idempotency-Key
// with every POST, retries a failed or unanswered POST with the same key,
// waits as Retry-After says (on the proxy's clock), gives up after four
// tries, and walks the documented flow.
type goodAgent struct {
	*bot
	r     *rig
	tries int // per call, at most
}

func (r *rig) goodAgent(key string) *goodAgent { return &goodAgent{bot: r.bot(key), r: r, tries: 4} }

// post sends one POST with a fresh key and retries it as a careful agent
// does; it returns the last answer.
func (g *goodAgent) post(path string, body any) answer {
	g.t.Helper()
	key := uuid.NewString()
	var got answer
	for try := 1; try <= g.tries; try++ {
		got = g.send(http.MethodPost, path, body, key)
		if got.err == nil && got.status != http.StatusTooManyRequests && got.status < 500 && got.code() != "IDEMPOTENCY_KEY_IN_USE" {
			return got
		}
		wait := time.Duration(try) * 100 * time.Millisecond // back off
		if s, err := strconv.Atoi(got.header.Get("Retry-After")); err == nil {
			wait = time.Duration(s) * time.Second
		}
		g.r.clock.Advance(wait)
	}
	return got
}

func (g *goodAgent) getOK(path string) answer {
	g.t.Helper()
	var got answer
	for try := 1; try <= g.tries; try++ {
		if got = g.get(path); got.err == nil && got.status == http.StatusOK {
			return got
		}
		wait := time.Duration(try) * 100 * time.Millisecond
		if s, err := strconv.Atoi(got.header.Get("Retry-After")); err == nil {
			wait = time.Duration(s) * time.Second
		}
		g.r.clock.Advance(wait)
	}
	return got
}

// flow is what walk saw, for the tests to check the upstream's end state.
type flow struct {
	task, bid string
}

// walk is the whole flow of an agent through the proxy: find the task in
// the listing, bid, get accepted (the poster, through the control API),
// post progress, read the traces, deliver (rejected, by a pinned score),
// resubmit within the window (passes), and see the task gone from the
// listing. category is the task's, to find it in the listing.
func (g *goodAgent) walk(ctx context.Context, task, category string) flow {
	g.t.Helper()
	t := g.t
	list := func() []string {
		got := g.getOK("/v1/tasks/available?limit=100&category=" + category)
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		got.data(t, &page)
		var ids []string
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		return ids
	}
	if ids := list(); !containsFold(ids, task) {
		t.Fatalf("task %s is not listed in its category: %v", task, ids)
	}
	got := g.post("/v1/tasks/"+task+"/bids", bidBody())
	if got.status/100 != 2 {
		t.Fatalf("bid: %d %s (%v)", got.status, got.body, got.err)
	}
	var bid struct {
		ID string `json:"id"`
	}
	got.data(t, &bid)
	if _, err := g.r.control.AcceptBid(ctx, task, bid.ID); err != nil {
		t.Fatalf("accept: %v", err)
	}
	if _, err := g.r.control.PinScores(ctx, task, 0.2, 0.8); err != nil {
		t.Fatalf("pin: %v", err)
	}
	for i, step := range []string{"parsed", "drafted"} {
		got = g.post("/v1/tasks/"+task+"/progress", map[string]any{"event": "step_completed", "message": "step " + step,
			"metadata": map[string]any{"step": i + 1, "of": 2, "tags": []any{"a", step}}})
		if got.status/100 != 2 {
			t.Fatalf("progress: %d %s", got.status, got.body)
		}
	}
	if got = g.getOK("/v1/tasks/" + task + "/traces"); got.status != http.StatusOK {
		t.Fatalf("traces: %d %s", got.status, got.body)
	}
	got = g.post("/v1/tasks/"+task+"/deliver", map[string]any{"content": "## Summary\n\nRevenue grew."})
	if got.status/100 != 2 {
		t.Fatalf("deliver: %d %s", got.status, got.body)
	}
	var d struct {
		PDQG struct {
			Score float64 `json:"score"`
		} `json:"pdqg"`
		ResubmitDeadline string `json:"resubmitDeadline"`
	}
	got.data(t, &d)
	if d.PDQG.Score >= 0.40 || d.ResubmitDeadline == "" {
		t.Fatalf("the pinned reject did not happen: %s", got.body)
	}
	if _, err := g.r.control.AdvanceClock(ctx, time.Hour); err != nil { // well within the 6 hours
		t.Fatalf("advance: %v", err)
	}
	got = g.post("/v1/tasks/"+task+"/resubmit", map[string]any{"content": "## Summary\n\nRevenue grew 15% year on year; margins held."})
	if got.status/100 != 2 {
		t.Fatalf("resubmit: %d %s", got.status, got.body)
	}
	if got = g.getOK("/v1/tasks/" + task + "/traces"); got.status != http.StatusOK {
		t.Fatalf("traces: %d %s", got.status, got.body)
	}
	if ids := list(); containsFold(ids, task) {
		t.Fatalf("task %s still listed after it was claimed", task)
	}
	return flow{task: task, bid: bid.ID}
}

func containsFold(ids []string, id string) bool {
	for _, x := range ids {
		if strings.EqualFold(x, id) {
			return true
		}
	}
	return false
}

// newCategoryTask creates a task in a category of its own; it returns the
// task's id and the category.
func (r *rig) newCategoryTask(ctx context.Context) (string, string) {
	r.t.Helper()
	category := fmt.Sprintf("walk-%d", time.Now().UnixNano())
	task, err := r.control.CreateTask(ctx, newTask(category))
	if err != nil {
		r.t.Fatalf("create task: %v", err)
	}
	return task.ID, category
}
