package core

// Cleanup: the control API's removal of what a run created, so a shared
// target keeps no trace of it.

// TaskRemoval counts what went with a removed task.
type TaskRemoval struct {
	Bids, Deliveries, Traces, PinnedScores, IdempotencyKeys int
}

// AgentRemoval counts what went with a removed agent.
type AgentRemoval struct {
	IdempotencyKeys int
}

// RemoveTask deletes a task with everything that hangs on it: its bids,
// deliveries, traces, pinned scores and the idempotency keys of its routes
// (a retry of a key on a removed task runs again and finds no task: 404).
// Any task can go, a fixture task too: /_control/reset brings the fixtures
// back.
func (s *Store) RemoveTask(id string) (TaskRemoval, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.taskLocked(id)
	if err != nil {
		return TaskRemoval{}, err
	}
	s.idem.mu.Lock()
	defer s.idem.mu.Unlock()
	r := TaskRemoval{Bids: len(t.bids), Deliveries: len(t.deliveries), Traces: len(t.traces), PinnedScores: len(t.pinned)}
	r.IdempotencyKeys = s.removeTask(t)
	s.record(Change{Kind: ChangeTaskRemoved, TaskID: id})
	return r, nil
}

// removeTask is the one removal of a task, live and in a replay; it returns
// how many idempotency keys went with it. The caller holds s.mu and s.idem.mu.
func (s *Store) removeTask(t *task) int {
	if s.listed(t) {
		s.open.remove(t)
		if x := s.byCategory[t.Category]; x != nil {
			x.remove(t)
		}
	}
	delete(s.tasks, t.ID)
	n := 0
	for scope := range s.idem.entries {
		if taskOfPath(scope.Path) == t.ID {
			delete(s.idem.entries, scope)
			n++
		}
	}
	return n
}

// RemoveAgent deletes an agent: its key stops working at once (401) and its
// idempotency keys go. What it did stays: its bids on others' tasks, and a
// task it was assigned stays claimed by an agent that is gone. The fixture
// agents (alpha and bravo, whose keys are documented) cannot be removed.
func (s *Store) RemoveAgent(id string) (AgentRemoval, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.agents[id]
	if !ok {
		return AgentRemoval{}, errorf(CodeNotFound, "agent %s not found", id)
	}
	for _, f := range s.cfg.Seed.Agents {
		if f.ID == id {
			return AgentRemoval{}, errorf(CodeConflict, "agent %s (%s) is a fixture agent: its key is documented, so it cannot be removed", id, a.Name)
		}
	}
	s.idem.mu.Lock()
	defer s.idem.mu.Unlock()
	r := AgentRemoval{IdempotencyKeys: s.removeAgent(id)}
	s.record(Change{Kind: ChangeAgentRemoved, AgentID: id})
	return r, nil
}

// removeAgent is the one removal of an agent, live and in a replay. The
// caller holds s.mu and s.idem.mu.
func (s *Store) removeAgent(id string) int {
	if a, ok := s.agents[id]; ok {
		delete(s.agentByKey, a.APIKey)
		delete(s.agents, id)
	}
	n := 0
	for scope := range s.idem.entries {
		if scope.Agent == id {
			delete(s.idem.entries, scope)
			n++
		}
	}
	return n
}
