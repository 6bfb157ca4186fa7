package core

import (
	"slices"
	"strings"
)

// Authenticate finds the agent of an API key.
func (s *Store) Authenticate(key string) (Agent, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.agentByKey[key]
	if !ok {
		return Agent{}, false
	}
	return *a, true
}

// Agents lists the agents by id.
func (s *Store) Agents() []Agent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Agent, 0, len(s.agents))
	for _, a := range s.agents {
		out = append(out, *a)
	}
	slices.SortFunc(out, func(a, b Agent) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// CreateAgent registers a new agent with a fresh key.
func (s *Store) CreateAgent(name string) (Agent, error) {
	if blank(name) {
		return Agent{}, errorf(CodeBadRequest, "name: must not be empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.cfg.NewID()
	a := &Agent{ID: id, Name: name, APIKey: "jtb_live_mock_" + strings.ReplaceAll(id, "-", "")}
	s.agents[a.ID] = a
	s.agentByKey[a.APIKey] = a
	s.record(Change{Kind: ChangeAgent, Agent: a})
	return *a, nil
}
