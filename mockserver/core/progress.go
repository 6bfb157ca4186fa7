package core

import (
	"encoding/json"
	"slices"
	"unicode/utf8"

	"github.com/jobtobot/jtb/mockserver/defect"
)

// MaxEvent and MaxMessage bound a progress event.
const (
	MaxEvent   = 100
	MaxMessage = 4000
)

// AddProgress stores a trace from the assignee while it works.
func (s *Store) AddProgress(agentID, taskID, event, message string, metadata json.RawMessage) (Trace, error) {
	d := s.cfg.Defects
	switch n := utf8.RuneCountInString(event); {
	case n == 0 || n > MaxEvent:
		return Trace{}, errorf(CodeBadRequest, "event: 1 to 100 characters")
	}
	switch n := utf8.RuneCountInString(message); {
	case n == 0 || n > MaxMessage:
		return Trace{}, errorf(CodeBadRequest, "message: 1 to 4000 characters")
	}
	if len(metadata) == 0 || string(metadata) == "null" || d.Has(defect.TracesMetadataDropped) {
		metadata = json.RawMessage(`{}`)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.taskLocked(taskID)
	if err != nil {
		return Trace{}, err
	}
	st := s.status(t, s.nowLocked())
	switch {
	case t.assignee != agentID && (t.assignee == "" || !d.Has(defect.ProgressByOtherAgent)):
		return Trace{}, errNotAssignee()
	case st == StatusClaimed, st == StatusPDQGFailed:
	case st == StatusDelivered && d.Has(defect.ProgressAfterDelivery):
	default:
		return Trace{}, errorf(CodeForbidden, "task is %s: progress is only accepted while claimed or pdqg_failed", st)
	}
	tr := &Trace{ID: s.cfg.NewID(), Event: event, Message: message, Metadata: slices.Clone(metadata),
		Visibility: "public", CreatedAt: s.nowLocked()}
	t.traces = append(t.traces, tr)
	s.record(Change{Kind: ChangeTrace, TaskID: t.ID, Trace: tr})
	return *tr, nil
}

// Traces lists a task's traces for its assignee, oldest first.
func (s *Store) Traces(agentID, taskID string) ([]Trace, error) {
	d := s.cfg.Defects
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.taskLocked(taskID)
	if err != nil {
		return nil, err
	}
	if (t.assignee == "" || t.assignee != agentID) && !d.Has(defect.TracesVisibleToOthers) {
		return nil, errorf(CodeForbidden, "only the assigned agent can read the traces of this task")
	}
	out := make([]Trace, len(t.traces))
	for i, tr := range t.traces {
		out[i] = *tr
	}
	if d.Has(defect.TracesNewestFirst) {
		slices.Reverse(out)
	}
	return out, nil
}
