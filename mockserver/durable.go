package mockserver

// Durable answers for Options.StatePath: files replaced atomically, and an
// answer held back until the journal holding its change is on disk.

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"github.com/jobtobot/jtb/mockserver/core"
)

// writeAtomic replaces path with data: a crash leaves the old file or the
// new one, never a mix.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("state: %w", err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("state: fsync of %s: %w", dir, err)
	}
	return nil
}

// durableWriter holds the answer back until the journal is on disk. If the
// journal cannot be made durable the answer becomes a 500: the change is not
// acknowledged.
type durableWriter struct {
	http.ResponseWriter
	m      *Mock
	failed bool
	wrote  bool
}

func (d *durableWriter) WriteHeader(status int) {
	if d.wrote {
		return
	}
	d.wrote = true
	if err := d.m.journal.sync(); err != nil {
		d.failed = true
		body := d.m.errorReply(core.CodeInternal, "the state could not be saved").body
		h := d.Header()
		h.Del("Idempotent-Replayed")
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		d.ResponseWriter.WriteHeader(http.StatusInternalServerError)
		d.ResponseWriter.Write(body)
		return
	}
	d.ResponseWriter.WriteHeader(status)
}

func (d *durableWriter) Write(p []byte) (int, error) {
	if !d.wrote {
		d.WriteHeader(http.StatusOK)
	}
	if d.failed {
		return len(p), nil
	}
	return d.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (the event
// stream sets its deadlines through it).
func (d *durableWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }
