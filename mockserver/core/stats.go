package core

import "time"

// Counts is how much state the store holds: what a restart restored.
type Counts struct {
	Tasks, Bids, Deliveries, Traces, Agents, IdempotencyKeys int
	Now                                                      time.Time // the mock's clock
}

// Counts counts the state.
func (s *Store) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := Counts{Tasks: len(s.tasks), Agents: len(s.agents), Now: s.nowLocked()}
	for _, t := range s.tasks {
		c.Bids += len(t.bids)
		c.Deliveries += len(t.deliveries)
		c.Traces += len(t.traces)
	}
	s.idem.mu.Lock()
	defer s.idem.mu.Unlock()
	for _, e := range s.idem.entries {
		if !e.pending {
			c.IdempotencyKeys++
		}
	}
	return c
}
