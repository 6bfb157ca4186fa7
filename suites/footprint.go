package suites

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/jobtobot/jtb/suites/results"
	. "github.com/onsi/ginkgo/v2"
)

// A run leaves no trace on a target others use. What a spec creates (tasks,
// agents) is removed when the spec ends, through the control API's cleanup
// calls (capabilities.cleanup); the agents the run itself created in
// Connect are removed by Finish. What could not be removed is listed in the
// run's footprint, and so is how far the run moved the target's clock, read
// when Connect ends and again in Finish.

// footprint is what a run has done to its target so far.
type footprint struct {
	mu        sync.Mutex
	f         results.Footprint
	runAgents []string // agent ids Connect created, for Finish
	clockAt   time.Time
	wallAt    time.Time
}

func (p *footprint) created(kind string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tally(kind).Created++
}

func (p *footprint) outcome(kind, id, leftBecause string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if leftBecause == "" {
		p.tally(kind).Removed++
		return
	}
	p.f.Left = append(p.f.Left, results.Leftover{Kind: kind, ID: id, Reason: leftBecause})
}

func (p *footprint) tally(kind string) *results.Tally {
	if kind == "agent" {
		return &p.f.Agents
	}
	return &p.f.Tasks
}

func (p *footprint) advanced(d time.Duration, taskTime bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if taskTime {
		p.f.TaskTime = true
		return
	}
	p.f.Advanced += d
}

// track notes a task or an agent a spec created and has it removed when
// the spec ends. id "" (an agent whose answer named no id) cannot be
// removed, and is listed as left.
func (s *specs) track(kind, id string) {
	e := s.env
	e.foot.created(kind)
	DeferCleanup(func() { e.foot.outcome(kind, id, e.remove(kind, id)) })
}

// remove deletes a task or an agent through the control API and says why it
// is left on the target, or "" when it is gone. It runs in a spec's
// cleanup, where a failure would change the spec's outcome: it never fails,
// it only reports. A 404 counts as gone (removed already, by the spec
// itself or by anyone else).
func (e *Env) remove(kind, id string) string {
	switch {
	case id == "":
		return "the control API named no id for it"
	case e.Control == nil || !e.Caps.Cleanup:
		return "the control API offers no cleanup: capabilities.cleanup is false"
	case e.life.gone() != "":
		return "the target stopped answering"
	}
	path := "/_control/tasks/" + url.PathEscape(id)
	if kind == "agent" {
		path = "/_control/agents/" + url.PathEscape(id)
	}
	x, err := e.Control.do(context.Background(), Request{Method: http.MethodDelete, Path: path})
	switch {
	case err != nil:
		return "DELETE got no answer: " + e.redact.String(err.Error())
	case x.Status/100 == 2, x.Status == http.StatusNotFound:
		return ""
	}
	return fmt.Sprintf("DELETE answered %d%s", x.Status, errorCode(x.Body))
}

// readClock reads the server's clock without Ginkgo (Connect, Finish); ok
// is false, with why, when it cannot.
func (e *Env) readClock(ctx context.Context) (time.Time, string) {
	if e.Control == nil {
		return time.Time{}, "the target has no control API"
	}
	if !e.Caps.Clock {
		return time.Time{}, "the control API has no clock (capabilities.clock is false)"
	}
	x, err := e.Control.do(ctx, Request{Method: http.MethodGet, Path: "/_control/clock"})
	if err != nil {
		return time.Time{}, "GET /_control/clock got no answer"
	}
	now, _ := dataField[string](x.Body, "now")
	t, perr := time.Parse(time.RFC3339Nano, now)
	if x.Status/100 != 2 || perr != nil {
		return time.Time{}, fmt.Sprintf("GET /_control/clock answered %d without data.now", x.Status)
	}
	return t, ""
}

// startFootprint reads the clock at the start of the run (the end of
// Connect), for Finish to compare.
func (e *Env) startFootprint(ctx context.Context) {
	at, why := e.readClock(ctx)
	e.foot.mu.Lock()
	defer e.foot.mu.Unlock()
	e.foot.clockAt, e.foot.wallAt, e.foot.f.ClockNote = at, time.Now(), why
}

// Finish ends a run: it removes the agents Connect created and returns the
// run's footprint, how far the clock moved beyond the wall time included.
// Call it once, after the specs ran.
func (e *Env) Finish(ctx context.Context) results.Footprint {
	e.foot.mu.Lock()
	agents := e.foot.runAgents
	e.foot.runAgents = nil
	e.foot.mu.Unlock()
	for _, id := range agents {
		e.foot.outcome("agent", id, e.remove("agent", id))
	}
	end, why := e.readClock(ctx)
	wall := time.Now()
	e.foot.mu.Lock()
	defer e.foot.mu.Unlock()
	f := e.foot.f
	f.Left = append([]results.Leftover(nil), f.Left...)
	switch {
	case e.foot.clockAt.IsZero():
	case why != "":
		f.ClockNote = "at the end of the run: " + why
	default:
		f.ClockRead = true
		f.Wall = wall.Sub(e.foot.wallAt)
		f.Moved = end.Sub(e.foot.clockAt) - f.Wall
	}
	return f
}
