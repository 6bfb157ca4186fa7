package core

import (
	"math"
	"slices"
	"time"

	"github.com/jobtobot/jtb/mockserver/defect"
)

// PinScores queues the scores the next deliveries of a task will get.
func (s *Store) PinScores(taskID string, scores []float64) ([]float64, error) {
	for _, v := range scores {
		if math.IsNaN(v) || v < 0 || v > 1 {
			return nil, errorf(CodeBadRequest, "scores: each must be between 0 and 1")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.taskLocked(taskID)
	if err != nil {
		return nil, err
	}
	t.pinned = append(t.pinned, scores...)
	s.record(Change{Kind: ChangePin, TaskID: t.ID, Pinned: slices.Clone(scores)})
	return slices.Clone(t.pinned), nil
}

// Deliver is the first delivery of the assignee, scored by the PDQG.
func (s *Store) Deliver(agentID, taskID, content string) (Delivery, error) {
	return s.submit(agentID, taskID, content, 1, s.mayDeliver)
}

// Resubmit is the one second attempt after a PDQG reject, within 6 hours.
func (s *Store) Resubmit(agentID, taskID, content string) (Delivery, error) {
	return s.submit(agentID, taskID, content, 2, s.mayResubmit)
}

func (s *Store) mayDeliver(t *task, agentID string, now time.Time) error {
	d := s.cfg.Defects
	st := s.status(t, now)
	switch {
	case st == StatusOpen:
		return errorf(CodeForbidden, "task is open: only the assigned agent of a claimed task can deliver")
	case t.assignee != agentID && !d.Has(defect.DeliverByOtherAgent):
		return errNotAssignee()
	case st != StatusClaimed && !d.Has(defect.DeliverTwiceAllowed):
		return errorf(CodeConflict, "task already has a delivery (status %s)", st)
	}
	return nil
}

func (s *Store) mayResubmit(t *task, agentID string, now time.Time) error {
	d := s.cfg.Defects
	st := s.status(t, now)
	again := d.Has(defect.ResubmitTwice) && len(t.deliveries) >= 2
	switch {
	case t.assignee != agentID:
		return errNotAssignee()
	case st == StatusPDQGFinalFail && t.Status == StatusPDQGFailed:
		return errorf(CodeForbidden, "the 6-hour resubmit window has passed")
	case st != StatusPDQGFailed && !again:
		return errorf(CodeForbidden, "task is %s: resubmit is only allowed once, after a PDQG reject", st)
	case len(t.deliveries) >= 2 && !again:
		return errorf(CodeForbidden, "the one resubmit was already used")
	}
	return nil
}

// submit runs one delivery attempt. The reference scorer runs outside the
// store's lock: a 1 MiB delivery takes milliseconds to score, and every other
// request would wait for it. A task's title, description and category never
// change, so the score cannot go stale; whether the attempt is allowed is
// checked before scoring (a refused attempt is not scored) and again under
// the lock that applies it.
func (s *Store) submit(agentID, taskID, content string, attempt int, allowed func(*task, string, time.Time) error) (Delivery, error) {
	if blank(content) && !s.cfg.Defects.Has(defect.DeliverEmptyScored) {
		return Delivery{}, errorf(CodeBadRequest, "content: must not be empty")
	}
	in, pinned, err := s.scoreInput(agentID, taskID, allowed)
	if err != nil {
		return Delivery{}, err
	}
	var ref *Score
	if !pinned {
		sc := s.cfg.Scorer.Score(in, content)
		ref = &sc
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.taskLocked(taskID)
	if err != nil {
		return Delivery{}, err
	}
	now := s.nowLocked()
	if err := allowed(t, agentID, now); err != nil {
		return Delivery{}, err
	}
	return s.score(t, attempt, content, ref, now), nil
}

// scoreInput checks that the attempt is allowed now and returns what the
// scorer reads of the task, and whether a pinned score waits for it.
func (s *Store) scoreInput(agentID, taskID string, allowed func(*task, string, time.Time) error) (ScoreInput, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.taskLocked(taskID)
	if err != nil {
		return ScoreInput{}, false, err
	}
	if err := allowed(t, agentID, s.nowLocked()); err != nil {
		return ScoreInput{}, false, err
	}
	return ScoreInput{Title: t.Title, Description: t.Description, Category: t.Category}, len(t.pinned) > 0, nil
}

// Verdict maps a score to its verdict: reject < 0.40 ≤ warn ≤ 0.65 < pass.
func Verdict(score float64, d defect.Set) string {
	switch {
	case score < 0.40, d.Has(defect.PDQG040Rejected) && score <= 0.40:
		return VerdictReject
	case score <= 0.65 && !(d.Has(defect.PDQG065Pass) && score == 0.65):
		return VerdictWarn
	default:
		return VerdictPass
	}
}

// score applies the gate's verdict and moves the task: a pinned score first,
// else ref, the reference score computed outside the lock (or, when a pinned
// score it expected was taken meanwhile, computed here).
func (s *Store) score(t *task, attempt int, content string, ref *Score, now time.Time) Delivery {
	d := s.cfg.Defects
	var sc Score
	popped := len(t.pinned) > 0
	switch {
	case popped:
		sc = Score{Score: t.pinned[0], Version: "pinned"}
		t.pinned = t.pinned[1:]
	case ref != nil:
		sc = *ref
	default:
		sc = s.cfg.Scorer.Score(ScoreInput{Title: t.Title, Description: t.Description, Category: t.Category}, content)
	}
	del := &Delivery{ID: s.cfg.NewID(), TaskID: t.ID, Attempt: attempt, Score: sc.Score,
		Verdict: Verdict(sc.Score, d), ScorerVersion: sc.Version, Criteria: sc.Criteria, SubmittedAt: now, Content: content}
	switch {
	case del.Verdict != VerdictReject:
		del.Status = StatusDelivered
	case attempt == 1:
		del.Status = StatusPDQGFailed
		del.ResubmitDeadline = now.Add(ResubmitWindow)
	case d.Has(defect.ResubmitFailStaysFailed):
		del.Status = StatusPDQGFailed
		if prev := t.lastDelivery(); prev != nil {
			del.ResubmitDeadline = prev.ResubmitDeadline
		}
	default:
		del.Status = StatusPDQGFinalFail
	}
	t.Status = del.Status
	t.deliveries = append(t.deliveries, del)
	if s.recording() {
		nd := *del
		s.record(Change{Kind: ChangeDelivery, TaskID: t.ID, Delivery: &nd, PopPinned: popped})
	}
	out := *del
	if d.Has(defect.ResubmitNoDeadlineField) {
		out.ResubmitDeadline = time.Time{}
	}
	return out
}
