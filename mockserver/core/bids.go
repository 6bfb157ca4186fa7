package core

import (
	"math"
	"time"
	"unicode/utf8"

	"github.com/jobtobot/jtb/mockserver/defect"
)

// MinBid and MaxBid bound proposedPrice.
const (
	MinBid         = 0.01
	MaxBid         = 100000
	MaxCoverLetter = 5000
)

// PlaceBid records an agent's bid on an open task.
func (s *Store) PlaceBid(agentID, taskID string, price float64, coverLetter string) (Bid, error) {
	d := s.cfg.Defects
	switch {
	case math.IsNaN(price) || price > MaxBid || (price < MinBid && !d.Has(defect.BidNonpositivePrice)):
		return Bid{}, errorf(CodeBadRequest, "proposedPrice: must be between 0.01 and 100000")
	case math.Abs(price*100-math.Round(price*100)) > 1e-6:
		return Bid{}, errorf(CodeBadRequest, "proposedPrice: at most 2 decimals")
	case blank(coverLetter):
		return Bid{}, errorf(CodeBadRequest, "coverLetter: must not be empty")
	case utf8.RuneCountInString(coverLetter) > MaxCoverLetter:
		return Bid{}, errorf(CodeBadRequest, "coverLetter: at most 5000 characters")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.taskLocked(taskID)
	if err != nil {
		return Bid{}, err
	}
	if t.Status != StatusOpen && !(d.Has(defect.BidOnClaimedAllowed) && t.Status == StatusClaimed) {
		return Bid{}, errorf(CodeConflict, "task is %s, not open for bidding", s.status(t, s.nowLocked()))
	}
	if !d.Has(defect.BidDoubleAllowed) {
		for _, b := range t.bids {
			if b.AgentID == agentID {
				return Bid{}, errorf(CodeConflict, "you already placed a bid on this task")
			}
		}
	}
	if d.Has(defect.BidRaceDouble) {
		// The broken mock inserts in a second step: another bid checked
		// meanwhile is not seen, and is placed too.
		s.mu.Unlock()
		s.raceWindow(agentID + " " + taskID)
		s.mu.Lock()
	}
	b := &Bid{ID: s.cfg.NewID(), TaskID: taskID, AgentID: agentID, ProposedPrice: price,
		CoverLetter: coverLetter, Status: BidPending, CreatedAt: s.nowLocked()}
	t.bids = append(t.bids, b)
	if s.recording() {
		nb := *b
		s.record(Change{Kind: ChangeBid, TaskID: t.ID, Bid: &nb})
	}
	return *b, nil
}

// RaceWindow is how long, with the bid-race-double defect, a bid waits
// between its duplicate check and its insert for another bid of the same
// agent on the same task: wall time, long enough that two bids sent at once
// both pass the check, so the race shows every time they overlap (and only
// then: a bid alone waits the whole window, then is placed).
const RaceWindow = 40 * time.Millisecond

// raceWindow holds a checked bid until a racing one arrives or RaceWindow
// passes. The second of two racing bids releases the first at once.
func (s *Store) raceWindow(key string) {
	s.raceMu.Lock()
	if peer, ok := s.races[key]; ok {
		delete(s.races, key)
		s.raceMu.Unlock()
		close(peer)
		return
	}
	if s.races == nil {
		s.races = map[string]chan struct{}{}
	}
	mine := make(chan struct{})
	s.races[key] = mine
	s.raceMu.Unlock()
	timer := time.NewTimer(RaceWindow)
	defer timer.Stop()
	select {
	case <-mine:
	case <-timer.C:
		s.raceMu.Lock()
		if s.races[key] == mine {
			delete(s.races, key)
		}
		s.raceMu.Unlock()
	}
}

func (t *task) bid(id string) *Bid {
	for _, b := range t.bids {
		if b.ID == id {
			return b
		}
	}
	return nil
}

// AcceptBid is the poster accepting a bid: the task is claimed by its agent
// and the other pending bids are rejected.
func (s *Store) AcceptBid(taskID, bidID string) (TaskState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, b, err := s.findBid(taskID, bidID)
	if err != nil {
		return TaskState{}, err
	}
	if t.Status != StatusOpen {
		return TaskState{}, errorf(CodeConflict, "task is %s, not open", t.Status)
	}
	if err := pending(b); err != nil {
		return TaskState{}, err
	}
	var changed []BidState // only the bids that change: an accept costs no cover letters
	for _, o := range t.bids {
		if o.Status == BidPending && o != b {
			o.Status = BidRejected
			changed = append(changed, BidState{ID: o.ID, Status: BidRejected})
		}
	}
	b.Status = BidAccepted
	changed = append(changed, BidState{ID: b.ID, Status: BidAccepted})
	t.Status = StatusClaimed
	t.assignee = b.AgentID
	s.unlist(t)
	s.record(Change{Kind: ChangeBidState, TaskID: t.ID, Bids: changed, Status: t.Status, Assignee: t.assignee})
	return s.stateLocked(t), nil
}

// RejectBid is the poster turning a pending bid down.
func (s *Store) RejectBid(taskID, bidID string) (TaskState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, b, err := s.findBid(taskID, bidID)
	if err != nil {
		return TaskState{}, err
	}
	if err := pending(b); err != nil {
		return TaskState{}, err
	}
	b.Status = BidRejected
	s.record(Change{Kind: ChangeBidState, TaskID: t.ID, Bids: []BidState{{ID: b.ID, Status: BidRejected}}})
	return s.stateLocked(t), nil
}

func (s *Store) findBid(taskID, bidID string) (*task, *Bid, error) {
	t, err := s.taskLocked(taskID)
	if err != nil {
		return nil, nil, err
	}
	b := t.bid(bidID)
	if b == nil {
		return nil, nil, errorf(CodeNotFound, "bid %s not found on task %s", bidID, taskID)
	}
	return t, b, nil
}

// pending is the one check that the poster may still decide on a bid.
func pending(b *Bid) error {
	if b.Status != BidPending {
		return errorf(CodeConflict, "bid is %s, not pending", b.Status)
	}
	return nil
}
