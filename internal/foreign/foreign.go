// Package foreign is a stand-in for a JobToBot server we did not write, for
// tests of the kit's checkers (jtb check, and the explorer and proxy to
// come): a checker must stay quiet on a correct server that decided every
// free choice otherwise than our mock, and catch a broken one.
//
// A Server is a rewriting proxy in front of an in-process reference mock
// (mockserver.NewTestServer, its control client). It stays correct on every
// MUST clause, and differs from our mock in every choice the API page
// leaves free:
//
//   - Data: its own fixtures (other tasks, categories, bands, agents and
//     keys); a clock of its own that starts on 2026-06-01 and moves at
//     least a millisecond between readings, so no two things it creates
//     share a timestamp.
//   - Ids: every id the mock hands out (tasks, bids, deliveries, traces,
//     agents) is shown as another random UUID, consistently; ids in
//     request paths and bodies are mapped back, and a UUID it never handed
//     out names nothing.
//   - Timestamps: microsecond precision (2026-06-01T08:00:00.123000Z),
//     where the mock writes milliseconds.
//   - JSON: every object's keys in reverse alphabetical order; numbers as
//     the mock wrote them; Content-Type with "; charset=utf-8".
//   - Extra fields: "object" naming the kind of each task, bid, delivery
//     and trace; "meta" on every envelope.
//   - Error messages: its own words; the codes stay the documented ones.
//   - Cursors: its own opaque form (the mock's cursor wrapped).
//   - Headers: WWW-Authenticate names another realm; an X-Request-Id.
//   - The Agent API lives under a path prefix (URL ends in /jobtobot).
//   - The control API is on another port and path (ControlURL ends in
//     /ops), behind a token of its own, and answers in other shapes: the
//     capabilities with extra fields; a created task in the listing's
//     shape (no assignedAgentId, bids, deliveries), answered 200 not 201;
//     a task's state without its null fields (no assignedAgentId before a
//     bid is accepted, no resubmitDeadline) and with the verdicts below;
//     an accepted bid answered as {"task", "acceptedBid"}; a rejected bid
//     answered 204 with no body; pinned scores that replace the pending
//     ones instead of adding to them, answered {"task", "scores"} (the
//     proxy holds them and pins one on the mock just before each
//     delivery); an advanced clock answered with the seconds it moved; a
//     reset answered {"reset": true}; no per-task time and no cleanup
//     (unless Options.SharedTarget).
//   - SHOULD decisions decided otherwise: a placed bid is answered 200
//     (ours: 201); PDQG verdicts are "rejected", "warning" and "passed"
//     (ours: reject, warn, pass); a replay carries no Idempotent-Replayed
//     header.
//
// Options select a broken variant instead, for tests that the checker
// catches a MUST departure.
package foreign

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobtobot/jtb/mockserver"
)

// Options select a broken variant of the server; the zero value is the
// correct one.
type Options struct {
	// ProgressFromAnyAgent: progress posted by an agent that is not the
	// task's assignee is stored as the assignee's (breaks the 403 row:
	// "Not the assigned agent", a MUST).
	ProgressFromAnyAgent bool
	// IgnoreIdempotencyKey: the Idempotency-Key header is dropped, so a
	// retry runs again (breaks the replay, a MUST).
	IgnoreIdempotencyKey bool
	// SharedTarget: the control API offers the capabilities of a staging
	// others use (taskTime, cleanup), in shapes of its own: a task's time
	// moved answered {"task", "movedSeconds"}, a removal answered 204 with
	// no body. Without it those calls are unknown paths (404), as on a
	// control API that lacks them. Not a broken variant: a choice.
	SharedTarget bool
}

// Server is a running foreign server, closed with its test.
type Server struct {
	URL          string   // the Agent API's base URL (paths /v1/... below it)
	ControlURL   string   // the control API's base URL (paths /_control/... below it)
	Keys         []string // the agents' API keys, at least two
	ControlToken string   // the control API's bearer token

	opts   Options
	mock   *mockserver.TestServer
	client *http.Client
	ids    *ids

	mockToken string // the inner mock's control token

	mu       sync.Mutex
	requests []Request
	agents   map[string]string    // mock agent id → key, for ProgressFromAnyAgent
	pins     map[string]*pinQueue // by mock task id
	seq      int                  // X-Request-Id
	// serial runs one delivery at a time: the pin it takes and its answer
	// go together.
	serial sync.Mutex
}

// Request is one request the server saw, as the client sent it.
type Request struct {
	API    string // "agent" or "control"
	Method string
	Path   string // without the prefix, query included
	Status int    // the status it answered
}

// pinQueue is a task's pinned scores as this server keeps them: replaced
// by each pin; one is forwarded to the mock just before a delivery, and
// forwarded counts those the mock holds and has not used yet.
type pinQueue struct {
	scores    []float64
	forwarded int
}

const (
	agentPrefix   = "/jobtobot"
	controlPrefix = "/ops"
	epoch         = "2026-06-01T00:00:00Z"
)

// Start starts a foreign server for tb.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s := &Server{
		opts: opts, ids: newIDs(), agents: map[string]string{}, pins: map[string]*pinQueue{},
		ControlToken: "fx-ops-" + rand.Text(),
	}
	fx := newFixtures()
	for _, a := range fx.agents {
		s.Keys = append(s.Keys, a.APIKey)
		s.agents[a.ID] = a.APIKey
	}
	start, _ := time.Parse(time.RFC3339, epoch)
	s.mockToken = "mock-" + rand.Text()
	s.mock = mockserver.NewTestServer(tb, mockserver.Options{
		Fixtures:     fx.fs(),
		ControlToken: s.mockToken,
		Clock:        &tickingClock{start: start, since: time.Now()},
	})
	s.client = s.mock.Server.Client()
	agentSrv := httptest.NewServer(http.HandlerFunc(s.serveAgent))
	controlSrv := httptest.NewServer(http.HandlerFunc(s.serveControl))
	tb.Cleanup(func() { agentSrv.Close(); controlSrv.Close() })
	s.URL = agentSrv.URL + agentPrefix
	s.ControlURL = controlSrv.URL + controlPrefix
	return s
}

// Requests returns every request the server saw, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Mock is the control client of the mock behind the server, in the mock's
// ids: for a test that looks at the state behind the foreign answers.
func (s *Server) Mock() *mockserver.ControlClient { return s.mock.Control }

func (s *Server) note(api string, r *http.Request, path string, status int) {
	if r.URL.RawQuery != "" {
		path += "?" + r.URL.RawQuery
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{API: api, Method: r.Method, Path: path, Status: status})
}

// tickingClock runs with wall time from start, and never reads the same
// millisecond twice.
type tickingClock struct {
	mu    sync.Mutex
	start time.Time
	since time.Time
	last  time.Time
}

func (c *tickingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.start.Add(time.Since(c.since))
	if !now.After(c.last.Add(time.Millisecond)) {
		now = c.last.Add(time.Millisecond)
	}
	c.last = now
	return now
}

// answer is what goes back to the client.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) write(w http.ResponseWriter) {
	for k, vs := range a.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(a.status)
	w.Write(a.body)
}

// forward sends a request to the mock and reads its answer.
func (s *Server) forward(ctx context.Context, method, path, rawQuery string, header http.Header, body []byte) (answer, error) {
	u := s.mock.URL + path
	if rawQuery != "" {
		u += "?" + rawQuery
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return answer{}, err
	}
	req.Header = header
	resp, err := s.client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: data}, err
}

// errorAnswer is an error in this server's words.
func (s *Server) errorAnswer(status int, code string) answer {
	body := fmt.Sprintf(`{"ok":false,"meta":{"server":"fx"},"error":{"message":%q,"code":%q}}`, messages[code], code)
	return answer{status: status, header: http.Header{"Content-Type": {contentType}}, body: []byte(body)}
}

const contentType = "application/json; charset=utf-8"

// messages are this server's words for each error code.
var messages = map[string]string{
	"BAD_REQUEST":            "The request could not be understood; check its fields and parameters.",
	"UNAUTHORIZED":           "Authentication is required: send a valid bearer credential.",
	"FORBIDDEN":              "You may not do this to this task right now.",
	"NOT_FOUND":              "Nothing lives at this address.",
	"METHOD_NOT_ALLOWED":     "This address does not take that method.",
	"CONFLICT":               "This clashes with the task's current state.",
	"IDEMPOTENCY_KEY_IN_USE": "A request with this idempotency key is still running.",
	"PAYLOAD_TOO_LARGE":      "The request body is too large.",
	"IDEMPOTENCY_KEY_REUSED": "This idempotency key was used with another request body.",
	"INTERNAL":               "Something broke on our side.",
}

// readBody reads a request body up to the mock's limit and a byte more, so
// an oversized one still reaches the mock, which answers it 413.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	return io.ReadAll(io.LimitReader(r.Body, mockserver.MaxBody+1))
}

// innerHeader is the header a request reaches the mock with.
func innerHeader(r *http.Request) http.Header {
	h := http.Header{}
	for _, k := range []string{"Authorization", "Content-Type", "Idempotency-Key"} {
		if v, ok := r.Header[k]; ok {
			h[k] = v
		}
	}
	return h
}

// outerHeader is the header an answer leaves with: this server's own, and
// the mock's that a client needs (Allow).
func (s *Server) outerHeader(a answer) http.Header {
	s.mu.Lock()
	s.seq++
	seq := s.seq
	s.mu.Unlock()
	h := http.Header{"X-Request-Id": {fmt.Sprintf("fx-%08d", seq)}}
	if len(a.body) > 0 {
		h.Set("Content-Type", contentType)
	}
	if v := a.header.Get("Allow"); v != "" {
		h.Set("Allow", v)
	}
	if a.header.Get("WWW-Authenticate") != "" {
		h.Set("WWW-Authenticate", `Bearer realm="fx-marketplace", error="invalid_token"`)
	}
	return h
}

// decodeData decodes the data of a mock's success answer.
func decodeData(body []byte, v any) error {
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return err
	}
	return json.Unmarshal(env.Data, v)
}

func bearerKey(h string) string {
	scheme, key, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return ""
	}
	return strings.TrimSpace(key)
}
