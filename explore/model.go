package explore

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing/fstest"
	"time"

	"github.com/jobtobot/jtb/mockserver"
	"github.com/jobtobot/jtb/mockserver/core"
)

// model is the reference: the whole mock, called in process, with its clock
// and its ids in the explorer's hands. It starts with no tasks (a program
// creates its own) and modelAgents agents.
type model struct {
	mock  *mockserver.Mock
	clock *manualClock
	ids   *counter
	keys  []string // the agents' keys, in order
	agent []string // the agents' ids, in order
	side  handlerSide
	// wall says the target's clock runs with wall time (not
	// Options.ExactClock). Then read is the target's clock as last read
	// (zero: never) and at the local monotonic time it was read: the
	// model's clock is moved on by the time elapsed since at the start of
	// each step (follow), instead of reading the target's clock again
	// before every step whose answer depends on it.
	wall     bool
	read, at time.Time
}

// modelAgents is how many agents the model holds; a run uses as many of them
// as the target has.
const modelAgents = 3

// manualClock moves only when it is set.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// counter hands out lowercase UUIDs in increasing order, so the model's ids
// (and the order of equal timestamps) are the same on every run.
type counter struct {
	mu sync.Mutex
	n  uint64
}

func (c *counter) next() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", c.n>>48, c.n&(1<<48-1))
}

func (c *counter) get() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func (c *counter) put(n uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n = n
}

func newModel(start time.Time, wall bool) (*model, error) {
	type agent struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		APIKey string `json:"apiKey"`
	}
	m := &model{clock: &manualClock{now: start}, ids: &counter{}, wall: wall}
	var agents []agent
	for i := range modelAgents {
		id := fmt.Sprintf("00000000-0000-4000-8000-0000000000a%d", i+1)
		key := fmt.Sprintf("jtb_live_model_agent_%d", i+1)
		agents = append(agents, agent{ID: id, Name: fmt.Sprintf("agent %d", i+1), APIKey: key})
		m.keys = append(m.keys, key)
		m.agent = append(m.agent, id)
	}
	agentsJSON, err := json.Marshal(agents)
	if err != nil {
		return nil, err
	}
	fsys := fstest.MapFS{
		"tasks.json":  {Data: []byte("[]")},
		"agents.json": {Data: agentsJSON},
	}
	mock, err := mockserver.New(mockserver.Options{Fixtures: fsys, Clock: m.clock, NewID: m.ids.next})
	if err != nil {
		return nil, err
	}
	m.mock = mock
	m.side = handlerSide{h: mock}
	return m, nil
}

// synced sets the model's clock to the target's, read just now.
func (m *model) synced(now time.Time) {
	m.clock.set(now)
	if m.wall {
		m.read, m.at = now, time.Now()
	}
}

// follow moves the model's clock to where the target's wall clock is now:
// the last reading plus the local time elapsed since. It stays there for
// the whole step, so every part of the step sees one instant.
func (m *model) follow() {
	if !m.read.IsZero() {
		m.clock.set(m.read.Add(time.Since(m.at)).Truncate(time.Millisecond))
	}
}

// modelState is everything a serial order of a concurrent group may change.
type modelState struct {
	snap core.Snapshot
	now  time.Time
	ids  uint64
}

func (m *model) save() modelState {
	return modelState{snap: m.mock.Snapshot(), now: m.clock.Now(), ids: m.ids.get()}
}

func (m *model) load(s modelState) {
	m.mock.Restore(s.snap)
	m.clock.set(s.now)
	m.ids.put(s.ids)
}

// reset empties the model for a new program: no tasks, the same agents, no
// idempotency keys, and the id counter from the start. The clock stays where
// the target's is.
func (m *model) reset() error {
	now := m.clock.Now()
	m.mock.Restore(core.Snapshot{Agents: m.fixtureAgents()})
	m.clock.set(now)
	m.ids.put(0)
	return nil
}

func (m *model) fixtureAgents() []core.Agent {
	out := make([]core.Agent, len(m.keys))
	for i := range m.keys {
		out[i] = core.Agent{ID: m.agent[i], Name: fmt.Sprintf("agent %d", i+1), APIKey: m.keys[i]}
	}
	return out
}
