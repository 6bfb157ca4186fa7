package core

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// recorder is an Observer whose watching can be switched.
type recorder struct {
	on   bool
	seen []ChangeKind
}

func (r *recorder) Watching() bool   { return r.on }
func (r *recorder) Observe(c Change) { r.seen = append(r.seen, c.Kind) }

func TestObserverSeesChangesOnlyWhileWatching(t *testing.T) {
	rec := &recorder{}
	seq := 0
	s, err := NewStore(Config{Clock: &fakeClock{now: epoch}, Scorer: fixedScorer{0.2}, Observer: rec,
		Seed:  Seed{Agents: []Agent{{ID: alpha, Name: "alpha", APIKey: "ka"}}},
		NewID: func() string { seq++; return fmt.Sprintf("20000000-0000-4000-8000-%012d", seq) }})
	if err != nil {
		t.Fatal(err)
	}
	// Unwatched: a whole flow reaches nobody.
	claimed(t, s)
	if len(rec.seen) != 0 {
		t.Fatalf("observer not watching got %v", rec.seen)
	}
	rec.on = true
	id := claimed(t, s)
	if _, err := s.AddProgress(alpha, id, "step", "working", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Deliver(alpha, id, "done"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PinScores(id, []float64{0.9}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAgent("charlie"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	want := []ChangeKind{ChangeTask, ChangeBid, ChangeBidState, ChangeTrace, ChangeDelivery, ChangePin, ChangeClock, ChangeAgent, ChangeReset}
	if !slices.Equal(rec.seen, want) {
		t.Fatalf("observed %v, want %v", rec.seen, want)
	}
}

func TestTasksFiltersAndPages(t *testing.T) {
	s := newTestStore(t, 5) // tasks 0..4, task 4 the newest fixture
	taskID := func(i int) string { return fmt.Sprintf("10000000-0000-4000-8000-%012d", i) }
	b, err := s.PlaceBid(bravo, taskID(1), 3, "bravo bids")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcceptBid(taskID(1), b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PlaceBid(alpha, taskID(3), 3, "alpha bids"); err != nil {
		t.Fatal(err)
	}
	ids := func(l TaskList) []string {
		var out []string
		for _, st := range l.Items {
			out = append(out, st.ID)
		}
		return out
	}
	tests := []struct {
		name  string
		q     TaskQuery
		want  []string
		total int
		more  bool
	}{
		{"all, newest first", TaskQuery{Limit: 10}, []string{taskID(4), taskID(3), taskID(2), taskID(1), taskID(0)}, 5, false},
		{"a page", TaskQuery{Limit: 2}, []string{taskID(4), taskID(3)}, 5, true},
		{"after a cursor", TaskQuery{Limit: 2, AfterAt: epoch.Add(-2 * time.Hour), AfterID: taskID(3)}, []string{taskID(2), taskID(1)}, 5, true},
		{"claimed", TaskQuery{Statuses: []Status{StatusClaimed}, Limit: 10}, []string{taskID(1)}, 1, false},
		{"open or claimed", TaskQuery{Statuses: []Status{StatusOpen, StatusClaimed}, Limit: 2}, []string{taskID(4), taskID(3)}, 5, true},
		{"an agent's bids", TaskQuery{Agent: alpha, Limit: 10}, []string{taskID(3)}, 1, false},
		{"pending bids", TaskQuery{PendingBids: true, Limit: 10}, []string{taskID(3)}, 1, false},
		{"an agent and a status", TaskQuery{Agent: bravo, Statuses: []Status{StatusOpen}, Limit: 10}, nil, 0, false},
		// The cursor's task left the selection: the page still starts after its place.
		{"a cursor out of the filter", TaskQuery{Statuses: []Status{StatusOpen}, Limit: 10, AfterAt: epoch.Add(-4 * time.Hour), AfterID: taskID(1)}, []string{taskID(0)}, 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Tasks(tt.q)
			if !slices.Equal(ids(got), tt.want) || got.Total != tt.total || got.More != tt.more {
				t.Fatalf("got %v total %d more %v, want %v total %d more %v", ids(got), got.Total, got.More, tt.want, tt.total, tt.more)
			}
		})
	}
}

func TestTaskTracesIgnoreTheCaller(t *testing.T) {
	s := newTestStore(t, 0)
	id := claimed(t, s)
	if _, err := s.AddProgress(alpha, id, "e", "m", nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.TaskTraces(id)
	if err != nil || len(got) != 1 || got[0].Message != "m" {
		t.Fatalf("traces %v, %v", got, err)
	}
	_, err = s.TaskTraces("10000000-0000-4000-8000-999999999999")
	wantCode(t, err, CodeNotFound)
}

func TestPendingBidsOldestFirst(t *testing.T) {
	clock := &fakeClock{now: epoch}
	seq := 0
	s, err := NewStore(Config{Clock: clock, Scorer: fixedScorer{0.9},
		Seed:  Seed{Agents: []Agent{{ID: alpha, APIKey: "ka"}, {ID: bravo, APIKey: "kb"}}},
		NewID: func() string { seq++; return fmt.Sprintf("20000000-0000-4000-8000-%012d", seq) }})
	if err != nil {
		t.Fatal(err)
	}
	task := func() string {
		st, err := s.CreateTask(NewTask{Title: "t", Description: "d", Category: "c", Band: "b", PriceCents: 1})
		if err != nil {
			t.Fatal(err)
		}
		return st.ID
	}
	a, b, c := task(), task(), task()
	bid := func(agent, task string) string {
		clock.now = clock.now.Add(time.Second)
		bd, err := s.PlaceBid(agent, task, 1, "x")
		if err != nil {
			t.Fatal(err)
		}
		return bd.ID
	}
	b1 := bid(alpha, b)
	a1 := bid(alpha, a)
	a2 := bid(bravo, a)
	c1 := bid(bravo, c)
	if _, err := s.RejectBid(b, b1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcceptBid(c, c1); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range s.PendingBids() {
		got = append(got, p.ID)
	}
	if want := []string{a1, a2}; !slices.Equal(got, want) {
		t.Fatalf("pending %v, want %v (rejected, accepted and claimed tasks' bids left out)", got, want)
	}
}
