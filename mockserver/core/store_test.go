package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jobtobot/jtb/mockserver/defect"
)

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

type fixedScorer struct{ score float64 }

func (f fixedScorer) Score(ScoreInput, string) Score { return Score{Score: f.score, Version: "fixed"} }

const (
	alpha = "00000000-0000-4000-8000-00000000000a"
	bravo = "00000000-0000-4000-8000-00000000000b"
)

// newTestStore has two agents and n open tasks, one hour apart, ids in order.
func newTestStore(t *testing.T, n int, defects ...string) *Store {
	t.Helper()
	seq := 0
	seed := Seed{Agents: []Agent{{ID: alpha, Name: "alpha", APIKey: "ka"}, {ID: bravo, Name: "bravo", APIKey: "kb"}}}
	cats := []string{"coding", "writing", "data"}
	for i := range n {
		seed.Tasks = append(seed.Tasks, NewTask{ID: fmt.Sprintf("10000000-0000-4000-8000-%012d", i), Title: "t", Description: "d",
			Category: cats[i%len(cats)], Band: "basic", PriceCents: 1500, CreatedAt: epoch.Add(-time.Duration(n-i) * time.Hour)})
	}
	d := defect.Set{}
	for _, name := range defects {
		d[name] = true
	}
	s, err := NewStore(Config{Clock: &fakeClock{now: epoch}, Seed: seed, Scorer: fixedScorer{0.9}, Defects: d,
		NewID: func() string { seq++; return fmt.Sprintf("20000000-0000-4000-8000-%012d", seq) }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func wantCode(t *testing.T, err error, code Code) {
	t.Helper()
	var got Code
	var e *Error
	if errors.As(err, &e) {
		got = e.Code
	} else if err != nil {
		t.Fatalf("not a core error: %v", err)
	}
	if got != code {
		t.Fatalf("got %q (%v), want %q", got, err, code)
	}
}

// claimed returns a task claimed by alpha.
func claimed(t *testing.T, s *Store) string {
	t.Helper()
	st, err := s.CreateTask(NewTask{Title: "t", Description: "d", Category: "coding", Band: "basic", PriceCents: 100})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.PlaceBid(alpha, st.ID, 5, "me")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcceptBid(st.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	return st.ID
}

func TestPlaceBid(t *testing.T) {
	tests := []struct {
		name   string
		price  float64
		letter string
		want   Code
	}{
		{"valid", 12.5, "I can do it", ""},
		{"minimum", 0.01, "x", ""},
		{"maximum", 100000, "x", ""},
		{"zero", 0, "x", CodeBadRequest},
		{"negative", -1, "x", CodeBadRequest},
		{"above maximum", 100000.01, "x", CodeBadRequest},
		{"three decimals", 1.234, "x", CodeBadRequest},
		{"NaN", math.NaN(), "x", CodeBadRequest},
		{"blank letter", 5, "  \n", CodeBadRequest},
		{"letter too long", 5, strings.Repeat("é", 5001), CodeBadRequest},
		{"letter at limit", 5, strings.Repeat("é", 5000), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t, 3)
			b, err := s.PlaceBid(alpha, fmt.Sprintf("10000000-0000-4000-8000-%012d", 1), tt.price, tt.letter)
			wantCode(t, err, tt.want)
			if err == nil && (b.Status != BidPending || b.AgentID != alpha || !b.CreatedAt.Equal(epoch)) {
				t.Fatalf("bid %+v", b)
			}
		})
	}
}

func TestBidConflicts(t *testing.T) {
	s := newTestStore(t, 1)
	task := "10000000-0000-4000-8000-000000000000"
	_, err := s.PlaceBid(alpha, "10000000-0000-4000-8000-000000000099", 5, "x")
	wantCode(t, err, CodeNotFound)
	first, err := s.PlaceBid(alpha, task, 5, "x")
	wantCode(t, err, "")
	_, err = s.PlaceBid(alpha, task, 6, "again")
	wantCode(t, err, CodeConflict)
	second, err := s.PlaceBid(bravo, task, 6, "me too")
	wantCode(t, err, "")
	if _, err := s.RejectBid(task, second.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.PlaceBid(bravo, task, 6, "after rejection")
	wantCode(t, err, CodeConflict)
	if _, err := s.AcceptBid(task, first.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.PlaceBid(bravo, task, 6, "on claimed")
	wantCode(t, err, CodeConflict)
}

func TestAcceptAndReject(t *testing.T) {
	s := newTestStore(t, 1)
	task := "10000000-0000-4000-8000-000000000000"
	a, _ := s.PlaceBid(alpha, task, 5, "x")
	b, _ := s.PlaceBid(bravo, task, 5, "y")
	_, err := s.AcceptBid(task, "20000000-0000-4000-8000-000000000999")
	wantCode(t, err, CodeNotFound)
	st, err := s.AcceptBid(task, a.ID)
	wantCode(t, err, "")
	if st.Status != StatusClaimed || st.AssignedAgentID != alpha || st.Bids[0].Status != BidAccepted || st.Bids[1].Status != BidRejected {
		t.Fatalf("after accept: %+v", st)
	}
	_, err = s.AcceptBid(task, a.ID)
	wantCode(t, err, CodeConflict)
	_, err = s.RejectBid(task, b.ID)
	wantCode(t, err, CodeConflict)
	page, _ := s.List(ListQuery{Limit: 10})
	if len(page.Items) != 0 || page.TotalEstimate != 0 {
		t.Fatalf("claimed task still listed: %+v", page)
	}
}

func TestVerdict(t *testing.T) {
	tests := []struct {
		score float64
		want  string
	}{{0, VerdictReject}, {0.39, VerdictReject}, {0.3999, VerdictReject}, {0.40, VerdictWarn}, {0.5, VerdictWarn},
		{0.65, VerdictWarn}, {0.6501, VerdictPass}, {1, VerdictPass}}
	for _, tt := range tests {
		if got := Verdict(tt.score, nil); got != tt.want {
			t.Errorf("Verdict(%v) = %s, want %s", tt.score, got, tt.want)
		}
	}
	if got := Verdict(0.40, defect.Set{defect.PDQG040Rejected: true}); got != VerdictReject {
		t.Errorf("pdqg-040-rejected: %s", got)
	}
	if got := Verdict(0.65, defect.Set{defect.PDQG065Pass: true}); got != VerdictPass {
		t.Errorf("pdqg-065-pass: %s", got)
	}
}

// TestDeliveryStateMachine walks every transition of delivery and resubmit,
// legal and illegal.
func TestDeliveryStateMachine(t *testing.T) {
	type step struct {
		op      string // deliver, resubmit, advance
		agent   string
		content string
		score   float64
		advance time.Duration
		code    Code
		status  Status // task status after the step
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"pass", []step{{op: "deliver", agent: alpha, score: 0.9, status: StatusDelivered}}},
		{"warn at 0.40", []step{{op: "deliver", agent: alpha, score: 0.40, status: StatusDelivered}}},
		{"deliver twice", []step{{op: "deliver", agent: alpha, score: 0.9, status: StatusDelivered},
			{op: "deliver", agent: alpha, score: 0.9, code: CodeConflict, status: StatusDelivered}}},
		{"deliver after reject", []step{{op: "deliver", agent: alpha, score: 0.1, status: StatusPDQGFailed},
			{op: "deliver", agent: alpha, score: 0.9, code: CodeConflict, status: StatusPDQGFailed}}},
		{"other agent delivers", []step{{op: "deliver", agent: bravo, score: 0.9, code: CodeForbidden, status: StatusClaimed}}},
		{"empty content", []step{{op: "deliver", agent: alpha, content: " \n\t", code: CodeBadRequest, status: StatusClaimed}}},
		{"resubmit before any delivery", []step{{op: "resubmit", agent: alpha, score: 0.9, code: CodeForbidden, status: StatusClaimed}}},
		{"resubmit after pass", []step{{op: "deliver", agent: alpha, score: 0.9, status: StatusDelivered},
			{op: "resubmit", agent: alpha, score: 0.9, code: CodeForbidden, status: StatusDelivered}}},
		{"resubmit passes", []step{{op: "deliver", agent: alpha, score: 0.2, status: StatusPDQGFailed},
			{op: "resubmit", agent: alpha, score: 0.5, status: StatusDelivered}}},
		{"resubmit fails", []step{{op: "deliver", agent: alpha, score: 0.2, status: StatusPDQGFailed},
			{op: "resubmit", agent: alpha, score: 0.3, status: StatusPDQGFinalFail},
			{op: "resubmit", agent: alpha, score: 0.9, code: CodeForbidden, status: StatusPDQGFinalFail}}},
		{"second resubmit", []step{{op: "deliver", agent: alpha, score: 0.2, status: StatusPDQGFailed},
			{op: "resubmit", agent: alpha, score: 0.9, status: StatusDelivered},
			{op: "resubmit", agent: alpha, score: 0.9, code: CodeForbidden, status: StatusDelivered}}},
		{"resubmit by other agent", []step{{op: "deliver", agent: alpha, score: 0.2, status: StatusPDQGFailed},
			{op: "resubmit", agent: bravo, score: 0.9, code: CodeForbidden, status: StatusPDQGFailed}}},
		{"resubmit exactly at the deadline", []step{{op: "deliver", agent: alpha, score: 0.2, status: StatusPDQGFailed},
			{op: "advance", advance: 6 * time.Hour, status: StatusPDQGFailed},
			{op: "resubmit", agent: alpha, score: 0.9, status: StatusDelivered}}},
		{"resubmit after the deadline", []step{{op: "deliver", agent: alpha, score: 0.2, status: StatusPDQGFailed},
			{op: "advance", advance: 6*time.Hour + time.Millisecond, status: StatusPDQGFinalFail},
			{op: "resubmit", agent: alpha, score: 0.9, code: CodeForbidden, status: StatusPDQGFinalFail}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t, 0)
			task := claimed(t, s)
			for i, st := range tt.steps {
				content := st.content
				if content == "" {
					content = "work"
				}
				var err error
				var d Delivery
				switch st.op {
				case "deliver":
					s.PinScores(task, []float64{st.score})
					d, err = s.Deliver(st.agent, task, content)
				case "resubmit":
					s.PinScores(task, []float64{st.score})
					d, err = s.Resubmit(st.agent, task, content)
				case "advance":
					s.Advance(st.advance)
				}
				wantCode(t, err, st.code)
				if err == nil && st.op != "advance" {
					if d.Status != st.status || (d.Status == StatusPDQGFailed) != !d.ResubmitDeadline.IsZero() {
						t.Fatalf("step %d: delivery %+v", i, d)
					}
					if want := map[string]int{"deliver": 1, "resubmit": 2}[st.op]; d.Attempt != want {
						t.Fatalf("step %d: attempt %d", i, d.Attempt)
					}
				}
				if err != nil {
					s.PinScores(task, nil)
					s.mu.Lock()
					s.tasks[task].pinned = nil // an error must not consume the pin; drop it for the next step
					s.mu.Unlock()
				}
				got, _ := s.TaskState(task)
				if got.Status != st.status {
					t.Fatalf("step %d (%s): status %s, want %s", i, st.op, got.Status, st.status)
				}
			}
		})
	}
}

func TestDeliverOnOpenTask(t *testing.T) {
	s := newTestStore(t, 1)
	_, err := s.Deliver(alpha, "10000000-0000-4000-8000-000000000000", "work")
	wantCode(t, err, CodeForbidden)
	_, err = s.Deliver(alpha, "10000000-0000-4000-8000-000000000099", "work")
	wantCode(t, err, CodeNotFound)
}

func TestProgressAndTraces(t *testing.T) {
	tests := []struct {
		name  string
		setup func(s *Store, task string)
		agent string
		want  Code
	}{
		{"claimed", func(*Store, string) {}, alpha, ""},
		{"other agent", func(*Store, string) {}, bravo, CodeForbidden},
		{"pdqg_failed", func(s *Store, task string) { s.PinScores(task, []float64{0.1}); s.Deliver(alpha, task, "w") }, alpha, ""},
		{"delivered", func(s *Store, task string) { s.PinScores(task, []float64{0.9}); s.Deliver(alpha, task, "w") }, alpha, CodeForbidden},
		{"final fail by deadline", func(s *Store, task string) {
			s.PinScores(task, []float64{0.1})
			s.Deliver(alpha, task, "w")
			s.Advance(7 * time.Hour)
		}, alpha, CodeForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t, 0)
			task := claimed(t, s)
			tt.setup(s, task)
			_, err := s.AddProgress(tt.agent, task, "step_completed", "did it", json.RawMessage(`{"n":1}`))
			wantCode(t, err, tt.want)
		})
	}

	s := newTestStore(t, 1)
	task := claimed(t, s)
	for i, meta := range []string{`{"pages":47,"nested":{"a":[1,"x",null]}}`, ``, `{}`} {
		if _, err := s.AddProgress(alpha, task, fmt.Sprintf("e%d", i), "m", json.RawMessage(meta)); err != nil {
			t.Fatal(err)
		}
	}
	traces, err := s.Traces(alpha, task)
	wantCode(t, err, "")
	if len(traces) != 3 || traces[0].Event != "e0" || string(traces[0].Metadata) != `{"pages":47,"nested":{"a":[1,"x",null]}}` || string(traces[1].Metadata) != `{}` {
		t.Fatalf("traces %+v", traces)
	}
	_, err = s.Traces(bravo, task)
	wantCode(t, err, CodeForbidden)
	_, err = s.Traces(alpha, "10000000-0000-4000-8000-000000000000")
	wantCode(t, err, CodeForbidden) // nobody is assigned
	for _, bad := range []struct{ event, message string }{{"", "m"}, {strings.Repeat("e", 101), "m"}, {"e", ""}, {"e", strings.Repeat("m", 4001)}} {
		_, err := s.AddProgress(alpha, task, bad.event, bad.message, nil)
		wantCode(t, err, CodeBadRequest)
	}
}

func TestResetRestoresSeed(t *testing.T) {
	s := newTestStore(t, 5)
	claimed(t, s)
	s.CreateAgent("x")
	s.Advance(time.Hour)
	tasks, agents, err := s.Reset()
	if err != nil || tasks != 5 || agents != 2 || !s.Now().Equal(epoch) {
		t.Fatalf("reset: %d %d %v now %v", tasks, agents, err, s.Now())
	}
	if _, err := s.Advance(-time.Second); err == nil {
		t.Fatal("negative advance accepted")
	}
}

// The clock runs at most MaxClockOffset ahead: beyond it an advance is a
// client mistake, refused whole, never an overflow that moves time backwards.
func TestAdvanceIsBounded(t *testing.T) {
	s := newTestStore(t, 1)
	if _, err := s.Advance(MaxClockOffset - time.Hour); err != nil {
		t.Fatal(err)
	}
	before := s.Now()
	var e *Error
	if _, err := s.Advance(2 * time.Hour); !errors.As(err, &e) || e.Code != CodeBadRequest {
		t.Fatalf("advance past the bound: %v, want a BAD_REQUEST", err)
	}
	if !s.Now().Equal(before) {
		t.Fatalf("a refused advance moved the clock from %v to %v", before, s.Now())
	}
	if _, err := s.Advance(time.Hour); err != nil {
		t.Fatalf("advance up to the bound: %v", err)
	}
}

func TestPriceFormat(t *testing.T) {
	for _, tt := range []struct {
		in    string
		cents int64
		ok    bool
	}{{"15.00", 1500, true}, {"0.05", 5, true}, {"1234.56", 123456, true}, {"15", 0, false}, {"15.0", 0, false}, {"-1.00", 0, false}, {"1.234", 0, false}} {
		got, err := ParsePrice(tt.in)
		if (err == nil) != tt.ok || got != tt.cents {
			t.Errorf("ParsePrice(%q) = %d, %v", tt.in, got, err)
		}
		if tt.ok && FormatPrice(got) != tt.in {
			t.Errorf("FormatPrice(%d) = %s", got, FormatPrice(got))
		}
	}
}

// gateScorer holds a scoring until the test lets it go.
type gateScorer struct{ entered, release chan struct{} }

func (g gateScorer) Score(ScoreInput, string) Score {
	close(g.entered)
	<-g.release
	return Score{Score: 0.9, Version: "gate"}
}

// Scoring a large delivery takes milliseconds: it must not hold the store,
// or every other request of the mock waits for it.
func TestScoringDoesNotHoldTheStore(t *testing.T) {
	s := newTestStore(t, 3)
	id := claimed(t, s)
	gate := gateScorer{entered: make(chan struct{}), release: make(chan struct{})}
	s.cfg.Scorer = gate
	done := make(chan error, 1)
	go func() {
		_, err := s.Deliver(alpha, id, "the work")
		done <- err
	}()
	<-gate.entered
	listed := make(chan error, 1)
	go func() {
		_, err := s.List(ListQuery{Limit: 5})
		listed <- err
	}()
	select {
	case err := <-listed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second): // a guard only: the listing answers at once unless the lock is held
		t.Fatal("a listing waited for a delivery being scored")
	}
	close(gate.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st, _ := s.TaskState(id); st.Status != StatusDelivered {
		t.Fatalf("status %s after the delivery, want delivered", st.Status)
	}
}
