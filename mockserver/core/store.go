package core

import (
	"crypto/rand"
	"strings"
	"sync"
	"time"

	"github.com/jobtobot/jtb/mockserver/defect"
)

// Config wires a Store to its time, ids, scorer and seed.
type Config struct {
	Clock   Clock         // required
	NewID   func() string // required: lowercase canonical UUIDs
	Scorer  Scorer        // required
	Seed    Seed
	Defects defect.Set
	// Journal, if set, gets every state change while the store's lock is
	// held, in the order the changes happen (see journal.go).
	Journal func(Change)
	// Observer, if set, sees the same changes while it is watching (the
	// mock's event stream, observe.go).
	Observer Observer
}

// task is the stored task; the store hands out copies only.
type task struct {
	Task
	assignee   string
	bids       []*Bid
	deliveries []*Delivery
	traces     []*Trace
	pinned     []float64
	shift      time.Duration // how far AdvanceTaskTime moved its history
}

// Store is the whole mock state. Every mutation is a method here, under one
// mutex, and hands its Change to the journal hook in one place (record).
type Store struct {
	cfg       Config
	cursorKey []byte
	macs      sync.Pool // hash.Hash keyed with cursorKey

	mu         sync.Mutex
	offset     time.Duration
	tasks      map[string]*task
	agents     map[string]*Agent // by id
	agentByKey map[string]*Agent
	open       index             // open tasks (and, with pag-lists-claimed, claimed ones)
	byCategory map[string]*index // same, per category

	idem idempotency

	// races are the bids waiting between their duplicate check and their
	// insert, with the bid-race-double defect (bids.go).
	raceMu sync.Mutex
	races  map[string]chan struct{}
}

// NewStore builds a store at its seed state.
func NewStore(cfg Config) (*Store, error) {
	s := &Store{cfg: cfg, cursorKey: make([]byte, 32)}
	if _, err := rand.Read(s.cursorKey); err != nil {
		return nil, err
	}
	s.idem.entries = map[IdemScope]*idemEntry{}
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) load() error {
	s.tasks = make(map[string]*task, len(s.cfg.Seed.Tasks))
	s.agents = map[string]*Agent{}
	s.agentByKey = map[string]*Agent{}
	for _, a := range s.cfg.Seed.Agents {
		s.putAgent(a)
	}
	now := s.nowLocked()
	for _, nt := range s.cfg.Seed.Tasks {
		t, err := s.newTask(nt, now)
		if err != nil {
			return err
		}
		s.tasks[t.ID] = t
	}
	s.reindex()
	return nil
}

// reindex builds the listing indexes from s.tasks: append, then one sort.
// (Inserting tasks one by one, in map order, is quadratic.)
func (s *Store) reindex() {
	s.open = index{items: make([]*task, 0, len(s.tasks))}
	s.byCategory = map[string]*index{}
	for _, t := range s.tasks {
		if s.listed(t) {
			s.open.items = append(s.open.items, t)
			x := s.categoryIndex(t.Category)
			x.items = append(x.items, t)
		}
	}
	s.open.sort()
	for _, x := range s.byCategory {
		x.sort()
	}
}

// Reset restores the seed state, clock offset included, and forgets every
// idempotency key.
func (s *Store) Reset() (tasks, agents int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset = 0
	if r, ok := s.cfg.Clock.(interface{ Reset() }); ok {
		r.Reset()
	}
	if err := s.load(); err != nil {
		return 0, 0, err
	}
	s.idem.reset()
	s.record(Change{Kind: ChangeReset})
	return len(s.tasks), len(s.agents), nil
}

func (s *Store) categoryIndex(cat string) *index {
	x := s.byCategory[cat]
	if x == nil {
		x = &index{}
		s.byCategory[cat] = x
	}
	return x
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

// taskLocked is the one task lookup: the stored task of id, or NOT_FOUND.
// The caller holds s.mu.
func (s *Store) taskLocked(id string) (*task, error) {
	t, ok := s.tasks[id]
	if !ok {
		return nil, TaskNotFound(id)
	}
	return t, nil
}
