package explore

import (
	"maps"
	"slices"
	"strconv"
	"time"
)

// state is what one execution of a program knows, on both sides: the ids
// each side gave to what the program created (mapped by creation, never
// compared), the model's view of every task, the walks through the listing
// and the idempotency keys used. A concurrent group tries its serial orders
// on clones of it.
type state struct {
	tasks  map[int]*taskRef     // by the ID of the step that created the task
	bids   map[int]*bidRef      // by the ID of the step that placed the bid
	pages  map[int]*pageRef     // by the ID of the list step
	walks  map[int]*walkRef     // by the ID of the walk's first list step
	keys   map[string]keyRef    // by key name: its first use
	stored map[string]storedRef // by key name and agent: the answers of that scope
	order  []int                // task steps in creation order

	// t2m and m2t map ids between the sides (tasks, bids, deliveries,
	// traces, agents): a bijection learnt as objects are created.
	t2m, m2t map[string]string
	// The names the target gives the verdicts and the task statuses of
	// this program, learnt as deliveries are answered: the page fixes the
	// bands, not their names, so the target may name them otherwise but
	// must keep three different bands apart.
	verdicts, statuses bijection
	// version counts, per category, the changes that move tasks in or out
	// of its listing (a new task, a claim).
	version [3]int
}

type bijection struct{ t2m, m2t map[string]string }

// learn records that the target's name t stands for the model's name m.
// It reports the model's other name that t already stands for: one name
// for two of the model's, which the page keeps apart. One model name given
// two names by the target is only a naming matter (a SHOULD the caller
// judges by comparing the names).
func (b *bijection) learn(t, m string) (clash string, ok bool) {
	if b.t2m == nil {
		b.t2m, b.m2t = map[string]string{}, map[string]string{}
	}
	if had, seen := b.t2m[t]; seen && had != m {
		return had, false
	}
	b.t2m[t] = m
	return "", true
}

func (b bijection) clone() bijection {
	return bijection{t2m: maps.Clone(b.t2m), m2t: maps.Clone(b.m2t)}
}

// taskRef is a task of the program: its id on both sides, what was posted,
// and the model's view of it (refreshed after every step that touches it).
type taskRef struct {
	ID    [2]string // target, model
	Cat   int
	Title string
	Band  string
	Price string
	// Tainted: the sides may disagree about this task's state (after a
	// SHOULD difference that changed it, or a pin left queued), so no later
	// step uses it and no listing compares it.
	Tainted bool

	Status     string // as the model last answered it
	Assignee   int    // agent index; -1: none
	Bids       map[string]string
	BidBy      map[int]bool
	Deliveries int
	LastScore  float64
	Deadline   time.Time // the model's resubmit deadline; zero: none
	TDeadline  time.Time // the target's (from its answer); zero: unknown
	Traces     int
}

// status is the model's effective status at now: a failed delivery past its
// deadline is final.
func (t *taskRef) status(now time.Time) string {
	if t.Status == "pdqg_failed" && !t.Deadline.IsZero() && now.After(t.Deadline) {
		return "pdqg_final_fail"
	}
	return t.Status
}

// effective is what the control API shows of the task at now.
func (t *taskRef) effective(now time.Time) taskRef {
	v := taskRef{Status: t.status(now), Assignee: t.Assignee, Bids: t.Bids, BidBy: t.BidBy, Deliveries: t.Deliveries, LastScore: t.LastScore}
	if v.Status == "pdqg_failed" {
		v.Deadline = t.Deadline
	}
	return v
}

func (t *taskRef) clone() *taskRef {
	c := *t
	c.Bids = maps.Clone(t.Bids)
	c.BidBy = maps.Clone(t.BidBy)
	return &c
}

type bidRef struct {
	Task  int // the task's step
	Agent int
	ID    [2]string
}

// pageRef is a page of the listing as both sides answered it.
type pageRef struct {
	Walk   int
	Cat    int
	Limit  string
	Cursor [2]string // "" when that side has no next page
}

// walkRef is a traversal of one category's listing, page after page.
type walkRef struct {
	Cat     int
	Version int             // the category's version at the first page
	Start   map[string]bool // model ids of the tasks open at the first page
	Seen    map[string]bool // model ids the target has listed so far
	Done    bool            // the target said it has no more
	Last    int             // the walk's last page: the only one followed
}

// keyRef is the first use of an Idempotency-Key.
type keyRef struct {
	Agent int
	Op    string
	Task  int
	Body  []byte
	At    time.Time // the model's clock then (keys are kept 24 h)
}

// storedRef is what one caller's uses of a key left: whether the model
// stored an answer (only a 2xx is stored), and the target's answer then.
type storedRef struct {
	ModelOK bool
	TStatus int
	TBody   []byte
}

func scope(key string, agent int) string { return key + "@" + strconv.Itoa(agent) }

func newState() *state {
	return &state{
		tasks: map[int]*taskRef{}, bids: map[int]*bidRef{}, pages: map[int]*pageRef{},
		walks: map[int]*walkRef{}, keys: map[string]keyRef{}, stored: map[string]storedRef{},
		t2m: map[string]string{}, m2t: map[string]string{},
	}
}

func (s *state) clone() *state {
	c := &state{
		tasks: make(map[int]*taskRef, len(s.tasks)), bids: maps.Clone(s.bids), pages: maps.Clone(s.pages),
		walks: make(map[int]*walkRef, len(s.walks)), keys: maps.Clone(s.keys), stored: maps.Clone(s.stored), order: slices.Clone(s.order),
		t2m: maps.Clone(s.t2m), m2t: maps.Clone(s.m2t),
		verdicts: s.verdicts.clone(), statuses: s.statuses.clone(), version: s.version,
	}
	for k, t := range s.tasks {
		c.tasks[k] = t.clone()
	}
	for k, w := range s.walks {
		cw := *w
		cw.Start, cw.Seen = maps.Clone(w.Start), maps.Clone(w.Seen)
		c.walks[k] = &cw
	}
	return c
}

// mapID records that the target's id t and the model's id m name the same
// object. It reports "" when they may (a new pair, or the pair already
// known), else what breaks: the target named an object the model answers
// otherwise.
func (s *state) mapID(t, m string) string {
	if had, ok := s.t2m[t]; ok {
		if had != m {
			return "the target's id names an object the model gave another id (" + had + "), not " + m
		}
		return ""
	}
	if had, ok := s.m2t[m]; ok && had != t {
		return "the target answers a new id where the model answers an object it already gave (the target's " + had + ")"
	}
	s.t2m[t], s.m2t[m] = m, t
	return ""
}
