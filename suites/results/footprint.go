package results

import (
	"cmp"
	"fmt"
	"strings"
	"time"
)

// Footprint is what a run did to its target beyond its verdict: the tasks
// and agents it created and what of them it could not remove, and how far
// it moved the target's clock. On a staging that others use, both are
// theirs to live with.
type Footprint struct {
	Tasks  Tally `json:"tasks"`
	Agents Tally `json:"agents"`
	// Left is what the run created and could not remove, in the order it
	// was created.
	Left []Leftover `json:"left,omitempty"`
	// TaskTime: the control API moves one task's time (capabilities.taskTime),
	// so the window specs did not move the clock.
	TaskTime bool `json:"taskTime"`
	// Advanced is how far the run asked the target to move its clock.
	Advanced time.Duration `json:"advanced"`
	// ClockRead: the clock was read at the start and the end of the run;
	// then Moved is how far it moved beyond the Wall time that passed.
	ClockRead bool          `json:"clockRead"`
	Moved     time.Duration `json:"moved"`
	Wall      time.Duration `json:"wall"`
	// ClockNote says why the clock was not read.
	ClockNote string `json:"clockNote,omitempty"`
}

// Tally counts what a run created and removed of one kind.
type Tally struct {
	Created int `json:"created"`
	Removed int `json:"removed"`
}

// Leftover is one thing a run created and could not remove.
type Leftover struct {
	Kind   string `json:"kind"` // "task" or "agent"
	ID     string `json:"id"`   // "" when the control API gave none
	Reason string `json:"reason"`
}

// Lines says the footprint in a few lines: what was created and whether it
// is gone (what is left, by reason, with every id), then the clock.
func (f Footprint) Lines() []string {
	var lines []string
	if f.Tasks.Created+f.Agents.Created > 0 {
		created := fmt.Sprintf("target: the run created %s and %s", count(f.Tasks.Created, "task"), count(f.Agents.Created, "agent"))
		if len(f.Left) == 0 {
			lines = append(lines, created+", and removed them all")
		} else {
			lines = append(lines, fmt.Sprintf("%s; it removed %d, and %d are left on the target:", created,
				f.Tasks.Removed+f.Agents.Removed, len(f.Left)))
		}
	}
	var reasons []string
	byReason := map[string][]Leftover{}
	for _, l := range f.Left {
		if _, ok := byReason[l.Reason]; !ok {
			reasons = append(reasons, l.Reason)
		}
		byReason[l.Reason] = append(byReason[l.Reason], l)
	}
	for _, r := range reasons {
		ls := byReason[r]
		var parts []string
		for _, kind := range []string{"task", "agent"} {
			var ids []string
			for _, l := range ls {
				if l.Kind == kind {
					ids = append(ids, cmp.Or(l.ID, "(no id)"))
				}
			}
			if len(ids) > 0 {
				parts = append(parts, count(len(ids), kind)+" "+strings.Join(ids, " "))
			}
		}
		lines = append(lines, fmt.Sprintf("  left (%s): %s", r, strings.Join(parts, "; ")))
	}
	switch {
	case f.ClockRead:
		moved := f.Moved
		if moved < 0 && moved > -time.Second {
			moved = 0 // the jitter of reading two clocks at two moments, not a clock that stood still
		}
		line := fmt.Sprintf("target: the run moved the clock %s beyond the %s of wall time it took", round(moved), round(f.Wall))
		switch {
		case f.TaskTime:
			line += " (the window specs moved their tasks' own time)"
		case f.Advanced > 0:
			line += fmt.Sprintf(" (it advanced the clock %s itself: the control API moves no task's own time, capabilities.taskTime;"+
				" on a shared target that ends others' resubmit windows)", round(f.Advanced))
		}
		lines = append(lines, line)
	case f.ClockNote != "":
		lines = append(lines, "target: the clock was not read: "+f.ClockNote)
	}
	return lines
}

func round(d time.Duration) time.Duration {
	if d < 0 && d > -time.Second || d >= 0 && d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}

func count(n int, noun string) string {
	if n != 1 {
		noun += "s"
	}
	return fmt.Sprintf("%d %s", n, noun)
}
