package main

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"
)

// The bare handler answers with a real 201 for BidBody; wrk must send that
// same body, or the two servers are measured on different requests.
func TestBidsScriptSendsBidBody(t *testing.T) {
	b, err := os.ReadFile("../wrk/bids.lua")
	if err != nil {
		t.Fatal(err)
	}
	if want := "local body = '" + BidBody + "'"; !strings.Contains(string(b), want) {
		t.Errorf("wrk/bids.lua does not send BidBody; want the line\n%s", want)
	}
}

func TestScorerInput(t *testing.T) {
	fsys := fstest.MapFS{
		"b.md":     {Data: []byte("Zweite Lieferung: Wärmepumpen in Norwegen.")},
		"a.md":     {Data: []byte("First delivery.")},
		"note.txt": {Data: []byte("not a delivery")},
	}
	const n = 1000
	got, err := scorerInput(fsys, n)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) > n || len(got) < n-utf8.UTFMax || !utf8.ValidString(got) {
		t.Errorf("input is %d bytes (valid UTF-8: %v), want about %d", len(got), utf8.ValidString(got), n)
	}
	if !strings.HasPrefix(got, "## Part 0\n\nFirst delivery.\n\n## Part 1\n\nZweite") || strings.Contains(got, "not a delivery") {
		t.Errorf("want the .md files in name order, numbered, and nothing else:\n%.200s", got)
	}
	if _, err := scorerInput(fstest.MapFS{}, n); err == nil {
		t.Error("an empty directory gave an input")
	}
}
