package explore

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/jobtobot/jtb/catalogue"
)

// raceClause is the clause a concurrent group checks.
var raceClause = map[string]string{
	"bids":    "JTB-BID-003", // two bids by one agent: one is placed, the other is 409
	"replay":  "JTB-IDEM-005",
	"deliver": "JTB-DLV-007",
	"accept":  "JTB-BID-003", // a bid racing the accept: placed before it, or 409 after
}

// group sends its members to the target at once, then looks for a serial
// order of the model that gives the same answers (a linearizability check
// by enumeration: a group has two or three members, so at most six orders,
// each tried on a restored snapshot of the model). A member answered 409
// while another member with the same Idempotency-Key was in flight may also
// have done nothing at all, which no serial order can show; such a member
// is tried dropped too.
func (e *execution) group(ctx context.Context, s Step, r *record) error {
	members := s.Group
	pres := make([]*taskRef, len(members))
	for i, m := range members {
		pres[i] = e.pre(m)
	}
	pinned := false
	for i, m := range members {
		if e.accepts(m, pres[i]) {
			ok, err := e.pinFor(ctx, m, pres[i], r)
			if err != nil {
				return err
			}
			pinned = ok
			break
		}
	}
	reqs := make([]request, len(members))
	for i, m := range members {
		reqs[i] = e.build(m, 0)
	}
	targets := make([]*Exchange, len(members))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			targets[i] = e.x.target.do(ctx, reqs[i])
		}()
	}
	close(start)
	wg.Wait()
	e.x.requests.Add(int64(len(members)))
	for _, t := range targets {
		if t.Err != "" {
			return cannot("the target stopped answering: %s", e.x.redact.String(t.Err))
		}
	}
	r.Target = targets

	base, saved := e.st.clone(), e.x.model.save()
	type trial struct {
		model        []*Exchange
		findings     []finding
		must, should int
		matches      bool // every member's status class is the target's
		st           *state
		ms           modelState
		order        []int
	}
	var best *trial
	var tried []string
	for _, order := range orders(len(members)) {
		for _, drop := range e.drops(members, targets) {
			e.st, e.x.cover.off = base.clone(), true
			e.x.model.load(saved)
			tr := &trial{model: make([]*Exchange, len(members)), order: order}
			pin := pinned
			tr.matches = true
			for _, i := range order {
				m := members[i]
				if drop[i] {
					if code := errorCode(targets[i]); !strings.EqualFold(code, "IDEMPOTENCY_KEY_IN_USE") { // the case is ENV-004's business
						tr.findings = append(tr.findings, finding{Clause: "JTB-IDEM-005", What: fmt.Sprintf("a duplicate in flight answered 409 %s, not IDEMPOTENCY_KEY_IN_USE", code)})
					}
					continue
				}
				pre := e.pre(m)
				mx := e.x.model.side.do(ctx, e.build(m, 1))
				tr.model[i] = mx
				tr.matches = tr.matches && mx.Status/100 == targets[i].Status/100
				rec := &record{Step: m}
				if m.Op == OpAccept || m.Op == OpReject {
					if err := e.posterAnswer(m, targets[i], mx, rec); err != nil {
						return err
					}
				} else {
					rec.Findings = e.judge(m, pre, targets[i], mx)
					delivered := mx.Status/100 == 2 && (m.Op == OpDeliver || m.Op == OpResubmit) && !replayed(mx)
					if err := e.after(ctx, m, pre, targets[i], mx, pin && delivered, rec); err != nil {
						return err
					}
					if delivered {
						pin = false
					}
				}
				tr.findings = append(tr.findings, rec.Findings...)
			}
			if pin { // nobody took the pin: it is left queued
				for _, m := range members {
					if t := e.st.tasks[m.Task]; t != nil && m.Score != nil {
						t.Tainted = true
					}
				}
			}
			for _, f := range tr.findings {
				switch _, level, _ := e.x.quote(f.Clause); level {
				case catalogue.Must:
					tr.must++
				case catalogue.Should:
					tr.should++
				}
			}
			tr.st, tr.ms = e.st, e.x.model.save()
			tried = append(tried, statuses(tr.model, drop))
			if best == nil || better(tr.matches, tr.must, tr.should, best.matches, best.must, best.should) {
				best = tr
			}
			if best.must == 0 && best.should == 0 {
				break
			}
		}
		if best.must == 0 && best.should == 0 {
			break
		}
	}
	e.x.cover.off = false
	e.st = best.st
	e.x.model.load(best.ms)
	// Which of two racing bids was placed is the race's to decide: a later
	// step names "the bid this agent placed" through either member.
	for _, m := range members {
		if m.Op != OpBid || e.st.bids[m.ID] != nil {
			continue
		}
		for _, o := range members {
			if b := e.st.bids[o.ID]; b != nil && o.Op == OpBid && o.Agent == m.Agent && o.Task == m.Task {
				e.st.bids[m.ID] = b
				break
			}
		}
	}
	r.Model = best.model
	r.Findings = best.findings
	for i, m := range members {
		if pres[i] != nil {
			e.x.cover.hit(pres[i].status(e.x.model.clock.Now()), m.Op+"@group")
		}
	}
	e.reach(raceClause[s.Race])
	if best.must > 0 && !best.matches {
		var got []string
		for _, t := range targets {
			got = append(got, fmt.Sprint(t.Status))
		}
		clause := raceClause[s.Race]
		if _, level, _ := e.x.quote(clause); level != catalogue.Must {
			clause = best.findings[0].Clause
			for _, f := range best.findings {
				if _, level, _ := e.x.quote(f.Clause); level == catalogue.Must {
					clause = f.Clause
					break
				}
			}
		}
		r.Findings = []finding{{Clause: clause, State: true,
			What: fmt.Sprintf("no serial order of the model gives the target's answers [%s] to these requests sent at once; the model's orders give %s",
				strings.Join(got, " "), strings.Join(tried, ", "))}}
		for _, m := range members {
			if t := e.st.tasks[m.Task]; t != nil {
				t.Tainted = true
			}
		}
	}
	return nil
}

// better orders the serial orders tried: fewer MUST differences, then
// statuses that match, then fewer SHOULD differences. An order whose
// statuses all match but whose answers still break a MUST clause reports
// those; only when no order even matches the statuses is the race itself
// the divergence.
func better(matches bool, must, should int, bm bool, bmust, bshould int) bool {
	switch {
	case must != bmust:
		return must < bmust
	case matches != bm:
		return matches
	}
	return should < bshould
}

// posterAnswer judges the control API's answer to an accept or reject (a
// harness: a difference is a warning) and learns the task's new state.
func (e *execution) posterAnswer(s Step, t, m *Exchange, r *record) error {
	task := e.st.tasks[e.st.bids[s.Bid].Task]
	e.reach(controlClause[s.Op])
	if t.Status/100 != m.Status/100 {
		r.Findings = append(r.Findings, finding{Clause: controlClause[s.Op], What: fmt.Sprintf("control: %s answered %d, the model %d", s.Op, t.Status, m.Status), State: true})
		task.Tainted = true
		return nil
	}
	if m.Status/100 == 2 && s.Op == OpAccept {
		e.st.version[task.Cat]++
	}
	if m.Status/100 == 2 {
		return e.fill(task, m.Body)
	}
	return nil
}

// drops lists the sets of members that may have done nothing: a 409 to a
// member sharing its agent, route and Idempotency-Key with another member
// (the in-flight duplicate). The empty set comes first.
func (e *execution) drops(members []Step, targets []*Exchange) []map[int]bool {
	var can []int
	for i, m := range members {
		if m.Key == "" || targets[i].Status != http.StatusConflict {
			continue
		}
		for j, o := range members {
			if j != i && o.Key == m.Key && o.Agent == m.Agent && o.Op == m.Op && o.Task == m.Task {
				can = append(can, i)
				break
			}
		}
	}
	out := []map[int]bool{{}}
	for _, i := range can {
		n := len(out)
		for k := range n {
			d := map[int]bool{i: true}
			for j := range out[k] {
				d[j] = true
			}
			if len(d) < len(members) {
				out = append(out, d)
			}
		}
	}
	return out
}

// orders are the permutations of 0..n-1, identity first.
func orders(n int) [][]int {
	if n <= 1 {
		return [][]int{make([]int, n)}
	}
	var out [][]int
	for _, rest := range orders(n - 1) {
		for pos := len(rest); pos >= 0; pos-- {
			o := make([]int, 0, n)
			o = append(o, rest[:pos]...)
			o = append(o, n-1)
			o = append(o, rest[pos:]...)
			out = append(out, o)
		}
	}
	return out
}

func statuses(xs []*Exchange, drop map[int]bool) string {
	var out []string
	for i, x := range xs {
		switch {
		case drop[i]:
			out = append(out, "-")
		case x == nil:
			out = append(out, "?")
		default:
			out = append(out, fmt.Sprint(x.Status))
		}
	}
	return "[" + strings.Join(out, " ") + "]"
}

func errorCode(x *Exchange) string {
	a := decode(x.Body)
	code, _ := a.err["code"].(string)
	return code
}

// group writes a group of requests to send at once.
func (g *generator) group() (Step, bool) {
	s := Step{ID: g.nextID(), Op: OpGroup}
	open := g.live("open")
	fresh := func(task int) (int, bool) { // an agent that has not bid on task
		t := g.e.st.tasks[task]
		a := g.pick(g.agents())
		for range g.agents() {
			if !t.BidBy[a] {
				return a, true
			}
			a = (a + 1) % g.agents()
		}
		return 0, false
	}
	switch kind := pickOf(g, []string{"bids", "replay", "deliver", "accept"}); kind {
	case "bids", "replay":
		if len(open) == 0 {
			return Step{}, false
		}
		task := pickOf(g, open)
		agent, ok := fresh(task)
		if !ok {
			return Step{}, false
		}
		s.Race = kind
		a := Step{ID: g.nextID(), Op: OpBid, Agent: agent, Task: task, Body: mustJSON(g.bidBody())}
		b := Step{ID: g.nextID(), Op: OpBid, Agent: agent, Task: task, Body: mustJSON(g.bidBody())}
		if kind == "replay" {
			g.keys++
			a.Key = fmt.Sprintf("k%d", g.keys)
			b.Key, b.Body = a.Key, a.Body
		}
		s.Group = []Step{a, b}
		if kind == "bids" && g.pick(3) == 0 {
			c := Step{ID: g.nextID(), Op: OpBid, Agent: agent, Task: task, Body: mustJSON(g.bidBody())}
			s.Group = append(s.Group, c)
		}
	case "deliver":
		claimed := g.live("claimed")
		if len(claimed) == 0 || !g.x.caps.PDQGPin {
			return Step{}, false
		}
		task := pickOf(g, claimed)
		agent := g.e.st.tasks[task].Assignee
		s.Race = kind
		sa, sb := pickOf(g, scores), pickOf(g, scores)
		s.Group = []Step{
			{ID: g.nextID(), Op: OpDeliver, Agent: agent, Task: task, Body: mustJSON(g.content()), Score: &sa},
			{ID: g.nextID(), Op: OpDeliver, Agent: agent, Task: task, Body: mustJSON(map[string]any{"content": "another take on the work"}), Score: &sb},
		}
	case "accept":
		bids := g.pendingBids()
		if len(bids) == 0 || g.agents() < 2 {
			return Step{}, false
		}
		bid := pickOf(g, bids)
		task := g.e.st.bids[bid].Task
		agent, ok := fresh(task)
		if !ok {
			return Step{}, false
		}
		s.Race = kind
		s.Group = []Step{
			{ID: g.nextID(), Op: OpAccept, Bid: bid, Task: task},
			{ID: g.nextID(), Op: OpBid, Agent: agent, Task: task, Body: mustJSON(g.bidBody())},
		}
	}
	return s, true
}
