package core

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// traverse walks every page and returns the ids in order.
func traverse(t *testing.T, s *Store, q ListQuery, between func(page int)) []string {
	t.Helper()
	var ids []string
	for page := 0; ; page++ {
		p, err := s.List(q)
		if err != nil {
			t.Fatal(err)
		}
		if (p.NextCursor == "") == p.HasMore {
			t.Fatalf("next_cursor %q with has_more %v", p.NextCursor, p.HasMore)
		}
		for _, it := range p.Items {
			ids = append(ids, it.ID)
		}
		if !p.HasMore {
			return ids
		}
		if between != nil {
			between(page)
		}
		q.Cursor = p.NextCursor
	}
}

func TestListOrderAndTraversal(t *testing.T) {
	s := newTestStore(t, 50)
	// two tasks with the same createdAt: the larger id comes first.
	same := epoch.Add(time.Minute)
	s.CreateTask(NewTask{ID: "30000000-0000-4000-8000-00000000000a", Title: "t", Description: "d", Category: "coding", Band: "b", CreatedAt: same})
	s.CreateTask(NewTask{ID: "30000000-0000-4000-8000-00000000000b", Title: "t", Description: "d", Category: "coding", Band: "b", CreatedAt: same})
	ids := traverse(t, s, ListQuery{Limit: 7}, nil)
	if len(ids) != 52 || ids[0] != "30000000-0000-4000-8000-00000000000b" || ids[1] != "30000000-0000-4000-8000-00000000000a" {
		t.Fatalf("got %d ids starting %v", len(ids), ids[:2])
	}
	seen := map[string]bool{}
	for i, id := range ids {
		if seen[id] {
			t.Fatalf("%s twice", id)
		}
		seen[id] = true
		if i > 1 && id > ids[i-1] { // fixture ids grow with createdAt
			t.Fatalf("not newest first at %d", i)
		}
	}
	coding := traverse(t, s, ListQuery{Limit: 4, Category: "coding"}, nil)
	if len(coding) != 17+2 {
		t.Fatalf("coding: %d", len(coding))
	}
	p, _ := s.List(ListQuery{Limit: 5, Category: "nope"})
	if len(p.Items) != 0 || p.HasMore || p.TotalEstimate != 0 {
		t.Fatalf("unknown category: %+v", p)
	}
}

func TestClaimMidTraversal(t *testing.T) {
	s := newTestStore(t, 30)
	var claimedIDs []string
	ids := traverse(t, s, ListQuery{Limit: 5}, func(page int) {
		// claim one task already seen and one not yet seen
		p, _ := s.List(ListQuery{Limit: 100})
		for _, victim := range []string{p.Items[0].ID, p.Items[len(p.Items)-1].ID} {
			b, err := s.PlaceBid(alpha, victim, 1, "x")
			if err != nil {
				continue
			}
			s.AcceptBid(victim, b.ID)
			claimedIDs = append(claimedIDs, victim)
		}
	})
	seen := map[string]int{}
	for _, id := range ids {
		seen[id]++
	}
	for i := range 30 {
		id := "10000000-0000-4000-8000-0000000000" + string(rune('0'+i/10)) + string(rune('0'+i%10))
		wasClaimed := strings.Contains(strings.Join(claimedIDs, ","), id)
		if seen[id] > 1 || (seen[id] == 0 && !wasClaimed) {
			t.Fatalf("%s seen %d times (claimed %v)", id, seen[id], wasClaimed)
		}
	}
}

func TestCursorRules(t *testing.T) {
	s := newTestStore(t, 30)
	p, _ := s.List(ListQuery{Limit: 5, Category: "coding"})
	tests := []struct {
		name string
		q    ListQuery
		want Code
	}{
		{"same filter", ListQuery{Limit: 5, Category: "coding", Cursor: p.NextCursor}, ""},
		{"other filter", ListQuery{Limit: 5, Category: "data", Cursor: p.NextCursor}, CodeBadRequest},
		{"no filter", ListQuery{Limit: 5, Cursor: p.NextCursor}, CodeBadRequest},
		{"tampered", ListQuery{Limit: 5, Category: "coding", Cursor: "A" + p.NextCursor[1:]}, CodeBadRequest},
		{"truncated", ListQuery{Limit: 5, Category: "coding", Cursor: p.NextCursor[:len(p.NextCursor)-3]}, CodeBadRequest},
		{"garbage", ListQuery{Limit: 5, Category: "coding", Cursor: "eyJpZCI6Ii4uLiJ9"}, CodeBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.List(tt.q)
			wantCode(t, err, tt.want)
		})
	}
	other := newTestStore(t, 30) // another server: another key
	_, err := other.List(ListQuery{Limit: 5, Category: "coding", Cursor: p.NextCursor})
	wantCode(t, err, CodeBadRequest)
}

func TestIdempotency(t *testing.T) {
	s := newTestStore(t, 0)
	scope := IdemScope{Agent: alpha, Method: "POST", Path: "/v1/tasks/x/bids", Key: "k1"}
	body := Fingerprint([]byte(`{"a":1,"b":[1,2]}`))
	if Fingerprint([]byte(" {\"b\":[1,2],\n\"a\":1}")) != body {
		t.Fatal("fingerprint depends on key order or white space")
	}
	if Fingerprint([]byte(`{"a":2,"b":[1,2]}`)) == body {
		t.Fatal("fingerprint ignores values")
	}
	if st, err := s.IdemBegin(scope, body); st != nil || err != nil {
		t.Fatalf("first: %v %v", st, err)
	}
	_, err := s.IdemBegin(scope, body)
	wantCode(t, err, CodeKeyInUse)
	s.IdemFinish(scope, 201, []byte("answer"))
	st, err := s.IdemBegin(scope, body)
	if err != nil || st == nil || st.Status != 201 || string(st.Body) != "answer" {
		t.Fatalf("replay: %+v %v", st, err)
	}
	_, err = s.IdemBegin(scope, Fingerprint([]byte(`{"a":2}`)))
	wantCode(t, err, CodeKeyReused)
	other := scope
	other.Agent = bravo
	if st, err := s.IdemBegin(other, body); st != nil || err != nil {
		t.Fatalf("other agent shares the key: %v %v", st, err)
	}
	// errors are not stored
	s.IdemFinish(other, 403, []byte("no"))
	if st, err := s.IdemBegin(other, body); st != nil || err != nil {
		t.Fatalf("after an error: %v %v", st, err)
	}
	// kept 24 h, then forgotten
	s.Advance(IdempotencyRetention)
	if st, _ := s.IdemBegin(scope, body); st == nil {
		t.Fatal("forgotten before 24 h")
	}
	s.Advance(time.Millisecond)
	if st, err := s.IdemBegin(scope, body); st != nil || err != nil {
		t.Fatalf("kept after 24 h: %v %v", st, err)
	}
}

func bigStore(b testing.TB, n int) *Store {
	b.Helper()
	seed := Seed{Agents: []Agent{{ID: alpha, Name: "alpha", APIKey: "ka"}}}
	cats := []string{"research", "writing", "coding", "data", "summarization", "translation", "design"}
	for i := range n {
		seed.Tasks = append(seed.Tasks, NewTask{ID: "10000000-0000-4000-8000-" + pad12(i), Title: "Summarize the quarterly earnings report",
			Description: "Deliver clear, well-structured Markdown with headings, key figures and next steps.",
			Category:    cats[i%len(cats)], Band: "standard", PriceCents: 1500, CreatedAt: epoch.Add(-time.Duration(i) * time.Second)})
	}
	s, err := NewStore(Config{Clock: &fakeClock{now: epoch}, Seed: seed, Scorer: fixedScorer{0.9}, NewID: func() string { return "x" }})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func pad12(i int) string {
	s := "000000000000" + itoa(i)
	return s[len(s)-12:]
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var d []byte
	for ; i > 0; i /= 10 {
		d = append([]byte{byte('0' + i%10)}, d...)
	}
	return string(d)
}

// BenchmarkListPage shows a page costs the same at 1k and 100k tasks, and
// reports the heap the store holds.
func BenchmarkListPage(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(itoa(n), func(b *testing.B) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			s := bigStore(b, n)
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB-heap")
			first, _ := s.List(ListQuery{Limit: 20})
			deep, _ := s.List(ListQuery{Limit: 20, Cursor: first.NextCursor})
			b.ResetTimer()
			for b.Loop() {
				if _, err := s.List(ListQuery{Limit: 20, Cursor: deep.NextCursor, Category: ""}); err != nil {
					b.Fatal(err)
				}
			}
			runtime.KeepAlive(s)
		})
	}
}

// TestMemory100k: 100k tasks must fit in under 200 MB.
func TestMemory100k(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 100k tasks")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := bigStore(t, 100_000)
	runtime.GC()
	runtime.ReadMemStats(&after)
	mb := float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
	t.Logf("100k tasks: %.1f MB of heap", mb)
	if mb >= 200 {
		t.Fatalf("100k tasks take %.1f MB, want < 200", mb)
	}
	runtime.KeepAlive(s)
}
