package core

import (
	"crypto/rand"
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

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
}

// task is the stored task; the store hands out copies only.
type task struct {
	Task
	assignee   string
	bids       []*Bid
	deliveries []*Delivery
	traces     []*Trace
	pinned     []float64
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

// Now is the mock's clock: the injected clock plus the control offset.
func (s *Store) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

func (s *Store) nowLocked() time.Time {
	return s.cfg.Clock.Now().Add(s.offset).UTC().Truncate(time.Millisecond)
}

// MaxClockOffset bounds how far the control API may move the clock in all:
// far beyond any test's need, and far below time.Duration's overflow.
const MaxClockOffset = 100 * 365 * 24 * time.Hour

// Advance moves the mock's clock forward.
func (s *Store) Advance(d time.Duration) (time.Time, error) {
	if d < 0 {
		return time.Time{}, errorf(CodeBadRequest, "seconds must be 0 or more")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if d > MaxClockOffset-s.offset {
		return time.Time{}, errorf(CodeBadRequest, "the mock's clock runs at most %d seconds (100 years) ahead in all; it is %d seconds ahead now",
			int64(MaxClockOffset/time.Second), int64(s.offset/time.Second))
	}
	s.offset += d
	s.record(Change{Kind: ChangeClock, Offset: s.offset})
	return s.nowLocked(), nil
}

// Authenticate finds the agent of an API key.
func (s *Store) Authenticate(key string) (Agent, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.agentByKey[key]
	if !ok {
		return Agent{}, false
	}
	return *a, true
}

// Agents lists the agents by id.
func (s *Store) Agents() []Agent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Agent, 0, len(s.agents))
	for _, a := range s.agents {
		out = append(out, *a)
	}
	slices.SortFunc(out, func(a, b Agent) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// CreateAgent registers a new agent with a fresh key.
func (s *Store) CreateAgent(name string) (Agent, error) {
	if blank(name) {
		return Agent{}, errorf(CodeBadRequest, "name: must not be empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.cfg.NewID()
	a := &Agent{ID: id, Name: name, APIKey: "jtb_live_mock_" + strings.ReplaceAll(id, "-", "")}
	s.agents[a.ID] = a
	s.agentByKey[a.APIKey] = a
	s.record(Change{Kind: ChangeAgent, Agent: a})
	return *a, nil
}

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
	t, ok := s.tasks[id]
	if !ok {
		return TaskState{}, errorf(CodeNotFound, "task %s not found", id)
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

// ListQuery is a listing request; Limit is already checked by the caller.
type ListQuery struct {
	Category string
	Cursor   string
	Limit    int
}

// List returns one page of open tasks, newest first. It costs O(log n + limit).
func (s *Store) List(q ListQuery) (Page, error) {
	d := s.cfg.Defects
	s.mu.Lock()
	defer s.mu.Unlock()
	x := &s.open
	if q.Category != "" {
		x = s.byCategory[q.Category]
		if x == nil {
			x = &index{}
		}
	}
	var (
		kind = cursorKeyset
		c    cursor
	)
	if q.Cursor != "" {
		var ok bool
		kind, c, ok = s.decodeCursor(q.Cursor)
		switch {
		case !ok && d.Has(defect.PagBadCursorRestarts):
			kind, c = cursorKeyset, cursor{}
			q.Cursor = ""
		case !ok:
			return Page{}, errorf(CodeBadRequest, "cursor: not a cursor this server issued")
		case d.Has(defect.PagCategoryFirstPageOnly):
			x = &s.open // the broken mock forgets the filter after page one
		case c.category != q.Category:
			return Page{}, errorf(CodeBadRequest, "cursor: issued for another category filter")
		}
	}
	if d.Has(defect.PagOffsetCursor) {
		kind = cursorOffset
	}
	page := Page{TotalEstimate: len(x.items), Items: make([]Task, 0, min(q.Limit, len(x.items)))}
	oldestFirst := d.Has(defect.PagOldestFirst)
	// pos walks the ascending slice; step is -1 for newest first.
	pos, step := len(x.items)-1, -1
	if oldestFirst {
		pos, step = 0, 1
	}
	if q.Cursor != "" {
		switch {
		case kind == cursorOffset && oldestFirst:
			pos = c.offset
		case kind == cursorOffset:
			pos = len(x.items) - 1 - c.offset
		case oldestFirst:
			pos = x.search(c.at, c.id)
			if pos < len(x.items) && x.items[pos].ID == c.id && x.items[pos].CreatedAt.Equal(c.at) {
				pos++
			}
		default:
			pos = x.search(c.at, c.id) - 1
		}
	}
	offset := c.offset
	for pos >= 0 && pos < len(x.items) && len(page.Items) < q.Limit {
		t := x.items[pos]
		page.Items = append(page.Items, t.Task)
		pos += step
		offset++
	}
	page.HasMore = pos >= 0 && pos < len(x.items)
	if len(page.Items) > 0 && (page.HasMore || d.Has(defect.PagNextCursorOnLastPage)) {
		last := page.Items[len(page.Items)-1]
		page.NextCursor = s.encodeCursor(kind, cursor{category: q.Category, at: last.CreatedAt, id: last.ID, offset: offset})
	}
	return page, nil
}

func (s *Store) unlist(t *task) {
	if s.cfg.Defects.Has(defect.PagListsClaimed) {
		return
	}
	s.open.remove(t)
	if x := s.byCategory[t.Category]; x != nil {
		x.remove(t)
	}
}

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
	t, ok := s.tasks[taskID]
	if !ok {
		return Bid{}, errorf(CodeNotFound, "task %s not found", taskID)
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
	b := &Bid{ID: s.cfg.NewID(), TaskID: taskID, AgentID: agentID, ProposedPrice: price,
		CoverLetter: coverLetter, Status: BidPending, CreatedAt: s.nowLocked()}
	t.bids = append(t.bids, b)
	if s.cfg.Journal != nil {
		nb := *b
		s.record(Change{Kind: ChangeBid, TaskID: t.ID, Bid: &nb})
	}
	return *b, nil
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
	if b.Status != BidPending {
		return TaskState{}, errorf(CodeConflict, "bid is %s, not pending", b.Status)
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
	if b.Status != BidPending {
		return TaskState{}, errorf(CodeConflict, "bid is %s, not pending", b.Status)
	}
	b.Status = BidRejected
	s.record(Change{Kind: ChangeBidState, TaskID: t.ID, Bids: []BidState{{ID: b.ID, Status: BidRejected}}})
	return s.stateLocked(t), nil
}

func (s *Store) findBid(taskID, bidID string) (*task, *Bid, error) {
	t, ok := s.tasks[taskID]
	if !ok {
		return nil, nil, errorf(CodeNotFound, "task %s not found", taskID)
	}
	b := t.bid(bidID)
	if b == nil {
		return nil, nil, errorf(CodeNotFound, "bid %s not found on task %s", bidID, taskID)
	}
	return t, b, nil
}

// PinScores queues the scores the next deliveries of a task will get.
func (s *Store) PinScores(taskID string, scores []float64) ([]float64, error) {
	for _, v := range scores {
		if math.IsNaN(v) || v < 0 || v > 1 {
			return nil, errorf(CodeBadRequest, "scores: each must be between 0 and 1")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[taskID]
	if !ok {
		return nil, errorf(CodeNotFound, "task %s not found", taskID)
	}
	t.pinned = append(t.pinned, scores...)
	s.record(Change{Kind: ChangePin, TaskID: t.ID, Pinned: slices.Clone(scores)})
	return slices.Clone(t.pinned), nil
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

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
		return errorf(CodeForbidden, "you are not the assigned agent of this task")
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
		return errorf(CodeForbidden, "you are not the assigned agent of this task")
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
	t, ok := s.tasks[taskID]
	if !ok {
		return Delivery{}, errorf(CodeNotFound, "task %s not found", taskID)
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
	t, ok := s.tasks[taskID]
	if !ok {
		return ScoreInput{}, false, errorf(CodeNotFound, "task %s not found", taskID)
	}
	if err := allowed(t, agentID, s.nowLocked()); err != nil {
		return ScoreInput{}, false, err
	}
	return ScoreInput{Title: t.Title, Description: t.Description, Category: t.Category}, len(t.pinned) > 0, nil
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
		Verdict: Verdict(sc.Score, d), ScorerVersion: sc.Version, Criteria: sc.Criteria, SubmittedAt: now}
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
	if s.cfg.Journal != nil {
		nd := *del
		s.record(Change{Kind: ChangeDelivery, TaskID: t.ID, Delivery: &nd, PopPinned: popped})
	}
	out := *del
	if d.Has(defect.ResubmitNoDeadlineField) {
		out.ResubmitDeadline = time.Time{}
	}
	return out
}

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
	t, ok := s.tasks[taskID]
	if !ok {
		return Trace{}, errorf(CodeNotFound, "task %s not found", taskID)
	}
	st := s.status(t, s.nowLocked())
	switch {
	case t.assignee != agentID:
		return Trace{}, errorf(CodeForbidden, "you are not the assigned agent of this task")
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
	t, ok := s.tasks[taskID]
	if !ok {
		return nil, errorf(CodeNotFound, "task %s not found", taskID)
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
