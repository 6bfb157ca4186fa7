package explore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"
)

// call runs one Agent API step: it pins the score of a delivery the model
// will accept, sends the request to both sides and judges the answers.
func (e *execution) call(ctx context.Context, s Step, r *record) error {
	pre := e.pre(s)
	pinned, err := e.pinFor(ctx, s, pre, r)
	if err != nil {
		return err
	}
	t, m := e.pair(ctx, e.build(s, 0), e.build(s, 1))
	if t.Err != "" {
		return cannot("the target stopped answering: %s", e.x.redact.String(t.Err))
	}
	r.Target, r.Model = []*Exchange{t}, []*Exchange{m}
	r.Findings = e.judge(s, pre, t, m)
	return e.after(ctx, s, pre, t, m, pinned, r)
}

// pre is the model's view of a step's task before the step (nil: none).
func (e *execution) pre(s Step) *taskRef {
	if s.Task > 0 {
		if t, ok := e.st.tasks[s.Task]; ok {
			return t.clone()
		}
	}
	return nil
}

// accepts predicts whether the model will run a delivery of this step: the
// score is pinned for those only, one just before, so that how a target
// queues pins (append or replace, a free choice) never shows.
func (e *execution) accepts(s Step, pre *taskRef) bool {
	if pre == nil || s.Score == nil || s.Oversize || (s.Fault != nil && !strings.HasPrefix(s.Fault.Kind, "at-")) {
		return false
	}
	switch s.Auth {
	case "", AuthLower:
	default:
		return false
	}
	if s.Key != "" && e.st.stored[scope(s.Key, s.Agent)].ModelOK {
		return false // the model answers the stored answer (or 422): nothing is scored
	}
	if s.KeyLen > 255 || (s.KeyRaw && s.Fault == nil) {
		return false
	}
	now := e.x.model.clock.Now()
	switch s.Op {
	case OpDeliver:
		return pre.status(now) == "claimed" && pre.Assignee == s.Agent
	case OpResubmit:
		return pre.status(now) == "pdqg_failed" && pre.Assignee == s.Agent && pre.Deliveries == 1
	}
	return false
}

func (e *execution) pinFor(ctx context.Context, s Step, pre *taskRef, r *record) (bool, error) {
	if !e.accepts(s, pre) {
		return false, nil
	}
	path := func(side int) string { return "/_control/tasks/" + pre.ID[side] + "/pdqg" }
	t, m, err := e.both(ctx, http.MethodPost, path, map[string][]float64{"scores": {*s.Score}})
	if err != nil {
		return false, err
	}
	if m.Status != http.StatusOK {
		return false, fmt.Errorf("explore: the model refused a pin (%d)", m.Status)
	}
	if t.Status/100 != 2 {
		return false, cannot("the control API refused to pin a PDQG score (%d)", t.Status)
	}
	r.Notes = append(r.Notes, fmt.Sprintf("pinned score %v on both sides", *s.Score))
	e.reach(controlClause["pin"])
	return true, nil
}

// after learns from the answers: the model's new view of the task, the
// key's first use, the taint a difference leaves.
func (e *execution) after(ctx context.Context, s Step, pre *taskRef, t, m *Exchange, pinned bool, r *record) error {
	state := s.writes() && t.Status/100 != m.Status/100
	for _, f := range r.Findings {
		state = state || f.State
	}
	ok := m.Status/100 == 2
	if pinned != (ok && (s.Op == OpDeliver || s.Op == OpResubmit) && !replayed(m)) {
		// A pin left queued, or a delivery scored by the model's own
		// scorer: this task's later deliveries cannot be compared.
		state = true
		r.Notes = append(r.Notes, "the model did not do what the pin expected: the task is left out from here on")
	}
	if s.Key != "" && !s.KeyRaw {
		if _, seen := e.st.keys[s.Key]; !seen {
			e.st.keys[s.Key] = keyRef{Agent: s.Agent, Op: s.Op, Task: s.Task, Body: s.Body, At: e.x.model.clock.Now()}
		}
		sc := scope(s.Key, s.Agent)
		if had, seen := e.st.stored[sc]; !replayed(m) && (ok || !seen || !had.ModelOK) {
			e.st.stored[sc] = storedRef{ModelOK: ok, TStatus: t.Status, TBody: t.Body}
		}
	}
	if pre != nil {
		e.x.cover.hit(pre.status(e.x.model.clock.Now()), s.Op)
	} else {
		e.x.cover.hit("none", s.Op)
	}
	if s.Task <= 0 {
		return nil
	}
	task := e.st.tasks[s.Task]
	if state && s.writes() {
		task.Tainted = true
	}
	e.learn(task, s, m, m.answer())
	if e.x.opts.verify && s.writes() {
		return e.verify(ctx, task)
	}
	return nil
}

func replayed(x *Exchange) bool { return x.Header.Get("Idempotent-Replayed") == "true" }

// governing is the clause that fixes the status of the answer to s: the one a
// different status breaks.
func (e *execution) governing(s Step, pre *taskRef, t, m *Exchange) string {
	now := e.x.model.clock.Now()
	switch {
	case m.Status == http.StatusUnauthorized:
		return "JTB-AUTH-002"
	case s.Auth == AuthLower && t.Status == http.StatusUnauthorized:
		return "JTB-AUTH-004"
	case m.Status == http.StatusRequestEntityTooLarge:
		return "JTB-ENV-006"
	case s.Op == OpPath, m.Status == http.StatusMethodNotAllowed:
		return "JTB-ENV-007"
	case s.Task == MalformedTask:
		return "JTB-ENV-008"
	case s.Task == UnknownTask && s.Fault != nil && !strings.HasPrefix(s.Fault.Kind, "at-"):
		return "JTB-ENV-005" // a bad body on an unknown task: which comes first is our order
	case s.Task == UnknownTask:
		return "JTB-ENV-012"
	case s.KeyLen > 0 && (m.Status == http.StatusBadRequest || t.Status == http.StatusBadRequest):
		return "JTB-IDEM-006"
	}
	ok := m.Status/100 == 2
	if s.Fault != nil {
		bound := strings.HasPrefix(s.Fault.Kind, "at-")
		if !bound && s.Fault.Kind != "cursor" && e.otherFault(s, pre, now) {
			return "JTB-ENV-005" // 400 before 403 and 409: our order
		}
		if !bound || ok { // a value on its bound is valid: refused, it is the bound's clause
			return s.Fault.Clause
		}
	}
	mine := e.st.stored[scope(s.Key, s.Agent)]
	switch {
	case s.Key == "":
	case s.Reuse == "json" && replayed(m):
		return "JTB-IDEM-008"
	case replayed(m):
		return "JTB-IDEM-001"
	case s.Reuse == "other":
		return "JTB-IDEM-003"
	case !replayed(m) && e.othersAnswer(s, t):
		return "JTB-IDEM-004" // the target answered another agent's stored answer
	case s.Reuse == "retry" && ok && !mine.ModelOK && sameAnswer(t.Status, t.Body, mine):
		return "JTB-IDEM-007" // the target answered the first error again
	}
	switch s.Op {
	case OpList:
		if s.Page > 0 {
			return "JTB-PAG-002"
		}
		return "JTB-PAG-004"
	case OpBid:
		if ok {
			return "JTB-BID-001"
		}
		return "JTB-BID-003"
	case OpDeliver:
		switch {
		case ok:
			return "JTB-DLV-001"
		case m.Status == http.StatusConflict:
			return "JTB-DLV-007"
		}
		return "JTB-DLV-006"
	case OpResubmit:
		near := pre != nil && !pre.Deadline.IsZero() && absDur(now.Sub(pre.Deadline)) <= 2*time.Minute
		switch {
		case ok && near:
			return "JTB-RSB-003"
		case ok:
			return "JTB-RSB-001"
		case pre == nil:
			return "JTB-RSB-005"
		case pre.Assignee != s.Agent:
			return "JTB-RSB-008" // the page's 403 row: "Not the assigned agent"
		case pre.Deliveries >= 2:
			return "JTB-RSB-002"
		case pre.Status == "pdqg_failed": // past its deadline
			return "JTB-RSB-003"
		case pre.Status == "delivered" && pre.LastScore == 0.40:
			return "JTB-DLV-002"
		case pre.Status == "delivered":
			return "JTB-DLV-005"
		}
		return "JTB-RSB-005"
	case OpProgress:
		switch {
		case ok:
			return "JTB-PRG-001"
		case pre != nil && pre.Assignee != s.Agent:
			return "JTB-PRG-006" // the page's 403 row: "Not the assigned agent"
		}
		return "JTB-PRG-003"
	case OpTraces:
		if ok {
			return "JTB-TRC-001"
		}
		return "JTB-TRC-003"
	}
	return "JTB-ENV-011"
}

// reuseClause is the clause each reuse of an Idempotency-Key is about.
var reuseClause = map[string]string{"replay": "JTB-IDEM-001", "json": "JTB-IDEM-008", "other": "JTB-IDEM-003", "agent": "JTB-IDEM-004", "retry": "JTB-IDEM-007"}

// reach counts clauses an answer was judged under (the coverage summary).
func (e *execution) reach(ids ...string) {
	for _, id := range ids {
		e.x.cover.clause(id)
	}
}

// reached counts the clauses a step's answers are judged under.
func (e *execution) reached(s Step, pre *taskRef, gov string, m *Exchange) {
	e.reach(gov, "JTB-ENV-003")
	switch c := m.Status; {
	case c/100 == 2:
		e.reach("JTB-ENV-002", successClause(s.Op))
		if s.Auth == "" {
			e.reach("JTB-AUTH-001")
		}
	default:
		e.reach("JTB-ENV-001", "JTB-ENV-004")
		switch c {
		case http.StatusUnauthorized:
			e.reach("JTB-AUTH-003")
		case http.StatusBadRequest:
			e.reach("JTB-ENV-010")
		case http.StatusForbidden:
			e.reach("JTB-ENV-011")
		case http.StatusConflict:
			e.reach("JTB-ENV-013")
		}
	}
	if replayed(m) {
		e.reach("JTB-IDEM-002")
	}
	if id := reuseClause[s.Reuse]; id != "" {
		e.reach(id)
	}
	if s.Auth == AuthLower {
		e.reach("JTB-AUTH-004")
	}
	if pre == nil {
		return
	}
	now := e.x.model.clock.Now()
	switch {
	case pre.Status == "claimed" && pre.Assignee == s.Agent:
		e.reach("JTB-BID-005") // the accepted bid's agent works on the task
	case pre.Status == "open" && s.Op == OpBid && slices.Contains(slices.Collect(maps.Values(pre.Bids)), "rejected"):
		e.reach("JTB-BID-006") // a rejected bid left the task open
	case pre.Status == "pdqg_failed" && pre.status(now) == "pdqg_final_fail":
		e.reach("JTB-RSB-007")
	}
}

// othersAnswer says whether the target answered a request with another
// agent's stored answer to the same key (a replay header, or the same
// answer): the keys' scope, our decision (JTB-IDEM-004), whatever the step
// meant when it was written (shrinking may have removed the step that first
// used the key as this agent).
func (e *execution) othersAnswer(s Step, t *Exchange) bool {
	if s.Key == "" || s.KeyRaw {
		return false
	}
	for a := range e.x.agents {
		other, ok := e.st.stored[scope(s.Key, a)]
		if a != s.Agent && ok && other.ModelOK && (replayed(t) || sameAnswer(t.Status, t.Body, other)) {
			return true
		}
	}
	return false
}

// otherFault says whether a request with a bad body also breaks a rule the
// model would answer 403 or 409 for.
func (e *execution) otherFault(s Step, pre *taskRef, now time.Time) bool {
	if pre == nil {
		return false
	}
	st := pre.status(now)
	switch s.Op {
	case OpBid:
		return st != "open" || pre.BidBy[s.Agent]
	case OpDeliver:
		return st != "claimed" || pre.Assignee != s.Agent
	case OpResubmit:
		return st != "pdqg_failed" || pre.Assignee != s.Agent || pre.Deliveries >= 2
	case OpProgress:
		return pre.Assignee != s.Agent || (st != "claimed" && st != "pdqg_failed")
	}
	return false
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// successClause is the decision behind an operation's exact success status.
func successClause(op string) string {
	switch op {
	case OpBid:
		return "JTB-BID-002"
	case OpProgress:
		return "JTB-PRG-005"
	}
	return "JTB-ENV-009"
}

// answer is a decoded envelope.
type answer struct {
	json  bool
	ok    any // true, false, or absent/other
	data  any
	err   map[string]any
	whole map[string]any
}

// answer decodes the exchange's body once.
func (x *Exchange) answer() answer {
	if x.decoded == nil {
		a := decode(x.Body)
		x.decoded = &a
	}
	return *x.decoded
}

func decode(body []byte) answer {
	var a answer
	if err := json.Unmarshal(body, &a.whole); err != nil {
		return a
	}
	a.json = true
	a.ok = a.whole["ok"]
	a.data = a.whole["data"]
	a.err, _ = a.whole["error"].(map[string]any)
	return a
}

func isJSONType(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// findings collects the differences of one step.
type findings []finding

func (f *findings) add(clause string, state bool, format string, args ...any) {
	*f = append(*f, finding{Clause: clause, State: state, What: fmt.Sprintf(format, args...)})
}

// judge compares the target's answer with the model's on what the page
// fixes (and, as SHOULD, on our decisions); never on ids, timestamps,
// messages, key order or extra fields.
func (e *execution) judge(s Step, pre *taskRef, t, m *Exchange) []finding {
	var f findings
	gov := e.governing(s, pre, t, m)
	e.reached(s, pre, gov, m)
	defer func() {
		for _, x := range f {
			e.reach(x.Clause)
		}
	}()
	tc, mc := t.Status/100, m.Status/100
	if tc != mc {
		f.add(gov, s.writes(), "the target answered %d where the model answers %d", t.Status, m.Status)
		return f
	}
	if t.Status != m.Status {
		if mc == 2 {
			f.add(successClause(s.Op), false, "the target answered %d where the model answers %d", t.Status, m.Status)
		} else {
			f.add(gov, false, "the target answered %d where the model answers %d", t.Status, m.Status)
		}
	}
	ta, ma := t.answer(), m.answer()
	if !isJSONType(t.Header) {
		f.add("JTB-ENV-003", false, "the answer's Content-Type is %q, not application/json", t.Header.Get("Content-Type"))
	}
	if mc != 2 {
		e.judgeError(&f, t, m, ta, ma)
		return f
	}
	if !ta.json || ta.ok != true || ta.data == nil {
		f.add("JTB-ENV-002", false, "a success answer is not {\"ok\": true, \"data\": ...}")
		if !ta.json || ta.data == nil {
			return f
		}
	}
	mr, tr := replayed(m), replayed(t)
	switch {
	case mr && !tr:
		f.add("JTB-IDEM-002", false, "a replayed answer lacks Idempotent-Replayed: true")
	case !mr && tr && e.othersAnswer(s, t):
		f.add("JTB-IDEM-004", true, "another agent's key replayed the first agent's answer (Idempotent-Replayed: true)")
	case !mr && tr:
		f.add("JTB-IDEM-002", false, "a fresh answer carries Idempotent-Replayed: true")
	}
	if s.Key != "" && !s.KeyRaw {
		mine, has := e.st.stored[scope(s.Key, s.Agent)]
		switch {
		case mr && has && mine.ModelOK && !sameAnswer(t.Status, t.Body, mine):
			f.add(gov, true, "the same key and body answered otherwise than the first time (not the stored answer)")
			return f
		case mr:
			return f // the stored answer: judged when it was first given
		case e.othersAnswer(s, t):
			f.add("JTB-IDEM-004", true, "another agent's request with the same key got the first agent's answer")
			return f
		}
	}
	td, _ := ta.data.(map[string]any)
	md, _ := ma.data.(map[string]any)
	switch s.Op {
	case OpBid:
		e.judgeBid(&f, s, gov, td, md)
	case OpDeliver, OpResubmit:
		e.judgeDelivery(&f, s, gov, td, md)
	case OpProgress:
		e.judgeTrace(&f, gov, "JTB-PRG-001", s.Body, td, md)
	case OpTraces:
		e.judgeTraces(&f, s, td, md)
	case OpList:
		e.judgeList(&f, s, t, td, md)
	}
	return f
}

func (e *execution) judgeError(f *findings, t, m *Exchange, ta, ma answer) {
	switch {
	case !ta.json:
		f.add("JTB-ENV-001", false, "the error answer is not a JSON body")
		return
	case ta.ok != false:
		f.add("JTB-ENV-001", false, "the error answer lacks \"ok\": false")
	}
	code, okCode := ta.err["code"].(string)
	_, okMsg := ta.err["message"].(string)
	if ta.err == nil || !okCode || !okMsg {
		f.add("JTB-ENV-001", false, "the error answer lacks an error object with code and message strings")
		return
	}
	if want, _ := ma.err["code"].(string); code != want && t.Status == m.Status { // another status is judged as such
		f.add("JTB-ENV-004", false, "error code %q where the model answers %q", code, want)
	}
	if t.Status == http.StatusUnauthorized && !strings.HasPrefix(strings.ToLower(t.Header.Get("WWW-Authenticate")), "bearer") {
		f.add("JTB-AUTH-003", false, "a 401 without WWW-Authenticate: Bearer")
	}
	if t.Status == http.StatusMethodNotAllowed && t.Header.Get("Allow") == "" {
		f.add("JTB-ENV-007", false, "a 405 without Allow")
	}
}

// newID maps the id of a new object (or a replayed one) between the sides.
func (e *execution) newID(f *findings, clause, what string, tv, mv any) {
	m, ok := mv.(string)
	if !ok {
		return
	}
	t, ok := tv.(string)
	if !ok || t == "" {
		f.add(clause, false, "the %s has no id", what)
		return
	}
	if why := e.st.mapID(t, m); why != "" {
		f.add(clause, true, "%s: %s", what, why)
	}
}

// sameRef says whether the target's id names the object the model's does.
func (e *execution) sameRef(tv, mv any) bool {
	t, _ := tv.(string)
	m, _ := mv.(string)
	if had, ok := e.st.t2m[t]; ok {
		return had == m
	}
	if had, ok := e.st.m2t[m]; ok {
		return had == t
	}
	e.st.mapID(t, m) // an agent the target's keys alone named
	return t != ""
}

func (e *execution) judgeBid(f *findings, s Step, gov string, td, md map[string]any) {
	e.newID(f, gov, "bid", td["id"], md["id"])
	if id, _ := td["id"].(string); id != "" && e.st.bids[s.ID] == nil {
		mid, _ := md["id"].(string)
		e.st.bids[s.ID] = &bidRef{Task: s.Task, Agent: s.Agent, ID: [2]string{id, mid}}
	}
	if !e.sameRef(td["taskId"], md["taskId"]) {
		f.add("JTB-BID-002", false, "the bid's taskId is not the task it was placed on")
	}
	if !e.sameRef(td["agentId"], md["agentId"]) {
		f.add("JTB-BID-002", true, "the bid's agentId is not the agent that placed it")
	}
	e.reach("JTB-BID-002")
	for _, k := range []string{"proposedPrice", "coverLetter", "status"} {
		if !reflect.DeepEqual(td[k], md[k]) {
			f.add("JTB-BID-002", false, "the bid's %s is %v where the model answers %v", k, short(td[k]), short(md[k]))
		}
	}
}

// clashClause is the clause two bands taken for one break: the reject
// threshold when one of them is the reject band, else the warning band's.
func clashClause(a, b string) string {
	switch {
	case a == "reject" || b == "reject":
		return "JTB-DLV-002"
	case a == "warn" || b == "warn":
		return "JTB-DLV-003"
	}
	return "JTB-DLV-004"
}

// bandClause is the clause of a score band, told by the model's verdict.
func bandClause(mv string) string {
	switch mv {
	case "reject":
		return "JTB-DLV-002"
	case "warn":
		return "JTB-DLV-003"
	}
	return "JTB-DLV-004"
}

func (e *execution) judgeDelivery(f *findings, s Step, gov string, td, md map[string]any) {
	e.newID(f, gov, "delivery", td["id"], md["id"])
	if !e.sameRef(td["taskId"], md["taskId"]) {
		f.add("JTB-ENV-009", false, "the delivery's taskId is not its task")
	}
	if !reflect.DeepEqual(td["attempt"], md["attempt"]) {
		f.add("JTB-ENV-009", false, "attempt %v where the model answers %v", td["attempt"], md["attempt"])
	}
	tp, _ := td["pdqg"].(map[string]any)
	mp, _ := md["pdqg"].(map[string]any)
	ms, _ := mp["score"].(float64)
	mv, _ := mp["verdict"].(string)
	e.reach("JTB-DLV-005", "JTB-DLV-009", "JTB-DLV-010", "JTB-RSB-006", bandClause(mv))
	if md["status"] == "pdqg_final_fail" {
		e.reach("JTB-RSB-004")
	}
	ts, okScore := tp["score"].(float64)
	switch {
	case !okScore || ts < 0 || ts > 1:
		f.add("JTB-DLV-005", false, "the PDQG score %v is not on the 0-1 scale", short(tp["score"]))
	case math.Abs(ts-ms) > 1e-9:
		f.add(controlClause["pin"], true, "control: the target scored %v, not the pinned %v", ts, ms)
		return
	}
	tv, okVerdict := tp["verdict"].(string)
	switch {
	case !okVerdict || tv == "":
		f.add(bandClause(mv), false, "the delivery names no verdict, so the band of score %v cannot be told", ms)
	default:
		if tv != mv {
			f.add("JTB-DLV-009", false, "score %v has the verdict %q where the model names it %q", ms, tv, mv)
		}
		if clash, ok := e.st.verdicts.learn(tv, mv); !ok {
			f.add(clashClause(mv, clash), true, "score %v (the model's band %q) got the verdict %q, which this program's target also gave to the band %q: two bands the page keeps apart look alike",
				ms, mv, tv, clash)
		}
	}
	tst, _ := td["status"].(string)
	mst, _ := md["status"].(string)
	switch {
	case mst == "pdqg_final_fail" && tst != mst:
		f.add("JTB-RSB-004", true, "a rejected resubmit left the task %q, not pdqg_final_fail", tst)
	case tst != mst:
		f.add("JTB-DLV-010", false, "the task's status after the delivery is %q where the model answers %q", tst, mst)
		if clash, ok := e.st.statuses.learn(tst, mst); !ok {
			f.add("JTB-DLV-002", true, "the status %q stands for %q and %q in this program: a rejected delivery and one that passed look alike", tst, clash, mst)
		}
	default:
		e.st.statuses.learn(tst, mst)
	}
	_, tHas := td["resubmitDeadline"]
	_, mHas := md["resubmitDeadline"]
	switch {
	case tHas != mHas && mHas:
		f.add("JTB-RSB-006", false, "a rejected delivery's answer lacks resubmitDeadline")
	case tHas != mHas:
		f.add("JTB-RSB-006", false, "resubmitDeadline is present where the model answers none")
	case tHas:
		dl, err1 := time.Parse(time.RFC3339Nano, fmt.Sprint(td["resubmitDeadline"]))
		at, err2 := time.Parse(time.RFC3339Nano, fmt.Sprint(td["submittedAt"]))
		if err1 != nil || err2 != nil || dl.Sub(at) != 6*time.Hour {
			f.add("JTB-RSB-006", false, "resubmitDeadline %v is not 6 hours after submittedAt %v", td["resubmitDeadline"], td["submittedAt"])
		}
	}
	if task := e.st.tasks[s.Task]; task != nil {
		task.TDeadline = time.Time{}
		if at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(td["submittedAt"])); err == nil && mst == "pdqg_failed" {
			task.TDeadline = at.Add(6 * time.Hour)
			if dl, err := time.Parse(time.RFC3339Nano, fmt.Sprint(td["resubmitDeadline"])); err == nil {
				task.TDeadline = dl
			}
		}
	}
}

// judgeTrace compares one trace (a progress answer, or an item of traces).
func (e *execution) judgeTrace(f *findings, idClause, clause string, sent []byte, td, md map[string]any) {
	e.reach(clause, "JTB-PRG-002")
	if !bytes.Contains(sent, []byte(`"metadata"`)) {
		e.reach("JTB-TRC-004")
	}
	if idClause != "" {
		e.newID(f, idClause, "trace", td["id"], md["id"])
	}
	for _, k := range []string{"event", "message"} {
		if !reflect.DeepEqual(td[k], md[k]) {
			f.add(clause, false, "the trace's %s is %v where %v was sent", k, short(td[k]), short(md[k]))
		}
	}
	tm, tHas := td["metadata"]
	if !reflect.DeepEqual(tm, md["metadata"]) {
		var in map[string]any
		json.Unmarshal(sent, &in)
		if _, sentMeta := in["metadata"]; !sentMeta && (!tHas || tm == nil) {
			f.add("JTB-TRC-004", false, "a trace sent without metadata reads metadata %v, not {}", short(tm))
		} else {
			f.add(clause, false, "the trace's metadata is %v where %v was sent", short(tm), short(md["metadata"]))
		}
	}
	if td["visibility"] != md["visibility"] {
		f.add("JTB-PRG-002", false, "progress posted by the agent has visibility %v, not %v", short(td["visibility"]), md["visibility"])
	}
}

func (e *execution) judgeTraces(f *findings, s Step, td, md map[string]any) {
	ti, ok := td["items"].([]any)
	mi, _ := md["items"].([]any)
	if !ok {
		f.add("JTB-TRC-001", false, "the traces answer has no items array")
		return
	}
	byModel := map[string]map[string]any{}
	var mseq, tseq []string
	for _, it := range mi {
		m, _ := it.(map[string]any)
		id, _ := m["id"].(string)
		byModel[id] = m
		mseq = append(mseq, id)
	}
	for _, it := range ti {
		t, _ := it.(map[string]any)
		id, _ := t["id"].(string)
		mid, known := e.st.t2m[id]
		if !known || byModel[mid] == nil {
			f.add("JTB-TRC-001", false, "the traces hold a trace (%s) this task was never sent", short(id))
			continue
		}
		tseq = append(tseq, mid)
		var sent []byte
		for _, r := range e.records {
			if len(r.Model) == 1 && r.Step.Op == OpProgress && idOf(r.Model[0]) == mid {
				sent = r.Step.Body
			}
		}
		e.judgeTrace(f, "", "JTB-TRC-001", sent, t, byModel[mid])
	}
	e.reach("JTB-TRC-002")
	switch {
	case !sameSet(tseq, mseq):
		f.add("JTB-TRC-001", false, "the traces hold %d of the %d progress events sent (or repeat some)", len(tseq), len(mseq))
	case !reflect.DeepEqual(tseq, mseq):
		f.add("JTB-TRC-002", false, "the traces are not listed oldest first")
	}
}

// idOf is data.id of an answer, from its decoding (judged already).
func idOf(x *Exchange) string {
	d, _ := x.answer().data.(map[string]any)
	id, _ := d["id"].(string)
	return id
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	n := map[string]int{}
	for _, x := range a {
		n[x]++
	}
	for _, x := range b {
		n[x]--
	}
	for _, v := range n {
		if v != 0 {
			return false
		}
	}
	return true
}

// sameAnswer says whether an answer is the stored one again: the same
// status and, for a success, data naming the same object (data.id), or the
// same data where it names none; for an error, the same code. Extra fields
// a server adds per answer (a request id) do not count.
func sameAnswer(status int, body []byte, stored storedRef) bool {
	if status != stored.TStatus {
		return false
	}
	a, b := decode(body), decode(stored.TBody)
	if status/100 != 2 {
		return a.err["code"] == b.err["code"]
	}
	ad, _ := a.data.(map[string]any)
	bd, _ := b.data.(map[string]any)
	if id, ok := bd["id"]; ok {
		return ad["id"] == id
	}
	return reflect.DeepEqual(a.data, b.data)
}

// jsonEqual compares two bodies as JSON values (key order and white space
// aside).
func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(x, y)
}

// short renders a value for a message, cut.
func short(v any) string {
	var s string
	switch x := v.(type) {
	case string:
		s = fmt.Sprintf("%q", x)
	case nil:
		s = "absent"
	default:
		b, _ := json.Marshal(x)
		s = string(b)
	}
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}
