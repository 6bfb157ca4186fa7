package explore

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/jobtobot/jtb/catalogue"
)

// execution is one run of one program against the target and the model,
// from a fresh state: new categories and keys on the target (whose state is
// not reset: nothing of an earlier run is visible to this one), an emptied
// model.
type execution struct {
	x       *explorer
	index   int64 // the program's index (its random source); 0 for a replay or a shrinking re-run
	prefix  string
	cats    [3]string
	unknown string // a well-formed task id no side holds
	st      *state
	records []*record
	// lastTask is the model's clock when the last task was created: tasks
	// created at the same instant would leave their order to the sides' ids.
	lastTask time.Time
}

// record is one executed step.
type record struct {
	Step     Step
	Target   []*Exchange // one per request (a group has several)
	Model    []*Exchange
	Findings []finding
	Skipped  string // why the step was not sent ("" it was)
	Notes    []string
}

// finding is one difference between the sides.
type finding struct {
	Clause string // the clause it breaks (a JTB-CTL one for the control API, the harness)
	What   string
	// State says the sides' states may now differ (one acted, the other
	// did not): the task is tainted.
	State bool
}

func (x *explorer) newExecution(ctx context.Context) (*execution, error) {
	if err := x.model.reset(); err != nil {
		return nil, err
	}
	// A target's clock that runs with wall time is read once per program;
	// the model follows it with the local time elapsed between steps.
	if !x.opts.ExactClock && x.caps.Clock {
		if err := x.syncClock(ctx); err != nil {
			return nil, err
		}
	}
	p, n := x.fresh()
	e := &execution{x: x, prefix: p, st: newState()}
	e.cats = [3]string{"", p + "-a", p + "-b"}
	e.unknown = "00000000-0000-4000-8000-" + fmt.Sprintf("%012x", uint64(n)*7919+0xbeef)
	for _, a := range x.agents {
		if a.ID[0] != "" {
			e.st.mapID(a.ID[0], a.ID[1])
		}
	}
	return e, nil
}

// program is what this execution ran so far.
func (e *execution) program() Program {
	p := Program{}
	for _, r := range e.records {
		p.Steps = append(p.Steps, r.Step)
	}
	return p
}

// divergence is the first difference that stops a run.
type divergence struct {
	Clause string
	What   string
	Step   int // the step's ID
}

// diverged says whether the record stops the run: a MUST difference, or a
// SHOULD one with --strict. The others become warnings.
func (e *execution) diverged(r *record) *divergence {
	var must, should *finding
	for i, f := range r.Findings {
		_, level, _ := e.x.quote(f.Clause)
		switch {
		case level == catalogue.Must && must == nil:
			must = &r.Findings[i]
		case level == catalogue.Should && e.x.opts.Strict && should == nil:
			should = &r.Findings[i]
		default:
			e.x.warnf(e.index, f.Clause, f.What)
		}
	}
	stop := cmp.Or(must, should)
	if stop == nil {
		return nil
	}
	if must != nil && should != nil {
		e.x.warnf(e.index, should.Clause, should.What)
	}
	return &divergence{Clause: stop.Clause, What: stop.What, Step: r.Step.ID}
}

// run executes one step on both sides and judges it.
func (e *execution) run(ctx context.Context, s Step) (*record, error) {
	r := &record{Step: s}
	e.records = append(e.records, r)
	e.x.model.follow()
	if why := e.unresolved(s); why != "" {
		r.Skipped = why
		return r, nil
	}
	var err error
	switch s.Op {
	case OpTask:
		err = e.createTask(ctx, s, r)
	case OpAccept, OpReject:
		err = e.poster(ctx, s, r)
	case OpAdvance:
		err = e.advance(ctx, s, r)
	case OpGroup:
		err = e.group(ctx, s, r)
	default:
		err = e.call(ctx, s, r)
	}
	return r, err
}

// unresolved says why a step cannot run: it refers to something a shrunk
// program no longer creates, or to a tainted task.
func (e *execution) unresolved(s Step) string {
	if s.Op == OpGroup {
		for _, g := range s.Group {
			if why := e.unresolved(g); why != "" {
				return why
			}
		}
		return ""
	}
	if s.Agent >= len(e.x.agents) || (s.Reuse == "agent" && len(e.x.agents) < 2) {
		return "the target has fewer agents"
	}
	if s.Task > 0 {
		t, ok := e.st.tasks[s.Task]
		switch {
		case !ok:
			return "its task was not created"
		case t.Tainted:
			return "its task is tainted by an earlier SHOULD difference"
		}
	}
	if s.Bid > 0 {
		if _, ok := e.st.bids[s.Bid]; !ok {
			return "its bid was not placed"
		}
	}
	if s.Page > 0 {
		p, ok := e.st.pages[s.Page]
		if !ok || p.Cursor[0] == "" {
			return "the page it follows has no next cursor"
		}
	}
	if s.Other > 0 {
		if p, ok := e.st.pages[s.Other]; !ok || p.Cursor[0] == "" || p.Cursor[1] == "" {
			return "the other category's page has no cursor"
		}
	}
	if (s.Op == OpDeliver || s.Op == OpResubmit) && !e.x.caps.PDQGPin {
		return "the control API cannot pin scores"
	}
	if s.Op == OpAdvance && !e.x.caps.Clock {
		return "the control API cannot move the clock"
	}
	return ""
}

// taskID is the id of a step's task on one side (0 target, 1 model).
func (e *execution) taskID(ref, side int) string {
	switch ref {
	case UnknownTask:
		return e.unknown
	case MalformedTask:
		return "not-a-task-" + e.prefix[len(e.prefix)-4:]
	}
	return e.st.tasks[ref].ID[side]
}

// key is the Idempotency-Key a step sends.
func (e *execution) key(s Step) string {
	if s.KeyRaw {
		return s.Key
	}
	k := e.prefix + "-" + s.Key
	if s.KeyLen > 0 {
		for len(k) < s.KeyLen {
			k += "x"
		}
		k = k[:s.KeyLen]
	}
	return k
}

// build is the request of a step on one side.
func (e *execution) build(s Step, side int) request {
	a := e.x.agents[s.Agent]
	r := request{Auth: "Bearer " + a.Key[side], As: agentName(s.Agent), Body: s.Body}
	switch s.Auth {
	case AuthNone:
		r.Auth, r.As = "", "no key"
	case AuthUnknown:
		r.Auth, r.As = "Bearer jtb_live_explore_unknown_"+e.x.nonce, "an unknown key"
	case AuthScheme:
		r.Auth, r.As = "Basic "+a.Key[side], agentName(s.Agent)+" (Basic)"
	case AuthLower:
		r.Auth, r.As = "bearer "+a.Key[side], agentName(s.Agent)+" (bearer)"
	}
	if s.Key != "" || s.KeyRaw {
		r.Header = map[string]string{"Idempotency-Key": e.key(s)}
	}
	if s.Oversize {
		r.Body = e.x.oversized()
	}
	switch s.Op {
	case OpAccept, OpReject:
		b := e.st.bids[s.Bid]
		id := e.st.tasks[b.Task].ID[side]
		return request{Method: http.MethodPost, Path: "/_control/tasks/" + id + "/bids/" + b.ID[side] + "/" + s.Op, Control: true, Body: []byte("{}"), As: "control"}
	case OpList:
		q := url.Values{}
		if s.Category > 0 {
			q.Set("category", e.cats[s.Category])
		}
		if s.Limit != "" || s.HasLimit {
			q.Set("limit", s.Limit)
		}
		if s.Page > 0 {
			c := e.st.pages[s.Page].Cursor[side]
			switch s.Cursor {
			case "truncate":
				c = c[:len(c)/2]
			case "garbage":
				c = "jtb-explore-not-a-cursor"
			case "other":
				c = e.st.pages[s.Other].Cursor[side]
			}
			q.Set("cursor", c)
		}
		r.Method, r.Path = http.MethodGet, "/v1/tasks/available"
		if len(q) > 0 {
			r.Path += "?" + q.Encode()
		}
	case OpPath:
		r.Method, r.Path = s.Method, strings.ReplaceAll(s.Path, "{task}", e.unknown)
	case OpTraces:
		r.Method, r.Path = http.MethodGet, "/v1/tasks/"+e.taskID(s.Task, side)+"/traces"
	default:
		r.Method, r.Path = http.MethodPost, "/v1/tasks/"+e.taskID(s.Task, side)+"/"+opPath[s.Op]
	}
	return r
}

var opPath = map[string]string{OpBid: "bids", OpDeliver: "deliver", OpResubmit: "resubmit", OpProgress: "progress"}

// oversized is a JSON body just past the 1 MiB limit, built once: no
// target reads past the limit, so what it holds does not matter.
func (x *explorer) oversized() []byte {
	x.bigOnce.Do(func() {
		x.big = []byte(`{"padding":"` + strings.Repeat("a", 1<<20) + `","proposedPrice":12.5,"coverLetter":"x"}`)
	})
	return x.big
}

type sidePath func(side int) string

// createTask posts a task in one of the run's categories, one second after
// the previous one: equal createdAt would leave the order of a page to the
// sides' ids, a free choice.
func (e *execution) createTask(ctx context.Context, s Step, r *record) error {
	// Tasks created at one instant would leave their order to the sides'
	// ids: each gets a second of its own. Where one task's time can move,
	// the new task moves back a second less than the one before it (the
	// server's clock stays where it is); else the clock moves a second,
	// before each task on a clock that runs with wall time (the sides'
	// clocks differ by milliseconds), and only when it has not moved since
	// the last task on one that moves only when moved.
	if e.x.caps.Clock && !e.x.caps.TaskTime && (!e.x.opts.ExactClock || !e.x.model.clock.Now().After(e.lastTask)) {
		if err := e.move(ctx, 1, r); err != nil {
			return err
		}
	}
	e.lastTask = e.x.model.clock.Now()
	cat := max(s.Category, 1)
	var in struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		Band        string `json:"band"`
		Price       string `json:"price"`
	}
	if err := json.Unmarshal(s.Body, &in); err != nil {
		return fmt.Errorf("explore: step %d: task body: %w", s.ID, err)
	}
	body := map[string]string{"title": in.Title, "description": in.Description, "category": e.cats[cat], "band": in.Band, "price": in.Price}
	t, m, err := e.both(ctx, http.MethodPost, func(int) string { return "/_control/tasks" }, body)
	if err != nil {
		return err
	}
	r.Target, r.Model = []*Exchange{t}, []*Exchange{m}
	tid, terr := dataID(t)
	mid, merr := dataID(m)
	switch {
	case merr != nil:
		return fmt.Errorf("explore: the model refused a task: %v", merr)
	case terr != nil:
		return cannot("the control API did not create a task: %v", terr)
	}
	e.st.mapID(tid, mid)
	e.x.mu.Lock()
	e.x.created.tasks = append(e.x.created.tasks, tid)
	e.x.mu.Unlock()
	e.st.tasks[s.ID] = &taskRef{ID: [2]string{tid, mid}, Cat: cat, Title: in.Title, Band: in.Band, Price: in.Price, Status: "open", Assignee: -1,
		Bids: map[string]string{}, BidBy: map[int]bool{}}
	e.st.order = append(e.st.order, s.ID)
	e.st.version[cat]++
	if e.x.caps.TaskTime {
		back := int64(maxTasks - len(e.st.order))
		if _, _, err := e.moveTask(ctx, s.ID, back); err != nil {
			return err
		}
		r.Notes = append(r.Notes, fmt.Sprintf("the task's time moved %ds: a second apart from the task before it", back))
	}
	e.x.cover.hit("none", OpTask)
	e.reach("JTB-CTL-003")
	return nil
}

// both sends a control request to the target and then the model.
func (e *execution) both(ctx context.Context, method string, path sidePath, body any) (t, m *Exchange, err error) {
	var raw []byte
	if body != nil {
		raw = mustJSON(body)
	}
	t, m = e.pair(ctx, request{Method: method, Path: path(0), Control: true, Body: raw, As: "control"},
		request{Method: method, Path: path(1), Control: true, Body: raw, As: "control"})
	if t.Err != "" {
		return t, nil, cannot("the target stopped answering: %s", e.x.redact.String(t.Err))
	}
	return t, m, nil
}

// pair sends a request to the target and its counterpart to the model at
// the same time: the model's work runs while the target's answer travels.
func (e *execution) pair(ctx context.Context, tr, mr request) (t, m *Exchange) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t = e.x.target.do(ctx, tr)
	}()
	// The model runs here, on a goroutine whose stack has long grown to
	// what the mock's handler needs; the target's request is the shallow
	// one.
	m = e.x.model.side.do(ctx, mr)
	<-done
	e.x.requests.Add(1)
	return t, m
}

// dataID reads data.id of a success answer.
func dataID(x *Exchange) (string, error) {
	if x.Err != "" {
		return "", fmt.Errorf("%s", x.Err)
	}
	var env struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if x.Status/100 != 2 || json.Unmarshal(x.Body, &env) != nil || env.Data.ID == "" {
		return "", fmt.Errorf("%s %s answered %d", x.Method, x.Path, x.Status)
	}
	return env.Data.ID, nil
}

// controlClause is the CTL clause of each control operation explore calls
// (x-jtb-clause in control-api.yaml): a departure there is a finding of the
// harness, a SHOULD, never a divergence of the Agent API.
var controlClause = map[string]string{
	OpAccept: "JTB-CTL-005",
	OpReject: "JTB-CTL-006",
	"pin":    "JTB-CTL-007",
}

// poster accepts or rejects a bid. The control API is a harness: a
// difference there is a warning (and the task is tainted), never a verdict
// on the Agent API.
func (e *execution) poster(ctx context.Context, s Step, r *record) error {
	task := e.st.tasks[e.st.bids[s.Bid].Task]
	pre := task.status(e.x.model.clock.Now())
	t, m := e.pair(ctx, e.build(s, 0), e.build(s, 1))
	if t.Err != "" {
		return cannot("the target stopped answering: %s", e.x.redact.String(t.Err))
	}
	r.Target, r.Model = []*Exchange{t}, []*Exchange{m}
	e.x.cover.hit(pre, s.Op)
	return e.posterAnswer(s, t, m, r)
}

// advance moves the clock, on the target through its control API and on the
// model to the time the target answers.
func (e *execution) advance(ctx context.Context, s Step, r *record) error {
	secs := s.Seconds
	if s.Deadline != nil {
		t := e.st.tasks[s.Task]
		now := e.x.model.clock.Now()
		dl := t.Deadline
		if !e.x.opts.ExactClock && !t.TDeadline.IsZero() {
			dl = t.TDeadline // the target's own, probed on its own clock
		}
		if dl.IsZero() {
			r.Skipped = "the task has no resubmit deadline"
			return nil
		}
		secs = int64(dl.Add(time.Duration(*s.Deadline)*time.Second).Sub(now).Round(time.Second) / time.Second)
		if secs < 0 {
			r.Skipped = "the clock is already past that instant"
			return nil
		}
		if e.x.caps.TaskTime {
			t, m, err := e.moveTask(ctx, s.Task, secs)
			r.Target, r.Model = []*Exchange{t}, []*Exchange{m}
			r.Notes = append(r.Notes, fmt.Sprintf("the task's time moved %ds", secs))
			return err
		}
	}
	return e.move(ctx, secs, r)
}

// moveTask moves one task's time, on both sides (capability taskTime): the
// window is probed without moving the clock of a target others use.
func (e *execution) moveTask(ctx context.Context, ref int, secs int64) (t, m *Exchange, err error) {
	task := e.st.tasks[ref]
	path := func(side int) string { return "/_control/tasks/" + task.ID[side] + "/time/advance" }
	t, m, err = e.both(ctx, http.MethodPost, path, map[string]int64{"seconds": secs})
	switch {
	case err != nil:
		return t, m, err
	case m.Status != http.StatusOK:
		return t, m, fmt.Errorf("explore: the model refused to move a task's time (%d)", m.Status)
	case t.Status/100 != 2:
		return t, m, cannot("the control API refused to move a task's time by %ds (%d)", secs, t.Status)
	}
	e.reach("JTB-CTL-010")
	// Every time of the task moved secs into the past, its deadline too;
	// its status stays as stored (a failed delivery past its deadline reads
	// final, status applies that).
	d := time.Duration(secs) * time.Second
	if !task.Deadline.IsZero() {
		task.Deadline = task.Deadline.Add(-d)
	}
	if !task.TDeadline.IsZero() {
		task.TDeadline = task.TDeadline.Add(-d)
	}
	return t, m, nil
}

// maxTasks bounds the tasks of one program, for the seconds a new task's
// time moves back (one less for each task before it).
const maxTasks = 1000

// move advances both clocks by secs seconds.
func (e *execution) move(ctx context.Context, secs int64, r *record) error {
	t := e.x.target.do(ctx, request{Method: http.MethodPost, Path: "/_control/clock/advance", Control: true, As: "control",
		Body: mustJSON(map[string]int64{"seconds": secs})})
	e.x.requests.Add(1)
	now, err := clockOf(t)
	if err != nil {
		return cannot("moving the target's clock by %ds: %v", secs, err)
	}
	e.reach("JTB-CTL-009")
	e.x.mu.Lock()
	e.x.created.clock += secs
	e.x.mu.Unlock()
	e.x.model.synced(now)
	r.Notes = append(r.Notes, "clock now "+now.Format(time.RFC3339))
	return nil
}

// refresh reads the model's view of a task from its control API (in
// process). Steps learn it from the model's answers instead (learn);
// Options.verify has every step check that the two agree.
func (e *execution) refresh(ctx context.Context, t *taskRef) error {
	x := e.x.model.side.do(ctx, request{Method: http.MethodGet, Path: "/_control/tasks/" + t.ID[1], Control: true, As: "control"})
	if x.Status != http.StatusOK {
		return fmt.Errorf("explore: the model does not show task %s (%d)", t.ID[1], x.Status)
	}
	return e.fill(t, x.Body)
}

// fill sets the model's view of a task from a control task answer (a
// control GET, or the answer to an accept or a reject).
func (e *execution) fill(t *taskRef, body []byte) error {
	var env struct {
		Data struct {
			Status           string  `json:"status"`
			AssignedAgentID  *string `json:"assignedAgentId"`
			ResubmitDeadline *string `json:"resubmitDeadline"`
			Bids             []struct {
				ID, AgentID, Status string
			} `json:"bids"`
			Deliveries []struct {
				Score float64 `json:"score"`
			} `json:"deliveries"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("explore: the model's control task: %w", err)
	}
	d := env.Data
	t.Status, t.Assignee = d.Status, -1
	if d.AssignedAgentID != nil {
		t.Assignee = e.modelAgent(*d.AssignedAgentID)
	}
	t.Deadline = time.Time{}
	if d.ResubmitDeadline != nil {
		t.Deadline, _ = time.Parse(time.RFC3339Nano, *d.ResubmitDeadline)
	}
	t.Bids = map[string]string{}
	t.BidBy = map[int]bool{}
	for _, b := range d.Bids {
		t.Bids[b.ID] = b.Status
		t.BidBy[e.modelAgent(b.AgentID)] = true
	}
	t.Deliveries = len(d.Deliveries)
	if n := len(d.Deliveries); n > 0 {
		t.LastScore = d.Deliveries[n-1].Score
	}
	return nil
}

// learn updates the model's view of a task from the model's answer to an
// Agent API step: a new bid, a delivery. Nothing else an agent does
// changes a task as the model shows it.
func (e *execution) learn(t *taskRef, s Step, m *Exchange, ma answer) {
	if m.Status/100 != 2 || replayed(m) {
		return
	}
	d, _ := ma.data.(map[string]any)
	switch s.Op {
	case OpBid:
		id, _ := d["id"].(string)
		st, _ := d["status"].(string)
		t.Bids[id] = st
		t.BidBy[s.Agent] = true
	case OpDeliver, OpResubmit:
		t.Deliveries++
		t.Status, _ = d["status"].(string)
		pdqg, _ := d["pdqg"].(map[string]any)
		t.LastScore, _ = pdqg["score"].(float64)
		t.Deadline = time.Time{}
		if dl, ok := d["resubmitDeadline"].(string); ok {
			t.Deadline, _ = time.Parse(time.RFC3339Nano, dl)
		}
	case OpProgress:
		t.Traces++
	}
}

// verify checks the view learnt from answers against the model's own.
func (e *execution) verify(ctx context.Context, t *taskRef) error {
	got := t.clone()
	if err := e.refresh(ctx, got); err != nil {
		return err
	}
	now := e.x.model.clock.Now()
	if a, b := t.effective(now), got.effective(now); !reflect.DeepEqual(a, b) {
		return fmt.Errorf("explore: the view learnt of task %s is %+v; the model shows %+v", t.ID[1], a, b)
	}
	return nil
}

func (e *execution) modelAgent(id string) int {
	for i, a := range e.x.model.agent {
		if a == id {
			return i
		}
	}
	return -1
}

// limitOf is the page size a list step asks for (20 when it gives none or
// an invalid one, which the model refuses anyway).
func limitOf(s Step) int {
	n, err := strconv.Atoi(s.Limit)
	if err != nil || n < 1 || n > 100 {
		return 20
	}
	return n
}
