package mockserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/jobtobot/jtb/mockserver/core"
	"github.com/jobtobot/jtb/mockserver/defect"
)

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

// newCall starts a request's way; a task route's first parameter is the task.
func newCall(r *http.Request, op *operation, params []string) *call {
	c := &call{r: r, op: op, params: params}
	if len(params) > 0 {
		c.taskID = params[0]
	}
	return c
}

// unknownTask reports whether a call names a task the store does not hold
// (a malformed id included): 404 on either API.
func (m *Mock) unknownTask(c *call) bool {
	return c.taskID != "" && (!isUUID(c.taskID) || !m.store.TaskExists(c.taskID))
}

// serveAgent runs the check order of docs/DECISIONS.md: 401 → 413 →
// idempotency → 404 → 400 → the core (403, 409).
func (m *Mock) serveAgent(w http.ResponseWriter, r *http.Request, op *operation, params []string) {
	c := newCall(r, op, params)
	agent, rep, ok := m.authenticate(r)
	if !ok {
		m.write(w, r, rep)
		return
	}
	c.agent = agent
	if c.body, rep, ok = m.readBody(r); !ok {
		m.write(w, r, rep)
		return
	}
	if r.Method == http.MethodPost && !m.defects.Has(defect.IdemIgnored) {
		if key, present := r.Header["Idempotency-Key"]; present {
			m.serveIdempotent(w, c, key[0])
			return
		}
	}
	rep = m.runAgent(c)
	m.write(w, r, rep)
	m.encoded.release(rep) // written and, without an Idempotency-Key, not kept
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
	rep = m.runAgent(c)
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

// runAgent is the part after idempotency: 404, 400, then the operation.
func (m *Mock) runAgent(c *call) reply {
	if m.defects.Has(defect.Order400Before404) {
		if rep, ok := m.validate(c); !ok {
			return rep
		}
	}
	if m.unknownTask(c) {
		if m.defects.Has(defect.EnvelopeTextErrors) {
			return reply{status: http.StatusNotFound, body: []byte("task not found\n"), contentType: "text/plain; charset=utf-8"}
		}
		return m.errorReply(core.CodeNotFound, "task "+c.taskID+" not found")
	}
	if !m.defects.Has(defect.Order400Before404) {
		if rep, ok := m.validate(c); !ok {
			return rep
		}
	}
	return c.op.handle(m, c)
}

// authenticate checks the bearer key (401 first, before anything else).
func (m *Mock) authenticate(r *http.Request) (core.Agent, reply, bool) {
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

// readBody reads at most MaxBody bytes; more is 413. Only POSTs carry a body
// in either API: a body sent with any other method is ignored, unread, so
// no operation answers a status its contract does not list.
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

// validate checks the request against the operation in the document with
// kin-openapi; auth was already checked by hand (the route carries no
// security requirement, see bindOperations).
func (m *Mock) validate(c *call) (reply, bool) {
	route := c.op.route
	if route == nil {
		return reply{}, true
	}
	var pathParams map[string]string
	if len(c.op.params) > 0 {
		pathParams = make(map[string]string, len(c.op.params))
		for i, name := range c.op.params {
			if i < len(c.params) {
				pathParams[name] = c.params[i]
			}
		}
	}
	c.query = c.r.URL.Query()
	query := c.query
	if m.defects.Has(defect.PagLimitUnbounded) {
		if n, err := strconv.Atoi(query.Get("limit")); err == nil && n > 100 {
			query = cloneWithout(query, "limit") // the broken mock lets it through
		}
	}
	opts := c.op.validateOpts
	if m.skipBodyValidation(c) {
		opts = c.op.validateOptsNoBody
	}
	// A shallow copy is enough: validation reads the request and replaces
	// only the body, which was already read into c.body.
	req := *c.r
	req.Body = http.NoBody
	if route.Operation.RequestBody != nil {
		req.Body = io.NopCloser(bytes.NewReader(c.body))
	}
	req.ContentLength = int64(len(c.body))
	in := &openapi3filter.RequestValidationInput{Request: &req, PathParams: pathParams, QueryParams: query, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(c.r.Context(), in); err != nil {
		return m.errorReply(core.CodeBadRequest, validationMessage(err)), false
	}
	return reply{}, true
}

func cloneWithout(q url.Values, name string) url.Values {
	out := make(url.Values, len(q))
	for k, v := range q {
		if k != name {
			out[k] = v
		}
	}
	return out
}

// skipBodyValidation lets a defect's bad body reach the core, which the
// schema would otherwise refuse first.
func (m *Mock) skipBodyValidation(c *call) bool {
	// Decoding the body is for these two defects only: not on every request.
	if !m.defects.Has(defect.BidNonpositivePrice) && !m.defects.Has(defect.DeliverEmptyScored) {
		return false
	}
	var body map[string]any
	if json.Unmarshal(c.body, &body) != nil {
		return false
	}
	switch {
	case m.defects.Has(defect.BidNonpositivePrice) && strings.HasSuffix(c.r.URL.Path, "/bids"):
		p, ok := body["proposedPrice"].(float64)
		return ok && p <= 0
	case m.defects.Has(defect.DeliverEmptyScored) && (strings.HasSuffix(c.r.URL.Path, "/deliver") || strings.HasSuffix(c.r.URL.Path, "/resubmit")):
		s, ok := body["content"].(string)
		return ok && strings.TrimSpace(s) == ""
	}
	return false
}

// validationMessage names the field kin-openapi complained about.
func validationMessage(err error) string {
	var re *openapi3filter.RequestError
	if !errors.As(err, &re) {
		return err.Error()
	}
	reason := re.Reason
	var se *openapi3.SchemaError
	if errors.As(re.Err, &se) {
		reason = se.Reason
		if ptr := se.JSONPointer(); len(ptr) > 0 && re.Parameter == nil {
			return fmt.Sprintf("body field %s: %s", strings.Join(ptr, "."), reason)
		}
	} else if reason == "" && re.Err != nil {
		reason = re.Err.Error()
	}
	if re.Parameter != nil {
		return fmt.Sprintf("%s parameter %s: %s", re.Parameter.In, re.Parameter.Name, reason)
	}
	if reason == "" {
		reason = "invalid"
	}
	return "body: " + reason
}

func (m *Mock) decode(c *call, v any) (reply, bool) {
	if err := json.Unmarshal(c.body, v); err != nil {
		return m.errorReply(core.CodeBadRequest, "body: invalid JSON: "+err.Error()), false
	}
	return reply{}, true
}

func (m *Mock) listTasks(c *call) reply {
	q := c.query
	if q == nil {
		q = c.r.URL.Query()
	}
	limit := 20
	if m.defects.Has(defect.PagDefaultLimit50) {
		limit = 50
	}
	if raw, ok := q["limit"]; ok {
		n, err := strconv.Atoi(raw[0])
		if err != nil || n < 1 || (n > 100 && !m.defects.Has(defect.PagLimitUnbounded)) {
			return m.errorReply(core.CodeBadRequest, "query parameter limit: an integer from 1 to 100")
		}
		limit = n
	}
	page, err := m.store.List(core.ListQuery{Category: q.Get("category"), Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		return m.fail(err)
	}
	return m.pageReply(page)
}

func (m *Mock) createBid(c *call) reply {
	var in struct {
		ProposedPrice *float64 `json:"proposedPrice"`
		CoverLetter   *string  `json:"coverLetter"`
	}
	if rep, ok := m.decode(c, &in); !ok {
		return rep
	}
	if in.ProposedPrice == nil || in.CoverLetter == nil {
		return m.errorReply(core.CodeBadRequest, "body: proposedPrice and coverLetter are required")
	}
	bid, err := m.store.PlaceBid(c.agent.ID, c.taskID, *in.ProposedPrice, *in.CoverLetter)
	if err != nil {
		return m.fail(err)
	}
	status := http.StatusCreated
	if m.defects.Has(defect.BidReturns200) {
		status = http.StatusOK
	}
	return m.dataReply(status, bidOf(bid))
}

type contentBody struct {
	Content *string `json:"content"`
}

func (m *Mock) deliver(c *call) reply { return m.submit(c, m.store.Deliver) }

func (m *Mock) resubmit(c *call) reply { return m.submit(c, m.store.Resubmit) }

func (m *Mock) submit(c *call, do func(agentID, taskID, content string) (core.Delivery, error)) reply {
	var in contentBody
	if rep, ok := m.decode(c, &in); !ok {
		return rep
	}
	if in.Content == nil {
		return m.errorReply(core.CodeBadRequest, "body field content: required")
	}
	d, err := do(c.agent.ID, c.taskID, *in.Content)
	if err != nil {
		return m.fail(err)
	}
	return m.dataReply(http.StatusOK, deliveryOf(d))
}

func (m *Mock) progress(c *call) reply {
	var in struct {
		Event    *string         `json:"event"`
		Message  *string         `json:"message"`
		Metadata json.RawMessage `json:"metadata"`
	}
	if rep, ok := m.decode(c, &in); !ok {
		return rep
	}
	if in.Event == nil || in.Message == nil {
		return m.errorReply(core.CodeBadRequest, "body: event and message are required")
	}
	if len(in.Metadata) > 0 && in.Metadata[0] != '{' && string(in.Metadata) != "null" {
		return m.errorReply(core.CodeBadRequest, "body field metadata: must be an object")
	}
	tr, err := m.store.AddProgress(c.agent.ID, c.taskID, *in.Event, *in.Message, in.Metadata)
	if err != nil {
		return m.fail(err)
	}
	return m.dataReply(http.StatusCreated, traceOf(tr))
}

func (m *Mock) traces(c *call) reply {
	list, err := m.store.Traces(c.agent.ID, c.taskID)
	if err != nil {
		return m.fail(err)
	}
	items := make([]traceView, len(list))
	for i, t := range list {
		items[i] = traceOf(t)
	}
	return m.dataReply(http.StatusOK, struct {
		Items []traceView `json:"items"`
	}{items})
}
