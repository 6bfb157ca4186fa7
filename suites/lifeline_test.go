package suites

import (
	"errors"
	"strings"
	"testing"
)

func TestLifelineGivesUpAfterSilenceInARowOnly(t *testing.T) {
	var l lifeline
	silence := errors.New("i/o timeout")
	for range maxSilent - 1 {
		if why := l.failed(silence); why != "" {
			t.Fatalf("gave up after fewer than %d silent requests: %s", maxSilent, why)
		}
	}
	l.answered() // one answer: the target is back
	for range maxSilent - 1 {
		if why := l.failed(silence); why != "" {
			t.Fatalf("an answer in between did not reset the count: %s", why)
		}
	}
	why := l.failed(silence)
	if !strings.Contains(why, "stopped answering") || !strings.Contains(why, "i/o timeout") {
		t.Fatalf("after %d silent requests in a row: %q", maxSilent, why)
	}
	if l.gone() != why {
		t.Fatalf("gone() = %q, want %q", l.gone(), why)
	}
	l.answered()
	if l.gone() == "" {
		t.Fatal("a late answer revived a run already given up")
	}
}
