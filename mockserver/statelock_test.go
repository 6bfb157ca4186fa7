package mockserver

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jobtobot/jtb/fixtures"
	"github.com/jobtobot/jtb/mockserver/core"
	"github.com/jobtobot/jtb/mockserver/defect"
)

// files reads every file of a directory, to show a refused mock changed
// none of them.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(data)
	}
	return out
}

// TestSecondMockRefusesAHeldStateFile: while one mock holds a state file, a
// second one on it fails at once, naming the file and the holder's pid, and
// changes no file; the first serves on, and what it acknowledged is there
// after its restart.
func TestSecondMockRefusesAHeldStateFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	first := stateMock(t, path, &fakeClock{now: Epoch})
	task := mustStatus(t, serve(t, first, "POST", "/_control/tasks", "", `{"title":"T","description":"D","category":"coding","band":"basic","price":"5.00"}`), 201)["id"].(string)
	bid := mustStatus(t, serve(t, first, "POST", "/v1/tasks/"+task+"/bids", bravoKey, `{"proposedPrice":4,"coverLetter":"kept"}`), 201)["id"].(string)
	if got, want := strings.TrimSpace(files(t, dir)["state.json.lock"]), strconv.Itoa(os.Getpid()); got != want {
		t.Fatalf("the lock file holds %q, want the pid %s", got, want)
	}
	before := files(t, dir)

	second, err := New(Options{StatePath: path, Clock: &fakeClock{now: Epoch}})
	var inUse *StateInUseError
	if !errors.As(err, &inUse) {
		if second != nil {
			second.Close()
		}
		t.Fatalf("a second mock on a held state file: %v, want a StateInUseError", err)
	}
	if inUse.Path != path || inUse.PID != os.Getpid() || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), strconv.Itoa(os.Getpid())) {
		t.Errorf("the refusal does not name the file and the holder: %+v: %v", inUse, err)
	}
	if after := files(t, dir); len(after) != len(before) {
		t.Errorf("the refused mock changed the files: %v → %v", keys(before), keys(after))
	} else {
		for name, data := range before {
			if after[name] != data {
				t.Errorf("the refused mock changed %s", name)
			}
		}
	}

	mustStatus(t, serve(t, first, "POST", "/v1/tasks/"+task+"/bids", alphaKey, `{"proposedPrice":3,"coverLetter":"also kept"}`), 201)
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if lock := files(t, dir)["state.json.lock"]; lock != "" {
		t.Errorf("after Close the lock file still names a holder: %q", lock)
	}
	again := stateMock(t, path, &fakeClock{now: Epoch})
	defer again.Close()
	st := mustStatus(t, serve(t, again, "GET", "/_control/tasks/"+task, "", ""), 200)
	if bids := st["bids"].([]any); len(bids) != 2 || bids[0].(map[string]any)["id"] != bid {
		t.Fatalf("the acknowledged bids after the restart: %v", bids)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestTornTailAtEveryByteOfTheLastRecord cuts a journal at every byte of its
// last record (an acknowledged bid) and restarts on each cut: a cut inside
// the record is reported (where, how many bytes, which record), its bytes
// are kept in the .torn file, and the state is every earlier record's, field
// for field; a cut at either end of the record is a whole journal and
// reports nothing.
func TestTornTailAtEveryByteOfTheLastRecord(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	m := stateMock(t, path, &fakeClock{now: Epoch})
	m.journal.limit = 1 << 40 // the journal alone, no snapshot
	w := writeSession(t, m)
	mustStatus(t, serve(t, m, "POST", "/v1/tasks/"+w.open+"/bids", bravoKey, `{"proposedPrice":4,"coverLetter":"the last record"}`), 201)
	crash(t, m)
	data, err := os.ReadFile(path + ".journal")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("a snapshot exists: the test is to cut the journal alone")
	}
	start := bytes.LastIndexByte(data[:len(data)-1], '\n') + 1
	records := bytes.Count(data, []byte("\n"))
	if !bytes.Contains(data[start:], []byte(`"kind":"bid"`)) {
		t.Fatalf("the last record is not the bid: %s", data[start:])
	}

	seed, err := loadSeed(fixtures.FS())
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "state.json")
	// restart opens a fresh store on the journal cut at n bytes, as New
	// does, and returns what it found and the state.
	restart := func(n int) (Restored, string, []byte) {
		t.Helper()
		for _, f := range []string{cut, cut + ".journal.torn"} {
			os.Remove(f)
		}
		if err := os.WriteFile(cut+".journal", data[:n], 0o600); err != nil {
			t.Fatal(err)
		}
		j := &journal{path: cut, limit: 1 << 40}
		store, err := core.NewStore(core.Config{Clock: &fakeClock{now: Epoch}, NewID: uuid.NewString, Scorer: newScorer(),
			Seed: seed, Defects: defect.Set{}, Journal: j.record})
		if err != nil {
			t.Fatal(err)
		}
		if err := j.open(store); err != nil {
			t.Fatalf("restart on the journal cut at byte %d: %v", n, err)
		}
		state := canonicalStore(t, store)
		j.f.Close() // no compaction: the next cut starts from its journal alone
		j.lock.Close()
		kept, _ := os.ReadFile(cut + ".journal.torn")
		return j.restored, state, kept
	}
	before, wantBefore, _ := restart(start)
	all, wantAll, _ := restart(len(data))
	if before.Torn != nil || all.Torn != nil || wantBefore == wantAll || all.Records != records || before.Records != records-1 {
		t.Fatalf("whole journals: torn %v/%v, %d/%d records of %d, states differ: %v", before.Torn, all.Torn, before.Records, all.Records, records, wantBefore != wantAll)
	}
	// Each restart waits for two fsyncs; -short (the race run) takes every
	// 17th byte and both ends, the full run every byte.
	step := 1
	if testing.Short() {
		step = 17
	}
	cuts := 0
	for n := start + 1; n < len(data); n += step {
		if step > 1 && n+step >= len(data) {
			n = len(data) - 1 // the record without its line end
		}
		cuts++
		r, state, kept := restart(n)
		switch tt := r.Torn; {
		case tt == nil:
			t.Fatalf("cut at byte %d (%d into the last record): no torn tail reported", n, n-start)
		case tt.Offset != int64(start) || tt.Bytes != int64(n-start) || tt.Record != records || tt.Reason == "":
			t.Fatalf("cut at byte %d: reported %+v, want offset %d, %d bytes, record %d", n, *tt, start, n-start, records)
		case string(kept) != string(data[start:n]):
			t.Fatalf("cut at byte %d: the .torn file holds %q, want %q", n, kept, data[start:n])
		case r.Records != records-1:
			t.Fatalf("cut at byte %d: %d records applied, want %d", n, r.Records, records-1)
		case state != wantBefore:
			t.Fatalf("cut at byte %d: the state is not every earlier record's: %s", n, lineDiff(wantBefore, state))
		}
	}
	t.Logf("the last record is bytes %d to %d (record %d); %d torn cuts reported", start, len(data), records, cuts)
}

// TestTornTailIsLogged: New reports a torn tail through Restored and a
// warning in the request log.
func TestTornTailIsLogged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	m := stateMock(t, path, &fakeClock{now: Epoch})
	writeSession(t, m)
	crash(t, m)
	f, err := os.OpenFile(path+".journal", os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"seq":1000,"kind":"bi`)
	f.Close()
	var log strings.Builder
	again, err := New(Options{StatePath: path, Clock: &fakeClock{now: Epoch}, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	r, ok := again.Restored()
	if !ok || r.Torn == nil || r.Torn.Bytes != int64(len(`{"seq":1000,"kind":"bi`)) || r.Fresh() || r.Tasks < 200 || r.Bids == 0 || r.Traces == 0 || r.Deliveries == 0 {
		t.Fatalf("restored %+v (torn %+v)", r, r.Torn)
	}
	if s := log.String(); !strings.Contains(s, "level=WARN") || !strings.Contains(s, "torn journal tail") || !strings.Contains(s, "bytes=22") {
		t.Fatalf("no warning of the torn tail in the log: %s", s)
	}
	if _, ok := newMockNoState(t).Restored(); ok {
		t.Fatal("a mock without a state file reports a restore")
	}
}

func newMockNoState(t *testing.T) *Mock {
	t.Helper()
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
