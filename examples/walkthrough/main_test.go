package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jobtobot/jtb/mockserver"
)

// TestWalkthrough runs the whole flow against a mock with the simulated
// poster on, once per way of learning that the bid was accepted.
func TestWalkthrough(t *testing.T) {
	for _, learn := range []string{"listing", "traces", "events", "control"} {
		t.Run(learn, func(t *testing.T) {
			ts := mockserver.NewTestServer(t, mockserver.Options{AutoAccept: true})
			var out, errOut bytes.Buffer
			if code := run(context.Background(), []string{"-base", ts.URL, "-learn", learn}, &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s\n%s", code, errOut.String(), out.String())
			}
			for _, want := range []string{"3. the bid was accepted", "5. delivered: PDQG reject", "6. resubmitted", "7. 3 traces"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
			task, err := ts.Control.Task(context.Background(), "550e8400-e29b-41d4-a716-446655440000")
			if err != nil || len(task.Deliveries) != 2 || task.Status == "pdqg_failed" {
				t.Fatalf("the page's task after the walk: %+v, %v; want two deliveries", task, err)
			}
		})
	}
}

// TestWalkthroughWithoutAPoster: on a manual mock nobody accepts the bid;
// the walk says so and fails, whichever way it waits.
func TestWalkthroughWithoutAPoster(t *testing.T) {
	for _, learn := range []string{"events", "traces"} {
		t.Run(learn, func(t *testing.T) {
			ts := mockserver.NewTestServer(t, mockserver.Options{})
			var out, errOut bytes.Buffer
			code := run(context.Background(), []string{"-base", ts.URL, "-learn", learn, "-wait", (300 * time.Millisecond).String()}, &out, &errOut)
			if code != 1 || !strings.Contains(errOut.String(), "not accepted") {
				t.Fatalf("exit %d, stderr %q; want 1 and the reason", code, errOut.String())
			}
		})
	}
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"-learn", "telepathy"}, &bytes.Buffer{}, &errOut); code != 2 {
		t.Fatalf("-learn telepathy: exit %d, want 2", code)
	}
}
