package mockserver

import "net/http"

// advanceTaskTime moves one task's time alone (core.Store.AdvanceTaskTime):
// the shared clock stays where it is.
func (m *Mock) advanceTaskTime(c *call) reply {
	d, rep, ok := m.seconds(c)
	if !ok {
		return rep
	}
	st, err := m.store.AdvanceTaskTime(c.taskID, d)
	if err != nil {
		return m.fail(err)
	}
	return m.dataReply(http.StatusOK, m.controlTaskOf(st))
}
