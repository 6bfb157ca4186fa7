package mockserver

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/gofrs/flock"
	"github.com/jobtobot/jtb/mockserver/core"
)

// Persistence for Options.StatePath (docs/RELIABILITY.md, "Nothing lost").
//
// Two files: the snapshot at path (JSON, replaced atomically: temp file,
// fsync, rename, fsync of the directory) and the journal at path+".journal"
// (one JSON line per core.Change, each with a sequence number, the size of
// the change rather than of the task it touches). Every answer
// is written only after the journal is fsynced up to the last change made so
// far (durableWriter), so an acknowledged write is on disk. Concurrent
// answers share one fsync (group commit). When the journal passes limit
// bytes it is folded into a new snapshot and truncated; a crash between the
// rename and the truncation is harmless, because the snapshot records the
// last sequence number it holds and a replay skips older lines. A torn last
// line (a crash in the middle of a write) is cut off at start, reported
// (Mock.Restored) and kept in path+".journal.torn": it was never
// acknowledged. One mock at a time holds a state file: path+".lock" is
// locked (flock) from start to stop and names the holder's pid.

// compactBytes is the journal size that triggers a compaction.
const compactBytes = 8 << 20

type journal struct {
	path  string
	limit int64

	mu   sync.Mutex // guards f, size, err and the order of seq
	f    *os.File
	size int64
	err  error // sticky: once a write fails, every answer is a 500
	seq  atomic.Uint64

	syncMu     sync.Mutex
	synced     atomic.Uint64
	compacting atomic.Bool

	lock     *flock.Flock // held from open to close (statelock.go)
	restored Restored     // what open found
}

// line is one journal record.
type line struct {
	Seq uint64 `json:"seq"`
	core.Change
}

// snapshotFile is the snapshot on disk.
type snapshotFile struct {
	Seq   uint64        `json:"seq"` // the last journal line the state includes
	State core.Snapshot `json:"state"`
}

func (j *journal) journalPath() string { return j.path + ".journal" }

// open takes the state file's lock, loads the snapshot, replays the journal
// and opens it for appending. Without the lock it touches nothing.
func (j *journal) open(store *core.Store) error {
	if err := j.acquire(); err != nil {
		return err
	}
	if err := j.load(store); err != nil {
		j.release()
		return err
	}
	return nil
}

func (j *journal) load(store *core.Store) error {
	last, err := j.loadSnapshot(store)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(j.journalPath(), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	good, err := j.replay(f, store, &last)
	if err == nil && j.restored.Torn != nil {
		err = j.keepTorn(f, good)
	}
	if err != nil {
		f.Close()
		return err
	}
	// Cut a torn tail, then append after the last good line.
	if err := f.Truncate(good); err != nil {
		f.Close()
		return fmt.Errorf("state: %w", err)
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("state: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("state: %w", err)
	}
	j.f, j.size = f, good
	j.synced.Store(j.seq.Load())
	store.Resume(last.At)
	j.restored.count(store.Counts())
	return nil
}

func (j *journal) loadSnapshot(store *core.Store) (core.Change, error) {
	data, err := os.ReadFile(j.path)
	if errors.Is(err, os.ErrNotExist) {
		return core.Change{}, nil
	}
	if err != nil {
		return core.Change{}, fmt.Errorf("state: %w", err)
	}
	var snap snapshotFile
	if err := json.Unmarshal(data, &snap); err != nil {
		return core.Change{}, fmt.Errorf("state: snapshot %s: %w", j.path, err)
	}
	store.Restore(snap.State)
	j.seq.Store(snap.Seq)
	j.restored.Snapshot = true
	return core.Change{At: snap.State.Now}, nil
}

// replay applies the journal lines newer than the snapshot and returns the
// length of the good prefix. Only the last line may be bad: a line cut short
// (no line end) or one that is not a record. That is a torn write, never
// acknowledged (an answer waits for the fsync of its whole line), and it is
// dropped and reported (restored.Torn). A bad line with lines after it is
// corruption: the mock refuses to start, and says where.
func (j *journal) replay(f *os.File, store *core.Store, last *core.Change) (int64, error) {
	r := bufio.NewReaderSize(f, 1<<16)
	var good int64
	for n := 1; ; n++ {
		raw, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			if len(raw) > 0 {
				j.restored.Torn = &TornTail{Offset: good, Bytes: int64(len(raw)), Record: n, Reason: "the record is cut short (no line end)"}
			}
			return good, nil
		}
		if err != nil {
			return 0, fmt.Errorf("state: reading the journal: %w", err)
		}
		var rec line
		if err := json.Unmarshal(raw, &rec); err != nil {
			if _, more := r.Peek(1); more == nil {
				return 0, fmt.Errorf("state: journal %s: record %d (bytes %d to %d) is corrupt and records follow it (%v); "+
					"the mock does not start on it: move the journal aside, or cut it there (truncate -s %d %s), which drops that record and every later one",
					j.journalPath(), n, good, good+int64(len(raw)), err, good, j.journalPath())
			}
			rest, _ := io.Copy(io.Discard, r)
			j.restored.Torn = &TornTail{Offset: good, Bytes: int64(len(raw)) + rest, Record: n, Reason: "the last record is not a valid record"}
			return good, nil
		}
		good += int64(len(raw))
		if rec.Seq <= j.seq.Load() {
			continue // already in the snapshot
		}
		if err := store.Apply(rec.Change); err != nil {
			return 0, fmt.Errorf("state: journal line %d: %w", n, err)
		}
		j.seq.Store(rec.Seq)
		j.restored.Records++
		*last = rec.Change
	}
}

// keepTorn copies the torn tail, from good to the end, to path.journal.torn
// (appended, fsynced) before the journal is cut: nothing is dropped without
// a trace, and the bytes can be read.
func (j *journal) keepTorn(f *os.File, good int64) error {
	t := j.restored.Torn
	tail := make([]byte, t.Bytes)
	if _, err := f.ReadAt(tail, good); err != nil {
		return fmt.Errorf("state: reading the torn journal tail: %w", err)
	}
	t.KeptIn = j.journalPath() + ".torn"
	out, err := os.OpenFile(t.KeptIn, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	if _, err := out.Write(tail); err != nil {
		out.Close()
		return fmt.Errorf("state: %w", err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return fmt.Errorf("state: %w", err)
	}
	return out.Close()
}

// record appends one change. It runs under the store's lock, so lines are in
// the order the changes happened; it does not fsync (sync does).
func (j *journal) record(c core.Change) {
	data, err := json.Marshal(c) // an object: '{' ... '}'
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return
	}
	if err != nil {
		j.err = fmt.Errorf("state: encoding a change: %w", err)
		return
	}
	// The sequence number is taken under j.mu: changes arrive under the
	// store's lock or the idempotency lock, not always the same one.
	seq := j.seq.Load() + 1
	buf := make([]byte, 0, len(data)+32)
	buf = append(buf, `{"seq":`...)
	buf = strconv.AppendUint(buf, seq, 10)
	buf = append(buf, ',')
	buf = append(buf, data[1:]...)
	buf = append(buf, '\n')
	n, err := j.f.Write(buf)
	j.size += int64(n)
	if err != nil {
		j.err = fmt.Errorf("state: writing the journal: %w", err)
		return
	}
	j.seq.Store(seq)
}

// sync makes every change recorded so far durable. Callers that arrive while
// an fsync runs wait for it and usually find their change covered.
func (j *journal) sync() error {
	target := j.seq.Load()
	if j.synced.Load() >= target {
		return j.failed()
	}
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	if j.synced.Load() >= target {
		return j.failed()
	}
	upTo := j.seq.Load()
	j.mu.Lock()
	f := j.f
	j.mu.Unlock()
	if err := f.Sync(); err != nil {
		j.mu.Lock()
		j.err = fmt.Errorf("state: fsync of the journal: %w", err)
		j.mu.Unlock()
		return j.failed()
	}
	j.synced.Store(upTo)
	return j.failed()
}

func (j *journal) failed() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// maybeCompact folds a long journal into a snapshot; one request does it
// while the others wait on the store's lock.
func (j *journal) maybeCompact(store *core.Store) {
	j.mu.Lock()
	big := j.size > j.limit
	j.mu.Unlock()
	if !big || !j.compacting.CompareAndSwap(false, true) {
		return
	}
	defer j.compacting.Store(false)
	if err := j.compact(store); err != nil {
		j.mu.Lock()
		j.err = err
		j.mu.Unlock()
	}
}

// compact writes the snapshot atomically and then empties the journal. The
// store's locks are held throughout, so no change slips between the two.
func (j *journal) compact(store *core.Store) error {
	return store.Export(func(snap core.Snapshot) error {
		j.mu.Lock()
		defer j.mu.Unlock()
		if j.err != nil {
			return j.err
		}
		seq := j.seq.Load()
		data, err := json.Marshal(snapshotFile{Seq: seq, State: snap})
		if err != nil {
			return fmt.Errorf("state: encoding the snapshot: %w", err)
		}
		if err := writeAtomic(j.path, data); err != nil {
			return err
		}
		if err := j.f.Truncate(0); err != nil {
			return fmt.Errorf("state: truncating the journal: %w", err)
		}
		if _, err := j.f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("state: %w", err)
		}
		if err := j.f.Sync(); err != nil {
			return fmt.Errorf("state: %w", err)
		}
		j.size = 0
		j.synced.Store(seq)
		return nil
	})
}

// close compacts (a clean stop leaves one snapshot and an empty journal),
// closes the journal and lets the state file go.
func (j *journal) close(store *core.Store) error {
	err := j.compact(store)
	j.mu.Lock()
	defer j.mu.Unlock()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.release()
	return err
}
