package mockserver

import (
	"encoding/json"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jobtobot/jtb/mockserver/core"
)

// The live event stream, GET /_control/events: what the dashboard's views
// and "Watch It Work" read.
//
// Cost when nobody watches: the hub is the store's core.Observer, and
// Watching is one atomic load; while it is false the store builds no change
// for it and nothing here runs (BenchmarkServeUnwatched). With watchers,
// each change is encoded once, under the store's lock (so events are in the
// order of the changes), kept in a bounded ring for replay, and handed to
// each client without blocking: a client whose buffer is full is dropped, and
// its connection cut if a write to it is stuck. So a slow or stalled client
// costs its own stream, never the mock.

// The stream's bounds.
const (
	ringEvents   = 1024    // events kept for Last-Event-ID replay
	ringBytes    = 8 << 20 // and at most this much of them
	clientEvents = 1024    // events a client may have unread before it is dropped
	clientBytes  = 4 << 20 // bytes likewise
	batchBytes   = 64 << 10
)

// The event types (control-api.yaml, Event).
const (
	eventOpen          = "stream.open"
	eventResync        = "stream.resync"
	eventTaskCreated   = "task.created"
	eventBidPlaced     = "bid.placed"
	eventBidAccepted   = "bid.accepted"
	eventBidRejected   = "bid.rejected"
	eventDelivery      = "delivery.scored"
	eventTrace         = "trace.added"
	eventPinned        = "pdqg.pinned"
	eventClock         = "clock.moved"
	eventAgent         = "agent.created"
	eventPosterChanged = "poster.changed"
	eventReset         = "reset"
	// For a shared target (control_time.go, control_cleanup.go).
	eventTaskTime     = "task.timeMoved"
	eventTaskRemoved  = "task.removed"
	eventAgentRemoved = "agent.removed"
)

// eventData is the data line of one event: its type says which of the
// optional fields it carries.
type eventData struct {
	ID          uint64        `json:"id,omitempty"`
	Type        string        `json:"type"`
	At          string        `json:"at"`
	TaskID      string        `json:"taskId,omitempty"`
	Task        *taskView     `json:"task,omitempty"`
	Bid         *bidView      `json:"bid,omitempty"`
	BidID       string        `json:"bidId,omitempty"`
	AgentID     string        `json:"agentId,omitempty"`
	Status      core.Status   `json:"status,omitempty"`
	Delivery    *deliveryView `json:"delivery,omitempty"`
	Trace       *traceView    `json:"trace,omitempty"`
	Scores      []float64     `json:"scores,omitempty"`
	Now         string        `json:"now,omitempty"`
	Agent       *agentName    `json:"agent,omitempty"`
	Poster      *Poster       `json:"poster,omitempty"`
	LastEventID *uint64       `json:"lastEventId,omitempty"`
	Seconds     int64         `json:"seconds,omitempty"` // task.timeMoved
}

type agentName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// frame is one encoded event, shared by every client that gets it.
type frame struct {
	id   uint64 // 0: not replayable (stream.open, stream.resync)
	data []byte // "id: N\nevent: T\ndata: {...}\n\n"
}

type hub struct {
	watchers atomic.Int32 // len(subs), for Watching without the lock

	mu       sync.Mutex // taken under the store's lock (Observe): never call the store under it
	subs     map[*subscriber]struct{}
	ring     []frame // the last events, oldest first
	ringSize int
	lastID   uint64
	// gapAfter: events after this id may have happened while nobody
	// watched, unrecorded; a client that saw only up to it must resync.
	gapAfter uint64
	closed   bool

	taskOf       func(core.Task) taskView
	keepAlive    time.Duration // a comment this often on an idle stream
	writeTimeout time.Duration // a write stuck this long drops the client
}

func newHub(taskOf func(core.Task) taskView) *hub {
	return &hub{subs: map[*subscriber]struct{}{}, taskOf: taskOf, keepAlive: 15 * time.Second, writeTimeout: 10 * time.Second}
}

type subscriber struct {
	ch      chan frame
	pending atomic.Int64  // bytes queued in ch
	gone    chan struct{} // closed when the hub drops the client

	mu   sync.Mutex
	live bool   // its handler still runs, so cut may touch the connection
	cut  func() // unblocks a write in progress
}

// Watching is the store's question before it builds a change (core.Observer).
func (h *hub) Watching() bool { return h.watchers.Load() > 0 }

// Observe turns a store change into its events (core.Observer). It runs
// under the store's lock.
func (h *hub) Observe(c core.Change) {
	at := stamp(c.At)
	switch c.Kind {
	case core.ChangeTask:
		if c.Task != nil {
			v := h.taskOf(c.Task.Task)
			h.publish(eventData{Type: eventTaskCreated, At: at, TaskID: c.Task.ID, Task: &v})
		}
	case core.ChangeBid:
		if c.Bid != nil {
			v := bidOf(*c.Bid)
			h.publish(eventData{Type: eventBidPlaced, At: at, TaskID: c.TaskID, Bid: &v})
		}
	case core.ChangeBidState:
		// The accepted bid last, after the rejections it caused: a reader
		// that sees it knows the task's other bids are decided.
		var accepted *core.BidState
		for i, b := range c.Bids {
			if b.Status == core.BidAccepted {
				accepted = &c.Bids[i]
				continue
			}
			h.publish(eventData{Type: eventBidRejected, At: at, TaskID: c.TaskID, BidID: b.ID})
		}
		if accepted != nil {
			h.publish(eventData{Type: eventBidAccepted, At: at, TaskID: c.TaskID, BidID: accepted.ID, AgentID: c.Assignee, Status: c.Status})
		}
	case core.ChangeDelivery:
		if c.Delivery != nil {
			v := deliveryOf(*c.Delivery)
			h.publish(eventData{Type: eventDelivery, At: at, TaskID: c.TaskID, Delivery: &v, Status: c.Delivery.Status})
		}
	case core.ChangeTrace:
		if c.Trace != nil {
			v := traceOf(*c.Trace)
			h.publish(eventData{Type: eventTrace, At: at, TaskID: c.TaskID, Trace: &v})
		}
	case core.ChangePin:
		h.publish(eventData{Type: eventPinned, At: at, TaskID: c.TaskID, Scores: c.Pinned})
	case core.ChangeClock:
		h.publish(eventData{Type: eventClock, At: at, Now: at})
	case core.ChangeAgent:
		if c.Agent != nil { // never the key
			h.publish(eventData{Type: eventAgent, At: at, Agent: &agentName{ID: c.Agent.ID, Name: c.Agent.Name}})
		}
	case core.ChangeReset:
		h.publish(eventData{Type: eventReset, At: at})
	case core.ChangeTaskTime:
		h.publish(eventData{Type: eventTaskTime, At: at, TaskID: c.TaskID, Seconds: int64(c.Shift / time.Second)})
	case core.ChangeTaskRemoved:
		h.publish(eventData{Type: eventTaskRemoved, At: at, TaskID: c.TaskID})
	case core.ChangeAgentRemoved:
		h.publish(eventData{Type: eventAgentRemoved, At: at, AgentID: c.AgentID})
	}
}

// publishLocal publishes an event that is no store change (the poster's
// settings); the watcher check comes first, as in the store.
func (m *Mock) publishLocal(ev eventData) {
	if !m.events.Watching() {
		return
	}
	ev.At = stamp(m.store.Now())
	m.events.publish(ev)
}

func (h *hub) publish(ev eventData) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || len(h.subs) == 0 {
		return // the last watcher left after Watching: gapAfter covers it
	}
	h.lastID++
	ev.ID = h.lastID
	f := frame{id: ev.ID, data: encodeFrame(ev)}
	h.ring = append(h.ring, f)
	h.ringSize += len(f.data)
	for len(h.ring) > ringEvents || (h.ringSize > ringBytes && len(h.ring) > 1) {
		h.ringSize -= len(h.ring[0].data)
		h.ring[0] = frame{}
		h.ring = h.ring[1:]
	}
	for s := range h.subs {
		h.send(s, f)
	}
}

func encodeFrame(ev eventData) []byte {
	data, err := json.Marshal(ev)
	if err != nil { // every field is plain data: cannot happen
		data = []byte(`{"type":"` + ev.Type + `","at":"` + ev.At + `"}`)
	}
	buf := make([]byte, 0, len(data)+len(ev.Type)+32)
	if ev.ID != 0 {
		buf = append(buf, "id: "...)
		buf = strconv.AppendUint(buf, ev.ID, 10)
		buf = append(buf, '\n')
	}
	buf = append(buf, "event: "...)
	buf = append(buf, ev.Type...)
	buf = append(buf, "\ndata: "...)
	buf = append(buf, data...) // JSON has no raw newline: one data line
	return append(buf, "\n\n"...)
}

// send hands f to a client without waiting; a client too far behind is
// dropped. The caller holds h.mu.
func (h *hub) send(s *subscriber, f frame) {
	n := int64(len(f.data))
	if s.pending.Add(n) > clientBytes {
		h.drop(s)
		return
	}
	select {
	case s.ch <- f:
	default:
		h.drop(s)
	}
}

// drop removes a client and cuts its stream. The caller holds h.mu.
func (h *hub) drop(s *subscriber) {
	if _, ok := h.subs[s]; !ok {
		return
	}
	h.remove(s)
	close(s.gone)
	s.mu.Lock()
	if s.live && s.cut != nil {
		s.cut()
	}
	s.mu.Unlock()
}

func (h *hub) remove(s *subscriber) {
	delete(h.subs, s)
	h.watchers.Add(-1)
	if len(h.subs) == 0 {
		h.gapAfter = h.lastID
	}
}

// subscribe adds a client. Its first frames are stream.open, or, with a
// Last-Event-ID, the events after it from the ring, or stream.resync when
// the ring cannot give them all. now is the mock's clock, read by the
// caller: the store is not called under h.mu. It returns nil once the hub
// is closed.
func (h *hub) subscribe(lastEventID string, now time.Time, cut func()) *subscriber {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	s := &subscriber{ch: make(chan frame, clientEvents), gone: make(chan struct{}), live: true, cut: cut}
	at := stamp(now)
	if lastEventID == "" {
		last := h.lastID
		h.queue(s, frame{data: encodeFrame(eventData{Type: eventOpen, At: at, LastEventID: &last})})
	} else if seen, ok := h.replayable(lastEventID); ok && h.replayBytes(seen) <= clientBytes {
		for _, f := range h.ring {
			if f.id > seen {
				h.queue(s, f)
			}
		}
	} else {
		h.queue(s, frame{data: encodeFrame(eventData{Type: eventResync, At: at})})
	}
	h.subs[s] = struct{}{}
	h.watchers.Add(1)
	return s
}

// replayable reports whether every event after the client's last one is in
// the ring. The caller holds h.mu.
func (h *hub) replayable(lastEventID string) (uint64, bool) {
	seen, err := strconv.ParseUint(lastEventID, 10, 64)
	switch {
	case err != nil, seen > h.lastID, seen <= h.gapAfter:
		return 0, false
	case seen == h.lastID:
		return seen, true
	}
	return seen, len(h.ring) > 0 && h.ring[0].id <= seen+1
}

func (h *hub) replayBytes(seen uint64) int {
	n := 0
	for _, f := range h.ring {
		if f.id > seen {
			n += len(f.data)
		}
	}
	return n
}

// queue puts a frame in a new client's buffer, which holds a whole ring.
func (h *hub) queue(s *subscriber, f frame) {
	s.pending.Add(int64(len(f.data)))
	s.ch <- f
}

// unsubscribe is the end of a client's handler.
func (h *hub) unsubscribe(s *subscriber) {
	s.mu.Lock()
	s.live = false
	s.mu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		h.remove(s)
	}
}

// close ends every stream and refuses new ones: a server shutting down
// would otherwise wait for streams that never end.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		h.drop(s)
	}
}

// clients is how many streams are open.
func (h *hub) clients() int { return int(h.watchers.Load()) }
