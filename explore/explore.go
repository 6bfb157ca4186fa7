// Package explore is model-based exploration of any implementation of the
// JobToBot Agent API: random, reproducible programs (sequences of requests
// over a few agents, the poster's side and the clock) run against the target
// and, in lockstep, against the reference mock in process (the oracle), and
// every answer is compared on what the API page fixes. A divergence names
// the clause it breaks, is shrunk to a minimal program and can be saved and
// replayed against any target. docs/EXPLORE.md says what is compared and
// what is never compared, and why.
package explore

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jobtobot/jtb"
	"github.com/jobtobot/jtb/catalogue"
	"github.com/jobtobot/jtb/suites"
)

// Options configure an exploration.
type Options struct {
	BaseURL      string   // the Agent API
	ControlURL   string   // serves /_control/...; "" the base URL
	ControlToken string   // the control API's bearer token, if any
	APIKeys      []string // agents' keys to use; more are created through the control API when it can
	Timeout      time.Duration
	// Headers go on every request, Agent and control API alike; CACert
	// and Insecure say how TLS to the target is checked. All three as jtb
	// check's (suites.Target): the values of secret-looking headers are
	// redacted like keys.
	Headers  http.Header
	CACert   string
	Insecure bool

	Seed  uint64
	Steps int // stop after this many steps; 0: no step budget
	// Workers is how many programs run at once, each with a model of its
	// own (0: one; DefaultWorkers is the command's). See Explore.
	Workers  int
	Duration time.Duration // stop after this long; 0: no time budget (one of the two is needed)
	Strict   bool          // SHOULD differences are divergences too
	// Serial turns concurrent groups off: every request is sent alone.
	Serial bool
	// ExactClock says the target's clock moves only when moved (the
	// built-in mock), so the resubmit window is probed at its exact
	// boundary; otherwise one second and more either side of it.
	ExactClock bool
	// ProgramSteps bounds one program; 0: 40.
	ProgramSteps int
	// ShrinkBudget bounds the re-runs shrinking may make; 0: 400.
	ShrinkBudget int
	// Keep leaves on the target what the exploration created (the built-in
	// mock, thrown away at the end); otherwise it is removed through the
	// control API when it can (capability cleanup).
	Keep bool
	// verify checks after every step that the model's task state learnt
	// from its answers is what the model shows (tests).
	verify bool
	Log    io.Writer // progress lines; nil: none
}

// Result is what an exploration found.
type Result struct {
	Seed       uint64        `json:"seed"`
	Strict     bool          `json:"strict"`
	Serial     bool          `json:"serial"`
	Workers    int           `json:"workers"` // programs run at once
	Programs   int           `json:"programs"`
	Steps      int           `json:"steps"`
	Requests   int           `json:"requests"` // to the target, control calls included
	Elapsed    time.Duration `json:"-"`
	Seconds    float64       `json:"seconds"`
	StepsPerS  float64       `json:"stepsPerSecond"`
	Divergence *Divergence   `json:"divergence,omitempty"`
	Warnings   []Warning     `json:"warnings"`
	Coverage   Coverage      `json:"coverage"`
	// FirstDivergence is how far the exploration was when it first diverged.
	FirstDivergence *Progress `json:"firstDivergence,omitempty"`
	Notes           []string  `json:"notes,omitempty"` // what could not be explored, and why
	Footprint       Footprint `json:"footprint"`
}

// Footprint is what the exploration did to the target besides answering:
// what it created and removed, and how far it moved the target's clock.
type Footprint struct {
	TasksCreated, TasksRemoved   int
	AgentsCreated, AgentsRemoved int
	ClockSeconds                 int64  // the target's clock moved this far
	Left                         string // why something was left, "" when nothing was
	Kept                         bool   // left on purpose (Options.Keep: the built-in mock)
}

// Progress is a point of an exploration.
type Progress struct {
	Programs int     `json:"programs"`
	Steps    int     `json:"steps"`
	Seconds  float64 `json:"seconds"`
}

// Warning counts the differences of one SHOULD clause (or of the control
// API) that did not stop the run.
type Warning struct {
	Clause  string `json:"clause"`
	Title   string `json:"title"`
	Count   int    `json:"count"`
	Example string `json:"example"`
}

// ErrCannotJudge wraps every reason the target cannot be explored (exit 2).
var ErrCannotJudge = errors.New("the target cannot be judged")

func cannot(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCannotJudge, fmt.Sprintf(format, args...))
}

// explorer is one worker of an exploration: its own model, coverage and
// warnings, and the session every worker shares (the target, the agents,
// the counters, what was created on the target).
type explorer struct {
	*session
	model *model
	cover *coverage
	warn  map[string]*warning
	quiet bool // shrinking: its re-runs count no warnings
}

// session is what the workers of one exploration share. Every field is set
// by connect and only read after, but for the counters and what mu guards.
type session struct {
	opts   Options
	target *httpSide
	cat    *catalogue.Catalogue
	in     *inputs
	redact suites.Redactor
	agents []agentRef
	caps   suites.Capabilities
	nonce  string
	start  time.Time
	res    *Result // Notes only until finish
	log    io.Writer

	runs     atomic.Int64 // executions so far: each names its categories and keys
	steps    atomic.Int64
	programs atomic.Int64
	requests atomic.Int64 // to the target, control calls included

	bigOnce sync.Once
	big     []byte

	mu sync.Mutex // created and the log
	// created is what the exploration created on the target, to remove at
	// the end, and the seconds it moved the target's clock.
	created struct {
		tasks, agents []string
		clock         int64
	}
	workers []*explorer // every worker so far, the connecting one first
}

// warning is a Warning as one worker counts it: its example is that of
// the lowest program that gave one, whichever worker ran it first.
type warning struct {
	Warning
	program int64
}

// agentRef is one agent on both sides.
type agentRef struct {
	Key [2]string // target, model
	ID  [2]string // the target's id ("" unknown until an answer names it), the model's
}

// DefaultWorkers is how many programs jtb explore runs at once.
const DefaultWorkers = 2

// workerCount is how many programs run at once: Options.Workers, but one
// with Serial (every request alone) and one on a target whose clock the
// programs move (no capability taskTime: one program's clock moves would
// reach another's tasks).
func (x *explorer) workerCount() int {
	n := max(x.opts.Workers, 1)
	switch {
	case n == 1:
	case x.opts.Serial:
		n = 1
	case x.caps.Clock && !x.caps.TaskTime:
		n = 1
		x.res.Notes = append(x.res.Notes, fmt.Sprintf("one program at a time, not %d: the target's clock moves for every program (no capability taskTime), which would reach the other programs' tasks", x.opts.Workers))
	}
	return n
}

// worker is one more worker: a model of its own, its clock where the
// connecting worker's is.
func (x *explorer) worker() (*explorer, error) {
	first := x.workers[0]
	m, err := newModel(first.model.clock.Now(), first.model.wall)
	if err != nil {
		return nil, err
	}
	m.read, m.at = first.model.read, first.model.at
	w := &explorer{session: x.session, model: m, cover: newCoverage(), warn: map[string]*warning{}}
	x.workers = append(x.workers, w)
	return w, nil
}

// Explore runs programs until the budget is spent or one diverges; a
// divergence is shrunk before it is returned. An error wrapping
// ErrCannotJudge means the target could not be explored at all.
//
// With Options.Workers, that many programs run at once, each on a worker
// with a model of its own. Program p is the same whichever worker runs it
// (its random source is the seed and p; it starts from an empty model and
// sees only what it creates on the target), a step budget is cut program by
// program in program order, and the divergence reported is that of the
// lowest program that diverged: programs after it stop, programs before it
// run on to their end. So a seed and a step budget give the same
// divergence, the same shrunk reproduction and the same step counts to it
// with any number of workers.
func Explore(ctx context.Context, opts Options) (*Result, error) {
	if opts.Steps <= 0 && opts.Duration <= 0 {
		return nil, errors.New("explore: give a step budget or a duration")
	}
	x, err := connect(ctx, opts)
	if err != nil {
		return nil, err
	}
	x.cover.clause("JTB-EXP-001") // exploring is that clause's phase
	workers := []*explorer{x}
	for n := x.workerCount(); len(workers) < n; {
		w, err := x.worker()
		if err != nil {
			return nil, err
		}
		workers = append(workers, w)
	}
	deadline := time.Time{}
	if opts.Duration > 0 {
		deadline = x.start.Add(opts.Duration)
	}
	ps := int64(x.programSteps())
	var (
		next   atomic.Int64 // the next program to start
		mu     sync.Mutex   // guards what follows
		first  *found       // the lowest program that diverged
		runErr error
		length = map[int64]int64{} // steps each program ran
		wg     sync.WaitGroup
	)
	// stop says whether program p is to stop (or not start): the budget is
	// spent, a program before it diverged, or the run cannot go on.
	stop := func(p, done int64) bool {
		mu.Lock()
		defer mu.Unlock()
		return runErr != nil || (first != nil && first.program < p) || ctx.Err() != nil ||
			(opts.Steps > 0 && p*ps+done >= int64(opts.Steps)) || (!deadline.IsZero() && time.Now().After(deadline))
	}
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				p := next.Add(1) - 1
				if stop(p, 0) {
					return
				}
				f, n, err := w.program(ctx, p, ps, stop)
				mu.Lock()
				length[p] = n
				switch {
				case err != nil && runErr == nil:
					runErr = err
				case f != nil && (first == nil || p < first.program):
					first = f
				}
				mu.Unlock()
				if err != nil || f != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	if runErr != nil {
		return x.done(ctx), runErr
	}
	if first != nil {
		before := first.step
		for q := range first.program {
			before += length[q]
		}
		x.res.FirstDivergence = &Progress{Programs: int(first.program) + 1, Steps: int(before), Seconds: first.seconds}
		x.logf("divergence after %d steps (%d programs, %.2fs): %s; shrinking", before, first.program+1, first.seconds, first.d.Clause)
		x.res.Divergence = first.w.shrink(ctx, first.e, first.d)
	}
	return x.done(ctx), nil
}

// found is a program that diverged: where, and the execution to shrink.
type found struct {
	program, step int64 // the program, and the steps it ran up to the divergence
	seconds       float64
	w             *explorer
	e             *execution
	d             *divergence
}

// program runs program p from a fresh state, at most ps steps (fewer
// where the step budget ends), until it diverges or stop says so; it
// reports the divergence and how many steps it ran.
func (x *explorer) program(ctx context.Context, p, ps int64, stop func(p, done int64) bool) (*found, int64, error) {
	e, err := x.newExecution(ctx)
	if err != nil {
		return nil, 0, err
	}
	e.index = p
	g := newGenerator(newRand(x.opts.Seed, uint64(p)), x, e)
	var i int64
	for ; i < ps && !stop(p, i); i++ {
		s, ok := g.next()
		if !ok {
			break
		}
		if i == 0 {
			x.programs.Add(1) // a program counts once it runs
		}
		rec, err := e.run(ctx, s)
		if err != nil {
			return nil, i, err
		}
		x.steps.Add(1)
		if d := e.diverged(rec); d != nil {
			return &found{program: p, step: i + 1, seconds: time.Since(x.start).Seconds(), w: x, e: e, d: d}, i + 1, nil
		}
	}
	return nil, i, nil
}

// Replay runs a saved program once against the target.
func Replay(ctx context.Context, opts Options, saved *Saved) (*Result, error) {
	x, err := connect(ctx, opts)
	if err != nil {
		return nil, err
	}
	if need := saved.agents(); need > len(x.agents) {
		return nil, cannot("the saved program needs %d agents; the target has %d (give --api-key-b, or a control API that creates agents)", need, len(x.agents))
	}
	e, err := x.newExecution(ctx)
	if err != nil {
		return nil, err
	}
	x.programs.Add(1)
	for _, s := range saved.Program.Steps {
		rec, err := e.run(ctx, s)
		if err != nil {
			return x.done(ctx), err
		}
		x.steps.Add(1)
		if d := e.diverged(rec); d != nil {
			x.res.Divergence = x.describe(e, d)
			break
		}
	}
	return x.done(ctx), nil
}

// newRand is the random source of program p of a seed.
func newRand(seed, p uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, p)) }

func (x *explorer) programSteps() int {
	if x.opts.ProgramSteps > 0 {
		return x.opts.ProgramSteps
	}
	return 40
}

// done ends an exploration: the result, then what it created removed.
func (x *explorer) done(ctx context.Context) *Result {
	r := x.finish()
	x.cleanup(context.WithoutCancel(ctx), &r.Footprint)
	return r
}

// cleanup removes the tasks and agents the exploration created, when the
// control API can (a 404 counts as removed: it is gone); what it cannot is
// said in the footprint.
func (x *explorer) cleanup(ctx context.Context, f *Footprint) {
	f.TasksCreated, f.AgentsCreated, f.ClockSeconds = len(x.created.tasks), len(x.created.agents), x.created.clock
	switch {
	case f.TasksCreated+f.AgentsCreated == 0:
		return
	case x.opts.Keep:
		f.Kept = true
		return
	case !x.caps.Cleanup:
		f.Left = "the control API cannot remove tasks and agents (capability cleanup)"
		return
	}
	remove := func(path string) bool {
		ex := x.target.do(ctx, request{Method: http.MethodDelete, Path: path, Control: true, As: "control"})
		return ex.Err == "" && (ex.Status/100 == 2 || ex.Status == http.StatusNotFound)
	}
	for _, id := range x.created.tasks {
		if remove("/_control/tasks/" + id) {
			f.TasksRemoved++
		}
	}
	for _, id := range x.created.agents {
		if id != "" && remove("/_control/agents/"+id) {
			f.AgentsRemoved++
		}
	}
	if f.TasksRemoved < f.TasksCreated || f.AgentsRemoved < f.AgentsCreated {
		f.Left = "the control API refused some removals"
	}
	x.created.tasks, x.created.agents = nil, nil
}

// finish fills the result in: the counters, and the warnings and coverage
// of every worker.
func (x *explorer) finish() *Result {
	r := x.res
	r.Elapsed = time.Since(x.start)
	r.Seconds = r.Elapsed.Seconds()
	r.Steps, r.Programs, r.Requests = int(x.steps.Load()), int(x.programs.Load()), int(x.requests.Load())
	r.Workers = len(x.workers)
	if r.Seconds > 0 {
		r.StepsPerS = float64(r.Steps) / r.Seconds
	}
	warn := map[string]*warning{}
	cover := newCoverage()
	for _, w := range x.workers {
		for clause, v := range w.warn {
			had := warn[clause]
			switch {
			case had == nil:
				c := *v
				warn[clause] = &c
			case v.program < had.program:
				had.Example, had.program = v.Example, v.program
				fallthrough
			default:
				had.Count += v.Count
			}
		}
		cover.add(w.cover)
	}
	r.Warnings = r.Warnings[:0]
	for _, w := range warn {
		r.Warnings = append(r.Warnings, w.Warning)
	}
	sortWarnings(r.Warnings)
	r.Coverage = cover.summary(x.cat)
	return r
}

func (x *explorer) logf(format string, args ...any) {
	if x.log != nil {
		x.mu.Lock()
		defer x.mu.Unlock()
		fmt.Fprintln(x.log, x.redact.String("jtb explore: "+fmt.Sprintf(format, args...)))
	}
}

// connect checks the target answers, reads its control API's capabilities,
// finds or creates its agents and sets the model's clock to the target's.
func connect(ctx context.Context, opts Options) (*explorer, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = suites.DefaultTimeout
	}
	if opts.ControlURL == "" {
		opts.ControlURL = opts.BaseURL
	}
	t := suites.Target{BaseURL: opts.BaseURL, ControlURL: opts.ControlURL, ControlToken: opts.ControlToken, Timeout: opts.Timeout,
		Headers: opts.Headers, CACert: opts.CACert, Insecure: opts.Insecure}
	if err := t.Validate(); err != nil {
		return nil, cannot("%v", err)
	}
	transport, err := t.Transport()
	if err != nil {
		return nil, err
	}
	cat, err := catalogue.Parse(jtb.CatalogueSpec)
	if err != nil {
		return nil, err
	}
	doc, err := jtb.LoadAgentAPI()
	if err != nil {
		return nil, err
	}
	in, err := deriveInputs(doc)
	if err != nil {
		return nil, err
	}
	x := &explorer{session: &session{
		opts:   opts,
		target: newHTTPSide(t, transport),
		cat:    cat,
		in:     in,
		redact: suites.NewRedactor(append(t.Secrets(), opts.APIKeys...)...),
		start:  time.Now(),
		res:    &Result{Seed: opts.Seed, Strict: opts.Strict, Serial: opts.Serial, Warnings: []Warning{}},
		log:    opts.Log,
	}, cover: newCoverage(), warn: map[string]*warning{}}
	x.workers = []*explorer{x}
	var nonce [4]byte
	crand.Read(nonce[:])
	x.nonce = hex.EncodeToString(nonce[:])

	pre := x.target.do(ctx, request{Method: http.MethodGet, Path: "/v1/tasks/available", As: "no key"})
	if pre.Err != "" {
		return nil, cannot("%s", x.redact.String(t.Unanswered(pre.err).Error()))
	}
	caps := x.target.do(ctx, request{Method: http.MethodGet, Path: "/_control/capabilities", Control: true, As: "control"})
	var capsEnv struct {
		Data *suites.Capabilities `json:"data"`
	}
	switch {
	case caps.Err != "":
		return nil, cannot("the control API at %s/_control does not answer: %s", opts.ControlURL, x.redact.String(caps.Err))
	case caps.Status == http.StatusUnauthorized || caps.Status == http.StatusForbidden:
		return nil, cannot("the control API at %s/_control refused the control token (%d): set --control-token", opts.ControlURL, caps.Status)
	case caps.Status != http.StatusOK || json.Unmarshal(caps.Body, &capsEnv) != nil || capsEnv.Data == nil:
		return nil, cannot("explore needs the control API (control-api.yaml) to post tasks and accept bids; GET %s/_control/capabilities answered %d", opts.ControlURL, caps.Status)
	}
	x.caps = *capsEnv.Data
	x.cover.clause("JTB-CTL-001")
	if !x.caps.Clock {
		x.res.Notes = append(x.res.Notes, "the control API cannot move the clock: the 6-hour resubmit window is not explored")
	}
	if !x.caps.PDQGPin {
		x.res.Notes = append(x.res.Notes, "the control API cannot pin PDQG scores: deliveries and resubmits are not explored (the bands need known scores)")
	}

	x.model, err = newModel(time.Now().UTC(), !opts.ExactClock)
	if err != nil {
		return nil, err
	}
	for _, k := range opts.APIKeys {
		if k != "" && len(x.agents) < modelAgents {
			x.agents = append(x.agents, agentRef{Key: [2]string{k, ""}})
		}
	}
	for len(x.agents) < modelAgents && x.caps.Agents {
		name := fmt.Sprintf("jtb-explore-%s-%d", x.nonce, len(x.agents)+1)
		ex := x.target.do(ctx, request{Method: http.MethodPost, Path: "/_control/agents", Control: true, As: "control", Body: mustJSON(map[string]string{"name": name})})
		var a struct {
			Data struct {
				ID     string `json:"id"`
				APIKey string `json:"apiKey"`
			} `json:"data"`
		}
		if ex.Err != "" || ex.Status/100 != 2 || json.Unmarshal(ex.Body, &a) != nil || a.Data.APIKey == "" {
			return nil, cannot("creating an agent through the control API failed (%d %s)", ex.Status, x.redact.String(ex.Err))
		}
		x.redact = suites.NewRedactor(append(x.secrets(), a.Data.APIKey)...)
		x.agents = append(x.agents, agentRef{Key: [2]string{a.Data.APIKey, ""}, ID: [2]string{a.Data.ID, ""}})
		x.created.agents = append(x.created.agents, a.Data.ID)
		x.cover.clause("JTB-CTL-002")
	}
	if len(x.agents) == 0 {
		return nil, cannot("no agent: give --api-key, or a control API that can create agents")
	}
	for i := range x.agents {
		x.agents[i].Key[1], x.agents[i].ID[1] = x.model.keys[i], x.model.agent[i]
		ex := x.target.do(ctx, request{Method: http.MethodGet, Path: "/v1/tasks/available?limit=1", Auth: "Bearer " + x.agents[i].Key[0], As: agentName(i)})
		if ex.Err != "" || ex.Status/100 != 2 {
			return nil, cannot("the target refuses %s's key (GET /v1/tasks/available answered %d %s)", agentName(i), ex.Status, x.redact.String(ex.Err))
		}
	}
	if len(x.agents) < 2 {
		x.res.Notes = append(x.res.Notes, "one agent only: nothing is tried as another agent (give --api-key-b, or a control API that creates agents)")
	}
	if x.caps.Clock {
		if err := x.syncClock(ctx); err != nil {
			return nil, err
		}
	}
	return x, nil
}

func (x *explorer) secrets() []string {
	out := x.target.secrets
	for _, a := range x.agents {
		out = append(out, a.Key[0])
	}
	return append(out, x.opts.APIKeys...)
}

// syncClock sets the model's clock to the target's.
func (x *explorer) syncClock(ctx context.Context) error {
	ex := x.target.do(ctx, request{Method: http.MethodGet, Path: "/_control/clock", Control: true, As: "control"})
	x.requests.Add(1)
	now, err := clockOf(ex)
	if err != nil {
		return cannot("reading the target's clock: %v", err)
	}
	x.cover.clause("JTB-CTL-008")
	x.model.synced(now)
	return nil
}

// clockOf reads {"data":{"now":...}} in any RFC 3339 precision and offset.
func clockOf(ex *Exchange) (time.Time, error) {
	if ex.Err != "" {
		return time.Time{}, errors.New(ex.Err)
	}
	var env struct {
		Data struct {
			Now string `json:"now"`
		} `json:"data"`
	}
	if ex.Status/100 != 2 || json.Unmarshal(ex.Body, &env) != nil {
		return time.Time{}, fmt.Errorf("the control API answered %d", ex.Status)
	}
	t, err := time.Parse(time.RFC3339Nano, env.Data.Now)
	if err != nil {
		return time.Time{}, fmt.Errorf("now %q: %v", env.Data.Now, err)
	}
	return t.UTC().Truncate(time.Millisecond), nil
}

func agentName(i int) string { return "agent " + string(rune('A'+i)) }

// warnf counts a difference of program p that does not stop the run.
func (x *explorer) warnf(p int64, clause, example string) {
	if x.quiet {
		return
	}
	w := x.warn[clause]
	if w == nil {
		title := ""
		if cl, ok := x.cat.Clause(clause); ok {
			title = cl.Title
		}
		w = &warning{Warning: Warning{Clause: clause, Title: title, Example: x.redact.String(example)}, program: p}
		x.warn[clause] = w
	}
	w.Count++
}

// fresh names the run-scoped things of one execution: categories, keys;
// and its number.
func (x *explorer) fresh() (string, int64) {
	n := x.runs.Add(1)
	return fmt.Sprintf("jtb-explore-%s-%d", x.nonce, n), n
}

// quote is the page's words (MUST) or the decision (SHOULD) behind a clause.
func (x *explorer) quote(id string) (title, level, quote string) {
	cl, ok := x.cat.Clause(id)
	if !ok {
		return id, "", "" // a clause the catalogue lacks: reported, never a divergence
	}
	if cl.Level == catalogue.Must {
		return cl.Title, cl.Level, strings.Join(cl.Seed, " / ")
	}
	return cl.Title, cl.Level, cl.Why
}
