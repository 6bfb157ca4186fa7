// Package core is the mock's state: tasks, bids, deliveries, traces, the task
// state machine, keyset pagination and the idempotency store. It knows nothing
// of net/http; the HTTP layer parses, calls one Store method and maps the
// returned *Error through its one code → status table.
//
// The files follow the suites' areas: store.go (the Store, its seed and
// reset), tasks.go (creating and reading tasks), listing.go with index.go
// and cursor.go (discovery), bids.go, delivery.go (deliver, resubmit and the
// PDQG gate), progress.go (progress and traces), agents.go, clock.go,
// idempotency.go and journal.go (the change log a state file replays);
// tasktime.go (one task's time moved alone) and cleanup.go (removing a task
// or an agent) are the control API's tools for a shared target, and
// stats.go counts the state.
// Which rules a defect breaks is decided here by the defect package's names.
package core
