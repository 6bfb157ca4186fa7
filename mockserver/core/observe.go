package core

// Observer sees the store's changes as they happen: the mock's event stream
// (GET /_control/events) is one. Watching is asked on every change and must
// cost no more than an atomic load: while it answers false the store builds
// nothing for it, so a mock nobody watches pays one load per write and no
// allocation.
type Observer interface {
	Watching() bool
	// Observe gets each change in the order the changes happen, while the
	// store's lock is held; idempotency records are not sent. It must not
	// block and must not call the store. The change's pointers are the
	// store's own or copies; Observe may read them, never keep or modify them.
	Observe(Change)
}

// recording reports whether a change would reach anyone, the journal or a
// watching observer; callers skip building a change nobody reads.
func (s *Store) recording() bool {
	return s.cfg.Journal != nil || s.watching()
}

func (s *Store) watching() bool {
	return s.cfg.Observer != nil && s.cfg.Observer.Watching()
}
