package mockserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jobtobot/jtb/mockserver/core"
)

// stateMock opens a mock on a state file with a fake clock.
func stateMock(t *testing.T, path string, clock *fakeClock) *Mock {
	t.Helper()
	m, err := New(Options{StatePath: path, Clock: clock})
	if err != nil {
		t.Fatalf("New with state %s: %v", filepath.Base(path), err)
	}
	return m
}

// crash leaves m as a killed process would: the files as they are (no
// compaction, no emptied lock file) and the lock let go, as the kernel lets
// a dead process's locks go. m is unusable afterwards.
func crash(t *testing.T, m *Mock) {
	t.Helper()
	m.closed.Do(func() {
		m.journal.f.Close()
		if err := m.journal.lock.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

// serve sends one request straight to the handler.
func serve(t *testing.T, m *Mock, method, path, key, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, req)
	return rec
}

func mustStatus(t *testing.T, rec *httptest.ResponseRecorder, want int) map[string]any {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("got %d, want %d: %s", rec.Code, want, rec.Body.Bytes())
	}
	var env struct {
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatal(err)
	}
	return env.Data
}

// written is what a session acknowledged, to look for after a restart.
type written struct {
	claimed, open, agentKey, bidID, idemBody string
	clock                                    string
}

// writeSession exercises every kind of change: agent, task, bid, accept,
// reject, pinned scores, deliver, progress, an idempotent answer, the clock.
func writeSession(t *testing.T, m *Mock) written {
	t.Helper()
	var w written
	agent := mustStatus(t, serve(t, m, "POST", "/_control/agents", "", `{"name":"carol"}`), 201)
	w.agentKey = agent["apiKey"].(string)
	task := mustStatus(t, serve(t, m, "POST", "/_control/tasks", "", `{"title":"T","description":"D","category":"coding","band":"basic","price":"15.00"}`), 201)
	w.claimed = task["id"].(string)
	open := mustStatus(t, serve(t, m, "POST", "/_control/tasks", "", `{"title":"U","description":"D","category":"coding","band":"basic","price":"9.00"}`), 201)
	w.open = open["id"].(string)
	bid := mustStatus(t, serve(t, m, "POST", "/v1/tasks/"+w.claimed+"/bids", w.agentKey, `{"proposedPrice":12.5,"coverLetter":"me"}`), 201)
	other := mustStatus(t, serve(t, m, "POST", "/v1/tasks/"+w.open+"/bids", alphaKey, `{"proposedPrice":3,"coverLetter":"x"}`), 201)
	w.bidID = other["id"].(string)
	mustStatus(t, serve(t, m, "POST", "/_control/tasks/"+w.open+"/bids/"+w.bidID+"/reject", "", ""), 200)
	mustStatus(t, serve(t, m, "POST", "/_control/tasks/"+w.claimed+"/bids/"+bid["id"].(string)+"/accept", "", ""), 200)
	mustStatus(t, serve(t, m, "POST", "/_control/tasks/"+w.claimed+"/pdqg", "", `{"scores":[0.2,0.9]}`), 200)
	mustStatus(t, serve(t, m, "POST", "/v1/tasks/"+w.claimed+"/progress", w.agentKey, `{"event":"start","message":"m","metadata":{"n":1.5,"list":[true,null]}}`), 201)
	w.idemBody = serve(t, m, "POST", "/v1/tasks/"+w.claimed+"/progress", w.agentKey, `{"event":"idem","message":"once"}`, "Idempotency-Key", "k1").Body.String()
	mustStatus(t, serve(t, m, "POST", "/v1/tasks/"+w.claimed+"/deliver", w.agentKey, `{"content":"first"}`), 200)
	clock := mustStatus(t, serve(t, m, "POST", "/_control/clock/advance", "", `{"seconds":3600}`), 200)
	w.clock = clock["now"].(string)
	return w
}

// checkSession finds every acknowledged change of writeSession in m.
func checkSession(t *testing.T, m *Mock, w written) {
	t.Helper()
	task := mustStatus(t, serve(t, m, "GET", "/_control/tasks/"+w.claimed, "", ""), 200)
	if task["status"] != "pdqg_failed" || len(task["bids"].([]any)) != 1 || len(task["deliveries"].([]any)) != 1 {
		t.Fatalf("claimed task after restart: %v", task)
	}
	open := mustStatus(t, serve(t, m, "GET", "/_control/tasks/"+w.open, "", ""), 200)
	if bids := open["bids"].([]any); len(bids) != 1 || bids[0].(map[string]any)["status"] != "rejected" {
		t.Fatalf("open task bids after restart: %v", open["bids"])
	}
	traces := serve(t, m, "GET", "/v1/tasks/"+w.claimed+"/traces", w.agentKey, "")
	var env struct {
		Data struct {
			Items []struct {
				Event    string          `json:"event"`
				Metadata json.RawMessage `json:"metadata"`
			} `json:"items"`
		} `json:"data"`
	}
	if err := json.Unmarshal(traces.Body.Bytes(), &env); err != nil || len(env.Data.Items) != 2 {
		t.Fatalf("traces after restart: %d %s", traces.Code, traces.Body.Bytes())
	}
	if got := string(env.Data.Items[0].Metadata); got != `{"n":1.5,"list":[true,null]}` {
		t.Fatalf("metadata after restart: %s", got)
	}
	again := serve(t, m, "POST", "/v1/tasks/"+w.claimed+"/progress", w.agentKey, `{"message":"once","event":"idem"}`, "Idempotency-Key", "k1")
	if again.Header().Get("Idempotent-Replayed") != "true" || again.Body.String() != w.idemBody {
		t.Fatalf("idempotent answer not replayed after restart: %d %s", again.Code, again.Body.Bytes())
	}
	// the pinned 0.9 is still queued for the resubmit
	res := mustStatus(t, serve(t, m, "POST", "/v1/tasks/"+w.claimed+"/resubmit", w.agentKey, `{"content":"second"}`), 200)
	if res["pdqg"].(map[string]any)["score"] != 0.9 {
		t.Fatalf("pinned score lost: %v", res["pdqg"])
	}
	clock := mustStatus(t, serve(t, m, "GET", "/_control/clock", "", ""), 200)
	if clock["now"].(string) < w.clock {
		t.Fatalf("clock went back across the restart: %s < %s", clock["now"], w.clock)
	}
}

func TestStateSurvivesRestart(t *testing.T) {
	tests := []struct {
		name  string
		limit int64 // journal bytes before a compaction
		close bool  // a clean stop (Close) instead of a crash
	}{
		{"journal only, crash", 1 << 40, false},
		{"compaction after every request, crash", 0, false},
		{"clean close", 1 << 40, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			clock := &fakeClock{now: Epoch}
			m := stateMock(t, path, clock)
			m.journal.limit = tt.limit
			w := writeSession(t, m)
			if tt.close {
				if err := m.Close(); err != nil {
					t.Fatal(err)
				}
				if fi, err := os.Stat(path + ".journal"); err != nil || fi.Size() != 0 {
					t.Fatalf("after Close the journal should be empty: %v %v", fi, err)
				}
			}
			// A crash is the process dying: the files stay as they are.
			crash(t, m)
			clock.now = Epoch // a fresh process's clock starts again
			again := stateMock(t, path, clock)
			defer again.Close()
			checkSession(t, again, w)
		})
	}
}

// TestStateWithoutFileForgets shows checkSession can fail: a mock without the
// state file does not have the session.
func TestStateWithoutFileForgets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	m := stateMock(t, path, &fakeClock{now: Epoch})
	w := writeSession(t, m)
	fresh := stateMock(t, filepath.Join(t.TempDir(), "other.json"), &fakeClock{now: Epoch})
	defer fresh.Close()
	rec := serve(t, fresh, "GET", "/_control/tasks/"+w.claimed, "", "")
	if rec.Code != 404 {
		t.Fatalf("a fresh state knows the task: %d", rec.Code)
	}
}

func TestJournalTornTail(t *testing.T) {
	tests := []struct {
		name   string
		damage func(journal []byte) []byte
		ok     bool
	}{
		{"torn last line", func(j []byte) []byte { return append(j, `{"seq":99,"kind":"ta`...) }, true},
		{"garbage last line", func(j []byte) []byte { return append(j, "\x00\x00\n"...) }, true},
		{"corrupt middle line", func(j []byte) []byte {
			lines := bytes.SplitAfter(j, []byte("\n"))
			lines[1] = []byte("{broken\n")
			return bytes.Join(lines, nil)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			m := stateMock(t, path, &fakeClock{now: Epoch})
			w := writeSession(t, m)
			data, err := os.ReadFile(path + ".journal")
			if err != nil {
				t.Fatal(err)
			}
			crash(t, m)
			if err := os.WriteFile(path+".journal", tt.damage(data), 0o600); err != nil {
				t.Fatal(err)
			}
			again, err := New(Options{StatePath: path, Clock: &fakeClock{now: Epoch}})
			if !tt.ok {
				if err == nil {
					again.Close()
					t.Fatal("a corrupt journal was accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkSession(t, again, w)
			// the torn tail was cut, so new lines follow good ones
			mustStatus(t, serve(t, again, "POST", "/_control/agents", "", `{"name":"dave"}`), 201)
			crash(t, again)
			third, err := New(Options{StatePath: path, Clock: &fakeClock{now: Epoch}})
			if err != nil {
				t.Fatalf("journal after the cut: %v", err)
			}
			third.Close()
		})
	}
}

// TestCompactionCrashBeforeTruncate: the snapshot was renamed in but the
// journal still holds the lines it includes; they must not apply twice (a
// trace would be duplicated, a reset would wipe later state).
func TestCompactionCrashBeforeTruncate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	m := stateMock(t, path, &fakeClock{now: Epoch})
	mustStatus(t, serve(t, m, "POST", "/_control/reset", "", ""), 200)
	w := writeSession(t, m)
	old, err := os.ReadFile(path + ".journal")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.journal.compact(m.store); err != nil {
		t.Fatal(err)
	}
	crash(t, m)
	if err := os.WriteFile(path+".journal", old, 0o600); err != nil {
		t.Fatal(err)
	}
	again := stateMock(t, path, &fakeClock{now: Epoch})
	defer again.Close()
	checkSession(t, again, w)
}

// TestJournalFailureIsNotAcknowledged: when the journal cannot be written,
// the answer is a 500 envelope, never a 2xx.
func TestJournalFailureIsNotAcknowledged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	m := stateMock(t, path, &fakeClock{now: Epoch})
	m.journal.f.Close() // every later write fails
	rec := serve(t, m, "POST", "/_control/agents", "", `{"name":"x"}`)
	if err := checkEnvelope(rec.Code, rec.Header(), rec.Body.Bytes()); err == nil || rec.Code != http.StatusInternalServerError {
		t.Fatalf("got %d %s, want a 500 envelope", rec.Code, rec.Body.Bytes())
	}
	var env struct {
		OK    bool `json:"ok"`
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(rec.Body.Bytes(), &env) != nil || env.OK || env.Error.Code != "INTERNAL" {
		t.Fatalf("body %s", rec.Body.Bytes())
	}
}

// journalSize is the journal's length on disk.
func journalSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path + ".journal")
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestJournalBytesPerBidDoNotGrow: the journal line for the k-th bid on one
// task is about the size of that bid, not of the task with its k-1 earlier
// bids (a popular task would otherwise write O(n²) bytes). The accept that
// rejects every other bid and the delivery on that task do not copy the bids
// (their cover letters) either.
func TestJournalBytesPerBidDoNotGrow(t *testing.T) {
	const bidders = 250
	path := filepath.Join(t.TempDir(), "state.json")
	m := stateMock(t, path, &fakeClock{now: Epoch})
	defer m.Close()
	m.journal.limit = 1 << 40 // no compaction: every byte stays in the journal
	keys := make([]string, bidders)
	for i := range keys {
		a := mustStatus(t, serve(t, m, "POST", "/_control/agents", "", fmt.Sprintf(`{"name":"agent %d"}`, i)), 201)
		keys[i] = a["apiKey"].(string)
	}
	task := mustStatus(t, serve(t, m, "POST", "/_control/tasks", "", `{"title":"T","description":"D","category":"coding","band":"basic","price":"15.00"}`), 201)
	id := task["id"].(string)
	letter := strings.Repeat("c", 1000)
	perBid := make([]int64, bidders)
	var first string
	for i, key := range keys {
		before := journalSize(t, path)
		bid := mustStatus(t, serve(t, m, "POST", "/v1/tasks/"+id+"/bids", key, fmt.Sprintf(`{"proposedPrice":%d,"coverLetter":"%s"}`, 10+i, letter)), 201)
		perBid[i] = journalSize(t, path) - before
		if i == 0 {
			first = bid["id"].(string)
		}
	}
	if perBid[bidders-1] > 2*perBid[0] {
		t.Errorf("journal bytes per bid grow with the bids on the task: bid 1 %d B, bid %d %d B", perBid[0], bidders, perBid[bidders-1])
	}
	before := journalSize(t, path)
	mustStatus(t, serve(t, m, "POST", "/_control/tasks/"+id+"/bids/"+first+"/accept", "", ""), 200)
	accept := journalSize(t, path) - before
	if accept > 100*bidders {
		t.Errorf("the accept journalled %d B for %d bids: it copies the bids", accept, bidders)
	}
	deliver := func(id, key string) int64 {
		t.Helper()
		before := journalSize(t, path)
		mustStatus(t, serve(t, m, "POST", "/v1/tasks/"+id+"/deliver", key, `{"content":"done"}`), 200)
		return journalSize(t, path) - before
	}
	// the same delivery on a task with one bid, for comparison
	lone := mustStatus(t, serve(t, m, "POST", "/_control/tasks", "", `{"title":"T","description":"D","category":"coding","band":"basic","price":"15.00"}`), 201)["id"].(string)
	bid := mustStatus(t, serve(t, m, "POST", "/v1/tasks/"+lone+"/bids", keys[1], `{"proposedPrice":10,"coverLetter":"`+letter+`"}`), 201)
	mustStatus(t, serve(t, m, "POST", "/_control/tasks/"+lone+"/bids/"+bid["id"].(string)+"/accept", "", ""), 200)
	deliverLone := deliver(lone, keys[1])
	deliverBusy := deliver(id, keys[0])
	if deliverBusy > 2*deliverLone {
		t.Errorf("the delivery journalled %d B on a task with %d bids, %d B on a task with one: it copies the bids", deliverBusy, bidders, deliverLone)
	}
	t.Logf("journal bytes: bid 1 %d, bid %d %d, accept (rejects %d) %d, deliver %d (on a task with one bid %d), whole journal %d",
		perBid[0], bidders, perBid[bidders-1], bidders-1, accept, deliverBusy, deliverLone, journalSize(t, path))
}

// canonicalExport is the store's full export, agents, tasks and idempotent
// answers in id order, as JSON.
func canonicalExport(t *testing.T, m *Mock) string {
	t.Helper()
	return canonicalStore(t, m.store)
}

func canonicalStore(t *testing.T, store *core.Store) string {
	t.Helper()
	var out []byte
	err := store.Export(func(snap core.Snapshot) error {
		slices.SortFunc(snap.Agents, func(a, b core.Agent) int { return strings.Compare(a.ID, b.ID) })
		slices.SortFunc(snap.Tasks, func(a, b core.TaskRecord) int { return strings.Compare(a.ID, b.ID) })
		slices.SortFunc(snap.Idem, func(a, b core.IdemRecord) int { return strings.Compare(fmt.Sprint(a.Scope), fmt.Sprint(b.Scope)) })
		var err error
		out, err = json.MarshalIndent(snap, "", " ")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// listingPages walks the Agent API's listing, all tasks and per category,
// five a page, and keeps each page without its cursor (signed with a key
// each process draws anew).
func listingPages(t *testing.T, m *Mock) string {
	t.Helper()
	var b strings.Builder
	for _, cat := range []string{"", "coding", "data", "writing"} {
		cursor := ""
		for range 1000 {
			path := "/v1/tasks/available?limit=5&category=" + cat
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			page := mustStatus(t, serve(t, m, "GET", path, alphaKey, ""), 200)
			pagination := page["pagination"].(map[string]any)
			next, _ := pagination["next_cursor"].(string)
			delete(pagination, "next_cursor")
			data, err := json.Marshal(page)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%q %s\n", cat, data)
			if cursor = next; cursor == "" {
				break
			}
		}
	}
	return b.String()
}

// TestRestartRebuildsTheSameState: after a crash, the journal alone rebuilds
// the state the live mock had, field for field (the full export), and the
// listing answers the same pages, total_estimate included.
func TestRestartRebuildsTheSameState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	clock := &fakeClock{now: Epoch}
	m := stateMock(t, path, clock)
	m.journal.limit = 1 << 40 // the journal alone
	w := writeSession(t, m)
	// More bids on one open task, and a seed task that leaves the listing.
	for _, key := range []string{bravoKey, w.agentKey} {
		mustStatus(t, serve(t, m, "POST", "/v1/tasks/"+w.open+"/bids", key, `{"proposedPrice":7,"coverLetter":"pick me"}`), 201)
	}
	page := mustStatus(t, serve(t, m, "GET", "/v1/tasks/available?limit=5&category=data", alphaKey, ""), 200)
	seedTask := page["items"].([]any)[2].(map[string]any)["id"].(string)
	bid := mustStatus(t, serve(t, m, "POST", "/v1/tasks/"+seedTask+"/bids", bravoKey, `{"proposedPrice":7,"coverLetter":"seed"}`), 201)
	mustStatus(t, serve(t, m, "POST", "/v1/tasks/"+seedTask+"/bids", alphaKey, `{"proposedPrice":8,"coverLetter":"seed too"}`), 201)
	mustStatus(t, serve(t, m, "POST", "/_control/tasks/"+seedTask+"/bids/"+bid["id"].(string)+"/accept", "", ""), 200)
	mustStatus(t, serve(t, m, "POST", "/_control/tasks/"+w.open+"/pdqg", "", `{"scores":[0.7]}`), 200)
	// One task's time, an open one's too (it moves in the listing), and the
	// cleanup: a task with a bid, and an agent.
	mustStatus(t, serve(t, m, "POST", "/_control/tasks/"+w.claimed+"/time/advance", "", `{"seconds":7200}`), 200)
	mustStatus(t, serve(t, m, "POST", "/_control/tasks/"+w.open+"/time/advance", "", `{"seconds":600}`), 200)
	doomed := mustStatus(t, serve(t, m, "POST", "/_control/tasks", "", `{"title":"T","description":"D","category":"data","band":"basic","price":"3.00"}`), 201)["id"].(string)
	mustStatus(t, serve(t, m, "POST", "/v1/tasks/"+doomed+"/bids", bravoKey, `{"proposedPrice":2,"coverLetter":"gone soon"}`), 201)
	mustStatus(t, serve(t, m, "DELETE", "/_control/tasks/"+doomed, "", ""), 200)
	temp := mustStatus(t, serve(t, m, "POST", "/_control/agents", "", `{"name":"temp"}`), 201)["id"].(string)
	mustStatus(t, serve(t, m, "DELETE", "/_control/agents/"+temp, "", ""), 200)

	wantExport, wantList := canonicalExport(t, m), listingPages(t, m)
	if fi, err := os.Stat(path); err == nil {
		t.Fatalf("a snapshot exists (%d B): this restart is to read the journal alone", fi.Size())
	}
	crash(t, m)
	clock.now = Epoch // a fresh process
	again := stateMock(t, path, clock)
	defer again.Close()
	if got := canonicalExport(t, again); got != wantExport {
		t.Errorf("the export after the restart differs: %s", lineDiff(wantExport, got))
	}
	if got := listingPages(t, again); got != wantList {
		t.Errorf("the listing after the restart differs: %s", lineDiff(wantList, got))
	}
	if strings.Contains(wantList, seedTask) {
		t.Errorf("the claimed seed task %s is still listed", seedTask)
	}
}

// lineDiff shows the first line where two texts differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		if i >= len(w) || i >= len(g) || w[i] != g[i] {
			at := func(l []string) string {
				if i < len(l) {
					return l[i]
				}
				return "(end)"
			}
			return fmt.Sprintf("line %d\nlive:      %s\nrestarted: %s", i+1, at(w), at(g))
		}
	}
	return "(none)"
}
