package mockserver

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestControlTaskList(t *testing.T) {
	c := newClient(t, Options{Clock: &fakeClock{now: Epoch}})
	ctx := context.Background()
	claimed := claimedTask(t, c)
	waiting := c.newTask(t)
	c.bid(t, bravoKey, waiting)
	alphaID := c.ts.Mock.fixture.Agents[0].ID

	var page controlTaskList
	c.do("GET", "/_control/tasks", "", nil).want(t, 200, "").data(t, &page)
	if page.Total != len(c.ts.Mock.fixture.Tasks)+2 || len(page.Items) != defaultTaskPage || page.NextCursor == nil {
		t.Fatalf("first page: %d items of %d, cursor %v", len(page.Items), page.Total, page.NextCursor)
	}
	// Every task once, over all pages.
	seen := map[string]bool{}
	for cursor := ""; ; {
		p, err := c.ts.Control.Tasks(ctx, TaskFilter{Limit: 70, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			if seen[it.ID] {
				t.Fatalf("task %s on two pages", it.ID)
			}
			seen[it.ID] = true
		}
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
	}
	if len(seen) != page.Total {
		t.Fatalf("the pages hold %d tasks, total says %d", len(seen), page.Total)
	}

	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"claimed", "?status=claimed", []string{claimed}},
		{"claimed or delivered", "?status=claimed,delivered", []string{claimed}},
		{"alpha's", "?agent=" + alphaID, []string{claimed}},
		{"waiting for the poster", "?pendingBids=true", []string{waiting}},
		{"open and waiting", "?status=open&pendingBids=true", []string{waiting}},
		{"none", "?status=pdqg_final_fail", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p controlTaskList
			c.do("GET", "/_control/tasks"+tt.query, "", nil).want(t, 200, "").data(t, &p)
			var got []string
			for _, it := range p.Items {
				got = append(got, it.ID)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") || p.Total != len(tt.want) {
				t.Fatalf("got %v (total %d), want %v", got, p.Total, tt.want)
			}
		})
	}
	for _, bad := range []string{"?status=bogus", "?limit=0", "?limit=501", "?cursor=!!!", "?cursor=bm90IGEgY3Vyc29y", "?agent=ALPHA", "?pendingBids=maybe"} {
		if r := c.do("GET", "/_control/tasks"+bad, "", nil); r.Status != 400 || r.code() != "BAD_REQUEST" {
			t.Errorf("%s: %d %q, want 400 BAD_REQUEST", bad, r.Status, r.code())
		}
	}
}

func TestControlTracesAndDeliveries(t *testing.T) {
	c := newClient(t, Options{Clock: &fakeClock{now: Epoch}})
	ctx := context.Background()
	task := claimedTask(t, c)
	c.do("POST", "/v1/tasks/"+task+"/progress", alphaKey, map[string]any{"event": "step_completed", "message": "Parsed 47 pages", "metadata": map[string]any{"pagesProcessed": 47}}).want(t, 201, "")
	traces, err := c.ts.Control.TaskTraces(ctx, task)
	if err != nil || len(traces) != 1 || traces[0].Message != "Parsed 47 pages" || string(traces[0].Metadata) != `{"pagesProcessed":47}` {
		t.Fatalf("traces %+v, %v", traces, err)
	}
	c.do("GET", "/_control/tasks/"+task+"/traces", "", nil).want(t, 200, "")
	open := c.newTask(t)
	c.do("GET", "/_control/tasks/"+open+"/traces", "", nil).want(t, 200, "") // nobody assigned: no traces, no 403
	c.do("GET", "/_control/tasks/00000000-0000-4000-8000-000000000000/traces", "", nil).want(t, 404, "NOT_FOUND")

	content := "## Summary\n\nRevenue rose 12% to 4.1 billion."
	c.do("POST", "/v1/tasks/"+task+"/deliver", alphaKey, map[string]any{"content": content}).want(t, 200, "")
	st, err := c.ts.Control.Task(ctx, task)
	if err != nil {
		t.Fatal(err)
	}
	d := st.Deliveries[0]
	if d.Content != content || len(d.Criteria) == 0 || d.ScorerVersion == "" {
		t.Fatalf("the poster's view of a delivery lacks its content or breakdown: %+v", d)
	}
}

// TestControlReadsJSONWhateverTheContentType: `curl -d` sends
// application/x-www-form-urlencoded; control calls read the JSON anyway,
// the Agent API does not.
func TestControlReadsJSONWhateverTheContentType(t *testing.T) {
	c := newClient(t, Options{Clock: &fakeClock{now: Epoch}})
	body := `{"title":"t","description":"d","category":"coding","band":"basic","price":"1.00"}`
	for _, ct := range []string{"application/x-www-form-urlencoded", "text/plain", ""} {
		c.doRaw("POST", "/_control/tasks", "", body, "Content-Type", ct).want(t, 201, "")
	}
	c.doRaw("POST", "/_control/tasks", "", "title=t", "Content-Type", "application/x-www-form-urlencoded").want(t, 400, "BAD_REQUEST")
	task := claimedTask(t, c)
	c.doRaw("POST", "/v1/tasks/"+task+"/progress", alphaKey, `{"event":"e","message":"m"}`, "Content-Type", "application/x-www-form-urlencoded").want(t, 400, "BAD_REQUEST")
}

func TestDashboardIsServed(t *testing.T) {
	ts := NewTestServer(t, Options{})
	get := func(method, path string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+path, nil)
		resp, err := ts.Server.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	page, html := get("GET", "/")
	if page.StatusCode != 200 || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", page.StatusCode, page.Header.Get("Content-Type"))
	}
	csp := page.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP %q allows inline code", csp)
	}
	// Scripts only from files; nothing fetched from elsewhere.
	for _, tag := range regexp.MustCompile(`(?s)<script[^>]*>.*?</script>`).FindAllString(html, -1) {
		if !strings.Contains(tag, ` src="/_dashboard/`) || !strings.HasSuffix(tag, "></script>") {
			t.Errorf("inline or foreign script: %s", tag)
		}
	}
	for _, path := range []string{"/", "/_dashboard/app.js", "/_dashboard/app.css"} {
		resp, body := get("GET", path)
		if resp.StatusCode != 200 || resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s: %d, headers %v", path, resp.StatusCode, resp.Header)
		}
		if regexp.MustCompile(`(?i)https?://|//[a-z0-9.-]+\.[a-z]{2,}/`).MatchString(body) {
			t.Errorf("%s names another origin", path)
		}
	}
	// The script never turns data into markup.
	_, js := get("GET", "/_dashboard/app.js")
	for _, sink := range []string{".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"} {
		if strings.Contains(js, sink) {
			t.Errorf("app.js uses %s", sink)
		}
	}
	if resp, body := get("HEAD", "/"); resp.StatusCode != 200 || body != "" {
		t.Errorf("HEAD /: %d with %d bytes", resp.StatusCode, len(body))
	}
	if resp, _ := get("POST", "/"); resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /: %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	if resp, _ := get("GET", "/_dashboard/nope.js"); resp.StatusCode != 404 {
		t.Errorf("an unknown asset: %d", resp.StatusCode)
	}
	off := NewTestServer(t, Options{DisableControl: true})
	resp, err := off.Server.Client().Get(off.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("without the control API, GET /: %d, want 404", resp.StatusCode)
	}
}
