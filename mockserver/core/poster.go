package core

import (
	"slices"
	"sort"
	"strings"
	"time"
)

// The poster's view: what the control API shows of every task, and what the
// simulated poster (jtb mock --auto-accept) needs to decide.

// TaskQuery selects tasks for the poster's list, newest first (createdAt,
// then id, descending, like the Agent API's listing).
type TaskQuery struct {
	Statuses []Status // matched against the effective status; empty: any
	Agent    string   // the tasks this agent bid on; "": any
	// PendingBids keeps the tasks with a bid the poster has still to decide.
	PendingBids bool
	// After continues a list: only tasks older than (AfterAt, AfterID).
	AfterAt time.Time
	AfterID string
	Limit   int // at least 1
}

// TaskList is one page of the poster's list.
type TaskList struct {
	Items []TaskState
	Total int  // the tasks that match, over all pages
	More  bool // older matching tasks follow the last item
}

// Tasks lists tasks with their full state. It walks every task (the control
// API is a developer's view, not a hot path): O(n log n).
func (s *Store) Tasks(q TaskQuery) TaskList {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.nowLocked()
	var match []*task
	for _, t := range s.tasks {
		if len(q.Statuses) > 0 && !slices.Contains(q.Statuses, s.status(t, now)) {
			continue
		}
		if q.Agent != "" && !slices.ContainsFunc(t.bids, func(b *Bid) bool { return b.AgentID == q.Agent }) {
			continue
		}
		if q.PendingBids && !slices.ContainsFunc(t.bids, func(b *Bid) bool { return b.Status == BidPending }) {
			continue
		}
		match = append(match, t)
	}
	slices.SortFunc(match, func(a, b *task) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	start := 0
	if q.AfterID != "" {
		// The first task older than the cursor's: the cursor's task may have
		// left the selection since (a status filter), its place has not.
		after := &task{Task: Task{ID: q.AfterID, CreatedAt: q.AfterAt}}
		start = sort.Search(len(match), func(i int) bool { return less(match[i].CreatedAt, match[i].ID, after) })
	}
	list := TaskList{Total: len(match)}
	end := min(len(match), start+max(q.Limit, 1))
	for _, t := range match[start:end] {
		list.Items = append(list.Items, s.stateLocked(t))
	}
	list.More = end < len(match)
	return list
}

// TaskTraces is every trace of a task, oldest first, whoever asks: the
// poster's "Watch It Work" view, not an agent's (Traces checks the assignee).
func (s *Store) TaskTraces(taskID string) ([]Trace, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.taskLocked(taskID)
	if err != nil {
		return nil, err
	}
	out := make([]Trace, len(t.traces))
	for i, tr := range t.traces {
		out[i] = *tr
	}
	return out, nil
}

// PendingBids is every pending bid on an open task, oldest first (a task's
// bids in the order they were placed): what the simulated poster has still
// to decide when it is switched on.
func (s *Store) PendingBids() []Bid {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Bid
	for _, t := range s.tasks {
		if t.Status != StatusOpen {
			continue
		}
		for _, b := range t.bids {
			if b.Status == BidPending {
				out = append(out, *b)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Bid) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out
}
