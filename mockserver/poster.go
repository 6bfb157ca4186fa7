package mockserver

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jobtobot/jtb/mockserver/core"
)

// The simulated poster (jtb mock --auto-accept, POST /_control/poster): it
// accepts the first pending bid of each open task once the bid is
// AcceptAfter old by the mock's clock, which rejects the task's other
// pending bids, as the control API's accept does.
//
// It decides lazily: at the start of every request, after a bid and after a
// clock move, so with an injected clock a test sees an accept the moment the
// clock passes it, without waiting. jtb mock also calls RunPoster on a
// ticker, so a dashboard watching the event stream sees an accept fall due
// with no request at all. Its accepts are ordinary store changes: journalled
// with a state file, published on the event stream. Its settings are how the
// mock runs, like its flags: not journalled, and back to the start-up
// settings on reset.

// maxAcceptAfter bounds the poster's wait (a year: any test's need).
const maxAcceptAfter = 365 * 24 * time.Hour

type poster struct {
	on    atomic.Bool // read on every request: all an off poster costs
	mu    sync.Mutex  // guards after and queue; taken before the store's lock, never after
	after time.Duration
	queue []core.Bid // the bids to decide, oldest first; decided or stale ones fail their accept
	start Poster     // the settings at start-up, which reset restores
}

func (p *poster) settings() Poster {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Poster{AutoAccept: p.on.Load(), AcceptAfterSeconds: int64(p.after / time.Second)}
}

func posterOf(opts Options) (Poster, error) {
	if opts.AcceptAfter < 0 || opts.AcceptAfter > maxAcceptAfter {
		return Poster{}, fmt.Errorf("accept-after %v: from 0 to a year", opts.AcceptAfter)
	}
	if opts.AcceptAfter%time.Second != 0 {
		return Poster{}, fmt.Errorf("accept-after %v: whole seconds", opts.AcceptAfter)
	}
	return Poster{AutoAccept: opts.AutoAccept, AcceptAfterSeconds: int64(opts.AcceptAfter / time.Second)}, nil
}

// applyPoster switches the poster. Switched on, it takes over the bids
// already pending; switched off, it forgets them.
func (m *Mock) applyPoster(s Poster) {
	p := &m.poster
	p.mu.Lock()
	p.after = time.Duration(s.AcceptAfterSeconds) * time.Second
	switch {
	case s.AutoAccept && !p.on.Load():
		p.queue = m.store.PendingBids()
	case !s.AutoAccept:
		p.queue = nil
	}
	p.on.Store(s.AutoAccept)
	p.mu.Unlock()
	m.RunPoster()
}

// posterSaw queues a bid just placed.
func (m *Mock) posterSaw(b core.Bid) {
	p := &m.poster
	if !p.on.Load() {
		return
	}
	p.mu.Lock()
	p.queue = append(p.queue, b)
	p.mu.Unlock()
}

// RunPoster makes the simulated poster's decisions that are due by the
// mock's clock. The mock calls it itself on every request and clock move;
// a server with watchers but no traffic calls it on a ticker (jtb mock does,
// every 200 ms). It does nothing while the poster is off.
func (m *Mock) RunPoster() {
	p := &m.poster
	if !p.on.Load() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.queue) == 0 {
		return
	}
	now := m.store.Now()
	for len(p.queue) > 0 && !p.queue[0].CreatedAt.Add(p.after).After(now) {
		b := p.queue[0]
		p.queue = p.queue[1:]
		// A bid decided meanwhile (by hand, or rejected by another accept)
		// or on a task no longer open is a 409: nothing left to do for it.
		m.store.AcceptBid(b.TaskID, b.ID)
	}
	if len(p.queue) == 0 {
		p.queue = nil // let the backing array go
	}
}

// resetPoster is reset's part: the start-up settings, nothing pending.
func (m *Mock) resetPoster() {
	m.poster.mu.Lock()
	m.poster.queue = nil
	m.poster.on.Store(false)
	m.poster.mu.Unlock()
	m.applyPoster(m.poster.start)
}

func (m *Mock) getPoster(*call) reply {
	return m.dataReply(http.StatusOK, m.poster.settings())
}

func (m *Mock) setPoster(c *call) reply {
	var in struct {
		AutoAccept         *bool    `json:"autoAccept"`
		AcceptAfterSeconds *float64 `json:"acceptAfterSeconds"`
	}
	if rep, ok := m.decode(c, &in); !ok {
		return rep
	}
	if in.AutoAccept == nil {
		return m.errorReply(core.CodeBadRequest, "body field autoAccept: required")
	}
	s := Poster{AutoAccept: *in.AutoAccept}
	if in.AcceptAfterSeconds != nil {
		secs := *in.AcceptAfterSeconds
		if secs < 0 || secs > maxAcceptAfter.Seconds() || secs != float64(int64(secs)) {
			return m.errorReply(core.CodeBadRequest, "body field acceptAfterSeconds: whole seconds from 0 to 31536000 (a year)")
		}
		s.AcceptAfterSeconds = int64(secs)
	}
	m.applyPoster(s)
	m.publishLocal(eventData{Type: eventPosterChanged, Poster: &s})
	return m.dataReply(http.StatusOK, m.poster.settings())
}
