// Package mockserver is the stateful reference implementation of the JobToBot
// Agent API (openapi.yaml) and its control API (control-api.yaml, under
// /_control). The state lives in package core; this package only routes,
// authenticates, validates with kin-openapi, calls the core and writes the
// envelope. NewTestServer gives agent developers a running mock in one call.
//
// routes.go builds both routing tables from the documents, by operationId;
// pipeline.go and validate.go are the steps every request passes (auth,
// size, idempotency, lookup, validation); agent.go and control.go hold the
// handlers; reply.go is the envelope and views.go the wire shapes. The rules
// the mock can break on purpose are package defect's.
package mockserver

import (
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jobtobot/jtb"
	"github.com/jobtobot/jtb/fixtures"
	"github.com/jobtobot/jtb/mockserver/core"
	"github.com/jobtobot/jtb/mockserver/defect"
)

// Options configure a Mock. The zero value is the documented mock.
type Options struct {
	Fixtures       fs.FS        // nil: the embedded fixtures (tasks.json, agents.json)
	ControlToken   string       // "": control API open; else requires Authorization: Bearer <token>
	DisableControl bool         // true: /_control answers 404 like any unknown path
	Defects        []string     // names from docs/DEFECTS.md; an unknown name is an error from New
	Clock          Clock        // nil: real time from the fixture epoch; control advances add on top
	Logger         *slog.Logger // nil: no request log; else one line per request, keys redacted
	// StatePath "" keeps the state in memory. Else the state survives
	// restarts and crashes: StatePath holds a snapshot and StatePath+".journal"
	// every change since, fsynced before the answer (see persist.go).
	StatePath string
	// AutoAccept starts the simulated poster on (poster.go): it accepts the
	// first pending bid of each open task once the bid is AcceptAfter old
	// (whole seconds, at most a year) by the mock's clock.
	AutoAccept  bool
	AcceptAfter time.Duration
	// NewID is the source of every new id (agents, tasks, bids, deliveries,
	// traces); it must return lowercase canonical UUIDs. nil: random ones. A
	// counter makes a run reproducible id for id (jtb explore's model).
	NewID func() string
}

// Clock is the mock's source of time; the control API's advance is the mock's
// own offset on top of it.
type Clock interface{ Now() time.Time }

// Epoch is where the default clock starts: fixture tasks are older.
var Epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// MaxBody is the largest request body accepted (1 MiB); larger gets 413.
const MaxBody = 1 << 20

// Mock is the reference mock. It is an http.Handler and safe for concurrent use.
type Mock struct {
	opts    Options
	store   *core.Store
	defects defect.Set
	agent   []*operation
	control []*operation
	fixture core.Seed
	encoded itemCache // the listing's encoded tasks (encode.go)
	closed  sync.Once
	journal *journal // nil without Options.StatePath
	poster  poster   // the simulated poster (poster.go)
	events  *hub     // the event stream (events.go)
}

// New builds a mock at its fixture state.
func New(opts Options) (*Mock, error) {
	defects, err := defect.Parse(opts.Defects)
	if err != nil {
		return nil, err
	}
	fsys := opts.Fixtures
	if fsys == nil {
		fsys = fixtures.FS()
	}
	seed, err := loadSeed(fsys)
	if err != nil {
		return nil, err
	}
	clock := core.Clock(opts.Clock)
	if opts.Clock == nil {
		clock = newRealClock(Epoch)
	}
	start, err := posterOf(opts)
	if err != nil {
		return nil, err
	}
	newID := opts.NewID
	if newID == nil {
		newID = uuid.NewString
	}
	m := &Mock{opts: opts, defects: defects, fixture: seed}
	m.events = newHub(m.taskOf)
	cfg := core.Config{
		Clock:    clock,
		NewID:    newID,
		Scorer:   newScorer(),
		Seed:     seed,
		Defects:  defects,
		Observer: m.events,
	}
	// The documents first: once a state file is locked, nothing else may
	// fail before the mock serves (a failed start would hold the lock for
	// nothing, or leave it to the next Close).
	agentDoc, err := jtb.LoadAgentAPI()
	if err != nil {
		return nil, err
	}
	controlDoc, err := jtb.LoadControlAPI()
	if err != nil {
		return nil, err
	}
	if m.agent, err = bindOperations(agentDoc, agentAPI, agentHandlers()); err != nil {
		return nil, err
	}
	if m.control, err = bindOperations(controlDoc, controlAPI, controlHandlers()); err != nil {
		return nil, err
	}
	if opts.StatePath != "" {
		m.journal = &journal{path: opts.StatePath, limit: compactBytes}
		cfg.Journal = m.journal.record
	}
	if m.store, err = core.NewStore(cfg); err != nil {
		return nil, err
	}
	if m.journal != nil {
		if err := m.journal.open(m.store); err != nil {
			return nil, err
		}
		if t := m.journal.restored.Torn; t != nil && opts.Logger != nil {
			opts.Logger.Warn("state: dropped a torn journal tail, never acknowledged", "journal", m.journal.journalPath(),
				"offset", t.Offset, "bytes", t.Bytes, "record", t.Record, "reason", t.Reason, "kept_in", t.KeptIn)
		}
	}
	m.poster.start = start
	m.applyPoster(start) // after the state file: bids pending there are the poster's too
	return m, nil
}

// Close releases the mock. With a state file it compacts the journal into a
// fresh snapshot and closes the files; call it once no request is in flight.
func (m *Mock) Close() error {
	var err error
	m.closed.Do(func() {
		m.events.close()
		if m.journal != nil {
			err = m.journal.close(m.store)
		}
	})
	return err
}

// AgentKeys returns the fixture agents' API keys in fixture order (alpha, bravo).
func (m *Mock) AgentKeys() []string {
	keys := make([]string, len(m.fixture.Agents))
	for i, a := range m.fixture.Agents {
		keys[i] = a.APIKey
	}
	return keys
}

// ServeHTTP routes a request to the Agent API or the control API.
func (m *Mock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if m.journal != nil {
		w = &durableWriter{ResponseWriter: w, m: m}
		defer m.journal.maybeCompact(m.store)
	}
	if m.opts.Logger == nil {
		m.serve(w, r)
		return
	}
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	m.serve(rec, r)
	// The mock's clock beside the wall clock (the line's time): they differ
	// by design once the control API has moved the clock.
	m.opts.Logger.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
		"auth", redactAuth(r.Header.Get("Authorization")), "duration", time.Since(start).Round(time.Microsecond),
		"mock_clock", stamp(m.store.Now()))
}

func (m *Mock) serve(w http.ResponseWriter, r *http.Request) {
	m.RunPoster() // decisions due by now come before the request sees the state
	ops := m.agent
	if strings.HasPrefix(r.URL.Path, "/_control/") || r.URL.Path == "/_control" {
		if m.opts.DisableControl {
			m.write(w, r, m.errorReply(core.CodeNotFound, "no such path: "+r.URL.Path))
			return
		}
		ops = m.control
	}
	op, params, allow := match(ops, r.Method, r.URL.Path)
	switch {
	case op == nil && allow != "":
		rep := m.errorReply(core.CodeMethodNotAllowed, r.Method+" is not allowed here; allowed: "+allow)
		rep.header = http.Header{"Allow": {allow}}
		m.write(w, r, rep)
	case op == nil && m.serveDashboard(w, r):
	case op == nil:
		m.write(w, r, m.errorReply(core.CodeNotFound, "no such path: "+r.URL.Path))
	default:
		m.serveOperation(w, r, op, params)
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// redactAuth keeps only a known scheme word and the key's public prefix. A
// value without one (a key sent with no scheme, "jtb_live_..." alone) is
// all secret: its first word is not printed either.
func redactAuth(h string) string {
	if h == "" {
		return "none"
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !slices.ContainsFunc(authSchemes, func(s string) bool { return strings.EqualFold(s, scheme) }) {
		return "[redacted]"
	}
	if strings.HasPrefix(strings.TrimSpace(token), "jtb_live_") {
		return scheme + " jtb_live_[redacted]"
	}
	return scheme + " [redacted]"
}

// authSchemes are the scheme words a request log may show.
var authSchemes = []string{"Basic", "Bearer", "Digest", "Token"}

// realClock runs with wall time from a start instant; Reset puts it back.
type realClock struct {
	mu    sync.Mutex
	epoch time.Time
	start time.Time
}

func newRealClock(epoch time.Time) *realClock {
	return &realClock{epoch: epoch, start: time.Now()}
}

func (c *realClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch.Add(time.Since(c.start))
}

func (c *realClock) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.start = time.Now()
}

var errNoAgents = errors.New("fixtures: agents.json holds no agents")
