package core

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jobtobot/jtb/mockserver/defect"
)

// TaskExists reports whether a task id is known (the HTTP layer's 404 step).
func (s *Store) TaskExists(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.tasks[id]
	return ok
}

var pricePattern = regexp.MustCompile(`^[0-9]+\.[0-9]{2}$`)

// ParsePrice turns a decimal string with two decimals into cents.
func ParsePrice(p string) (int64, error) {
	if !pricePattern.MatchString(p) {
		return 0, errorf(CodeBadRequest, "price: must be a decimal string with two decimals, like \"15.00\"")
	}
	whole, frac, _ := strings.Cut(p, ".")
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > math.MaxInt64/100-1 {
		return 0, errorf(CodeBadRequest, "price: out of range")
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	return w*100 + f, nil
}

// FormatPrice writes cents as "15.00".
func FormatPrice(cents int64) string {
	return strconv.FormatInt(cents/100, 10) + "." + strconv.FormatInt(cents%100/10, 10) + strconv.FormatInt(cents%10, 10)
}

func (s *Store) newTask(nt NewTask, now time.Time) (*task, error) {
	for _, f := range []struct{ name, v string }{{"title", nt.Title}, {"description", nt.Description}, {"category", nt.Category}, {"band", nt.Band}} {
		if blank(f.v) {
			return nil, errorf(CodeBadRequest, "%s: must not be empty", f.name)
		}
	}
	if nt.PriceCents < 0 {
		return nil, errorf(CodeBadRequest, "price: must not be negative")
	}
	t := &task{Task: Task{ID: nt.ID, Title: nt.Title, Description: nt.Description, Category: nt.Category,
		Band: nt.Band, PriceCents: nt.PriceCents, Status: StatusOpen, CreatedAt: nt.CreatedAt.UTC()}}
	if t.ID == "" {
		t.ID = s.cfg.NewID()
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
	return t, nil
}

// CreateTask adds a new open task (the poster's side).
func (s *Store) CreateTask(nt NewTask) (TaskState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.newTask(nt, s.nowLocked())
	if err != nil {
		return TaskState{}, err
	}
	if _, dup := s.tasks[t.ID]; dup {
		return TaskState{}, errorf(CodeConflict, "task %s already exists", t.ID)
	}
	s.tasks[t.ID] = t
	s.open.insert(t)
	s.categoryIndex(t.Category).insert(t)
	s.recordNewTask(t)
	return s.stateLocked(t), nil
}

// TaskState is the control API's full view of a task.
func (s *Store) TaskState(id string) (TaskState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.taskLocked(id)
	if err != nil {
		return TaskState{}, err
	}
	return s.stateLocked(t), nil
}

// status is the effective status: a pdqg_failed task past its deadline reads
// as pdqg_final_fail.
func (s *Store) status(t *task, now time.Time) Status {
	if t.Status == StatusPDQGFailed && !s.cfg.Defects.Has(defect.ResubmitNoDeadline) {
		if d := t.lastDelivery(); d != nil && now.After(d.ResubmitDeadline) {
			return StatusPDQGFinalFail
		}
	}
	return t.Status
}

func (t *task) lastDelivery() *Delivery {
	if len(t.deliveries) == 0 {
		return nil
	}
	return t.deliveries[len(t.deliveries)-1]
}

func (s *Store) stateLocked(t *task) TaskState {
	st := TaskState{Task: t.Task, AssignedAgentID: t.assignee}
	st.Status = s.status(t, s.nowLocked())
	st.Bids = make([]Bid, len(t.bids))
	for i, b := range t.bids {
		st.Bids[i] = *b
	}
	st.Deliveries = make([]Delivery, len(t.deliveries))
	for i, d := range t.deliveries {
		st.Deliveries[i] = *d
	}
	if st.Status == StatusPDQGFailed {
		st.ResubmitDeadline = t.lastDelivery().ResubmitDeadline
	}
	return st
}
