package mockserver

// Serving one client of the live event stream, GET /_control/events (the
// hub that feeds it is in events.go).

import (
	"net/http"
	"time"
)

var (
	streamHello = []byte(": jtb mock event stream\nretry: 2000\n\n")
	keepAlive   = []byte(": keep-alive\n\n")
)

// streamEvents serves GET /_control/events after the pipeline's auth and
// validation.
func (m *Mock) streamEvents(w http.ResponseWriter, c *call) {
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	sub := m.events.subscribe(c.r.Header.Get("Last-Event-ID"), m.store.Now(), func() {
		rc.SetWriteDeadline(time.Unix(1, 0)) // in the past: a stuck write fails now
	})
	if sub == nil { // shutting down
		w.WriteHeader(http.StatusOK)
		return
	}
	defer m.events.unsubscribe(sub)
	// The server's read timeout is for requests, not for a stream: left
	// set, its expiry cancels the request's context mid-stream.
	rc.SetReadDeadline(time.Time{})
	write := func(b []byte) bool {
		if m.journal != nil && m.journal.sync() != nil {
			return false // an event must not tell of a change the disk lacks
		}
		rc.SetWriteDeadline(time.Now().Add(m.events.writeTimeout))
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	w.WriteHeader(http.StatusOK)
	if !write(streamHello) {
		return
	}
	tick := time.NewTicker(m.events.keepAlive)
	defer tick.Stop()
	var buf []byte
	for {
		select {
		case f := <-sub.ch:
			buf = append(buf[:0], f.data...)
			sub.pending.Add(-int64(len(f.data)))
			for more := true; more && len(buf) < batchBytes; {
				select {
				case f := <-sub.ch:
					buf = append(buf, f.data...)
					sub.pending.Add(-int64(len(f.data)))
				default:
					more = false
				}
			}
			if !write(buf) {
				return
			}
		case <-tick.C:
			if !write(keepAlive) {
				return
			}
		case <-sub.gone:
			return
		case <-c.r.Context().Done():
			return
		}
	}
}

// Unwrap lets http.ResponseController reach the connection through the
// request log's writer (a stream flushes and sets its own deadlines).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
