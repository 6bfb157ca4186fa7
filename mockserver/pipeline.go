package mockserver

import (
	"crypto/subtle"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/jobtobot/jtb/mockserver/core"
	"github.com/jobtobot/jtb/mockserver/defect"
)

// The request pipeline: every matched request of either API passes the
// steps of docs/DECISIONS.md in order, auth (401) → size (413) →
// idempotency → lookup (404) → validation (400), and only then reaches its
// handler (agent.go, control.go), where the core answers 403 and 409.

// call is one request on its way through the pipeline.
type call struct {
	r      *http.Request
	op     *operation
	params []string
	body   []byte
	agent  core.Agent
	taskID string
	query  url.Values
}

// newCall starts a request's way; a task route's first parameter is the
// task (an agent route's is not: its handler looks the agent up).
func newCall(r *http.Request, op *operation, params []string) *call {
	c := &call{r: r, op: op, params: params}
	if len(params) > 0 && op.params[0] == "taskId" {
		c.taskID = params[0]
	}
	return c
}

// serveOperation runs a matched request through the pipeline and writes the
// answer.
func (m *Mock) serveOperation(w http.ResponseWriter, r *http.Request, op *operation, params []string) {
	c := newCall(r, op, params)
	rep, ok := m.authenticate(c)
	if ok {
		c.body, rep, ok = m.readBody(r)
	}
	if !ok {
		m.write(w, r, rep)
		return
	}
	if op.stream != nil {
		if rep, ok := m.validate(c); !ok {
			m.write(w, r, rep)
			return
		}
		op.stream(m, w, c)
		return
	}
	if key, ok := m.idempotencyKey(c); ok {
		m.serveIdempotent(w, c, key)
		return
	}
	rep = m.run(c)
	m.write(w, r, rep)
	m.encoded.release(rep) // written and, without an Idempotency-Key, not kept
}

// authenticate is the 401 step: an agent's key on the Agent API (the call
// learns its agent), the control token, if one is set, on the control API.
func (m *Mock) authenticate(c *call) (reply, bool) {
	if c.op.api == controlAPI {
		return m.authorizeControl(c.r)
	}
	agent, rep, ok := m.authenticateAgent(c.r)
	c.agent = agent
	return rep, ok
}

func (m *Mock) authenticateAgent(r *http.Request) (core.Agent, reply, bool) {
	h := r.Header.Get("Authorization")
	if h == "" && m.defects.Has(defect.AuthMissingIs403) {
		return core.Agent{}, m.errorReply(core.CodeForbidden, "missing Authorization header"), false
	}
	token, ok := bearer(h)
	if !ok {
		return core.Agent{}, m.errorReply(core.CodeUnauthorized, "send the API key as Authorization: Bearer jtb_live_..."), false
	}
	if a, ok := m.store.Authenticate(token); ok {
		return a, reply{}, true
	}
	if m.defects.Has(defect.AuthAcceptAnyKey) && len(m.fixture.Agents) > 0 {
		return m.fixture.Agents[0], reply{}, true
	}
	return core.Agent{}, m.errorReply(core.CodeUnauthorized, "unknown API key"), false
}

func (m *Mock) authorizeControl(r *http.Request) (reply, bool) {
	if m.opts.ControlToken == "" {
		return reply{}, true
	}
	token, ok := bearer(r.Header.Get("Authorization"))
	if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(m.opts.ControlToken)) != 1 {
		rep := m.errorReply(core.CodeUnauthorized, "the control API needs Authorization: Bearer <control token>")
		rep.header = http.Header{"Www-Authenticate": {`Bearer realm="jobtobot-control"`}}
		return rep, false
	}
	return reply{}, true
}

// bearer extracts the token of "Bearer <token>"; the scheme word is
// case-insensitive.
func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// readBody is the 413 step: it reads at most MaxBody bytes. Only POSTs
// carry a body in either API: a body sent with any other method is ignored,
// unread, so no operation answers a status its contract does not list.
func (m *Mock) readBody(r *http.Request) ([]byte, reply, bool) {
	if r.Method != http.MethodPost {
		return nil, reply{}, true
	}
	if m.defects.Has(defect.BodyLimitMissing) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, m.errorReply(core.CodeBadRequest, "reading the body failed"), false
		}
		return body, reply{}, true
	}
	if r.ContentLength > MaxBody {
		return nil, m.errorReply(core.CodeTooLarge, "request body over 1 MiB"), false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	switch {
	case err != nil:
		return nil, m.errorReply(core.CodeBadRequest, "reading the body failed"), false
	case len(body) > MaxBody:
		return nil, m.errorReply(core.CodeTooLarge, "request body over 1 MiB"), false
	}
	return body, reply{}, true
}

// idempotencyKey is the key of a request that takes the idempotency step:
// a POST of the Agent API that sends one.
func (m *Mock) idempotencyKey(c *call) (string, bool) {
	if c.op.api != agentAPI || c.r.Method != http.MethodPost || m.defects.Has(defect.IdemIgnored) {
		return "", false
	}
	key, ok := c.r.Header["Idempotency-Key"]
	if !ok {
		return "", false
	}
	return key[0], true
}

func (m *Mock) serveIdempotent(w http.ResponseWriter, c *call, key string) {
	if !validIdemKey(key) {
		m.write(w, c.r, m.errorReply(core.CodeBadRequest, "Idempotency-Key: 1 to 255 printable ASCII characters"))
		return
	}
	scope := core.IdemScope{Agent: c.agent.ID, Method: c.r.Method, Path: c.r.URL.Path, Key: key}
	if m.defects.Has(defect.IdemGlobalScope) {
		scope.Agent = ""
	}
	stored, err := m.store.IdemBegin(scope, core.Fingerprint(c.body))
	switch {
	case err != nil:
		m.write(w, c.r, m.fail(err))
		return
	case stored != nil:
		rep := reply{status: stored.Status, body: stored.Body}
		if !m.defects.Has(defect.IdemNoReplayHeader) {
			rep.header = http.Header{"Idempotent-Replayed": {"true"}}
		}
		m.write(w, c.r, rep)
		return
	}
	rep := reply{status: http.StatusInternalServerError}
	finished := false
	defer func() { // a panic must not leave the key in flight for ever
		if !finished {
			m.store.IdemFinish(scope, rep.status, rep.body)
		}
	}()
	rep = m.run(c)
	// Stored before the answer is written, so a journal makes the stored
	// answer durable together with its effect.
	m.store.IdemFinish(scope, rep.status, rep.body)
	finished = true
	m.write(w, c.r, rep)
}

func validIdemKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// run is the part after idempotency: lookup (404), validation (400), then
// the handler. Two defects break this step, on the Agent API only (the
// control API is the suite's harness, not under test).
func (m *Mock) run(c *call) reply {
	broken := c.op.api == agentAPI
	validateFirst := broken && m.defects.Has(defect.Order400Before404)
	if validateFirst {
		if rep, ok := m.validate(c); !ok {
			return rep
		}
	}
	if err := m.lookup(c); err != nil {
		if broken && m.defects.Has(defect.EnvelopeTextErrors) {
			return reply{status: http.StatusNotFound, body: []byte("task not found\n"), contentType: "text/plain; charset=utf-8"}
		}
		return m.fail(err)
	}
	if !validateFirst {
		if rep, ok := m.validate(c); !ok {
			return rep
		}
	}
	return c.op.run(m, c)
}

// lookup is the 404 step: a task route must name a task the store holds (a
// malformed id included).
func (m *Mock) lookup(c *call) error {
	if c.taskID != "" && (!isUUID(c.taskID) || !m.store.TaskExists(c.taskID)) {
		return core.TaskNotFound(c.taskID)
	}
	return nil
}
