package proxy

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"time"
)

// Bounds of the model: a long session, or a client that sends a new key
// with every request, must not grow the proxy without end. Past a bound
// the oldest entries go (docs/PROXY.md, "Limits").
const (
	maxTasks    = 100_000
	maxKeys     = 100_000
	maxAgents   = 10_000
	maxPending  = 10_000 // failed POSTs remembered per agent
	maxTraces   = 10_000 // progress events remembered per task
	maxAttempts = 5      // tries of one request in a row before the agent should give up
	// retryWindow: a POST repeated this long after its failure is a retry.
	// It is the contract's least key retention (24 h): a retry with the
	// first key is safe that long.
	retryWindow = 24 * time.Hour
	// resubmitWindow is the seed's "within 6 hours of the PDQG failure",
	// for an answer that states no resubmitDeadline.
	resubmitWindow = 6 * time.Hour
	// passMark: the seed rejects scores below 0.40.
	passMark = 0.40
)

type digest [16]byte

// agentState is what the proxy knows of one caller (one bearer token; the
// token itself is not kept here).
type agentState struct {
	label    string
	fp       uint64 // the token's fingerprint, for the fault draws
	serverID string // the agentId the upstream gave its bids
	pending  map[string]*attempt
	order    []string // pending's keys, oldest first
	noKeyOps map[string]bool
	calls    map[string]uint64 // calls per operation, for the fault draws
}

// attempt is a POST whose answer the agent did not get, or got as a
// failure (429, 5xx, 409 IDEMPOTENCY_KEY_IN_USE): a repeat is a retry.
type attempt struct {
	key        string
	hasKey     bool
	failedAt   time.Time // proxy clock
	retryAfter time.Time // zero: the answer named none
	tries      int       // failed tries in a row so far
	why        string
	reported   bool // retry-without-giving-up said once
}

type keyScope struct {
	agent        *agentState
	method, path string
	key          string
}

// keyRecord is one Idempotency-Key in its scope (the contract's: API key,
// method and path).
type keyRecord struct {
	body   digest // the request body, as JSON
	state  int    // keyInFlight, keyStored or keyErrored
	status int    // the stored (first 2xx) answer
	answer digest
	at     time.Time // proxy clock of the stored answer
}

const (
	keyInFlight = iota
	keyStored
	keyErrored
)

// taskState is what the proxy saw of one task.
type taskState struct {
	// notOpen is the tick of the first sign that the task left open: a
	// control accept, a control read of a claimed status, a 2xx deliver or
	// resubmit (only the assignee gets one). 0: none seen.
	notOpen  uint64
	reported map[string]bool // sequence findings said once per task
	bids     map[*agentState]string
	accepted string               // the bid id a control accept named
	assignee *agentState          // when the proxy can tell
	working  map[*agentState]bool // a 2xx progress or traces answer: the agent works on it
	resubmit string               // the delivery id of the first 2xx resubmit
	seen     map[*agentState]*deliverySeen
	traces   []*traceSeen
}

// deliverySeen is the last delivery answer an agent received for a task.
type deliverySeen struct {
	known       bool // the answer said whether it passed
	passed      bool
	deadline    time.Time
	resubmitted bool
}

// traceSeen is a progress event the upstream stored (2xx), as the agent sent it.
type traceSeen struct {
	tick           uint64
	id             string
	event, message string
	metadata       any
	hasMeta        bool
	lost, changed  bool // said once
}

type model struct {
	mu        sync.Mutex
	tick      uint64
	agents    map[digest]*agentState
	names     map[digest]string
	byID      map[string]*agentState
	tasks     map[string]*taskState
	taskOrder []string
	keys      map[keyScope]*keyRecord
	keyOrder  []keyScope
	overflow  *agentState
}

func newModel(names map[string]string) *model {
	m := &model{
		agents: map[digest]*agentState{},
		names:  map[digest]string{},
		byID:   map[string]*agentState{},
		tasks:  map[string]*taskState{},
		keys:   map[keyScope]*keyRecord{},
	}
	for key, name := range names {
		m.names[tokenDigest(key)] = name
	}
	return m
}

func tokenDigest(token string) digest {
	sum := sha256.Sum256([]byte(token))
	return digest(sum[:16])
}

func newAgent(label string, fp uint64) *agentState {
	return &agentState{label: label, fp: fp, pending: map[string]*attempt{}, noKeyOps: map[string]bool{}, calls: map[string]uint64{}}
}

// agent is the state of the caller with this token ("" for none).
func (m *model) agent(token string) *agentState {
	d := tokenDigest(token)
	if token == "" {
		d = digest{}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if a := m.agents[d]; a != nil {
		return a
	}
	if len(m.agents) >= maxAgents {
		if m.overflow == nil {
			m.overflow = newAgent("agent#other", 0)
		}
		return m.overflow
	}
	label := m.names[d]
	switch {
	case token == "":
		label = "anonymous"
	case label == "":
		label = "agent#" + strconv.Itoa(len(m.agents)+1)
	}
	a := newAgent(label, uint64(d[0])<<56|uint64(d[1])<<48|uint64(d[2])<<40|uint64(d[3])<<32|uint64(d[4])<<24|uint64(d[5])<<16|uint64(d[6])<<8|uint64(d[7]))
	m.agents[d] = a
	return a
}

// callNumber counts an agent's calls to an operation, for the fault draws.
func (m *model) callNumber(a *agentState, op string) uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := a.calls[op]
	a.calls[op] = n + 1
	return n
}

func (m *model) task(id string) *taskState {
	t := m.tasks[id]
	if t == nil {
		if len(m.taskOrder) >= maxTasks {
			delete(m.tasks, m.taskOrder[0])
			m.taskOrder = m.taskOrder[1:]
		}
		t = &taskState{reported: map[string]bool{}, bids: map[*agentState]string{},
			working: map[*agentState]bool{}, seen: map[*agentState]*deliverySeen{}}
		m.tasks[id] = t
		m.taskOrder = append(m.taskOrder, id)
	}
	return t
}

// call is one Agent API exchange on its way through the model.
type call struct {
	op       *operation
	method   string
	path     string
	taskID   string
	agent    *agentState
	key      string
	hasKey   bool
	body     []byte
	bodyJSON any // the decoded request body, nil if not JSON
	bodyFP   digest
	identity string
	arrive   uint64
	at       time.Time

	retry     *attempt   // the failed attempt this one repeats
	replayOf  *keyRecord // the stored first answer of this key and body
	keyRec    *keyRecord
	early     string // deliver-before-accept: why, "" if not suspect
	deadline  time.Time
	checkLate bool // a resubmit to judge against deadline

	findings []Finding
}

func (c *call) add(rule Rule, severity Severity, clause, message string) {
	if severity == "" {
		severity = rule.Severity
	}
	if clause == "" {
		clause = rule.Clause
	}
	c.findings = append(c.findings, Finding{Kind: rule.Kind, Severity: severity, Rule: rule.ID,
		Operation: c.op.id, Clause: clause, Message: message})
}

// canonical decodes a JSON body and returns its digest as JSON (key order
// and white space do not count, as the contract compares bodies); a body
// that is not JSON is digested as bytes.
func canonical(body []byte) (any, digest) {
	var v any
	if len(body) > 0 && json.Unmarshal(body, &v) == nil {
		b, _ := json.Marshal(v)
		sum := sha256.Sum256(b)
		return v, digest(sum[:16])
	}
	sum := sha256.Sum256(body)
	return nil, digest(sum[:16])
}

// before runs the agent rules that a request alone decides, and marks what
// its answer must be checked for.
func (p *Proxy) before(c *call) {
	m := p.model
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tick++
	c.arrive = m.tick
	if !c.op.post() {
		return
	}
	a := c.agent
	if !c.hasKey && !a.noKeyOps[c.op.id] {
		a.noKeyOps[c.op.id] = true
		c.add(p.rules[ruleNoKey], "", "", fmt.Sprintf("%s without an Idempotency-Key header: if its answer is lost, no retry is safe "+
			"(the API page sends Idempotency-Key on every POST; further POSTs of %s to %s without one are not reported again)", c.op.id, a.label, c.op.id))
	}
	if c.op.oncePerTask() {
		c.identity = c.op.id + " " + c.path
	} else {
		c.identity = c.op.id + " " + c.path + " " + string(c.bodyFP[:])
	}
	if prev := a.pending[c.identity]; prev != nil && c.at.Sub(prev.failedAt) < retryWindow {
		c.retry = prev
		switch {
		case !c.hasKey:
			c.add(p.rules[ruleRetryNewKey], "", "", fmt.Sprintf("a retry of %s (%s) without an Idempotency-Key: the first may have been applied, "+
				"and the server cannot tell this one from a new request", c.op.id, prev.why))
		case !prev.hasKey || prev.key != c.key:
			c.add(p.rules[ruleRetryNewKey], "", "", fmt.Sprintf("a retry of %s (%s) with a new Idempotency-Key: the first may have been applied, "+
				"so this one may apply it twice; retry with the key of the first try", c.op.id, prev.why))
		}
		if !prev.retryAfter.IsZero() && c.at.Before(prev.retryAfter) {
			c.add(p.rules[ruleRetryTooSoon], "", "", fmt.Sprintf("a retry %s after the answer that said Retry-After: %s (%s)",
				roundDuration(c.at.Sub(prev.failedAt)), roundDuration(prev.retryAfter.Sub(prev.failedAt)), prev.why))
		}
		if prev.tries+1 > maxAttempts && !prev.reported {
			prev.reported = true
			c.add(p.rules[ruleRetryForever], "", "", fmt.Sprintf("try %d of %s after %d failures in a row (the last: %s): an agent should give up after %d tries and report",
				prev.tries+1, c.op.id, prev.tries, prev.why, maxAttempts))
		}
	}
	if c.hasKey {
		scope := keyScope{agent: a, method: c.method, path: c.path, key: c.key}
		rec := m.keys[scope]
		switch {
		case rec == nil:
			rec = &keyRecord{body: c.bodyFP}
			if len(m.keyOrder) >= maxKeys {
				delete(m.keys, m.keyOrder[0])
				m.keyOrder = m.keyOrder[1:]
			}
			m.keys[scope] = rec
			m.keyOrder = append(m.keyOrder, scope)
		case rec.body != c.bodyFP && rec.state == keyErrored:
			// The key's first use was refused, and the contract stores no
			// error: the agent fixed its request and kept the key.
			rec.body, rec.state = c.bodyFP, keyInFlight
		case rec.body != c.bodyFP:
			c.add(p.rules[ruleKeyReused], "", "", fmt.Sprintf("this Idempotency-Key was sent before on %s %s with another body: "+
				"a key names one request, so a new request needs a new key", c.method, c.path))
		case rec.state == keyStored:
			c.replayOf = rec
		}
		c.keyRec = rec
	}
	t := m.tasks[c.taskID]
	switch c.op.kind {
	case opDeliver:
		if t != nil && t.bids[a] != "" && !t.acceptedFor(a) {
			c.early = "the proxy saw its bid placed and no sign that it was accepted"
			if t.assignee != nil {
				c.early = "the poster accepted another agent's bid"
			}
		}
	case opResubmit:
		if c.retry != nil || t == nil {
			return
		}
		d := t.seen[a]
		switch {
		case d == nil || !d.known:
		case d.resubmitted:
			c.add(p.rules[ruleResubmitAgain], "", "", "a second resubmit: the API page allows one resubmit per delivery, and this agent's was answered")
		case d.passed:
			c.add(p.rules[ruleResubmitPassed], "", "", "a resubmit after a delivery that passed the quality gate: a resubmit is for a rejected delivery only")
		default:
			c.deadline, c.checkLate = d.deadline, true
		}
	}
}

func (t *taskState) acceptedFor(a *agentState) bool {
	return t.assignee == a || t.working[a] || (t.accepted != "" && t.accepted == t.bids[a])
}

// outcome is how an exchange ended.
type outcome struct {
	upstream int // the upstream's status; 0: no answer from it
	header   http.Header
	body     []byte // the upstream's answer (JSON), when it gave one
	// delivered: the agent received the upstream's answer as it was.
	delivered bool
	// agentStatus is what the agent received instead (a fault, a proxy
	// error); 0 for nothing.
	agentStatus int
	retryAfter  time.Duration
	fault       string
	late        bool   // the resubmit came after its deadline
	lateHow     string // how the proxy knows the time
	lateBy      time.Duration
	lateExact   bool
}

// failed is whether, for the agent, the call failed in a way that makes a
// repeat a retry: it got no answer, or one that asks it to try again.
func (o outcome) failed(code string) (bool, string) {
	status := o.agentStatus
	if o.delivered {
		status = o.upstream
	}
	switch {
	case o.fault == "lost-response":
		return true, "its answer was lost (injected fault)"
	case status == 0:
		return true, "it got no answer"
	case o.fault != "":
		return true, fmt.Sprintf("answered %d (injected fault)", status)
	case status == http.StatusTooManyRequests || status >= 500:
		return true, fmt.Sprintf("answered %d", status)
	case status == http.StatusConflict && code == "IDEMPOTENCY_KEY_IN_USE":
		return true, "answered 409 IDEMPOTENCY_KEY_IN_USE"
	}
	return false, ""
}

// answerView is the part of an answer the model reads.
type answerView struct {
	Data struct {
		ID               string          `json:"id"`
		AgentID          string          `json:"agentId"`
		Status           string          `json:"status"`
		CreatedAt        string          `json:"createdAt"`
		SubmittedAt      string          `json:"submittedAt"`
		ResubmitDeadline string          `json:"resubmitDeadline"`
		AssignedAgentID  *string         `json:"assignedAgentId"`
		Items            json.RawMessage `json:"items"`
		PDQG             *struct {
			Score *float64 `json:"score"`
		} `json:"pdqg"`
	} `json:"data"`
	Error *struct {
		Code string `json:"code"`
	} `json:"error"`
}

// after runs the rules that need the answer and records what it taught.
func (p *Proxy) after(c *call, o outcome, listed []string) {
	var v answerView
	// A listing teaches only its ids, read once per distinct answer by the
	// validator: decoding it again here would cost most of the proxy's time.
	if o.body != nil && c.op.kind != opList {
		_ = json.Unmarshal(o.body, &v) // a shape it does not know teaches nothing
	}
	code := ""
	if v.Error != nil {
		code = v.Error.Code
	}
	ok := o.upstream/100 == 2
	replayed := c.replayOf != nil || o.header.Get("Idempotent-Replayed") == "true"
	if ok && !replayed {
		for _, s := range []string{v.Data.CreatedAt, v.Data.SubmittedAt} {
			if s == "" {
				continue // (a listing: not decoded; time.Parse would build an error to say so)
			}
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				p.clock.sample(t)
				break
			}
		}
	}
	if o.upstream != 0 {
		p.clock.date(o.header)
	}
	// Decoding is done before the model is locked: every call waits on it.
	var answer digest
	if c.keyRec != nil && o.upstream != 0 {
		_, answer = canonical(o.body)
	}
	var traces []traceItem
	tracesRead := c.op.kind == opTraces && ok && json.Unmarshal(v.Data.Items, &traces) == nil // else the schema finding says why

	m := p.model
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tick++
	now := p.now()
	a := c.agent

	if rec := c.keyRec; rec != nil && o.upstream != 0 {
		switch {
		case c.replayOf != nil && !(o.upstream == http.StatusConflict && code == "IDEMPOTENCY_KEY_IN_USE"):
			if o.upstream != rec.status {
				c.add(p.rules[ruleReplayDiffers], "", "", fmt.Sprintf("a replay (the same Idempotency-Key and body) was answered %d %s; the first answer was %d",
					o.upstream, code, rec.status))
			} else if answer != rec.answer {
				c.add(p.rules[ruleReplayDiffers], "", "", fmt.Sprintf("a replay (the same Idempotency-Key and body) was answered %d with another body than the first answer", o.upstream))
			}
		case ok && rec.state != keyStored:
			rec.state, rec.status, rec.answer, rec.at = keyStored, o.upstream, answer, now
		case !ok && rec.state == keyInFlight && !(o.upstream == http.StatusConflict && code == "IDEMPOTENCY_KEY_IN_USE"):
			rec.state = keyErrored
		}
	}

	var t *taskState
	if c.taskID != "" && (ok || c.early != "" || c.checkLate) {
		t = m.task(c.taskID)
	}
	switch c.op.kind {
	case opList:
		if ok {
			for _, id := range listed {
				lt := m.tasks[id]
				if lt == nil || lt.notOpen == 0 || lt.notOpen >= c.arrive || lt.reported[ruleListedClaimed] {
					continue
				}
				lt.reported[ruleListedClaimed] = true
				c.add(p.rules[ruleListedClaimed], "", "", fmt.Sprintf("task %s is listed, but the proxy saw it claimed before this listing was asked for (%s)",
					id, p.whyNotOpen(lt)))
			}
		}
	case opBid:
		if ok && v.Data.ID != "" {
			if prev := t.bids[a]; prev != "" && prev != v.Data.ID && !t.reported[ruleSecondBid+a.label] {
				t.reported[ruleSecondBid+a.label] = true
				c.add(p.rules[ruleSecondBid], "", "", fmt.Sprintf("a second bid by %s on task %s was answered %d (bid %s; the first was %s): "+
					"a second bid by the same agent must be refused (409)", a.label, c.taskID, o.upstream, v.Data.ID, prev))
			}
			if t.bids[a] == "" {
				t.bids[a] = v.Data.ID
			}
			if v.Data.AgentID != "" && a.serverID == "" {
				a.serverID = v.Data.AgentID
				m.byID[v.Data.AgentID] = a
			}
		}
	case opDeliver, opResubmit:
		if ok {
			if t.notOpen == 0 {
				t.notOpen = m.tick
			}
			t.assignee = a
			if c.op.kind == opResubmit && v.Data.ID != "" {
				if t.resubmit != "" && t.resubmit != v.Data.ID && !t.reported[ruleSecondResubmit] {
					t.reported[ruleSecondResubmit] = true
					c.add(p.rules[ruleSecondResubmit], "", "", fmt.Sprintf("a second resubmit on task %s was answered %d (delivery %s; the first resubmit was %s): "+
						"the API page allows one", c.taskID, o.upstream, v.Data.ID, t.resubmit))
				}
				if t.resubmit == "" {
					t.resubmit = v.Data.ID
				}
			}
			if o.delivered {
				d := t.seen[a]
				if d == nil || c.op.kind == opDeliver {
					d = &deliverySeen{}
					t.seen[a] = d
				}
				if c.op.kind == opResubmit {
					d.resubmitted = true
				} else {
					d.known, d.passed, d.deadline = deliveryOutcome(v)
				}
			}
		} else if c.early != "" && o.upstream != 0 {
			c.add(p.rules[ruleDeliverEarly], "", "", fmt.Sprintf("a deliver on task %s before its bid was accepted (%s); the server answered %d",
				c.taskID, c.early, o.upstream))
		}
		if o.late && !(ok && !o.lateExact) {
			c.add(p.rules[ruleResubmitLate], "", "", fmt.Sprintf("a resubmit %s after the rejected delivery's resubmitDeadline %s (the upstream's time %s); "+
				"the API page allows a resubmit within 6 hours of the failure", roundDuration(o.lateBy), c.deadline.UTC().Format(time.RFC3339), o.lateHow))
		}
	case opProgress:
		if ok {
			t.working[a] = true
			tr := &traceSeen{tick: m.tick, id: v.Data.ID}
			if body, isObj := c.bodyJSON.(map[string]any); isObj {
				tr.event, _ = body["event"].(string)
				tr.message, _ = body["message"].(string)
				tr.metadata, tr.hasMeta = body["metadata"]
			}
			if len(t.traces) < maxTraces {
				t.traces = append(t.traces, tr)
			}
		}
	case opTraces:
		if ok {
			t.working[a] = true
			if tracesRead {
				p.checkTraces(c, t, traces)
			}
		}
	}

	if !c.op.post() {
		return
	}
	if failed, why := o.failed(code); failed {
		prev := a.pending[c.identity]
		at := &attempt{key: c.key, hasKey: c.hasKey, failedAt: now, tries: 1, why: why}
		if prev != nil {
			at.tries, at.reported = prev.tries+1, prev.reported
		} else {
			if len(a.order) >= maxPending {
				delete(a.pending, a.order[0])
				a.order = a.order[1:]
			}
			a.order = append(a.order, c.identity)
		}
		if o.retryAfter > 0 {
			at.retryAfter = now.Add(o.retryAfter)
		}
		a.pending[c.identity] = at
	} else if a.pending[c.identity] != nil {
		delete(a.pending, c.identity)
	}
}

// deliveryOutcome reads whether a delivery passed: by its score where it
// has one (the seed's rule: below 0.40 is rejected), else by the status
// names of the contract.
func deliveryOutcome(v answerView) (known, passed bool, deadline time.Time) {
	switch {
	case v.Data.PDQG != nil && v.Data.PDQG.Score != nil:
		known, passed = true, *v.Data.PDQG.Score >= passMark
	case v.Data.Status == "delivered":
		known, passed = true, true
	case v.Data.Status == "pdqg_failed":
		known = true
	}
	if known && !passed {
		if t, err := time.Parse(time.RFC3339Nano, v.Data.ResubmitDeadline); err == nil {
			deadline = t
		} else if t, err := time.Parse(time.RFC3339Nano, v.Data.SubmittedAt); err == nil {
			deadline = t.Add(resubmitWindow)
		}
		if deadline.IsZero() {
			known = false // nothing to measure a resubmit against
		}
	}
	return known, passed, deadline
}

// traceItem is a trace as a traces answer lists it.
type traceItem struct {
	ID       string `json:"id"`
	Event    string `json:"event"`
	Message  string `json:"message"`
	Metadata any    `json:"metadata"`
}

// checkTraces compares a traces answer with the progress events the proxy
// saw stored before it was asked for.
func (p *Proxy) checkTraces(c *call, t *taskState, items []traceItem) {
	byID := make(map[string]int, len(items))
	for i, it := range items {
		if it.ID != "" {
			byID[it.ID] = i
		}
	}
	for _, tr := range t.traces {
		if tr.tick >= c.arrive || (tr.lost && tr.changed) {
			continue
		}
		found := -1
		if i, ok := byID[tr.id]; ok && tr.id != "" {
			found = i
		} else if tr.id == "" {
			for i, it := range items {
				if it.Event == tr.event && it.Message == tr.message {
					found = i
					break
				}
			}
		}
		switch {
		case found < 0 && !tr.lost:
			tr.lost = true
			c.add(p.rules[ruleTraceLost], "", "", fmt.Sprintf("the traces of task %s lack the event %q (trace %s) that the server stored earlier",
				c.taskID, tr.event, orNone(tr.id)))
		case found >= 0 && !tr.changed:
			it := items[found]
			var what string
			switch {
			case it.Event != tr.event:
				what = "event"
			case it.Message != tr.message:
				what = "message"
			case tr.hasMeta && !reflect.DeepEqual(it.Metadata, tr.metadata):
				what = "metadata"
			}
			if what != "" {
				tr.changed = true
				c.add(p.rules[ruleTraceChanged], "", "", fmt.Sprintf("the traces of task %s hold trace %s with another %s than the agent sent", c.taskID, orNone(tr.id), what))
			}
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "(no id)"
	}
	return s
}

func (p *Proxy) whyNotOpen(t *taskState) string {
	switch {
	case t.accepted != "":
		return "the poster accepted bid " + t.accepted
	case t.assignee != nil:
		return t.assignee.label + " delivered on it"
	}
	return "the control API read it as not open"
}

// learnControl learns from a control API answer that passed through.
func (p *Proxy) learnControl(op *operation, params []string, status int, body []byte) {
	if status/100 != 2 {
		return
	}
	switch op.kind {
	case ctlClock, ctlAdvance:
		if t, ok := controlNow(body); ok {
			p.clock.sample(t)
		}
		return
	case ctlReset:
		p.clock.forget()
		m := p.model
		m.mu.Lock()
		m.tasks, m.taskOrder = map[string]*taskState{}, nil
		m.keys, m.keyOrder = map[keyScope]*keyRecord{}, nil
		m.byID = map[string]*agentState{}
		for _, a := range m.agents {
			a.pending, a.order, a.serverID = map[string]*attempt{}, nil, ""
		}
		m.mu.Unlock()
		return
	}
	var v answerView
	_ = json.Unmarshal(body, &v)
	m := p.model
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tick++
	t := m.task(params[0])
	switch op.kind {
	case ctlAccept:
		if t.notOpen == 0 {
			t.notOpen = m.tick
		}
		t.accepted = params[1]
		for a, id := range t.bids {
			if id == params[1] {
				t.assignee = a
			}
		}
	case ctlTask:
		// Only the contract's names of the states after claiming count: a
		// control API of another shape teaches nothing here.
		switch v.Data.Status {
		case "claimed", "delivered", "pdqg_failed", "pdqg_final_fail":
			if t.notOpen == 0 {
				t.notOpen = m.tick
			}
		}
	}
	if v.Data.AssignedAgentID != nil {
		if a := m.byID[*v.Data.AssignedAgentID]; a != nil {
			t.assignee = a
		}
	}
}

func roundDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
