package core

import (
	"fmt"
	"slices"
	"time"

	"github.com/jobtobot/jtb/mockserver/defect"
)

// ChangeKind names what a Change does.
type ChangeKind string

// The kinds of Change. A change is the size of what it changes, never of the
// task it touches: the (n+1)th bid on a task journals one bid, not n+1.
// Reset, clock, agent, task and idem are upserts; bid, delivery and trace
// append, bidState sets statuses, pin appends to the pinned queue (and a
// delivery may pop it). A replay skips what a snapshot already holds (by the
// journal's sequence number), so an append is never applied twice.
const (
	ChangeReset    ChangeKind = "reset"    // back to the seed, offset 0, no idempotency keys
	ChangeClock    ChangeKind = "clock"    // Offset is the new control offset
	ChangeAgent    ChangeKind = "agent"    // Agent is created
	ChangeTask     ChangeKind = "task"     // Task is a new task: its whole state but its traces (see below)
	ChangeBid      ChangeKind = "bid"      // Bid is appended to task TaskID
	ChangeBidState ChangeKind = "bidState" // Bids take their new statuses; a Status moves task TaskID there, with Assignee (an accept)
	ChangePin      ChangeKind = "pin"      // Pinned is appended to the pinned scores of task TaskID
	ChangeDelivery ChangeKind = "delivery" // Delivery is appended to task TaskID, whose status becomes Delivery.Status; PopPinned: it took the first pinned score
	ChangeTrace    ChangeKind = "trace"    // Trace is appended to task TaskID
	ChangeIdem     ChangeKind = "idem"     // Idem is a stored 2xx answer
	// The per-task time and the cleanup (tasktime.go, cleanup.go).
	ChangeTaskTime     ChangeKind = "taskTime"     // task TaskID's history moves Shift into the past
	ChangeTaskRemoved  ChangeKind = "taskRemoved"  // task TaskID goes, with its idempotency keys
	ChangeAgentRemoved ChangeKind = "agentRemoved" // agent AgentID goes, with its idempotency keys
)

// A task change is an upsert of a task's whole state (its traces aside).
// Since the bid, bidState, pin and delivery kinds exist it is written for a
// new task only; a journal written before them has one for every change of a
// task, and it still replays the same way.

// Change is one state mutation, in a form that can be written to a journal
// and applied again after a restart. At is the mock's clock when it happened,
// so time can resume from there.
type Change struct {
	Kind      ChangeKind    `json:"kind"`
	At        time.Time     `json:"at"`
	Task      *TaskRecord   `json:"task,omitempty"`
	TaskID    string        `json:"taskId,omitempty"`
	Bid       *Bid          `json:"bid,omitempty"`
	Bids      []BidState    `json:"bids,omitempty"`
	Status    Status        `json:"status,omitempty"`
	Assignee  string        `json:"assignee,omitempty"`
	Pinned    []float64     `json:"pinned,omitempty"`
	Delivery  *Delivery     `json:"delivery,omitempty"`
	PopPinned bool          `json:"popPinned,omitempty"`
	Trace     *Trace        `json:"trace,omitempty"`
	Agent     *Agent        `json:"agent,omitempty"`
	Offset    time.Duration `json:"offset,omitempty"`
	Idem      *IdemRecord   `json:"idem,omitempty"`
	Shift     time.Duration `json:"shift,omitempty"`
	AgentID   string        `json:"agentId,omitempty"`
}

// BidState is one bid's new status in a bidState change.
type BidState struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// TaskRecord is a task's full stored state. Traces are set in snapshots only;
// a task Change leaves the traces as they are.
type TaskRecord struct {
	Task
	Assignee   string     `json:"assignee,omitempty"`
	Bids       []Bid      `json:"bids,omitempty"`
	Deliveries []Delivery `json:"deliveries,omitempty"`
	Pinned     []float64  `json:"pinned,omitempty"`
	Traces     []Trace    `json:"traces,omitempty"`
	// Shift is how far AdvanceTaskTime has moved the task's history in all
	// (its times above are already moved).
	Shift time.Duration `json:"shift,omitempty"`
}

// IdemRecord is a stored idempotent answer.
type IdemRecord struct {
	Scope       IdemScope `json:"scope"`
	Fingerprint [32]byte  `json:"fingerprint"`
	Status      int       `json:"status"`
	Body        []byte    `json:"body"`
	At          time.Time `json:"at"`
}

// Snapshot is the whole state at one instant.
type Snapshot struct {
	Now    time.Time     `json:"now"`
	Offset time.Duration `json:"offset"`
	Agents []Agent       `json:"agents"`
	Tasks  []TaskRecord  `json:"tasks"`
	Idem   []IdemRecord  `json:"idem"`
}

// record hands a change to the journal hook and to a watching observer
// (observe.go). Callers hold s.mu (or, for idempotency, s.idem.mu and set At
// themselves).
func (s *Store) record(c Change) {
	watching := s.watching()
	if s.cfg.Journal == nil && !watching {
		return
	}
	if c.At.IsZero() {
		c.At = s.nowLocked()
	}
	if s.cfg.Journal != nil {
		s.cfg.Journal(c)
	}
	if watching {
		s.cfg.Observer.Observe(c)
	}
}

// recordNewTask journals a task just created: it has no bids, deliveries,
// pinned scores or traces yet, so the record is the task alone.
func (s *Store) recordNewTask(t *task) {
	if !s.recording() {
		return
	}
	r := taskRecord(t, false)
	s.record(Change{Kind: ChangeTask, Task: &r})
}

func taskRecord(t *task, traces bool) TaskRecord {
	r := TaskRecord{Task: t.Task, Assignee: t.assignee, Pinned: slices.Clone(t.pinned), Shift: t.shift}
	for _, b := range t.bids {
		r.Bids = append(r.Bids, *b)
	}
	for _, d := range t.deliveries {
		r.Deliveries = append(r.Deliveries, *d)
	}
	if traces {
		for _, tr := range t.traces {
			r.Traces = append(r.Traces, *tr)
		}
	}
	return r
}

// Export calls fn with a snapshot while every lock is held, so nothing
// changes (and no Change reaches the journal) until fn returns.
func (s *Store) Export(fn func(Snapshot) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.idem.mu.Lock()
	defer s.idem.mu.Unlock()
	snap := Snapshot{Now: s.nowLocked(), Offset: s.offset, Agents: make([]Agent, 0, len(s.agents)),
		Tasks: make([]TaskRecord, 0, len(s.tasks)), Idem: make([]IdemRecord, 0, len(s.idem.entries))}
	for _, a := range s.agents {
		snap.Agents = append(snap.Agents, *a)
	}
	for _, t := range s.tasks {
		snap.Tasks = append(snap.Tasks, taskRecord(t, true))
	}
	for scope, e := range s.idem.entries {
		if !e.pending {
			snap.Idem = append(snap.Idem, IdemRecord{Scope: scope, Fingerprint: e.fingerprint, Status: e.stored.Status, Body: e.stored.Body, At: e.at})
		}
	}
	return fn(snap)
}

// Restore replaces the whole state with a snapshot. It does not journal.
func (s *Store) Restore(snap Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset = snap.Offset
	s.tasks = make(map[string]*task, len(snap.Tasks))
	s.agents = make(map[string]*Agent, len(snap.Agents))
	s.agentByKey = make(map[string]*Agent, len(snap.Agents))
	for _, a := range snap.Agents {
		s.putAgent(a)
	}
	for _, r := range snap.Tasks {
		t := &task{}
		t.fill(r, true)
		s.tasks[r.ID] = t
	}
	s.reindex()
	s.idem.mu.Lock()
	defer s.idem.mu.Unlock()
	s.idem.entries = make(map[IdemScope]*idemEntry, len(snap.Idem))
	for _, r := range snap.Idem {
		s.idem.entries[r.Scope] = &idemEntry{fingerprint: r.Fingerprint, stored: Stored{Status: r.Status, Body: r.Body}, at: r.At}
	}
}

// Apply replays one journalled change. It does not journal.
func (s *Store) Apply(c Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case c.Kind == ChangeReset:
		s.offset = 0
		s.idem.reset()
		return s.load()
	case c.Kind == ChangeClock:
		s.offset = c.Offset
	case c.Kind == ChangeAgent && c.Agent != nil:
		s.putAgent(*c.Agent)
	case c.Kind == ChangeTask && c.Task != nil:
		s.putTask(*c.Task, false)
	case c.Kind == ChangeTrace && c.Trace != nil:
		t, err := s.journalTask(c)
		if err != nil {
			return err
		}
		tr := *c.Trace
		t.traces = append(t.traces, &tr)
	case c.Kind == ChangeBid && c.Bid != nil:
		t, err := s.journalTask(c)
		if err != nil {
			return err
		}
		b := *c.Bid
		t.bids = append(t.bids, &b)
	case c.Kind == ChangeBidState:
		t, err := s.journalTask(c)
		if err != nil {
			return err
		}
		for _, bs := range c.Bids {
			b := t.bid(bs.ID)
			if b == nil {
				return fmt.Errorf("journal: status of unknown bid %s on task %s", bs.ID, c.TaskID)
			}
			b.Status = bs.Status
		}
		if c.Status != "" {
			t.assignee = c.Assignee
			s.setStatus(t, c.Status)
		}
	case c.Kind == ChangePin:
		t, err := s.journalTask(c)
		if err != nil {
			return err
		}
		t.pinned = append(t.pinned, c.Pinned...)
	case c.Kind == ChangeDelivery && c.Delivery != nil:
		t, err := s.journalTask(c)
		if err != nil {
			return err
		}
		if c.PopPinned {
			if len(t.pinned) == 0 {
				return fmt.Errorf("journal: a delivery on task %s took a pinned score, and none is pinned", c.TaskID)
			}
			t.pinned = t.pinned[1:]
		}
		d := *c.Delivery
		t.deliveries = append(t.deliveries, &d)
		s.setStatus(t, d.Status)
	case c.Kind == ChangeIdem && c.Idem != nil:
		r := c.Idem
		s.idem.mu.Lock()
		s.idem.entries[r.Scope] = &idemEntry{fingerprint: r.Fingerprint, stored: Stored{Status: r.Status, Body: r.Body}, at: r.At}
		s.idem.mu.Unlock()
	case c.Kind == ChangeTaskTime:
		t, err := s.journalTask(c)
		if err != nil {
			return err
		}
		s.idem.mu.Lock()
		s.shiftTask(t, c.Shift)
		s.idem.mu.Unlock()
	case c.Kind == ChangeTaskRemoved:
		t, err := s.journalTask(c)
		if err != nil {
			return err
		}
		s.idem.mu.Lock()
		s.removeTask(t)
		s.idem.mu.Unlock()
	case c.Kind == ChangeAgentRemoved:
		if _, ok := s.agents[c.AgentID]; !ok {
			return fmt.Errorf("journal: removal of unknown agent %q", c.AgentID)
		}
		s.idem.mu.Lock()
		s.removeAgent(c.AgentID)
		s.idem.mu.Unlock()
	default:
		return fmt.Errorf("journal: unknown or empty change %q", c.Kind)
	}
	return nil
}

// journalTask finds the task a change names.
func (s *Store) journalTask(c Change) (*task, error) {
	t, ok := s.tasks[c.TaskID]
	if !ok {
		return nil, fmt.Errorf("journal: %s for unknown task %q", c.Kind, c.TaskID)
	}
	return t, nil
}

// setStatus moves a replayed task to st and leaves the listing indexes as the
// live change did: a task that leaves open leaves them (unlist). No change
// moves a task back to open.
func (s *Store) setStatus(t *task, st Status) {
	was := s.listed(t)
	t.Status = st
	if was && !s.listed(t) {
		s.unlist(t)
	}
}

// Resume moves the clock forward so that it reads at least last, the time of
// the last change before a restart: time does not run backwards across a
// restart (the downtime itself does not count).
func (s *Store) Resume(last time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now := s.nowLocked(); now.Before(last) {
		s.offset += last.Sub(now)
	}
}

func (s *Store) putAgent(a Agent) {
	if old, ok := s.agents[a.ID]; ok {
		delete(s.agentByKey, old.APIKey)
	}
	s.agents[a.ID] = &a
	s.agentByKey[a.APIKey] = &a
}

// putTask inserts or replaces a task in place (the indexes hold pointers).
func (s *Store) putTask(r TaskRecord, withTraces bool) {
	t, ok := s.tasks[r.ID]
	if !ok {
		t = &task{}
		s.tasks[r.ID] = t
	} else if s.listed(t) {
		s.open.remove(t)
		s.categoryIndex(t.Category).remove(t)
	}
	t.fill(r, withTraces)
	if s.listed(t) {
		s.open.insert(t)
		s.categoryIndex(t.Category).insert(t)
	}
}

// fill sets a task's state from a record; its traces too if withTraces.
func (t *task) fill(r TaskRecord, withTraces bool) {
	t.Task = r.Task
	t.assignee = r.Assignee
	t.shift = r.Shift
	t.pinned = slices.Clone(r.Pinned)
	t.bids = t.bids[:0]
	for _, b := range r.Bids {
		t.bids = append(t.bids, &b)
	}
	t.deliveries = t.deliveries[:0]
	for _, d := range r.Deliveries {
		t.deliveries = append(t.deliveries, &d)
	}
	if withTraces {
		t.traces = t.traces[:0]
		for _, tr := range r.Traces {
			t.traces = append(t.traces, &tr)
		}
	}
}

// listed mirrors unlist: open tasks are in the indexes, and with the
// pag-lists-claimed defect every task that was ever open stays there.
func (s *Store) listed(t *task) bool {
	return t.Status == StatusOpen || s.cfg.Defects.Has(defect.PagListsClaimed)
}
