package core

import "time"

// Now is the mock's clock: the injected clock plus the control offset.
func (s *Store) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

func (s *Store) nowLocked() time.Time {
	return s.cfg.Clock.Now().Add(s.offset).UTC().Truncate(time.Millisecond)
}

// MaxClockOffset bounds how far the control API may move the clock in all:
// far beyond any test's need, and far below time.Duration's overflow.
const MaxClockOffset = 100 * 365 * 24 * time.Hour

// Advance moves the mock's clock forward.
func (s *Store) Advance(d time.Duration) (time.Time, error) {
	if d < 0 {
		return time.Time{}, errorf(CodeBadRequest, "seconds must be 0 or more")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if d > MaxClockOffset-s.offset {
		return time.Time{}, errorf(CodeBadRequest, "the mock's clock runs at most %d seconds (100 years) ahead in all; it is %d seconds ahead now",
			int64(MaxClockOffset/time.Second), int64(s.offset/time.Second))
	}
	s.offset += d
	s.record(Change{Kind: ChangeClock, Offset: s.offset})
	return s.nowLocked(), nil
}
