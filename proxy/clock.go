package proxy

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// upstreamClock is the proxy's idea of the upstream's time, which is what
// a resubmitDeadline is measured against. The mock's clock can run hours
// ahead of the wall clock (the control API moves it), so the proxy's own
// time says nothing; docs/PROXY.md, "Time", says how it is found.
type upstreamClock struct {
	now func() time.Time // the proxy's clock
	// read asks the upstream's control API for its time; nil: it has none.
	read func(ctx context.Context) (time.Time, error)

	// better: a sample better than a Date header was seen (the Date of
	// every answer need not be parsed then).
	better atomic.Bool

	mu       sync.Mutex
	readable int // 0 not tried yet, 1 the control clock answers, -1 it does not
	// offset is upstream time minus proxy time, from the latest sample.
	offset time.Duration
	source string // "" (no sample), "answers" or "date"
	// dateRaw is the latest Date header, while nothing better was seen,
	// and dateAt the proxy's time when it came; parsed on demand.
	dateRaw string
	dateAt  time.Time
}

// Clock read results.
const (
	clockExact     = "control"
	clockEstimated = "estimated"
	clockUnknown   = "unknown"
)

// tolerance is how far past a deadline an estimated time must be before
// the proxy calls a resubmit late: the estimate comes from timestamps the
// upstream wrote while it handled an earlier call, or from a Date header
// of whole seconds.
const tolerance = 2 * time.Second

// Now is the upstream's time as well as the proxy can tell, and how it
// knows it: clockExact (the control API's clock, read now), clockEstimated
// (from earlier samples) or clockUnknown.
func (c *upstreamClock) Now(ctx context.Context) (time.Time, string) {
	c.mu.Lock()
	tryRead := c.read != nil && c.readable >= 0
	c.mu.Unlock()
	if tryRead {
		t, err := c.read(ctx)
		c.mu.Lock()
		if err == nil {
			c.readable = 1
			c.offset, c.source, c.dateRaw = t.Sub(c.now()), "answers", ""
			c.mu.Unlock()
			c.better.Store(true)
			return t, clockExact
		}
		if c.readable == 0 {
			c.readable = -1 // never answered: no control clock
		}
		c.mu.Unlock()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.estimate()
	if !ok {
		return time.Time{}, clockUnknown
	}
	return t, clockEstimated
}

// sample records a time the upstream stated: its control clock, or the
// timestamp of something it created while it answered (a new bid's
// createdAt, a delivery's submittedAt). The latest sample wins: the
// upstream's clock may jump (a control advance).
func (c *upstreamClock) sample(t time.Time) {
	if t.IsZero() {
		return
	}
	c.mu.Lock()
	c.offset, c.source, c.dateRaw = t.Sub(c.now()), "answers", ""
	c.mu.Unlock()
	c.better.Store(true)
}

// date uses an answer's Date header, but only while nothing better was
// seen: a server's Date is its wall clock, which a mock moved ahead does
// not follow.
func (c *upstreamClock) date(h http.Header) {
	if c.better.Load() {
		return
	}
	v := h.Get("Date")
	if v == "" {
		return
	}
	// Kept as it came and parsed only when the time is asked for: most
	// sessions never ask, and parsing every answer's Date costs.
	at := c.now()
	c.mu.Lock()
	if c.source == "" || c.source == "date" {
		c.dateRaw, c.dateAt = v, at
	}
	c.mu.Unlock()
}

// estimate is the proxy's time plus the latest offset; c.mu is held.
func (c *upstreamClock) estimate() (time.Time, bool) {
	if c.dateRaw != "" && (c.source == "" || c.source == "date") {
		if t, err := http.ParseTime(c.dateRaw); err == nil {
			c.offset, c.source = t.Add(500*time.Millisecond).Sub(c.dateAt), "date"
		}
		c.dateRaw = ""
	}
	if c.source == "" {
		return time.Time{}, false
	}
	return c.now().Add(c.offset), true
}

// forget drops every sample (the upstream was reset: its clock too).
func (c *upstreamClock) forget() {
	c.mu.Lock()
	c.offset, c.source, c.dateRaw = 0, "", ""
	c.mu.Unlock()
	c.better.Store(false)
}

// Source says where the time comes from, for the banner.
func (c *upstreamClock) Source() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.readable > 0:
		return "the upstream's control clock"
	case c.read != nil && c.readable == 0:
		return "the upstream's control clock if it has one, else estimated from its answers"
	}
	return "estimated from the upstream's answers (timestamps, else Date)"
}

// controlNow reads {"ok":true,"data":{"now":T}} from a control clock answer.
func controlNow(body []byte) (time.Time, bool) {
	var env struct {
		Data struct {
			Now string `json:"now"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &env) != nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, env.Data.Now)
	return t, err == nil
}
