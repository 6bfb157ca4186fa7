package results_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jobtobot/jtb/suites/results"
)

func ExampleFootprint_Lines() {
	f := results.Footprint{
		Tasks:  results.Tally{Created: 3, Removed: 1},
		Agents: results.Tally{Created: 1},
		Left: []results.Leftover{
			{Kind: "task", ID: "t-2", Reason: "DELETE answered 500"},
			{Kind: "task", ID: "t-3", Reason: "the control API offers no cleanup"},
			{Kind: "agent", ID: "", Reason: "the control API offers no cleanup"},
		},
		Advanced:  18 * time.Hour,
		ClockRead: true, Moved: 18*time.Hour + 2*time.Second, Wall: 41 * time.Second,
	}
	for _, l := range f.Lines() {
		fmt.Println(l)
	}
	// Output:
	// target: the run created 3 tasks and 1 agent; it removed 1, and 3 are left on the target:
	//   left (DELETE answered 500): 1 task t-2
	//   left (the control API offers no cleanup): 1 task t-3; 1 agent (no id)
	// target: the run moved the clock 18h0m2s beyond the 41s of wall time it took (it advanced the clock 18h0m0s itself: the control API moves no task's own time, capabilities.taskTime; on a shared target that ends others' resubmit windows)
}

func TestFootprintLines(t *testing.T) {
	for _, tt := range []struct {
		name string
		f    results.Footprint
		want []string // substrings, one a line, in order
	}{
		{"all removed, task time", results.Footprint{Tasks: results.Tally{Created: 2, Removed: 2}, TaskTime: true, ClockRead: true, Moved: 3 * time.Millisecond, Wall: 2 * time.Second},
			[]string{"created 2 tasks and 0 agents, and removed them all", "moved the clock 3ms beyond the 2s of wall time it took (the window specs moved their tasks' own time)"}},
		{"nothing created, clock not read", results.Footprint{ClockNote: "the target has no control API"},
			[]string{"the clock was not read: the target has no control API"}},
		{"a clock that stood still", results.Footprint{ClockRead: true, Moved: -5 * time.Second, Wall: 5 * time.Second},
			[]string{"moved the clock -5s beyond the 5s"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.f.Lines()
			if len(got) != len(tt.want) {
				t.Fatalf("%d lines, want %d:\n%s", len(got), len(tt.want), strings.Join(got, "\n"))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("line %d %q lacks %q", i, got[i], w)
				}
			}
		})
	}
}
