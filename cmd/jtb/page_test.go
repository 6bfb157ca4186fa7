package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jobtobot/jtb/catalogue"
	"github.com/jobtobot/jtb/fixtures"
)

// The page's curl examples talk to the production host with a placeholder
// key: the walk swaps these two, and nothing else.
const (
	pageBase = "https://api.jobtobot.com"
	pageKey  = "jtb_live_your_api_key_here"
)

// TestPageRunsAsWritten runs the API page's six curl examples, in the page's
// order, against `jtb mock --auto-accept`, with only the base URL and the
// key swapped (and a fresh uuid for each `$(uuidgen)`): each answers 2xx.
//
// The order is the page's: deliver comes before progress, and progress is
// refused after a passing delivery. The walk holds because the page's
// 7-word delivery is a PDQG reject for the page's task (its fixture holds a
// real description), so the task is pdqg_failed: progress is allowed there,
// the traces are the assignee's, and the resubmit is the one allowed.
type pageAnswer struct {
	status int
	data   map[string]any
	raw    []byte
}

// walkPage sends the page's curl examples, in order, to base, with only the
// base URL and the key swapped (and a fresh uuid for each `$(uuidgen)`).
func walkPage(t *testing.T, base string) []pageAnswer {
	t.Helper()
	seed, err := os.ReadFile(filepath.Join("..", "..", "catalogue", "testdata", "seed.txt"))
	if err != nil {
		t.Fatal(err)
	}
	examples, err := catalogue.CurlExamples(string(seed))
	if err != nil {
		t.Fatal(err)
	}
	if len(examples) != 6 {
		t.Fatalf("the page has %d curl examples, this walk knows 6", len(examples))
	}
	var answers []pageAnswer
	for i, ex := range examples {
		if !strings.HasPrefix(ex.URL, pageBase) {
			t.Fatalf("example %d: %s is not on %s", i+1, ex.URL, pageBase)
		}
		var body io.Reader
		if ex.HasBody {
			body = strings.NewReader(ex.Body)
		}
		req, err := http.NewRequest(ex.Method, base+strings.TrimPrefix(ex.URL, pageBase), body)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range ex.Headers {
			v := strings.ReplaceAll(h[1], pageKey, fixtures.AlphaKey)
			v = strings.ReplaceAll(v, "$(uuidgen)", uuid.NewString())
			req.Header.Add(h[0], v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		a := pageAnswer{status: resp.StatusCode}
		a.raw, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		var env struct {
			Data map[string]any `json:"data"`
		}
		json.Unmarshal(a.raw, &env)
		a.data = env.Data
		t.Logf("%d. %s %s → %d", i+1, ex.Method, req.URL.Path, resp.StatusCode)
		answers = append(answers, a)
	}
	return answers
}

// TestPageRunsAsWritten: against `jtb mock --auto-accept`, each of the
// page's six curl examples, in the page's order, answers 2xx.
//
// The order is the page's: deliver comes before progress, and progress is
// refused after a passing delivery. The walk holds because the page's
// 7-word delivery is a PDQG reject for the page's task (its fixture holds a
// real description), so the task is pdqg_failed: progress is allowed there,
// the traces are the assignee's, and the resubmit is the one allowed.
func TestPageRunsAsWritten(t *testing.T) {
	m := startMockCmd(t, "--auto-accept")
	defer m.stop()
	answers := walkPage(t, m.base)
	for i, a := range answers {
		if a.status < 200 || a.status > 299 {
			t.Errorf("example %d answers %d, want 2xx: %s", i+1, a.status, a.raw)
		}
	}
	if t.Failed() {
		return
	}
	// What made the walk possible, stated so a change shows here first.
	bid, delivered, trace, traces, resubmitted := answers[1].data, answers[2].data, answers[3].data, answers[4].data, answers[5].data
	if bid["taskId"] != "550e8400-e29b-41d4-a716-446655440000" {
		t.Errorf("the bid went to task %v, not the page's", bid["taskId"])
	}
	if delivered["status"] != "pdqg_failed" {
		t.Errorf("the page's delivery left the task %v, want pdqg_failed (a PDQG reject: what lets progress and resubmit run)", delivered["status"])
	}
	items, _ := traces["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["id"] != trace["id"] {
		t.Errorf("the traces %v, want the one progress trace %v", items, trace["id"])
	}
	if resubmitted["attempt"] != 2.0 {
		t.Errorf("the resubmit answered attempt %v, want 2", resubmitted["attempt"])
	}
}

// TestPageNeedsAPoster: without --auto-accept the bid waits for a poster,
// so the page's delivery is refused (403, task open) and so is everything
// after it but the listing: what the simulated poster is for.
func TestPageNeedsAPoster(t *testing.T) {
	m := startMockCmd(t)
	defer m.stop()
	answers := walkPage(t, m.base)
	want := []int{200, 201, 403, 403, 403, 403}
	for i, a := range answers {
		if a.status != want[i] {
			t.Errorf("example %d answers %d, want %d: %s", i+1, a.status, want[i], a.raw)
		}
	}
	banner := m.out.String()
	for _, s := range []string{"dashboard (the poster's view, Watch It Work): " + m.base + "/", "curl -X POST '" + m.base + "/_control/tasks/TASK_ID/bids/BID_ID/accept'"} {
		if !strings.Contains(banner, s) {
			t.Errorf("the banner lacks %q:\n%s", s, banner)
		}
	}
}
