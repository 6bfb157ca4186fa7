package explore

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"
)

// generator writes a program one step at a time, looking at the model's
// state as the program runs: it bids on open tasks, accepts pending bids,
// delivers claimed tasks, moves the clock to a failed delivery's deadline,
// walks the listing while tasks change under it, reuses Idempotency-Keys, and
// now and then sends a request that breaks a constraint of openapi.yaml or
// a group of requests at once. Everything it draws comes from rng, so a seed
// gives the same programs against any target (the model, not the target,
// decides what comes next).
type generator struct {
	rng  *rand.Rand
	x    *explorer
	e    *execution
	id   int
	keys int
}

func newGenerator(rng *rand.Rand, x *explorer, e *execution) *generator {
	return &generator{rng: rng, x: x, e: e}
}

// Scores drawn for pinned deliveries: at and around the two thresholds.
var scores = []float64{0, 0.2, 0.39, 0.3999, 0.4, 0.4001, 0.52, 0.65, 0.6501, 0.66, 0.9, 1}

// The offsets tried around a resubmit deadline: the exact boundary (the
// deadline is inclusive) only on a clock that moves only when moved; one
// second and more either side on a clock that runs with wall time.
var (
	exactOffsets = []int64{-3600, -1, 0, 1, 3600}
	wallOffsets  = []int64{-3600, -2, 2, 3600}
)

type action struct {
	weight float64
	make   func() (Step, bool)
}

func (g *generator) next() (Step, bool) {
	acts := g.actions()
	for range 8 {
		total := 0.0
		for _, a := range acts {
			total += a.weight
		}
		if total == 0 {
			return Step{}, false
		}
		r := g.rng.Float64() * total
		for i, a := range acts {
			if r -= a.weight; r < 0 || i == len(acts)-1 {
				if s, ok := a.make(); ok {
					return s, true
				}
				acts[i].weight = 0
				break
			}
		}
	}
	return g.newTask(), true
}

func (g *generator) nextID() int {
	g.id++
	return g.id
}

func (g *generator) pick(n int) int { return g.rng.IntN(n) }

func pickOf[T any](g *generator, xs []T) T { return xs[g.pick(len(xs))] }

// live lists the program's usable tasks (created, not tainted) whose
// status (now) is one of statuses; none given: any.
func (g *generator) live(statuses ...string) []int {
	now := g.x.model.clock.Now()
	var out []int
	for _, id := range g.e.st.order {
		t := g.e.st.tasks[id]
		if t.Tainted {
			continue
		}
		if len(statuses) == 0 || slices.Contains(statuses, t.status(now)) {
			out = append(out, id)
		}
	}
	return out
}

func (g *generator) agents() int { return len(g.x.agents) }

func (g *generator) otherAgent(a int) int {
	if g.agents() < 2 {
		return a
	}
	return (a + 1 + g.pick(g.agents()-1)) % g.agents()
}

func (g *generator) actions() []action {
	n := len(g.live())
	open, claimed, failed := g.live("open"), g.live("claimed"), g.live("pdqg_failed")
	pending := g.pendingBids()
	pins := g.x.caps.PDQGPin
	follow := len(g.followable()) > 0
	w := func(ok bool, x float64) float64 {
		if ok {
			return x
		}
		return 0
	}
	acts := []action{
		{w(n < 2, 4) + w(n >= 2 && n < 6, 1.2) + w(n >= 6, 0.15), func() (Step, bool) { return g.newTask(), true }},
		{w(len(open) > 0, 3), g.bid},
		{w(len(open) > 0, 0.8), g.secondBid},
		{w(n > len(open), 0.8), g.wrongBid},
		{w(true, 1.0), g.badBid},
		{w(len(pending) > 0, 3), func() (Step, bool) { return g.poster(OpAccept) }},
		{w(len(pending) > 0, 0.4), func() (Step, bool) { return g.poster(OpReject) }},
		{w(len(claimed) > 0 && pins, 3), func() (Step, bool) { return g.deliver(OpDeliver, claimed, true) }},
		{w(n > 0 && pins, 0.8), func() (Step, bool) { return g.deliver(OpDeliver, g.live(), false) }},
		{w(len(failed) > 0 && pins, 2.5), func() (Step, bool) { return g.deliver(OpResubmit, failed, true) }},
		{w(n > 0 && pins, 0.8), func() (Step, bool) { return g.deliver(OpResubmit, g.live(), false) }},
		{w(len(g.resubmitted()) > 0 && pins, 1.5), func() (Step, bool) { return g.deliver(OpResubmit, g.resubmitted(), true) }},
		{w(len(failed) > 0 && g.x.caps.Clock, 2), g.toDeadline},
		{w(n > 0 && pins, 0.8), g.badDelivery},
		{w(len(claimed)+len(failed) > 0, 1.5), func() (Step, bool) { return g.progress(true) }},
		{w(n > 0, 0.6), func() (Step, bool) { return g.progress(false) }},
		{w(n > 0, 0.6), g.badProgress},
		{w(n > 0, 1.2), g.traces},
		{w(n > 0, 1.2), g.firstPage},
		{w(follow, 3), g.nextPage},
		{w(follow, 0.5), g.spoiltCursor},
		{w(true, 0.5), g.everyCategory},
		{w(len(g.e.st.keys) > 0, 1.5), g.reuseKey},
		{w(len(open) > 0, 0.3), g.keyProbe},
		{w(true, 0.6), g.authProbe},
		{w(true, 0.5), g.unknownTask},
		{w(true, 0.15), g.pathProbe},
		{w(true, 0.08), g.oversize},
		{w(g.x.caps.Clock && !g.x.caps.TaskTime, 0.2), g.tick}, // one task's time moves instead where it can
		{w(!g.x.opts.Serial && n > 0, 1.5), g.group},
	}
	return acts
}

var (
	titles   = []string{"Summarize quarterly earnings report", "Write a CSV parser", "Translate a product page", "Clean a sales dataset"}
	bands    = []string{"basic", "standard", "premium", "expert"}
	prices   = []string{"15.00", "0.50", "120.00", "9.99"}
	letters  = []string{"I can do this well and on time.", "Experienced with this; see my profile.", "Ready to start now."}
	bidPrice = []float64{12.5, 0.01, 99.99, 100000, 1}
	events   = []string{"step_completed", "started", "parsing"}
)

func (g *generator) newTask() Step {
	cat := 1
	if g.pick(5) == 0 {
		cat = 2
	}
	body := mustJSON(map[string]string{"title": pickOf(g, titles), "description": "A task the explorer posted.", "band": pickOf(g, bands), "price": pickOf(g, prices)})
	return Step{ID: g.nextID(), Op: OpTask, Category: cat, Body: body}
}

func (g *generator) bidBody() map[string]any {
	return map[string]any{"proposedPrice": pickOf(g, bidPrice), "coverLetter": pickOf(g, letters)}
}

// maybeKey gives some first uses of a request an Idempotency-Key.
func (g *generator) maybeKey(s *Step) {
	if g.pick(4) == 0 {
		g.keys++
		s.Key = fmt.Sprintf("k%d", g.keys)
	}
}

func (g *generator) bid() (Step, bool) {
	open := g.live("open")
	task := pickOf(g, open)
	t := g.e.st.tasks[task]
	agent := g.pick(g.agents())
	for i := 0; i < g.agents() && t.BidBy[agent]; i++ {
		agent = (agent + 1) % g.agents()
	}
	s := Step{ID: g.nextID(), Op: OpBid, Agent: agent, Task: task, Body: mustJSON(g.bidBody())}
	g.maybeKey(&s)
	return s, true
}

// wrongBid bids on a task that is no longer open.
func (g *generator) wrongBid() (Step, bool) {
	tasks := g.live("claimed", "delivered", "pdqg_failed", "pdqg_final_fail")
	if len(tasks) == 0 {
		return Step{}, false
	}
	task := pickOf(g, tasks)
	agent := g.pick(g.agents())
	if a := g.e.st.tasks[task].Assignee; a >= 0 && g.pick(2) == 0 {
		agent = a
	}
	return Step{ID: g.nextID(), Op: OpBid, Agent: agent, Task: task, Body: mustJSON(g.bidBody())}, true
}

// resubmitted lists the tasks whose one resubmit is spent, or whose window
// closed: the assignee's resubmit there is refused.
func (g *generator) resubmitted() []int {
	var out []int
	for _, id := range g.live("delivered", "pdqg_final_fail") {
		if t := g.e.st.tasks[id]; t.Deliveries == 2 || t.Status == "pdqg_failed" {
			out = append(out, id)
		}
	}
	return out
}

func (g *generator) secondBid() (Step, bool) {
	for _, task := range g.live("open") {
		t := g.e.st.tasks[task]
		for a := range g.agents() {
			if t.BidBy[a] {
				return Step{ID: g.nextID(), Op: OpBid, Agent: a, Task: task, Body: mustJSON(g.bidBody()), Note: "a second bid by the same agent"}, true
			}
		}
	}
	return Step{}, false
}

// mutated applies a mutation of op, derived from openapi.yaml, to a valid
// body.
func (g *generator) mutated(op string, valid map[string]any) ([]byte, *Fault) {
	m := pickOf(g, g.x.in.bodies[op])
	f := m.fault
	return m.apply(valid), &f
}

func (g *generator) badBid() (Step, bool) {
	task := UnknownTask
	if open := g.live("open"); len(open) > 0 && g.pick(4) != 0 {
		task = pickOf(g, open)
	} else if all := g.live(); len(all) > 0 && g.pick(2) == 0 {
		task = pickOf(g, all)
	}
	body, f := g.mutated(OpBid, g.bidBody())
	return Step{ID: g.nextID(), Op: OpBid, Agent: g.pick(g.agents()), Task: task, Body: body, Fault: f}, true
}

func (g *generator) pendingBids() []int {
	var out []int
	for id, b := range g.e.st.bids {
		t := g.e.st.tasks[b.Task]
		if t != nil && !t.Tainted && t.Status == "open" && t.Bids[b.ID[1]] == "pending" {
			out = append(out, id)
		}
	}
	slices.Sort(out) // map order must not decide a seed's program
	return out
}

func (g *generator) poster(op string) (Step, bool) {
	bids := g.pendingBids()
	if len(bids) == 0 {
		return Step{}, false
	}
	b := pickOf(g, bids)
	return Step{ID: g.nextID(), Op: op, Bid: b, Task: g.e.st.bids[b].Task}, true
}

func (g *generator) content() map[string]any {
	return map[string]any{"content": "## Result\n\nThe work, done as asked, with the figures checked twice."}
}

// deliver writes a deliver or resubmit: by the assignee of one of tasks when
// right, else by anyone on any task (mostly a 403 or 409).
func (g *generator) deliver(op string, tasks []int, right bool) (Step, bool) {
	if len(tasks) == 0 {
		return Step{}, false
	}
	task := pickOf(g, tasks)
	t := g.e.st.tasks[task]
	agent := g.pick(g.agents())
	if right && t.Assignee >= 0 {
		agent = t.Assignee
	} else if !right && t.Assignee == agent && g.pick(2) == 0 {
		agent = g.otherAgent(agent)
	}
	score := pickOf(g, scores)
	s := Step{ID: g.nextID(), Op: op, Agent: agent, Task: task, Body: mustJSON(g.content()), Score: &score}
	g.maybeKey(&s)
	return s, true
}

func (g *generator) badDelivery() (Step, bool) {
	task := UnknownTask
	if all := g.live(); len(all) > 0 && g.pick(5) != 0 {
		task = pickOf(g, all)
	}
	op := OpDeliver
	if g.pick(3) == 0 {
		op = OpResubmit
	}
	agent := g.pick(g.agents())
	if task > 0 && g.e.st.tasks[task].Assignee >= 0 && g.pick(3) != 0 {
		agent = g.e.st.tasks[task].Assignee
	}
	body, f := g.mutated(op, g.content())
	score := pickOf(g, scores)
	return Step{ID: g.nextID(), Op: op, Agent: agent, Task: task, Body: body, Fault: f, Score: &score}, true
}

func (g *generator) toDeadline() (Step, bool) {
	failed := g.live("pdqg_failed")
	if len(failed) == 0 {
		return Step{}, false
	}
	offsets := wallOffsets
	if g.x.opts.ExactClock {
		offsets = exactOffsets
	}
	off := pickOf(g, offsets)
	return Step{ID: g.nextID(), Op: OpAdvance, Task: pickOf(g, failed), Deadline: &off}, true
}

func (g *generator) tick() (Step, bool) {
	return Step{ID: g.nextID(), Op: OpAdvance, Seconds: pickOf(g, []int64{1, 60, 3600})}, true
}

func (g *generator) progressBody() map[string]any {
	b := map[string]any{"event": pickOf(g, events), "message": fmt.Sprintf("did part %d", g.pick(100))}
	if g.pick(3) != 0 {
		b["metadata"] = map[string]any{"pagesProcessed": g.pick(50), "ratio": 0.5, "tags": []any{"a", "b"}, "nested": map[string]any{"ok": true, "none": nil}}
	}
	return b
}

func (g *generator) progress(right bool) (Step, bool) {
	tasks := g.live("claimed", "pdqg_failed")
	if !right || len(tasks) == 0 {
		tasks = g.live()
	}
	if len(tasks) == 0 {
		return Step{}, false
	}
	task := pickOf(g, tasks)
	t := g.e.st.tasks[task]
	agent := g.pick(g.agents())
	if right && t.Assignee >= 0 {
		agent = t.Assignee
	}
	s := Step{ID: g.nextID(), Op: OpProgress, Agent: agent, Task: task, Body: mustJSON(g.progressBody())}
	g.maybeKey(&s)
	return s, true
}

func (g *generator) badProgress() (Step, bool) {
	task := pickOf(g, g.live())
	agent := g.pick(g.agents())
	if a := g.e.st.tasks[task].Assignee; a >= 0 && g.pick(3) != 0 {
		agent = a
	}
	body, f := g.mutated(OpProgress, g.progressBody())
	return Step{ID: g.nextID(), Op: OpProgress, Agent: agent, Task: task, Body: body, Fault: f}, true
}

func (g *generator) traces() (Step, bool) {
	task := pickOf(g, g.live())
	agent := g.pick(g.agents())
	if a := g.e.st.tasks[task].Assignee; a >= 0 && g.pick(3) != 0 {
		agent = a
	}
	return Step{ID: g.nextID(), Op: OpTraces, Agent: agent, Task: task}, true
}

func (g *generator) firstPage() (Step, bool) {
	cat := 1
	if g.pick(4) == 0 {
		cat = 2
	}
	limit := pickOf(g, []string{"1", "2", "2", "3", ""})
	return Step{ID: g.nextID(), Op: OpList, Agent: g.pick(g.agents()), Category: cat, Limit: limit}, true
}

// followable lists the pages with a next cursor on both sides, last first.
func (g *generator) followable() []int {
	var out []int
	for id, p := range g.e.st.pages {
		if p.Cursor[0] != "" && p.Cursor[1] != "" {
			if w := g.e.st.walks[p.Walk]; w != nil && !w.Done && w.Last == id { // a walk is a chain of pages
				out = append(out, id)
			}
		}
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

func (g *generator) nextPage() (Step, bool) {
	pages := g.followable()
	page := pages[0]
	if g.pick(4) == 0 {
		page = pickOf(g, pages)
	}
	p := g.e.st.pages[page]
	return Step{ID: g.nextID(), Op: OpList, Agent: g.pick(g.agents()), Category: p.Cat, Limit: p.Limit, Page: page}, true
}

func (g *generator) spoiltCursor() (Step, bool) {
	pages := g.followable()
	page := pickOf(g, pages)
	p := g.e.st.pages[page]
	s := Step{ID: g.nextID(), Op: OpList, Agent: g.pick(g.agents()), Category: p.Cat, Limit: p.Limit, Page: page,
		Fault: &Fault{Kind: "cursor", Field: "cursor", Clause: "JTB-PAG-007", Why: "a cursor this server did not issue for this filter"}}
	s.Cursor = pickOf(g, []string{"truncate", "garbage", "other"})
	if s.Cursor == "other" {
		for _, o := range g.followable() {
			if g.e.st.pages[o].Cat != p.Cat {
				s.Other = o
			}
		}
		if s.Other == 0 {
			s.Cursor = "garbage"
		}
	}
	s.Fault.Why = map[string]string{"truncate": "a cursor cut short", "garbage": "a string this server never issued",
		"other": "a cursor issued for another category filter"}[s.Cursor]
	return s, true
}

func (g *generator) everyCategory() (Step, bool) {
	s := Step{ID: g.nextID(), Op: OpList, Agent: g.pick(g.agents())}
	switch g.pick(3) {
	case 0: // the default page size
	case 1:
		s.Limit = pickOf(g, []string{"5", "50"})
	default:
		p := pickOf(g, g.x.in.limit)
		f := p.fault
		s.Limit, s.HasLimit, s.Fault = p.value, true, &f
	}
	return s, true
}

// reuseKey sends an Idempotency-Key again: the same body (a replay), the
// same JSON written otherwise, another body, from another agent, or after
// the first use failed. Keys are kept 24 hours: none older is reused.
func (g *generator) reuseKey() (Step, bool) {
	names := make([]string, 0, len(g.e.st.keys))
	for k := range g.e.st.keys {
		names = append(names, k)
	}
	slices.Sort(names)
	name := pickOf(g, names)
	k := g.e.st.keys[name]
	if g.x.model.clock.Now().Sub(k.At) > 23*time.Hour {
		return Step{}, false
	}
	if k.Task > 0 && (g.e.st.tasks[k.Task] == nil || g.e.st.tasks[k.Task].Tainted) {
		return Step{}, false
	}
	s := Step{ID: g.nextID(), Op: k.Op, Agent: k.Agent, Task: k.Task, Key: name, Body: k.Body}
	if !g.e.st.stored[scope(name, k.Agent)].ModelOK {
		s.Reuse = "retry"
	} else {
		s.Reuse = pickOf(g, []string{"replay", "replay", "json", "other", "agent"})
	}
	switch s.Reuse {
	case "json":
		s.Body = rewritten(k.Body)
	case "other":
		var v map[string]any
		if json.Unmarshal(k.Body, &v) != nil {
			return Step{}, false
		}
		for f, x := range v {
			switch x := x.(type) {
			case string:
				v[f] = x + " (again)"
			case float64:
				v[f] = x + 1
			}
		}
		s.Body = mustJSON(v)
	case "agent":
		if g.agents() < 2 {
			return Step{}, false
		}
		s.Agent = g.otherAgent(k.Agent)
	}
	if s.Op == OpDeliver || s.Op == OpResubmit {
		score := pickOf(g, scores)
		s.Score = &score
	}
	return s, true
}

// rewritten is the same JSON with other white space and key order.
func rewritten(body []byte) []byte {
	var v map[string]json.RawMessage
	if json.Unmarshal(body, &v) != nil {
		return body
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	slices.Reverse(keys)
	var b strings.Builder
	b.WriteString("{\n")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "  %q :  %s", k, v[k])
	}
	b.WriteString("\n}")
	return []byte(b.String())
}

func (g *generator) keyProbe() (Step, bool) {
	open := g.live("open")
	s := Step{ID: g.nextID(), Op: OpBid, Agent: g.pick(g.agents()), Task: pickOf(g, open), Body: mustJSON(g.bidBody())}
	p := pickOf(g, g.x.in.key)
	f := p.fault
	s.Fault = &f
	g.keys++
	s.Key = fmt.Sprintf("k%d", g.keys)
	switch {
	case p.length > 0:
		s.KeyLen = p.length
	default:
		s.Key, s.KeyRaw = p.value, true
	}
	return s, true
}

func (g *generator) authProbe() (Step, bool) {
	s := Step{ID: g.nextID(), Agent: g.pick(g.agents()), Auth: pickOf(g, []string{AuthNone, AuthUnknown, AuthScheme, AuthLower})}
	all := g.live()
	switch {
	case len(all) > 0 && g.pick(2) == 0:
		s.Op, s.Task = OpTraces, pickOf(g, all)
	case g.pick(2) == 0:
		s.Op, s.Task, s.Body = OpBid, UnknownTask, mustJSON(g.bidBody())
	default:
		s.Op, s.Limit = OpList, "1"
	}
	return s, true
}

func (g *generator) unknownTask() (Step, bool) {
	task := UnknownTask
	if g.pick(3) == 0 {
		task = MalformedTask
	}
	op := pickOf(g, []string{OpBid, OpDeliver, OpResubmit, OpProgress, OpTraces})
	s := Step{ID: g.nextID(), Op: op, Agent: g.pick(g.agents()), Task: task}
	switch op {
	case OpBid:
		s.Body = mustJSON(g.bidBody())
	case OpDeliver, OpResubmit:
		s.Body = mustJSON(g.content())
	case OpProgress:
		s.Body = mustJSON(g.progressBody())
	}
	if s.Body != nil && task == UnknownTask && g.pick(3) == 0 {
		valid := map[string]any{}
		json.Unmarshal(s.Body, &valid)
		s.Body, s.Fault = g.mutated(op, valid)
	}
	return s, true
}

func (g *generator) pathProbe() (Step, bool) {
	s := Step{ID: g.nextID(), Op: OpPath, Agent: g.pick(g.agents())}
	switch g.pick(3) {
	case 0:
		s.Method, s.Path = http.MethodGet, "/v1/tasks/{task}/nothing"
	case 1:
		s.Method, s.Path = http.MethodDelete, "/v1/tasks/available"
	default:
		s.Method, s.Path = http.MethodGet, "/v1/tasks/{task}/bids"
	}
	return s, true
}

func (g *generator) oversize() (Step, bool) {
	return Step{ID: g.nextID(), Op: OpBid, Agent: g.pick(g.agents()), Task: UnknownTask, Body: mustJSON(g.bidBody()), Oversize: true}, true
}
