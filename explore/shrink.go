package explore

import (
	"context"
	"slices"
)

// shrink reduces a diverging program to a minimal one that still diverges
// under the same clause, by delta debugging over its steps (ddmin: remove
// chunks, halving them until single steps), then by thinning its concurrent
// groups (a member removed, or the group sent one request at a time). Every
// candidate runs from a fresh state: new categories, new keys, an emptied
// model. A step whose referent a removal took away is skipped, so every
// candidate is a program that means something.
func (x *explorer) shrink(ctx context.Context, orig *execution, d *divergence) *Divergence {
	prog := orig.program()
	requests := x.requests.Load()
	x.cover.shrinking, x.quiet = true, true
	defer func() {
		x.requests.Store(requests)
		x.cover.shrinking, x.quiet = false, false
	}()
	cut := len(prog.Steps)
	for i, s := range prog.Steps {
		if s.ID == d.Step {
			cut = i + 1
		}
	}
	steps := slices.Clone(prog.Steps[:cut])
	original := len(steps)
	budget := x.opts.ShrinkBudget
	if budget <= 0 {
		budget = 400
	}
	trials := 0
	var last *execution
	var lastDiv *divergence
	reproduces := func(cand []Step) bool {
		if trials >= budget || ctx.Err() != nil {
			return false
		}
		for attempt := 0; attempt < 1+hasGroup(cand); attempt++ { // a race may need a second chance
			trials++
			e, dv := x.runQuiet(ctx, cand)
			if dv != nil && dv.Clause == d.Clause {
				last, lastDiv = e, dv
				return true
			}
		}
		return false
	}
	// The whole program is given three chances: what the target kept from
	// earlier runs (tasks of other categories, ordered among equal
	// createdAt by the target's own ids) can hide a divergence in one
	// re-run that the next shows.
	ok := false
	for range 3 {
		if ok = reproduces(steps); ok {
			break
		}
	}
	if !ok {
		// Not reproducible from a fresh state (a flaky race, or state the
		// target kept from before): report the program as it ran.
		dv := x.describe(orig, d)
		dv.Original, dv.Trials = original, trials
		return dv
	}
	for round := 0; round < 3; round++ {
		steps = ddmin(steps, reproduces)
		thinner, changed := thin(steps, reproduces)
		steps = thinner
		if !changed {
			break
		}
	}
	dv := x.describe(last, lastDiv)
	dv.Original, dv.Trials, dv.Shrunk = original, trials, true
	return dv
}

func hasGroup(steps []Step) int {
	for _, s := range steps {
		if s.Op == OpGroup {
			return 1
		}
	}
	return 0
}

// runQuiet runs a program from a fresh state until it diverges.
func (x *explorer) runQuiet(ctx context.Context, steps []Step) (*execution, *divergence) {
	e, err := x.newExecution(ctx)
	if err != nil {
		return nil, nil
	}
	for _, s := range steps {
		rec, err := e.run(ctx, s)
		if err != nil {
			return e, nil
		}
		if d := e.diverged(rec); d != nil {
			return e, d
		}
	}
	return e, nil
}

// ddmin removes chunks of steps, halving the chunks down to single steps,
// as long as what is left still reproduces.
func ddmin(steps []Step, reproduces func([]Step) bool) []Step {
	n := 2
	for len(steps) >= 2 {
		chunk := (len(steps) + n - 1) / n
		removed := false
		for start := 0; start < len(steps); start += chunk {
			cand := slices.Concat(steps[:start], steps[min(start+chunk, len(steps)):])
			if len(cand) > 0 && reproduces(cand) {
				steps, removed = cand, true
				n = max(n-1, 2)
				break
			}
		}
		if !removed {
			if chunk == 1 {
				break
			}
			n = min(n*2, len(steps))
		}
	}
	return steps
}

// thin sends a group's members one at a time when the race is not what
// diverges, or drops one member of a group of three.
func thin(steps []Step, reproduces func([]Step) bool) ([]Step, bool) {
	changed := false
	for i := 0; i < len(steps); i++ {
		if steps[i].Op != OpGroup {
			continue
		}
		serial := slices.Concat(steps[:i], steps[i].Group, steps[i+1:])
		if reproduces(serial) {
			steps, changed = serial, true
			i--
			continue
		}
		for j := 0; j < len(steps[i].Group) && len(steps[i].Group) > 2; j++ {
			g := steps[i]
			g.Group = slices.Delete(slices.Clone(g.Group), j, j+1)
			cand := slices.Concat(steps[:i], []Step{g}, steps[i+1:])
			if reproduces(cand) {
				steps, changed = cand, true
				j--
			}
		}
	}
	return steps, changed
}
