package core

import (
	"strings"
	"time"
)

// AdvanceTaskTime moves one task's history d into the past, as if the clock
// had run d further for that task alone: its createdAt, its bids', its
// deliveries' submittedAt and resubmitDeadline, its traces' createdAt, and
// the moment every idempotency key on its routes was stored (so a key's 24
// hours run out for that task as they would if the clock had moved). The
// clock itself, and every other task, stay where they are: a shared target
// can test the 6-hour window of one task without expiring anyone else's.
//
// All of a task's times move together, so its history stays in order (a
// bid never after the delivery it led to). An open task moves down the
// newest-first listing accordingly. In all a task's history moves at most
// MaxClockOffset, the bound of the clock's own advance.
func (s *Store) AdvanceTaskTime(taskID string, d time.Duration) (TaskState, error) {
	if d < 0 {
		return TaskState{}, errorf(CodeBadRequest, "seconds must be 0 or more")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.taskLocked(taskID)
	if err != nil {
		return TaskState{}, err
	}
	if d > MaxClockOffset-t.shift {
		return TaskState{}, errorf(CodeBadRequest, "a task's time moves at most %d seconds (100 years) in all; task %s has moved %d seconds",
			int64(MaxClockOffset/time.Second), t.ID, int64(t.shift/time.Second))
	}
	s.idem.mu.Lock()
	defer s.idem.mu.Unlock()
	s.shiftTask(t, d)
	s.record(Change{Kind: ChangeTaskTime, TaskID: t.ID, Shift: d})
	return s.stateLocked(t), nil
}

// shiftTask is the one place a task's times move, live and in a replay. The
// caller holds s.mu and s.idem.mu.
func (s *Store) shiftTask(t *task, d time.Duration) {
	if d == 0 {
		return
	}
	listed := s.listed(t)
	if listed { // the indexes are ordered by createdAt: out, move, back in
		s.open.remove(t)
		s.categoryIndex(t.Category).remove(t)
	}
	t.CreatedAt = t.CreatedAt.Add(-d)
	if listed {
		s.open.insert(t)
		s.categoryIndex(t.Category).insert(t)
	}
	for _, b := range t.bids {
		b.CreatedAt = b.CreatedAt.Add(-d)
	}
	for _, del := range t.deliveries {
		del.SubmittedAt = del.SubmittedAt.Add(-d)
		if !del.ResubmitDeadline.IsZero() {
			del.ResubmitDeadline = del.ResubmitDeadline.Add(-d)
		}
	}
	for _, tr := range t.traces {
		tr.CreatedAt = tr.CreatedAt.Add(-d)
	}
	t.shift += d
	for scope, e := range s.idem.entries {
		if taskOfPath(scope.Path) == t.ID {
			e.at = e.at.Add(-d)
		}
	}
}

// taskOfPath is the task an Agent API route names (/v1/tasks/{taskId}/...),
// or "": the idempotency keys of a task are those of its routes.
func taskOfPath(p string) string {
	rest, ok := strings.CutPrefix(p, "/v1/tasks/")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	return id
}
