package suites

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/google/uuid"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The world the specs build through the Agent and control APIs. A helper
// here is a spec's setup: when the target does not give it what the spec
// needs (the control API creates no task, a bid of the setup is refused),
// the spec ends as an error (setupFailed), not as a failure of its clause;
// the clause that covers the step fails in its own specs. From a control
// answer a helper takes only what the spec needs (tolerant decoding: other
// fields, missing or of another shape, are the CTL clauses' business).

// category is a category of the spec's own, so its listing holds only the
// tasks the spec created.
func category() string { return "jtb-check-" + uuid.NewString()[:13] }

func post(c *Client, path string, body any, header ...string) *Exchange {
	GinkgoHelper()
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return c.Do(Request{Method: http.MethodPost, Path: path, Body: JSON(body), Header: h})
}

func get(c *Client, path string) *Exchange {
	GinkgoHelper()
	return c.Do(Request{Method: http.MethodGet, Path: path})
}

func taskPath(id, op string) string { return "/v1/tasks/" + id + "/" + op }

// dataField decodes one field of an answer's data, tolerantly: the other
// fields may be anything. ok is false when the field is absent, null or of
// another type.
func dataField[T any](body []byte, name string) (T, bool) {
	var v T
	var env struct {
		Data map[string]json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &env) != nil {
		return v, false
	}
	raw, ok := env.Data[name]
	if !ok || string(raw) == "null" || json.Unmarshal(raw, &v) != nil {
		return v, false
	}
	return v, true
}

// succeeded ends the spec as an error unless the setup call was answered
// 2xx.
func succeeded(x *Exchange, what string) {
	GinkgoHelper()
	if x.Status/100 != 2 {
		setupFailed(what, x, fmt.Sprintf("answered %d%s", x.Status, errorCode(x.Body)))
	}
}

// idOf takes data.id from a setup call's answer.
func idOf(x *Exchange, what string) string {
	GinkgoHelper()
	succeeded(x, what)
	id, ok := dataField[string](x.Body, "id")
	if !ok || id == "" {
		setupFailed(what, x, "the answer has no data.id")
	}
	return id
}

// newTask creates an open task through the control API; it is removed
// when the spec ends (footprint.go).
func (s *specs) newTask(cat string) string {
	GinkgoHelper()
	x := post(s.env.Control, "/_control/tasks", map[string]string{
		"title": "Summarize a report", "description": "A task created by jtb check.",
		"category": cat, "band": "standard", "price": "15.00",
	})
	id := idOf(x, "the control API could not create a task")
	s.track("task", id)
	return id
}

// newAgent asks the control API for an agent and returns the answer for
// the spec to judge; an agent it created is removed when the spec ends.
func (s *specs) newAgent(name string) *Exchange {
	GinkgoHelper()
	x := post(s.env.Control, "/_control/agents", map[string]string{"name": name})
	if x.Status/100 == 2 {
		id, _ := dataField[string](x.Body, "id")
		s.track("agent", id)
	}
	return x
}

// newTasks creates n open tasks in one category and returns their ids.
func (s *specs) newTasks(cat string, n int) []string {
	GinkgoHelper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = s.newTask(cat)
	}
	return ids
}

func bidBody() map[string]any {
	return map[string]any{"proposedPrice": 12.5, "coverLetter": "I can do this well and on time."}
}

// placedBid is what a setup takes from a placed bid.
type placedBid struct{ ID, AgentID string }

// placeBid bids as c for a spec's setup; any 2xx counts here, the status
// itself is the business of JTB-BID-002, the bid's shape of JTB-BID-001.
func (s *specs) placeBid(c *Client, taskID string) placedBid {
	GinkgoHelper()
	x := post(c, taskPath(taskID, "bids"), bidBody())
	id := idOf(x, "placing a bid (a step of the spec's setup) failed")
	agent, _ := dataField[string](x.Body, "agentId")
	return placedBid{ID: id, AgentID: agent}
}

// accept is the poster accepting a bid. The suite takes nothing from the
// answer but its success: what the task became, specs read with
// controlTask.
func (s *specs) accept(taskID, bidID string) {
	GinkgoHelper()
	x := post(s.env.Control, "/_control/tasks/"+taskID+"/bids/"+bidID+"/accept", map[string]any{})
	succeeded(x, "the control API could not accept a bid")
}

// claimedBy creates a task claimed by c.
func (s *specs) claimedBy(c *Client) string {
	GinkgoHelper()
	id := s.newTask(category())
	s.accept(id, s.placeBid(c, id).ID)
	return id
}

// pin fixes the next PDQG scores of the task. The suite pins only when no
// pinned score is pending, so a target that replaces pending scores and one
// that appends to them serve it alike.
func (s *specs) pin(taskID string, scores ...float64) {
	GinkgoHelper()
	x := post(s.env.Control, "/_control/tasks/"+taskID+"/pdqg", map[string]any{"scores": scores})
	succeeded(x, "the control API could not pin PDQG scores")
}

// controlView is what specs read of the poster's view of a task
// (control-api.yaml, GET /_control/tasks/{taskId}): status, bids and
// deliveries are required; the assignee and the deadline are optional
// (nil when the control API does not show them).
type controlView struct {
	Status           string
	Bids             []controlBid
	Deliveries       int
	AssignedAgentID  *string
	ResubmitDeadline *string
}

type controlBid struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	AgentID string `json:"agentId"`
}

// controlTask reads the poster's view of a task.
func (s *specs) controlTask(taskID string) controlView {
	GinkgoHelper()
	const what = "the control API could not show a task's state"
	x := get(s.env.Control, "/_control/tasks/"+taskID)
	succeeded(x, what)
	var v controlView
	var ok bool
	if v.Status, ok = dataField[string](x.Body, "status"); !ok {
		setupFailed(what, x, "the answer has no data.status")
	}
	v.Bids, ok = dataField[[]controlBid](x.Body, "bids")
	for _, b := range v.Bids {
		ok = ok && b.ID != "" && b.Status != ""
	}
	if !ok {
		setupFailed(what, x, "the answer has no data.bids with each bid's id and status")
	}
	deliveries, ok := dataField[[]json.RawMessage](x.Body, "deliveries")
	if !ok {
		setupFailed(what, x, "the answer has no data.deliveries")
	}
	v.Deliveries = len(deliveries)
	if id, ok := dataField[string](x.Body, "assignedAgentId"); ok {
		v.AssignedAgentID = &id
	}
	if d, ok := dataField[string](x.Body, "resubmitDeadline"); ok {
		v.ResubmitDeadline = &d
	}
	return v
}

// bid returns the bid with this id in the view, or fails the spec.
func (v controlView) bid(id string) controlBid {
	GinkgoHelper()
	for _, b := range v.Bids {
		if b.ID == id {
			return b
		}
	}
	Fail(fmt.Sprintf("the poster's view of the task lists no bid %s (bids: %v)", id, v.Bids))
	return controlBid{}
}

// content is a delivery worth reading; the specs that care pin the score.
const content = "## Quarterly Earnings Summary\n\nRevenue grew 15% year over year to $4.2B, driven by cloud services.\n\n" +
	"- Operating margin rose to 21%.\n- Free cash flow: $900M.\n- Guidance raised for Q3.\n\n" +
	"Key risks: currency headwinds and slower hardware sales. Recommendation: hold."

func deliver(c *Client, taskID, op, text string) *Exchange {
	GinkgoHelper()
	return post(c, taskPath(taskID, op), map[string]string{"content": text})
}

// delivered runs deliver (or resubmit) as c, the step a spec checks: it
// insists on a 200 and a delivery's shape.
func delivered(c *Client, taskID, op string) Delivery {
	GinkgoHelper()
	x := deliver(c, taskID, op, content)
	Expect(x).To(HaveStatus(http.StatusOK))
	return Data[Delivery](x)
}

// deliveredForSetup runs deliver (or resubmit) as a step of a spec's setup:
// any 2xx that decodes as a delivery.
func deliveredForSetup(c *Client, taskID, op string) Delivery {
	GinkgoHelper()
	x := deliver(c, taskID, op, content)
	what := fmt.Sprintf("the %s of the spec's setup failed", op)
	succeeded(x, what)
	var env struct {
		Data *Delivery `json:"data"`
	}
	if err := json.Unmarshal(x.Body, &env); err != nil || env.Data == nil {
		setupFailed(what, x, "the answer's data is not a delivery")
	}
	return *env.Data
}

// taskIn builds a task claimed by agent A in the given state, with pinned
// scores for the deliveries it needs. The names delivered and pdqg_failed
// are ours: a delivery that answers another name is a finding of
// JTB-DLV-010, not a failure of the spec that needs the task.
func (s *specs) taskIn(state string) string {
	GinkgoHelper()
	a := s.env.A
	if state == "open" {
		return s.newTask(category())
	}
	id := s.claimedBy(a)
	switch state {
	case "claimed":
	case "delivered":
		s.pin(id, 0.9)
		s.namesAgree(id, deliveredForSetup(a, id, "deliver"))
	case "pdqg_failed":
		s.pin(id, 0.2)
		s.namesAgree(id, deliveredForSetup(a, id, "deliver"))
	case "pdqg_final_fail":
		s.pin(id, 0.2, 0.2)
		s.namesAgree(id, deliveredForSetup(a, id, "deliver"))
		if d := deliveredForSetup(a, id, "resubmit"); d.Status != "pdqg_final_fail" { // the seed's name
			setupFailed("the rejected resubmit of the spec's setup left the task "+d.Status+", not pdqg_final_fail", nil, "")
		}
	default:
		Fail("taskIn: unknown state " + state)
	}
	return id
}

// serverNow reads the server's clock.
func (s *specs) serverNow() time.Time {
	GinkgoHelper()
	const what = "the control API could not tell the server's time"
	x := get(s.env.Control, "/_control/clock")
	succeeded(x, what)
	now, ok := dataField[string](x.Body, "now")
	t, err := time.Parse(time.RFC3339Nano, now)
	if !ok || err != nil {
		setupFailed(what, x, "the answer has no data.now in RFC 3339")
	}
	return t
}

// advance moves the server's clock forward.
func (s *specs) advance(d time.Duration) {
	GinkgoHelper()
	x := post(s.env.Control, "/_control/clock/advance", map[string]any{"seconds": int64(d / time.Second)})
	succeeded(x, "the control API could not move the clock")
	s.env.foot.advanced(d, false)
}

// moveTime moves time forward by d for one task: the task's own time where
// the control API offers it (capabilities.taskTime), else the server's
// clock, which every other user of a shared target reads too (the run's
// footprint then says by how much).
func (s *specs) moveTime(taskID string, d time.Duration) {
	GinkgoHelper()
	if !s.env.Caps.TaskTime {
		s.advance(d)
		return
	}
	before, seen := s.submittedAt(taskID)
	x := post(s.env.Control, "/_control/tasks/"+taskID+"/time/advance", map[string]any{"seconds": int64(d / time.Second)})
	const what = "the control API could not move the task's time"
	succeeded(x, what)
	s.env.foot.advanced(d, true)
	// A harness that says it moved the task's time and did not would fail
	// the window's MUST specs for nothing the Agent API did: where the
	// poster's view shows the delivery's submittedAt, it must have moved.
	if after, ok := s.submittedAt(taskID); seen && ok {
		if want := before.Add(-d.Truncate(time.Second)); after.Sub(want).Abs() > time.Millisecond {
			setupFailed(what, x, fmt.Sprintf("the task's delivery was submitted at %s before and at %s after, not %s earlier",
				before.Format(time.RFC3339Nano), after.Format(time.RFC3339Nano), d.Truncate(time.Second)))
		}
	}
}

// submittedAt is the task's first delivery's submittedAt in the poster's
// view, when it shows one (the field is optional).
func (s *specs) submittedAt(taskID string) (time.Time, bool) {
	GinkgoHelper()
	x := get(s.env.Control, "/_control/tasks/"+taskID)
	deliveries, _ := dataField[[]struct {
		SubmittedAt string `json:"submittedAt"`
	}](x.Body, "deliveries")
	if x.Status/100 != 2 || len(deliveries) == 0 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, deliveries[0].SubmittedAt)
	return t, err == nil
}

func mustTime(s string) time.Time {
	GinkgoHelper()
	t, err := time.Parse(time.RFC3339Nano, s)
	Expect(err).NotTo(HaveOccurred(), "not an RFC 3339 time: %q", s)
	return t
}

// listAll follows next_cursor from the first page of the filter and returns
// every item, failing on a page that breaks its own promises.
func listAll(c *Client, query string, limit int) []Task {
	GinkgoHelper()
	var all []Task
	path := fmt.Sprintf("/v1/tasks/available?limit=%d", limit)
	if query != "" {
		path += "&" + query
	}
	next := path
	for pages := 0; ; pages++ {
		Expect(pages).To(BeNumerically("<", 1000), "the traversal does not end")
		x := get(c, next)
		Expect(x).To(BeAPage())
		p := Data[Page](x)
		all = append(all, p.Items...)
		if !*p.Pagination.HasMore {
			return all
		}
		next = path + "&cursor=" + url.QueryEscape(*p.Pagination.NextCursor)
	}
}

func ids(tasks []Task) []string {
	out := make([]string, len(tasks))
	for i, t := range tasks {
		out[i] = t.ID
	}
	return out
}
