package suites

import (
	"fmt"
	"sync"
)

// maxSilent is how many requests in a row may get no answer at all (a
// timeout, a refused or reset connection) before the run is given up.
const maxSilent = 3

// lifeline notices a target that stops answering in the middle of a run.
// Without it every remaining spec would wait out its own request timeout:
// eighty specs at ten seconds each. One lifeline is shared by every client of
// a run, since they all talk to the same target.
type lifeline struct {
	mu     sync.Mutex
	silent int
	dead   string // why the run was given up; "" while the target answers
}

// answered notes an answer (any answer: judging it is the specs' business).
func (l *lifeline) answered() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.silent = 0
}

// failed notes a request that got no answer and says, once the target looks
// gone, why the run should stop.
func (l *lifeline) failed(err error) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.silent++
	if l.silent >= maxSilent && l.dead == "" {
		l.dead = fmt.Sprintf("the target stopped answering: %d requests in a row got no answer (the last: %v); the rest of the run is abandoned", l.silent, err)
	}
	return l.dead
}

// gone returns why the run was given up, or "".
func (l *lifeline) gone() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dead
}
