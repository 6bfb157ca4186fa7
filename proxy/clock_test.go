package proxy

import (
	"net/http"
	"testing"
	"time"
)

// The upstream's time: nothing known at first; a Date header while
// nothing better was seen (whole seconds, so half a second on); a
// timestamp it stated wins and stays, Date headers or not.
func TestUpstreamClockEstimate(t *testing.T) {
	local := newFakeClock()
	c := &upstreamClock{now: local.Now}
	if _, how := c.Now(t.Context()); how != clockUnknown {
		t.Fatalf("before any answer: %s", how)
	}
	ahead := local.Now().Add(3 * time.Hour)
	c.date(http.Header{"Date": {ahead.Format(http.TimeFormat)}})
	local.Advance(10 * time.Second)
	got, how := c.Now(t.Context())
	if want := ahead.Add(10*time.Second + 500*time.Millisecond); how != clockEstimated || !got.Equal(want) {
		t.Errorf("from Date: %s %s, want %s", got, how, want)
	}
	stated := local.Now().Add(6 * time.Hour)
	c.sample(stated)
	c.date(http.Header{"Date": {ahead.Format(http.TimeFormat)}})
	local.Advance(time.Second)
	if got, _ := c.Now(t.Context()); !got.Equal(stated.Add(time.Second)) {
		t.Errorf("after a stated time: %s, want %s (a Date header must not override it)", got, stated.Add(time.Second))
	}
	c.forget()
	if _, how := c.Now(t.Context()); how != clockUnknown {
		t.Errorf("after a reset: %s", how)
	}
}
