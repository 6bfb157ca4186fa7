// Package suites holds the conformance specs of the JobToBot Agent API. They
// talk to a target over HTTP only, so they check any implementation.
//
// A caller connects to a target (Connect), registers the specs (Register)
// and runs them with ginkgo's RunSpecs: `jtb check` and `go test ./suites/`
// both do so. Every spec names its clause of catalogue.yaml: its text opens
// with "[JTB-AREA-NNN]" and its labels carry the clause's area and level and
// what the spec needs (control, clock, pdqg-pin, second-agent, writes).
package suites

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/google/uuid"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// What a spec needs from the target; each is also a label.
const (
	NeedControl     = "control"      // the control API (creates tasks, accepts bids)
	NeedClock       = "clock"        // the control API moves the server's clock
	NeedPin         = "pdqg-pin"     // the control API pins PDQG scores
	NeedSecondAgent = "second-agent" // a second agent key
	NeedWrites      = "writes"       // the spec changes the target's state
)

// specs registers the specs against one connected target.
type specs struct {
	env  *Env
	errs []error // spec bugs found while Ginkgo builds the tree
}

// Registered is what Register declared.
type Registered struct{ s *specs }

// Err reports the spec bugs found while Ginkgo built the spec tree, such as
// a spec that names a clause the catalogue does not hold. Ginkgo builds the
// tree in PreviewSpecs or RunSpecs, so call Err after PreviewSpecs and
// before running anything.
func (r *Registered) Err() error { return errors.Join(r.s.errs...) }

// Register declares every spec. Call it once, before RunSpecs.
func Register(env *Env) *Registered {
	s := &specs{env: env}
	Describe("Agent API conformance", func() {
		s.authSpecs()
		s.envelopeSpecs()
		s.discoverySpecs()
		s.biddingSpecs()
		s.idempotencySpecs()
		s.deliverySpecs()
		s.resubmitSpecs()
		s.progressSpecs()
		s.inferredSpecs()
	})
	return &Registered{s: s}
}

// clauseLabels are the area and level labels of a clause. An unknown ID is a
// spec bug: it is recorded for Registered.Err (a panic here would end the
// process inside Ginkgo's tree building, with no clear message).
func (s *specs) clauseLabels(id string) Labels {
	cl, ok := s.env.Catalogue.Clause(id)
	if !ok {
		s.errs = append(s.errs, fmt.Errorf("a spec names clause %s, which the catalogue does not hold", id))
		return Label()
	}
	return Label(cl.AreaLabel(), cl.LevelLabel())
}

// it declares a spec of one clause.
func (s *specs) it(id, text string, body func(), decorators ...any) {
	args := append([]any{s.clauseLabels(id)}, decorators...)
	args = append(args, body)
	It(fmt.Sprintf("[%s] %s", id, text), args...)
}

// entry declares one table row of one clause.
func (s *specs) entry(id, text string, params ...any) TableEntry {
	args := append([]any{s.clauseLabels(id)}, params...)
	return Entry(fmt.Sprintf("[%s] %s", id, text), args...)
}

// with groups specs that need the same things from the target: they carry
// the labels, and are skipped, with the reason, when the target lacks one.
func (s *specs) with(text string, needs []string, body func(), decorators ...any) {
	args := append([]any{Label(needs...)}, decorators...)
	args = append(args, func() {
		BeforeEach(func() { s.require(needs...) })
		body()
	})
	Describe(text, args...)
}

func needs(n ...string) []string { return n }

// require skips the running spec when the target lacks something it needs.
func (s *specs) require(needs ...string) {
	e := s.env
	for _, n := range needs {
		switch {
		case n == NeedWrites && e.Target.ReadOnly:
			Skip("--read-only: this spec writes to the target")
		case (n == NeedControl || n == NeedClock || n == NeedPin) && e.Control == nil:
			Skip(e.NoControl + "; set --control-url (and --control-token)")
		case n == NeedClock && !e.Caps.Clock:
			Skip("the control API cannot move the clock (capabilities.clock is false)")
		case n == NeedPin && !e.Caps.PDQGPin:
			Skip("the control API cannot pin PDQG scores (capabilities.pdqgPin is false)")
		case n == NeedSecondAgent && e.B == nil:
			Skip("needs a second agent: set --api-key-b (or a control API that creates agents)")
		}
	}
}

// --- The world the specs build through the Agent and control APIs. ---

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

// newTask creates an open task through the control API.
func (s *specs) newTask(cat string) string {
	GinkgoHelper()
	x := post(s.env.Control, "/_control/tasks", map[string]string{
		"title": "Summarize a report", "description": "A task created by jtb check.",
		"category": cat, "band": "standard", "price": "15.00",
	})
	Expect(x).To(HaveStatus(http.StatusCreated))
	return Data[ControlTask](x).ID
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

// placeBid bids as c and returns the bid; any 2xx counts here, the status
// itself is the business of JTB-BID-002.
func (s *specs) placeBid(c *Client, taskID string) Bid {
	GinkgoHelper()
	x := post(c, taskPath(taskID, "bids"), bidBody())
	Expect(x.Status/100).To(Equal(2), "placing a bid failed\n%s", x)
	return Data[Bid](x)
}

// accept is the poster accepting a bid.
func (s *specs) accept(taskID, bidID string) ControlTask {
	GinkgoHelper()
	x := post(s.env.Control, "/_control/tasks/"+taskID+"/bids/"+bidID+"/accept", map[string]any{})
	Expect(x).To(HaveStatus(http.StatusOK))
	return Data[ControlTask](x)
}

// claimedBy creates a task claimed by c.
func (s *specs) claimedBy(c *Client) string {
	GinkgoHelper()
	id := s.newTask(category())
	s.accept(id, s.placeBid(c, id).ID)
	return id
}

// pin fixes the next PDQG scores of the task.
func (s *specs) pin(taskID string, scores ...float64) {
	GinkgoHelper()
	x := post(s.env.Control, "/_control/tasks/"+taskID+"/pdqg", map[string]any{"scores": scores})
	Expect(x).To(HaveStatus(http.StatusOK))
}

func (s *specs) controlTask(taskID string) ControlTask {
	GinkgoHelper()
	x := get(s.env.Control, "/_control/tasks/"+taskID)
	Expect(x).To(HaveStatus(http.StatusOK))
	return Data[ControlTask](x)
}

// content is a delivery worth reading; the specs that care pin the score.
const content = "## Quarterly Earnings Summary\n\nRevenue grew 15% year over year to $4.2B, driven by cloud services.\n\n" +
	"- Operating margin rose to 21%.\n- Free cash flow: $900M.\n- Guidance raised for Q3.\n\n" +
	"Key risks: currency headwinds and slower hardware sales. Recommendation: hold."

func deliver(c *Client, taskID, op, text string) *Exchange {
	GinkgoHelper()
	return post(c, taskPath(taskID, op), map[string]string{"content": text})
}

// delivered runs deliver (or resubmit) as c with a pinned-or-not score and
// insists on a 200.
func delivered(c *Client, taskID, op string) Delivery {
	GinkgoHelper()
	x := deliver(c, taskID, op, content)
	Expect(x).To(HaveStatus(http.StatusOK))
	return Data[Delivery](x)
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
		s.namesAgree(id, delivered(a, id, "deliver"))
	case "pdqg_failed":
		s.pin(id, 0.2)
		s.namesAgree(id, delivered(a, id, "deliver"))
	case "pdqg_final_fail":
		s.pin(id, 0.2, 0.2)
		s.namesAgree(id, delivered(a, id, "deliver"))
		Expect(delivered(a, id, "resubmit").Status).To(Equal("pdqg_final_fail")) // the seed's name
	default:
		Fail("taskIn: unknown state " + state)
	}
	return id
}

// serverNow reads the server's clock.
func (s *specs) serverNow() time.Time {
	GinkgoHelper()
	c := Data[struct {
		Now string `json:"now"`
	}](get(s.env.Control, "/_control/clock"))
	return mustTime(c.Now)
}

// advance moves the server's clock forward.
func (s *specs) advance(d time.Duration) {
	GinkgoHelper()
	x := post(s.env.Control, "/_control/clock/advance", map[string]any{"seconds": int64(d / time.Second)})
	Expect(x).To(HaveStatus(http.StatusOK))
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
