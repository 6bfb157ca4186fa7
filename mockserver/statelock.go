package mockserver

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gofrs/flock"
	"github.com/jobtobot/jtb/mockserver/core"
)

// One mock per state file. Two mocks appending to one journal would each
// acknowledge writes the other's next compaction throws away, so the second
// one refuses to start, before it reads or writes anything of the state.

// StateInUseError is New's answer when another process (or another Mock of
// this one) holds the state file.
type StateInUseError struct {
	Path     string // the state file
	LockFile string // the file whose lock is held
	PID      int    // the holder's pid as it wrote it; 0 when unknown
}

func (e *StateInUseError) Error() string {
	holder := "another process (its pid is unknown)"
	if e.PID > 0 {
		holder = "process " + strconv.Itoa(e.PID)
	}
	return fmt.Sprintf("state: %s is in use by %s, which holds the lock on %s; stop that mock, or give this one another state file",
		e.Path, holder, e.LockFile)
}

func (j *journal) lockPath() string { return j.path + ".lock" }

// acquire takes the state file's lock at once or fails: it never waits. The
// holder writes its pid into the lock file, for the message a second mock
// prints.
func (j *journal) acquire() error {
	l := flock.New(j.lockPath(), flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600))
	ok, err := l.TryLock()
	if err != nil {
		return fmt.Errorf("state: locking %s: %w", j.lockPath(), err)
	}
	if !ok {
		e := &StateInUseError{Path: j.path, LockFile: j.lockPath()}
		if data, err := os.ReadFile(j.lockPath()); err == nil {
			e.PID, _ = strconv.Atoi(strings.TrimSpace(string(data)))
		}
		return e
	}
	if err := os.WriteFile(j.lockPath(), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		l.Close()
		return fmt.Errorf("state: %w", err)
	}
	j.lock = l
	j.restored.Path, j.restored.LockFile, j.restored.PID = j.path, j.lockPath(), os.Getpid()
	return nil
}

// release empties the lock file (no stale pid) and lets the lock go. The
// file stays: removing it would let a third mock lock a new file while a
// second still waits on the old one.
func (j *journal) release() {
	if j.lock == nil {
		return
	}
	os.Truncate(j.lockPath(), 0)
	j.lock.Close()
	j.lock = nil
}

// Restored is what a mock with a state file found there when it started.
type Restored struct {
	Path     string // the state file
	LockFile string // its lock, held by this process
	PID      int    // this process
	Snapshot bool   // a snapshot was read
	Records  int    // journal records applied after the snapshot
	// The state after the restore, the fixtures' included.
	Tasks, Bids, Deliveries, Traces, Agents, IdempotencyKeys int
	Clock                                                    time.Time // the mock's clock, going on from the last change
	Torn                                                     *TornTail // nil: the journal ended on a whole record
}

// Fresh reports whether nothing was restored: the state file is new (or
// empty) and the mock starts from its fixtures.
func (r Restored) Fresh() bool { return !r.Snapshot && r.Records == 0 }

// TornTail is the end of a journal that held no whole record: a write cut
// short by a crash. It was never acknowledged, so dropping it loses nothing
// that was answered; its bytes are kept in KeptIn.
type TornTail struct {
	Offset int64  // where it began: the end of the last whole record
	Bytes  int64  // its length
	Record int    // the record number it would have had (1 is the first line)
	Reason string // what was wrong with it
	KeptIn string // the file its bytes were appended to
}

// Restored says what the mock found in its state file when it started;
// false without one.
func (m *Mock) Restored() (Restored, bool) {
	if m.journal == nil {
		return Restored{}, false
	}
	return m.journal.restored, true
}

// count fills in the state a restore ended with.
func (r *Restored) count(c core.Counts) {
	r.Tasks, r.Bids, r.Deliveries, r.Traces, r.Agents, r.IdempotencyKeys = c.Tasks, c.Bids, c.Deliveries, c.Traces, c.Agents, c.IdempotencyKeys
	r.Clock = c.Now
}
