package foreign_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/jobtobot/jtb/internal/foreign"
	"github.com/jobtobot/jtb/mockserver"
)

// call is one request to a foreign server and its answer.
type call struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, method, url, auth string, body any, header ...string) call {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return call{resp.StatusCode, resp.Header, data}
}

func (c call) field(t *testing.T, path ...string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(c.body, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, c.body)
	}
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("no %q in %s", p, c.body)
		}
		v = m[p]
	}
	return v
}

// world is a claimed task on a foreign server and the ids it handed out.
type world struct {
	f            *foreign.Server
	task, bid    string
	control, api string
}

func claimed(t *testing.T, f *foreign.Server) world {
	t.Helper()
	w := world{f: f, control: f.ControlURL + "/_control", api: f.URL + "/v1"}
	created := do(t, http.MethodPost, w.control+"/tasks", f.ControlToken, map[string]string{
		"title": "t", "description": "d", "category": "c", "band": "b", "price": "10.00"})
	if created.status != http.StatusOK {
		t.Fatalf("create task: %d %s", created.status, created.body)
	}
	w.task = created.field(t, "data", "id").(string)
	bid := do(t, http.MethodPost, w.api+"/tasks/"+w.task+"/bids", f.Keys[0], map[string]any{"proposedPrice": 9.5, "coverLetter": "me"})
	if bid.status != http.StatusOK {
		t.Fatalf("bid: %d %s", bid.status, bid.body)
	}
	w.bid = bid.field(t, "data", "id").(string)
	if acc := do(t, http.MethodPost, w.control+"/tasks/"+w.task+"/bids/"+w.bid+"/accept", f.ControlToken, map[string]any{}); acc.status != http.StatusOK {
		t.Fatalf("accept: %d %s", acc.status, acc.body)
	}
	return w
}

var (
	microStamp = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"`)
	milliStamp = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"`)
)

// The free choices it makes otherwise than the mock, seen on the wire.
func TestForeignDiffersInTheFreeChoices(t *testing.T) {
	f := foreign.Start(t, foreign.Options{})
	w := claimed(t, f)
	ctx := context.Background()

	// Its ids name nothing in the mock behind it, and come back as they went.
	var ce *mockserver.ControlError
	if _, err := f.Mock().Task(ctx, w.task); err == nil || !errors.As(err, &ce) || ce.Status != http.StatusNotFound {
		t.Errorf("the foreign task id %s names a task of the mock: %v", w.task, err)
	}
	view := do(t, http.MethodGet, w.control+"/tasks/"+w.task, f.ControlToken, nil)
	if got := view.field(t, "data", "id"); got != w.task {
		t.Errorf("the task's id reads %v, want %s", got, w.task)
	}
	// A created task comes in the listing's shape: no assignedAgentId.
	created := do(t, http.MethodPost, w.control+"/tasks", f.ControlToken, map[string]string{
		"title": "t", "description": "d", "category": "c", "band": "b", "price": "10.00"})
	if strings.Contains(string(created.body), "assignedAgentId") || strings.Contains(string(created.body), "bids") {
		t.Errorf("a created task in the full shape: %s", created.body)
	}
	// Progress: timestamps in microseconds, keys from z to a, its content type.
	p := do(t, http.MethodPost, w.api+"/tasks/"+w.task+"/progress", f.Keys[0], map[string]any{"event": "e", "message": "m", "metadata": map[string]any{"ref": w.bid, "b": 1, "a": 2}})
	if p.status != http.StatusCreated {
		t.Fatalf("progress: %d %s", p.status, p.body)
	}
	if !microStamp.Match(p.body) || milliStamp.Match(p.body) {
		t.Errorf("timestamps not in microseconds: %s", p.body)
	}
	if !bytes.HasPrefix(p.body, []byte(`{"ok":true,"meta":`)) || !strings.Contains(string(p.body), `"visibility":"public","object":"trace","metadata":{"ref":"`+w.bid+`","b":1,"a":2}`) {
		t.Errorf("keys are not from z to a, or the metadata did not round-trip: %s", p.body)
	}
	if ct := p.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	// Errors in its own words, the codes as documented.
	e := do(t, http.MethodGet, w.api+"/tasks/not-a-uuid/traces", f.Keys[0], nil)
	if e.status != http.StatusNotFound || e.field(t, "error", "code") != "NOT_FOUND" || e.field(t, "error", "message") != "Nothing lives at this address." {
		t.Errorf("unknown task: %d %s", e.status, e.body)
	}
	// The control API: elsewhere, behind its token.
	if c := do(t, http.MethodGet, f.URL+"/_control/capabilities", "", nil); c.status != http.StatusNotFound {
		t.Errorf("the Agent API's origin serves /_control: %d", c.status)
	}
	if c := do(t, http.MethodGet, w.control+"/capabilities", "", nil); c.status != http.StatusUnauthorized || c.header.Get("WWW-Authenticate") == "" {
		t.Errorf("the control API without its token: %d %v", c.status, c.header)
	}
	// A replay: the stored answer, without Idempotent-Replayed.
	t2 := claimed(t, f)
	first := do(t, http.MethodPost, t2.api+"/tasks/"+t2.task+"/progress", f.Keys[0], map[string]string{"event": "e", "message": "m"}, "Idempotency-Key", "k1")
	again := do(t, http.MethodPost, t2.api+"/tasks/"+t2.task+"/progress", f.Keys[0], map[string]string{"event": "e", "message": "m"}, "Idempotency-Key", "k1")
	if !bytes.Equal(first.body, again.body) || again.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("the replay differs or carries the header:\n%s\n%s\n%v", first.body, again.body, again.header)
	}
	// A rejected bid: 204 and no body.
	t3 := do(t, http.MethodPost, w.control+"/tasks", f.ControlToken, map[string]string{"title": "t", "description": "d", "category": "c", "band": "b", "price": "10.00"})
	id := t3.field(t, "data", "id").(string)
	b := do(t, http.MethodPost, w.api+"/tasks/"+id+"/bids", f.Keys[1], map[string]any{"proposedPrice": 9.5, "coverLetter": "me"})
	if r := do(t, http.MethodPost, w.control+"/tasks/"+id+"/bids/"+b.field(t, "data", "id").(string)+"/reject", f.ControlToken, map[string]any{}); r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Errorf("reject: %d %s", r.status, r.body)
	}
}

// Pinning replaces the pending scores.
func TestForeignPinsReplace(t *testing.T) {
	f := foreign.Start(t, foreign.Options{})
	w := claimed(t, f)
	for _, scores := range [][]float64{{0.9, 0.8}, {0.2}} {
		if p := do(t, http.MethodPost, w.control+"/tasks/"+w.task+"/pdqg", f.ControlToken, map[string]any{"scores": scores}); p.status != http.StatusOK {
			t.Fatalf("pin: %d %s", p.status, p.body)
		}
	}
	d := do(t, http.MethodPost, w.api+"/tasks/"+w.task+"/deliver", f.Keys[0], map[string]string{"content": "## Work\n\nDone."})
	if d.status != http.StatusOK || d.field(t, "data", "pdqg", "score") != 0.2 || d.field(t, "data", "pdqg", "verdict") != "rejected" {
		t.Errorf("the delivery after pins [0.9 0.8] then [0.2]: %d %s", d.status, d.body)
	}
	if p := do(t, http.MethodPost, w.control+"/tasks/00000000-0000-4000-8000-000000000001/pdqg", f.ControlToken, map[string]any{"scores": []float64{0.5}}); p.status != http.StatusNotFound {
		t.Errorf("a pin on an unknown task: %d %s", p.status, p.body)
	}
}

// The broken variants break what they say, and only when asked to.
func TestForeignBrokenVariants(t *testing.T) {
	progressBy := func(f *foreign.Server, w world, key string) int {
		return do(t, http.MethodPost, w.api+"/tasks/"+w.task+"/progress", key, map[string]string{"event": "e", "message": "m"}).status
	}
	secondBid := func(f *foreign.Server) int {
		w := world{api: f.URL + "/v1", control: f.ControlURL + "/_control"}
		c := do(t, http.MethodPost, w.control+"/tasks", f.ControlToken, map[string]string{"title": "t", "description": "d", "category": "c", "band": "b", "price": "10.00"})
		id := c.field(t, "data", "id").(string)
		do(t, http.MethodPost, w.api+"/tasks/"+id+"/bids", f.Keys[0], map[string]any{"proposedPrice": 9.5, "coverLetter": "me"}, "Idempotency-Key", "k")
		return do(t, http.MethodPost, w.api+"/tasks/"+id+"/bids", f.Keys[0], map[string]any{"proposedPrice": 9.5, "coverLetter": "me"}, "Idempotency-Key", "k").status
	}
	correct := foreign.Start(t, foreign.Options{})
	if got := progressBy(correct, claimed(t, correct), correct.Keys[1]); got != http.StatusForbidden {
		t.Errorf("correct: progress by another agent answered %d, want 403", got)
	}
	if got := secondBid(correct); got != http.StatusOK {
		t.Errorf("correct: the replayed bid answered %d, want the first answer's 200", got)
	}
	broken := foreign.Start(t, foreign.Options{ProgressFromAnyAgent: true, IgnoreIdempotencyKey: true})
	if got := progressBy(broken, claimed(t, broken), broken.Keys[1]); got != http.StatusCreated {
		t.Errorf("ProgressFromAnyAgent: progress by another agent answered %d, want 201", got)
	}
	if got := progressBy(broken, claimed(t, broken), "jtb_live_unknown"); got != http.StatusUnauthorized {
		t.Errorf("ProgressFromAnyAgent: progress with an unknown key answered %d, want 401", got)
	}
	if got := secondBid(broken); got != http.StatusConflict {
		t.Errorf("IgnoreIdempotencyKey: the retried bid answered %d, want a second bid refused 409", got)
	}
}
