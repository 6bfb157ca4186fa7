package core

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jobtobot/jtb/mockserver/defect"
)

// FuzzCursor feeds any string to the cursor decoder and the listing: no
// panic, only cursors this store signed decode, and a decoded cursor
// re-encodes to itself. The listing answers a page or BAD_REQUEST, nothing else.
func FuzzCursor(f *testing.F) {
	s := fuzzStore(f, 30)
	first, err := s.List(ListQuery{Limit: 2})
	if err != nil || first.NextCursor == "" {
		f.Fatalf("first page: %v %+v", err, first)
	}
	for _, seed := range []string{
		first.NextCursor,
		first.NextCursor[:len(first.NextCursor)-1],
		strings.Replace(first.NextCursor, ".", "..", 1),
		"", ".", "a.b", "AAAA.AAAA", "azAw.",
	} {
		f.Add(seed, "")
		f.Add(seed, "coding")
	}
	f.Fuzz(func(t *testing.T, raw, category string) {
		kind, c, ok := s.decodeCursor(raw)
		if ok {
			if again := s.encodeCursor(kind, c); again != raw {
				t.Fatalf("decoded %q re-encodes as %q: a second spelling of a signed cursor", raw, again)
			}
		}
		page, err := s.List(ListQuery{Category: category, Cursor: raw, Limit: 3})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeBadRequest {
				t.Fatalf("List(%q): %v", raw, err)
			}
			return
		}
		if raw != "" && !ok {
			t.Fatalf("List accepted a cursor the decoder refuses: %q", raw)
		}
		if (page.NextCursor == "") == page.HasMore {
			t.Fatalf("next_cursor %q with has_more %v", page.NextCursor, page.HasMore)
		}
		for i := 1; i < len(page.Items); i++ {
			a, b := page.Items[i-1], page.Items[i]
			if a.CreatedAt.Before(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID < b.ID) {
				t.Fatalf("page not newest first at %d", i)
			}
		}
	})
}

// fuzzStore is newTestStore for any testing.TB (the fuzz engine's *testing.F).
func fuzzStore(tb testing.TB, n int) *Store {
	tb.Helper()
	seed := Seed{Agents: []Agent{{ID: alpha, Name: "alpha", APIKey: "ka"}}}
	cats := []string{"coding", "writing", "data"}
	for i := range n {
		seed.Tasks = append(seed.Tasks, NewTask{ID: fmt.Sprintf("10000000-0000-4000-8000-%012d", i), Title: "t", Description: "d",
			Category: cats[i%len(cats)], Band: "basic", PriceCents: 1500, CreatedAt: epoch.Add(-time.Duration(n-i/2) * time.Hour)})
	}
	seq := 0
	s, err := NewStore(Config{Clock: &fakeClock{now: epoch}, Seed: seed, Scorer: fixedScorer{0.9}, Defects: defect.Set{},
		NewID: func() string { seq++; return fmt.Sprintf("20000000-0000-4000-8000-%012d", seq) }})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
