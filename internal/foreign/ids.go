package foreign

import (
	"encoding/base64"
	"strings"
	"sync"

	"github.com/google/uuid"
)

// ids is the bijection between the inner mock's ids and the foreign
// server's: every id the mock hands out is shown as another UUID, and
// mapped back wherever a client sends it (paths, bodies). A UUID a client
// sends that the server never handed out gets a twin of its own on the
// mock's side, so it names nothing there either (a client that guessed one
// of the mock's ids finds nothing).
type ids struct {
	mu       sync.Mutex
	toOuter  map[string]string // mock id → foreign id
	toInner  map[string]string // foreign id → mock id
	generate func() string
}

func newIDs() *ids {
	return &ids{toOuter: map[string]string{}, toInner: map[string]string{}, generate: uuid.NewString}
}

// isUUID accepts the lowercase canonical form, the only one either side writes.
func isUUID(s string) bool {
	id, err := uuid.Parse(s)
	return err == nil && id.String() == s
}

// outer maps a mock id to the foreign one, minting it on first sight.
func (m *ids) outer(inner string) string { return m.twin(m.toOuter, m.toInner, inner) }

// inner maps a foreign id back to the mock's, minting a twin for an id
// this server never handed out.
func (m *ids) inner(outer string) string { return m.twin(m.toInner, m.toOuter, outer) }

// twin looks id up in one direction of the bijection, and adds a fresh
// pair when it is new on that side.
func (m *ids) twin(there, back map[string]string, id string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := there[id]; ok {
		return t
	}
	t := m.generate()
	there[id], back[t] = t, id
	return t
}

// innerPath maps every UUID segment of a request path.
func (m *ids) innerPath(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if isUUID(s) {
			segs[i] = m.inner(s)
		}
	}
	return strings.Join(segs, "/")
}

// innerString and outerString map a JSON string value that is a UUID.
func (m *ids) innerString(s string) (string, bool) {
	if !isUUID(s) {
		return "", false
	}
	return m.inner(s), true
}

func (m *ids) outerString(s string) (string, bool) {
	if !isUUID(s) {
		return "", false
	}
	return m.outer(s), true
}

// cursorPrefix marks the foreign server's cursors: the mock's cursor,
// wrapped. A client must treat a cursor as opaque, and this one is.
const cursorPrefix = "fx1."

func outerCursor(inner string) string {
	return cursorPrefix + base64.RawURLEncoding.EncodeToString([]byte(inner))
}

// innerCursor unwraps a foreign cursor. One that does not unwrap (tampered,
// cut short, made up) goes to the mock as a cursor no mock wrote, so the
// mock answers it in its own order of checks (401 before 400).
func innerCursor(outer string) string {
	raw, ok := strings.CutPrefix(outer, cursorPrefix)
	if ok {
		if b, err := base64.RawURLEncoding.DecodeString(raw); err == nil {
			return string(b)
		}
	}
	return "not-a-cursor-of-this-server:" + outer
}
