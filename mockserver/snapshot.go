package mockserver

import "github.com/jobtobot/jtb/mockserver/core"

// Snapshot returns the mock's whole state (tasks, agents, the clock offset,
// stored idempotent answers); Restore puts it back. jtb explore uses the pair
// to try the serial orders of a concurrent group on one model. Requests in
// flight meanwhile are not part of either: call them on an idle mock.
func (m *Mock) Snapshot() core.Snapshot {
	var snap core.Snapshot
	m.store.Export(func(s core.Snapshot) error { snap = s; return nil })
	return snap
}

// Restore replaces the mock's state with a snapshot taken by Snapshot.
// Nothing is journalled: with Options.StatePath, use it on a copy only.
func (m *Mock) Restore(snap core.Snapshot) { m.store.Restore(snap) }
