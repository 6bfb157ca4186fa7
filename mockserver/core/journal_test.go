package core

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jobtobot/jtb/mockserver/defect"
)

// journalStore is a store like newTestStore's, with six seed tasks and a
// journal hook.
func journalStore(t *testing.T, clock *fakeClock, journal func(Change), defects ...string) *Store {
	t.Helper()
	seq := 0
	seed := Seed{Agents: []Agent{{ID: alpha, Name: "alpha", APIKey: "ka"}, {ID: bravo, Name: "bravo", APIKey: "kb"}}}
	cats := []string{"coding", "writing", "data"}
	for i := range 6 {
		seed.Tasks = append(seed.Tasks, NewTask{ID: fmt.Sprintf("10000000-0000-4000-8000-%012d", i), Title: "t", Description: "d",
			Category: cats[i%len(cats)], Band: "basic", PriceCents: 1500, CreatedAt: epoch.Add(-time.Duration(6-i) * time.Hour)})
	}
	d := defect.Set{}
	for _, name := range defects {
		d[name] = true
	}
	s, err := NewStore(Config{Clock: clock, Seed: seed, Scorer: fixedScorer{0.9}, Defects: d, Journal: journal,
		NewID: func() string { seq++; return fmt.Sprintf("20000000-0000-4000-8000-%012d", seq) }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// session changes the store through its API with every kind of change: a
// reset (after changes it wipes), agents, tasks (one inserted in the middle
// of the listing), bids, a reject, accepts that take tasks out of the
// listing, pinned scores (appended, popped, one left over), deliveries that
// end delivered, pdqg_failed then delivered, and pdqg_final_fail, progress
// traces, a stored idempotent answer and the clock.
func session(t *testing.T, s *Store, clock *fakeClock) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	bid := func(agent, task string) string {
		t.Helper()
		b, err := s.PlaceBid(agent, task, 12.5, "cover letter of "+agent)
		must(err)
		return b.ID
	}
	seed := func(i int) string { return fmt.Sprintf("10000000-0000-4000-8000-%012d", i) }

	// Changes the reset wipes.
	dave, err := s.CreateAgent("dave")
	must(err)
	gone, err := s.CreateTask(NewTask{Title: "gone", Description: "d", Category: "coding", Band: "basic", PriceCents: 100})
	must(err)
	bid(dave.ID, gone.ID)
	bid(alpha, seed(1))
	_, err = s.Advance(time.Hour)
	must(err)
	_, _, err = s.Reset()
	must(err)

	clock.now = clock.now.Add(time.Minute)
	carol, err := s.CreateAgent("carol")
	must(err)
	n1, err := s.CreateTask(NewTask{Title: "n1", Description: "d", Category: "coding", Band: "basic", PriceCents: 900})
	must(err)
	// older than most seed tasks: inserted in the middle of the indexes
	n2, err := s.CreateTask(NewTask{Title: "n2", Description: "d", Category: "writing", Band: "basic", PriceCents: 900, CreatedAt: epoch.Add(-150 * time.Minute)})
	must(err)
	n3, err := s.CreateTask(NewTask{Title: "n3", Description: "d", Category: "data", Band: "basic", PriceCents: 900})
	must(err)

	a0 := bid(alpha, seed(0))
	b0 := bid(bravo, seed(0))
	bid(carol.ID, seed(0))
	b1 := bid(bravo, n1.ID)
	bid(alpha, n2.ID)
	c3 := bid(carol.ID, n3.ID)
	bid(bravo, seed(4))
	_, err = s.RejectBid(seed(0), b0)
	must(err)
	_, err = s.AcceptBid(seed(0), a0) // carol's bid is rejected with it
	must(err)
	_, err = s.Advance(30 * time.Minute)
	must(err)

	_, err = s.AddProgress(alpha, seed(0), "start", "m", json.RawMessage(`{"n":1.5,"list":[true,null]}`))
	must(err)
	scope := IdemScope{Agent: alpha, Method: "POST", Path: "/v1/tasks/" + seed(0) + "/progress", Key: "k1"}
	if st, err := s.IdemBegin(scope, Fingerprint([]byte(`{"event":"e"}`))); st != nil || err != nil {
		t.Fatalf("IdemBegin: %v %v", st, err)
	}
	_, err = s.AddProgress(alpha, seed(0), "e", "m2", nil)
	must(err)
	s.IdemFinish(scope, 201, []byte(`{"ok":true}`))

	_, err = s.PinScores(seed(0), []float64{0.2, 0.95})
	must(err)
	_, err = s.PinScores(seed(0), []float64{0.5}) // left queued
	must(err)
	clock.now = clock.now.Add(time.Minute)
	_, err = s.Deliver(alpha, seed(0), "first") // pinned 0.2: pdqg_failed
	must(err)
	_, err = s.Resubmit(alpha, seed(0), "second") // pinned 0.95: delivered
	must(err)

	_, err = s.AcceptBid(n1.ID, b1)
	must(err)
	_, err = s.Deliver(bravo, n1.ID, "scored") // the scorer's 0.9: delivered
	must(err)

	_, err = s.AcceptBid(n3.ID, c3)
	must(err)
	_, err = s.PinScores(n3.ID, []float64{0.1, 0.1})
	must(err)
	_, err = s.Deliver(carol.ID, n3.ID, "weak")
	must(err)
	_, err = s.Resubmit(carol.ID, n3.ID, "still weak") // pdqg_final_fail
	must(err)
	_, err = s.Advance(2 * time.Hour)
	must(err)

	// One task's time: a delivered task with a stored idempotent answer, and
	// an open task that moves down the listing.
	_, err = s.AdvanceTaskTime(seed(0), 7*time.Hour)
	must(err)
	_, err = s.AdvanceTaskTime(seed(5), 3*time.Hour)
	must(err)
	// Removals: a task with a bid, a trace and a key, and an agent with a key.
	doomed, err := s.CreateTask(NewTask{Title: "doomed", Description: "d", Category: "coding", Band: "basic", PriceCents: 100})
	must(err)
	erin, err := s.CreateAgent("erin")
	must(err)
	_, err = s.AcceptBid(doomed.ID, bid(erin.ID, doomed.ID))
	must(err)
	_, err = s.AddProgress(erin.ID, doomed.ID, "e", "m", nil)
	must(err)
	for _, sc := range []IdemScope{
		{Agent: erin.ID, Method: "POST", Path: "/v1/tasks/" + doomed.ID + "/progress", Key: "k2"},
		{Agent: erin.ID, Method: "POST", Path: "/v1/tasks/" + seed(4) + "/bids", Key: "k3"},
	} {
		_, err = s.IdemBegin(sc, Fingerprint([]byte(`{}`)))
		must(err)
		s.IdemFinish(sc, 201, []byte(`{"ok":true}`))
	}
	_, err = s.RemoveTask(doomed.ID)
	must(err)
	_, err = s.RemoveTask(seed(2)) // a seed task, open and listed
	must(err)
	_, err = s.RemoveAgent(erin.ID)
	must(err)
}

// exportJSON is a store's full export in a canonical order, as JSON.
func exportJSON(t *testing.T, s *Store) []byte {
	t.Helper()
	var out []byte
	err := s.Export(func(snap Snapshot) error {
		slices.SortFunc(snap.Agents, func(a, b Agent) int { return strings.Compare(a.ID, b.ID) })
		slices.SortFunc(snap.Tasks, func(a, b TaskRecord) int { return strings.Compare(a.ID, b.ID) })
		slices.SortFunc(snap.Idem, func(a, b IdemRecord) int {
			return strings.Compare(fmt.Sprint(a.Scope), fmt.Sprint(b.Scope))
		})
		var err error
		out, err = json.MarshalIndent(snap, "", " ")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// listing walks every listing (all tasks and each category) two items a page
// and writes down each page's ids, has_more and total_estimate.
func listing(t *testing.T, s *Store) string {
	t.Helper()
	var b strings.Builder
	for _, cat := range []string{"", "coding", "writing", "data"} {
		q := ListQuery{Category: cat, Limit: 2}
		for {
			p, err := s.List(q)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%q total=%d more=%v:", cat, p.TotalEstimate, p.HasMore)
			for _, it := range p.Items {
				fmt.Fprintf(&b, " %s/%s", it.ID, it.Status)
			}
			b.WriteString("\n")
			if !p.HasMore {
				break
			}
			q.Cursor = p.NextCursor
		}
	}
	return b.String()
}

// TestJournalReplayRebuildsEveryChangeKind builds a state through the Store API
// with a journal, replays the journal alone into a fresh store and finds the
// same full export and the same listings, page by page; so does a snapshot
// of the live store, restored into a fresh one. It replays the same
// session written the way journals were written before the bid, bidState,
// pin and delivery kinds existed (the whole task on every change of a task)
// too: such a journal still loads.
func TestJournalReplayRebuildsEveryChangeKind(t *testing.T) {
	for _, defects := range [][]string{nil, {defect.PagListsClaimed}} {
		t.Run(fmt.Sprintf("defects %v", defects), func(t *testing.T) {
			var (
				live    *Store
				lines   [][]byte // this format
				old     [][]byte // the whole-task format
				kinds   = map[ChangeKind]int{}
				encode  = func(c Change) []byte { data, err := json.Marshal(c); must(t, err); return data }
				written = func(c Change) {
					kinds[c.Kind]++
					lines = append(lines, encode(c))
					switch c.Kind {
					case ChangeBid, ChangeBidState, ChangePin, ChangeDelivery:
						// The hook runs under the store's lock, after the
						// change: what recordTask wrote.
						r := taskRecord(live.tasks[c.TaskID], false)
						c = Change{Kind: ChangeTask, At: c.At, Task: &r}
					}
					old = append(old, encode(c))
				}
			)
			clock := &fakeClock{now: epoch}
			live = journalStore(t, clock, written, defects...)
			session(t, live, clock)
			for _, k := range []ChangeKind{ChangeReset, ChangeClock, ChangeAgent, ChangeTask, ChangeBid, ChangeBidState, ChangePin, ChangeDelivery, ChangeTrace, ChangeIdem,
				ChangeTaskTime, ChangeTaskRemoved, ChangeAgentRemoved} {
				if kinds[k] == 0 {
					t.Errorf("the session wrote no %s change", k)
				}
			}
			want, wantList := exportJSON(t, live), listing(t, live)
			for _, format := range []struct {
				name  string
				lines [][]byte
			}{{"journal", lines}, {"whole-task journal", old}} {
				replayed := journalStore(t, &fakeClock{now: clock.now}, nil, defects...)
				for i, raw := range format.lines {
					var c Change
					must(t, json.Unmarshal(raw, &c))
					if err := replayed.Apply(c); err != nil {
						t.Fatalf("%s line %d: %v", format.name, i+1, err)
					}
				}
				if got := exportJSON(t, replayed); !bytes.Equal(got, want) {
					t.Errorf("%s: the replayed export differs:\n%s", format.name, firstDiff(string(want), string(got)))
				}
				if got := listing(t, replayed); got != wantList {
					t.Errorf("%s: the replayed listing differs:\nlive:\n%s\nreplayed:\n%s", format.name, wantList, got)
				}
			}
			// A snapshot restores the same state and listing (indexes rebuilt).
			restored := journalStore(t, &fakeClock{now: clock.now}, nil, defects...)
			must(t, live.Export(func(snap Snapshot) error { restored.Restore(snap); return nil }))
			if got := exportJSON(t, restored); !bytes.Equal(got, want) {
				t.Errorf("snapshot: the restored export differs:\n%s", firstDiff(string(want), string(got)))
			}
			if got := listing(t, restored); got != wantList {
				t.Errorf("snapshot: the restored listing differs:\nlive:\n%s\nrestored:\n%s", wantList, got)
			}
			t.Logf("%d changes: %v; journal %d B, whole-task journal %d B", len(lines), kinds, size(lines), size(old))
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func size(lines [][]byte) (n int) {
	for _, l := range lines {
		n += len(l) + 1
	}
	return n
}

// firstDiff shows the lines around the first difference of two texts.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		if i >= len(w) || i >= len(g) || w[i] != g[i] {
			lo := max(0, i-3)
			return fmt.Sprintf("at line %d\nwant: %s\ngot:  %s", i+1, strings.Join(w[lo:min(len(w), i+3)], "\n      "), strings.Join(g[lo:min(len(g), i+3)], "\n      "))
		}
	}
	return "(no difference)"
}

// TestJournalApplyRefusesADanglingChange: a change naming a task or bid the state
// does not have is an error, not a silent skip.
func TestJournalApplyRefusesADanglingChange(t *testing.T) {
	s := journalStore(t, &fakeClock{now: epoch}, nil)
	task := "10000000-0000-4000-8000-000000000000"
	for _, c := range []Change{
		{Kind: ChangeBid, TaskID: "nope", Bid: &Bid{ID: "b"}},
		{Kind: ChangeBidState, TaskID: task, Bids: []BidState{{ID: "nope", Status: BidRejected}}},
		{Kind: ChangePin, TaskID: "nope", Pinned: []float64{0.5}},
		{Kind: ChangeDelivery, TaskID: task, Delivery: &Delivery{Status: StatusDelivered}, PopPinned: true},
		{Kind: ChangeTrace, TaskID: "nope", Trace: &Trace{}},
		{Kind: ChangeTaskTime, TaskID: "nope", Shift: time.Hour},
		{Kind: ChangeTaskRemoved, TaskID: "nope"},
		{Kind: ChangeAgentRemoved, AgentID: "nope"},
		{Kind: "mystery"},
	} {
		if err := s.Apply(c); err == nil {
			t.Errorf("%s change %+v applied", c.Kind, c)
		}
	}
}
