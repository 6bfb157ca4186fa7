package main

import (
	"testing"
	"time"
)

func TestFlushingWriterHoldsLinesUntilFlushOrClose(t *testing.T) {
	var out syncBuffer
	// A ticker that never ticks during the test: flushing is driven by hand.
	f := newFlushingWriter(&out, time.NewTicker(time.Hour))
	f.Write([]byte("line 1\n"))
	if got := out.String(); got != "" {
		t.Fatalf("written through before a flush: %q", got)
	}
	f.Flush()
	if got := out.String(); got != "line 1\n" {
		t.Fatalf("after Flush: %q", got)
	}
	f.Write([]byte("line 2\n"))
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "line 1\nline 2\n" {
		t.Fatalf("after Close: %q, want both lines", got)
	}
}
