package mockserver

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// claimedTask creates a task and has alpha's bid accepted.
func claimedTask(t *testing.T, c *client) string {
	t.Helper()
	ctx := context.Background()
	task, err := c.ts.Control.CreateTask(ctx, NewTask{Title: "Summarize", Description: "the report", Category: "summarization", Band: "standard", Price: "15.00"})
	if err != nil {
		t.Fatal(err)
	}
	var bid bidView
	c.do("POST", "/v1/tasks/"+task.ID+"/bids", alphaKey, map[string]any{"proposedPrice": 12.5, "coverLetter": "me"}).want(t, 201, "").data(t, &bid)
	if _, err := c.ts.Control.AcceptBid(ctx, task.ID, bid.ID); err != nil {
		t.Fatal(err)
	}
	return task.ID
}

func TestAgentAPI(t *testing.T) {
	c := newClient(t, Options{Clock: &fakeClock{now: Epoch}})
	ctx := context.Background()
	open, err := c.ts.Control.CreateTask(ctx, NewTask{Title: "t", Description: "d", Category: "coding", Band: "basic", Price: "9.99"})
	if err != nil {
		t.Fatal(err)
	}
	task := claimedTask(t, c)
	unknown := "00000000-0000-4000-8000-000000000000"
	bid := map[string]any{"proposedPrice": 10, "coverLetter": "hello"}
	tests := []struct {
		name, method, path, key string
		body                    any
		status                  int
		code                    string
	}{
		{"list", "GET", "/v1/tasks/available", alphaKey, nil, 200, ""},
		{"list filtered", "GET", "/v1/tasks/available?category=coding&limit=100", alphaKey, nil, 200, ""},
		{"list unknown category", "GET", "/v1/tasks/available?category=nope", alphaKey, nil, 200, ""},
		{"list no key", "GET", "/v1/tasks/available", "", nil, 401, "UNAUTHORIZED"},
		{"list bad key", "GET", "/v1/tasks/available", "jtb_live_nope", nil, 401, "UNAUTHORIZED"},
		{"list limit 0", "GET", "/v1/tasks/available?limit=0", alphaKey, nil, 400, "BAD_REQUEST"},
		{"list limit 101", "GET", "/v1/tasks/available?limit=101", alphaKey, nil, 400, "BAD_REQUEST"},
		{"list limit abc", "GET", "/v1/tasks/available?limit=abc", alphaKey, nil, 400, "BAD_REQUEST"},
		{"list limit 1.5", "GET", "/v1/tasks/available?limit=1.5", alphaKey, nil, 400, "BAD_REQUEST"},
		{"list limit empty", "GET", "/v1/tasks/available?limit=", alphaKey, nil, 400, "BAD_REQUEST"},
		{"list bad cursor", "GET", "/v1/tasks/available?cursor=abc", alphaKey, nil, 400, "BAD_REQUEST"},
		{"list with a body over 1 MiB (ignored)", "GET", "/v1/tasks/available?limit=1", alphaKey, strings.Repeat("x", 2*MaxBody), 200, ""},
		{"bid", "POST", "/v1/tasks/" + open.ID + "/bids", alphaKey, bid, 201, ""},
		{"bid again", "POST", "/v1/tasks/" + open.ID + "/bids", alphaKey, bid, 409, "CONFLICT"},
		{"bid on claimed", "POST", "/v1/tasks/" + task + "/bids", bravoKey, bid, 409, "CONFLICT"},
		{"bid unknown task", "POST", "/v1/tasks/" + unknown + "/bids", alphaKey, bid, 404, "NOT_FOUND"},
		{"bid malformed id", "POST", "/v1/tasks/NOT-A-UUID/bids", alphaKey, bid, 404, "NOT_FOUND"},
		{"bid uppercase id", "POST", "/v1/tasks/" + strings.ToUpper(open.ID) + "/bids", alphaKey, bid, 404, "NOT_FOUND"},
		{"bid bad body on unknown task", "POST", "/v1/tasks/" + unknown + "/bids", alphaKey, "{", 404, "NOT_FOUND"},
		{"bid invalid JSON", "POST", "/v1/tasks/" + open.ID + "/bids", bravoKey, "{", 400, "BAD_REQUEST"},
		{"bid zero price", "POST", "/v1/tasks/" + open.ID + "/bids", bravoKey, map[string]any{"proposedPrice": 0, "coverLetter": "x"}, 400, "BAD_REQUEST"},
		{"bid 3 decimals", "POST", "/v1/tasks/" + open.ID + "/bids", bravoKey, map[string]any{"proposedPrice": 1.234, "coverLetter": "x"}, 400, "BAD_REQUEST"},
		{"bid blank letter", "POST", "/v1/tasks/" + open.ID + "/bids", bravoKey, map[string]any{"proposedPrice": 1, "coverLetter": "   "}, 400, "BAD_REQUEST"},
		{"bid missing letter", "POST", "/v1/tasks/" + open.ID + "/bids", bravoKey, map[string]any{"proposedPrice": 1}, 400, "BAD_REQUEST"},
		{"bid too large", "POST", "/v1/tasks/" + open.ID + "/bids", bravoKey, `{"coverLetter":"` + strings.Repeat("x", MaxBody) + `"}`, 413, "PAYLOAD_TOO_LARGE"},
		{"bid too large unauthenticated", "POST", "/v1/tasks/" + open.ID + "/bids", "", `{"coverLetter":"` + strings.Repeat("x", MaxBody) + `"}`, 401, "UNAUTHORIZED"},
		{"deliver by other", "POST", "/v1/tasks/" + task + "/deliver", bravoKey, map[string]any{"content": "x"}, 403, "FORBIDDEN"},
		{"deliver on open", "POST", "/v1/tasks/" + open.ID + "/deliver", alphaKey, map[string]any{"content": "x"}, 403, "FORBIDDEN"},
		{"deliver empty", "POST", "/v1/tasks/" + task + "/deliver", alphaKey, map[string]any{"content": ""}, 400, "BAD_REQUEST"},
		{"deliver blank", "POST", "/v1/tasks/" + task + "/deliver", alphaKey, map[string]any{"content": " \n"}, 400, "BAD_REQUEST"},
		{"deliver wrong content type", "POST", "/v1/tasks/" + task + "/deliver", alphaKey, nil, 400, "BAD_REQUEST"},
		{"resubmit before delivery", "POST", "/v1/tasks/" + task + "/resubmit", alphaKey, map[string]any{"content": "x"}, 403, "FORBIDDEN"},
		{"progress", "POST", "/v1/tasks/" + task + "/progress", alphaKey, map[string]any{"event": "step_completed", "message": "m", "metadata": map[string]any{"n": 1}}, 201, ""},
		{"progress by other", "POST", "/v1/tasks/" + task + "/progress", bravoKey, map[string]any{"event": "e", "message": "m"}, 403, "FORBIDDEN"},
		{"progress on open", "POST", "/v1/tasks/" + open.ID + "/progress", alphaKey, map[string]any{"event": "e", "message": "m"}, 403, "FORBIDDEN"},
		{"progress metadata not object", "POST", "/v1/tasks/" + task + "/progress", alphaKey, map[string]any{"event": "e", "message": "m", "metadata": 3}, 400, "BAD_REQUEST"},
		{"traces", "GET", "/v1/tasks/" + task + "/traces", alphaKey, nil, 200, ""},
		{"traces by other", "GET", "/v1/tasks/" + task + "/traces", bravoKey, nil, 403, "FORBIDDEN"},
		{"traces unassigned", "GET", "/v1/tasks/" + open.ID + "/traces", alphaKey, nil, 403, "FORBIDDEN"},
		{"traces unknown", "GET", "/v1/tasks/" + unknown + "/traces", alphaKey, nil, 404, "NOT_FOUND"},
		{"unknown path", "GET", "/v1/nope", alphaKey, nil, 404, "NOT_FOUND"},
		{"wrong method", "DELETE", "/v1/tasks/available", alphaKey, nil, 405, "METHOD_NOT_ALLOWED"},
		{"bad idempotency key", "POST", "/v1/tasks/" + task + "/progress", alphaKey, map[string]any{"event": "e", "message": "m"}, 400, "BAD_REQUEST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.name == "bad idempotency key" {
				hdr = []string{"Idempotency-Key", strings.Repeat("k", 256)}
			}
			if tt.name == "deliver wrong content type" {
				r := c.doRaw("POST", "/v1/tasks/"+task+"/deliver", alphaKey, "content=x", "Content-Type", "text/plain")
				r.want(t, tt.status, tt.code)
				return
			}
			r := c.do(tt.method, tt.path, tt.key, tt.body, hdr...).want(t, tt.status, tt.code)
			if tt.status == 401 && !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without WWW-Authenticate: %v", r.Header)
			}
			if tt.status == 405 && r.Header.Get("Allow") != "GET" {
				t.Errorf("Allow %q", r.Header.Get("Allow"))
			}
		})
	}
}

func TestDeliveryFlowOverHTTP(t *testing.T) {
	clock := &fakeClock{now: Epoch}
	c := newClient(t, Options{Clock: clock})
	ctx := context.Background()
	task := claimedTask(t, c)
	if _, err := c.ts.Control.PinScores(ctx, task, 0.39, 0.40); err != nil {
		t.Fatal(err)
	}
	var d deliveryView
	c.do("POST", "/v1/tasks/"+task+"/deliver", alphaKey, map[string]any{"content": "draft"}).want(t, 200, "").data(t, &d)
	if d.Status != "pdqg_failed" || d.PDQG.Verdict != "reject" || d.ResubmitDeadline == nil || *d.ResubmitDeadline != "2026-03-01T18:00:00.000Z" {
		t.Fatalf("first delivery: %+v", d)
	}
	c.do("POST", "/v1/tasks/"+task+"/deliver", alphaKey, map[string]any{"content": "again"}).want(t, 409, "CONFLICT")
	c.do("POST", "/v1/tasks/"+task+"/progress", alphaKey, map[string]any{"event": "retry", "message": "m"}).want(t, 201, "")
	if _, err := c.ts.Control.AdvanceClock(ctx, 6*time.Hour); err != nil {
		t.Fatal(err)
	}
	d = deliveryView{}
	c.do("POST", "/v1/tasks/"+task+"/resubmit", alphaKey, map[string]any{"content": "better"}).want(t, 200, "").data(t, &d)
	if d.Status != "delivered" || d.Attempt != 2 || d.PDQG.Verdict != "warn" || d.ResubmitDeadline != nil {
		t.Fatalf("resubmit: %+v", d)
	}
	c.do("POST", "/v1/tasks/"+task+"/resubmit", alphaKey, map[string]any{"content": "more"}).want(t, 403, "FORBIDDEN")
	c.do("POST", "/v1/tasks/"+task+"/progress", alphaKey, map[string]any{"event": "e", "message": "m"}).want(t, 403, "FORBIDDEN")
	var traces struct{ Items []traceView }
	c.do("GET", "/v1/tasks/"+task+"/traces", alphaKey, nil).want(t, 200, "").data(t, &traces)
	if len(traces.Items) != 1 || traces.Items[0].Event != "retry" {
		t.Fatalf("traces %+v", traces)
	}

	// a resubmit past the deadline
	task2 := claimedTask(t, c)
	if _, err := c.ts.Control.PinScores(ctx, task2, 0.1); err != nil {
		t.Fatal(err)
	}
	c.do("POST", "/v1/tasks/"+task2+"/deliver", alphaKey, map[string]any{"content": "x"}).want(t, 200, "")
	if _, err := c.ts.Control.AdvanceClock(ctx, 6*time.Hour+time.Second); err != nil {
		t.Fatal(err)
	}
	c.do("POST", "/v1/tasks/"+task2+"/resubmit", alphaKey, map[string]any{"content": "late"}).want(t, 403, "FORBIDDEN")
	st, err := c.ts.Control.Task(ctx, task2)
	if err != nil || st.Status != "pdqg_final_fail" {
		t.Fatalf("status past deadline: %s %v", st.Status, err)
	}
	// the reference scorer, unpinned
	task3 := claimedTask(t, c)
	c.do("POST", "/v1/tasks/"+task3+"/deliver", alphaKey, map[string]any{"content": "## Summary\n\nRevenue grew 15% year over year, driven by cloud.\n\n- margin up 2 points\n- guidance raised"}).want(t, 200, "").data(t, &d)
	if d.PDQG.ScorerVersion == "" || d.PDQG.ScorerVersion == "pinned" || len(d.PDQG.Criteria) == 0 {
		t.Fatalf("reference scorer not used: %+v", d.PDQG)
	}
}

func TestIdempotencyOverHTTP(t *testing.T) {
	c := newClient(t, Options{})
	ctx := context.Background()
	open, err := c.ts.Control.CreateTask(ctx, NewTask{Title: "t", Description: "d", Category: "coding", Band: "basic", Price: "9.99"})
	if err != nil {
		t.Fatal(err)
	}
	path := "/v1/tasks/" + open.ID + "/bids"
	first := c.do("POST", path, alphaKey, `{"proposedPrice": 5, "coverLetter": "x"}`, "Idempotency-Key", "key-1").want(t, 201, "")
	again := c.do("POST", path, alphaKey, "{\"coverLetter\":\"x\",\n\"proposedPrice\":5}", "Idempotency-Key", "key-1").want(t, 201, "")
	if again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(first.Body) || first.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("replay: %v %s", again.Header, again.Body)
	}
	c.do("POST", path, alphaKey, `{"proposedPrice": 6, "coverLetter": "x"}`, "Idempotency-Key", "key-1").want(t, 422, "IDEMPOTENCY_KEY_REUSED")
	// another agent, same key: its own request (a fresh bid)
	c.do("POST", path, bravoKey, `{"proposedPrice": 5, "coverLetter": "x"}`, "Idempotency-Key", "key-1").want(t, 201, "")
	// an error is not stored: the retry runs again
	c.do("POST", path, alphaKey, `{"proposedPrice": 7, "coverLetter": "x"}`, "Idempotency-Key", "key-2").want(t, 409, "CONFLICT")
	c.do("POST", path, alphaKey, `{"proposedPrice": 7, "coverLetter": "x"}`, "Idempotency-Key", "key-2").want(t, 409, "CONFLICT")
	st, err := c.ts.Control.Task(ctx, open.ID)
	if err != nil || len(st.Bids) != 2 {
		t.Fatalf("bids: %d %v", len(st.Bids), err)
	}
}

func TestControlAPI(t *testing.T) {
	c := newClient(t, Options{ControlToken: "secret"})
	ctx := context.Background()
	caps, err := c.ts.Control.Capabilities(ctx)
	if err != nil || !caps.Clock || !caps.PDQGPin || !caps.Reset || !caps.Agents {
		t.Fatalf("capabilities %+v %v", caps, err)
	}
	a, err := c.ts.Control.CreateAgent(ctx, "charlie")
	if err != nil || !strings.HasPrefix(a.APIKey, "jtb_live_") {
		t.Fatalf("agent %v", err)
	}
	c.do("GET", "/v1/tasks/available?limit=1", a.APIKey, nil).want(t, 200, "")
	now, _ := c.ts.Control.Now(ctx)
	later, err := c.ts.Control.AdvanceClock(ctx, time.Hour)
	if err != nil || !later.Equal(now.Add(time.Hour).Truncate(time.Millisecond)) && later.Sub(now) < time.Hour {
		t.Fatalf("advance %v → %v %v", now, later, err)
	}
	res, err := c.ts.Control.Reset(ctx)
	if err != nil || res.Tasks < 200 || res.Agents != 2 {
		t.Fatalf("reset %+v %v", res, err)
	}
	c.do("GET", "/v1/tasks/available?limit=1", a.APIKey, nil).want(t, 401, "UNAUTHORIZED")
	if after, _ := c.ts.Control.Now(ctx); after.After(now.Add(time.Minute)) {
		t.Fatalf("reset did not reset the clock: %v", after)
	}
	tests := []struct {
		name, method, path, token string
		body                      any
		status                    int
		code                      string
	}{
		{"no token", "GET", "/_control/capabilities", "", nil, 401, "UNAUTHORIZED"},
		{"wrong token", "GET", "/_control/capabilities", "nope", nil, 401, "UNAUTHORIZED"},
		{"unknown task", "GET", "/_control/tasks/00000000-0000-4000-8000-000000000000", "secret", nil, 404, "NOT_FOUND"},
		{"bad task", "POST", "/_control/tasks", "secret", map[string]any{"title": "t", "description": "d", "category": "c", "band": "b", "price": "15"}, 400, "BAD_REQUEST"},
		{"negative advance", "POST", "/_control/clock/advance", "secret", map[string]any{"seconds": -1}, 400, "BAD_REQUEST"},
		{"advance past 100 years", "POST", "/_control/clock/advance", "secret", map[string]any{"seconds": int64(1e11)}, 400, "BAD_REQUEST"},
		{"pin out of range", "POST", "/_control/tasks/" + c.firstTaskID(t) + "/pdqg", "secret", map[string]any{"scores": []float64{1.5}}, 400, "BAD_REQUEST"},
		{"accept unknown bid", "POST", "/_control/tasks/" + c.firstTaskID(t) + "/bids/00000000-0000-4000-8000-000000000000/accept", "secret", struct{}{}, 404, "NOT_FOUND"},
		{"wrong method", "DELETE", "/_control/reset", "secret", nil, 405, "METHOD_NOT_ALLOWED"},
		{"body over 1 MiB", "POST", "/_control/agents", "secret", `{"name":"` + strings.Repeat("x", MaxBody) + `"}`, 413, "PAYLOAD_TOO_LARGE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.do(tt.method, tt.path, tt.token, tt.body).want(t, tt.status, tt.code)
		})
	}
	off := newClient(t, Options{DisableControl: true})
	off.do("GET", "/_control/capabilities", "", nil).want(t, 404, "NOT_FOUND")
}

func (c *client) firstTaskID(t *testing.T) string {
	t.Helper()
	var page pageView
	c.do("GET", "/v1/tasks/available?limit=1", alphaKey, nil).want(t, 200, "").data(t, &page)
	return page.Items[0].ID
}

func TestListingTraversalOverHTTP(t *testing.T) {
	c := newClient(t, Options{})
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		var page pageView
		c.do("GET", "/v1/tasks/available?limit=37"+cursor, alphaKey, nil).want(t, 200, "").data(t, &page)
		for _, it := range page.Items {
			if seen[it.ID] || it.Status != "open" || string(it.Price) == "" || it.Price[0] != '"' {
				t.Fatalf("item %+v", it)
			}
			seen[it.ID] = true
		}
		if !page.Pagination.HasMore {
			break
		}
		cursor = "&cursor=" + *page.Pagination.NextCursor
	}
	cats := map[string]bool{}
	if len(seen) < 200 {
		t.Fatalf("fixtures list %d tasks", len(seen))
	}
	var page pageView
	c.do("GET", "/v1/tasks/available?limit=100", alphaKey, nil).data(t, &page)
	for _, it := range page.Items {
		cats[it.Category] = true
	}
	if len(cats) < 6 {
		t.Fatalf("categories %v", cats)
	}
	var def pageView
	c.do("GET", "/v1/tasks/available", alphaKey, nil).data(t, &def)
	if len(def.Items) != 20 {
		t.Fatalf("default page %d", len(def.Items))
	}
}

func TestNewRejectsUnknownDefect(t *testing.T) {
	if _, err := New(Options{Defects: []string{"nope"}}); err == nil {
		t.Fatal("unknown defect accepted")
	}
	for _, d := range Defects() {
		if _, err := New(Options{Defects: []string{d.Name}}); err != nil {
			t.Fatalf("%s: %v", d.Name, err)
		}
	}
}
