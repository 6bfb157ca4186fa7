package mockserver

import (
	"net/http"

	"github.com/jobtobot/jtb/mockserver/core"
)

// The cleanup calls: a run removes what it created (core/cleanup.go). The
// answers are the control client's types (controlclient_shared.go).

func (m *Mock) deleteTask(c *call) reply {
	r, err := m.store.RemoveTask(c.taskID)
	if err != nil {
		return m.fail(err)
	}
	return m.dataReply(http.StatusOK, TaskRemoved{TaskID: c.taskID, Bids: r.Bids, Deliveries: r.Deliveries,
		Traces: r.Traces, PinnedScores: r.PinnedScores, IdempotencyKeys: r.IdempotencyKeys})
}

func (m *Mock) deleteAgent(c *call) reply {
	id := c.params[0]
	if !isUUID(id) {
		return m.errorReply(core.CodeNotFound, "agent "+id+" not found")
	}
	r, err := m.store.RemoveAgent(id)
	if err != nil {
		return m.fail(err)
	}
	return m.dataReply(http.StatusOK, AgentRemoved{AgentID: id, IdempotencyKeys: r.IdempotencyKeys})
}
