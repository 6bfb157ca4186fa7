package core

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"sync"
	"time"

	"github.com/jobtobot/jtb/mockserver/defect"
)

// IdemScope is what an Idempotency-Key is scoped to: the caller, the route
// and the key itself.
type IdemScope struct {
	Agent, Method, Path, Key string
}

// Stored is a remembered 2xx answer.
type Stored struct {
	Status int
	Body   []byte
}

type idemEntry struct {
	fingerprint [32]byte
	pending     bool
	stored      Stored
	at          time.Time
}

type idempotency struct {
	mu      sync.Mutex
	entries map[IdemScope]*idemEntry
	inserts int
}

func (x *idempotency) reset() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.entries = map[IdemScope]*idemEntry{}
}

// Fingerprint hashes a body as JSON, so white space and key order do not
// matter; a body that is not JSON is hashed as it is.
func Fingerprint(body []byte) [32]byte {
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err == nil && !dec.More() {
		if canon, err := json.Marshal(v); err == nil { // Marshal sorts object keys
			return sha256.Sum256(canon)
		}
	}
	return sha256.Sum256(body)
}

// IdemBegin looks a key up. A stored answer for the same body is returned for
// replay; another body gives IDEMPOTENCY_KEY_REUSED; a request still in flight
// gives IDEMPOTENCY_KEY_IN_USE. Otherwise the key is marked in flight and the
// caller must call IdemFinish.
func (s *Store) IdemBegin(scope IdemScope, fingerprint [32]byte) (*Stored, error) {
	now := s.Now()
	x := &s.idem
	x.mu.Lock()
	defer x.mu.Unlock()
	if e, ok := x.entries[scope]; ok && (e.pending || !now.After(e.at.Add(IdempotencyRetention))) {
		switch {
		case e.pending:
			return nil, errorf(CodeKeyInUse, "a request with this Idempotency-Key is still in flight")
		case e.fingerprint != fingerprint && !s.cfg.Defects.Has(defect.IdemReuseAllowed):
			return nil, errorf(CodeKeyReused, "this Idempotency-Key was used with another request body")
		case e.fingerprint == fingerprint:
			st := e.stored
			return &st, nil
		}
	}
	x.entries[scope] = &idemEntry{fingerprint: fingerprint, pending: true, at: now}
	x.inserts++
	if x.inserts%1024 == 0 {
		x.sweep(now)
	}
	return nil, nil
}

// IdemFinish stores a 2xx answer for replay and forgets any other, so a
// retry after an error runs again.
func (s *Store) IdemFinish(scope IdemScope, status int, body []byte) {
	now := s.Now()
	x := &s.idem
	x.mu.Lock()
	defer x.mu.Unlock()
	e, ok := x.entries[scope]
	if !ok || !e.pending {
		return
	}
	if status < 200 || status > 299 {
		delete(x.entries, scope)
		return
	}
	e.pending = false
	e.stored = Stored{Status: status, Body: bytes.Clone(body)}
	e.at = now
	if s.cfg.Journal != nil {
		s.cfg.Journal(Change{Kind: ChangeIdem, At: now, Idem: &IdemRecord{Scope: scope, Fingerprint: e.fingerprint, Status: status, Body: e.stored.Body, At: now}})
	}
}

func (x *idempotency) sweep(now time.Time) {
	for k, e := range x.entries {
		if !e.pending && now.After(e.at.Add(IdempotencyRetention)) {
			delete(x.entries, k)
		}
	}
}
