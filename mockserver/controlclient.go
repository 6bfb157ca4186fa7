package mockserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ControlClient is a typed client of the control API (control-api.yaml). It
// works against any base URL that serves it: the mock's /_control, or a
// staging deployment's --control-url.
type ControlClient struct {
	base  string
	token string
	http  *http.Client
}

// NewControlClient returns a client of the control API at base (for the mock:
// its URL + "/_control"). token "" sends no Authorization; hc nil uses
// http.DefaultClient.
func NewControlClient(base, token string, hc *http.Client) *ControlClient {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &ControlClient{base: strings.TrimRight(base, "/"), token: token, http: hc}
}

// ControlError is an error answer of the control API.
type ControlError struct {
	Status  int
	Code    string
	Message string
}

func (e *ControlError) Error() string {
	return fmt.Sprintf("control API: %d %s: %s", e.Status, e.Code, e.Message)
}

// Capabilities says what a control API offers.
type Capabilities struct {
	Clock   bool `json:"clock"`
	PDQGPin bool `json:"pdqgPin"`
	Reset   bool `json:"reset"`
	Agents  bool `json:"agents"`
	Poster  bool `json:"poster,omitempty"` // optional: the simulated poster (GET/POST /poster)
	Events  bool `json:"events,omitempty"` // optional: the event stream, the task list and the traces
	// Optional, for a shared target: one task's time, and removing what a run created.
	TaskTime bool `json:"taskTime,omitempty"` // POST /tasks/{taskId}/time/advance
	Cleanup  bool `json:"cleanup,omitempty"`  // DELETE /tasks/{taskId} and /agents/{agentId}
}

// Poster is the simulated poster's settings (GET/POST /_control/poster).
type Poster struct {
	AutoAccept         bool  `json:"autoAccept"`
	AcceptAfterSeconds int64 `json:"acceptAfterSeconds"`
}

// ResetResult counts the state after a reset.
type ResetResult struct {
	Tasks  int `json:"tasks"`
	Agents int `json:"agents"`
}

// Agent is a created agent with its key.
type Agent struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	APIKey string `json:"apiKey"`
}

// NewTask is the poster's new task; Price is a decimal string ("15.00").
type NewTask struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Category    string `json:"category"`
	Band        string `json:"band"`
	Price       string `json:"price"`
}

// ControlBid is a bid as the control API shows it.
type ControlBid struct {
	ID            string    `json:"id"`
	TaskID        string    `json:"taskId"`
	AgentID       string    `json:"agentId"`
	ProposedPrice float64   `json:"proposedPrice"`
	CoverLetter   string    `json:"coverLetter"`
	Status        string    `json:"status"`
	CreatedAt     time.Time `json:"createdAt"`
}

// ControlDelivery is one delivery as the control API shows it.
type ControlDelivery struct {
	ID            string      `json:"id"`
	Attempt       int         `json:"attempt"`
	Score         float64     `json:"score"`
	Verdict       string      `json:"verdict"`
	Status        string      `json:"status"`
	SubmittedAt   time.Time   `json:"submittedAt"`
	ScorerVersion string      `json:"scorerVersion,omitempty"` // optional in the contract
	Criteria      []Criterion `json:"criteria,omitempty"`      // optional: the PDQG breakdown
	Content       string      `json:"content,omitempty"`       // optional: what was delivered
}

// Criterion is one line of a PDQG breakdown.
type Criterion struct {
	Name     string  `json:"name"`
	Weight   float64 `json:"weight"`
	Score    float64 `json:"score"`
	Feedback string  `json:"feedback"`
}

// ControlTask is the full state of a task.
type ControlTask struct {
	ID               string            `json:"id"`
	Title            string            `json:"title"`
	Description      string            `json:"description"`
	Category         string            `json:"category"`
	Status           string            `json:"status"`
	Band             string            `json:"band"`
	Price            json.RawMessage   `json:"price"` // a decimal string; raw, so a broken mock's number still decodes
	CreatedAt        time.Time         `json:"createdAt"`
	AssignedAgentID  *string           `json:"assignedAgentId"`
	Bids             []ControlBid      `json:"bids"`
	Deliveries       []ControlDelivery `json:"deliveries"`
	ResubmitDeadline *time.Time        `json:"resubmitDeadline"`
}

// PinnedScores is the queue of scores the next deliveries of a task get.
type PinnedScores struct {
	TaskID  string    `json:"taskId"`
	Pending []float64 `json:"pending"`
}

// Capabilities asks what the control API offers.
func (c *ControlClient) Capabilities(ctx context.Context) (Capabilities, error) {
	var out Capabilities
	return out, c.do(ctx, http.MethodGet, "/capabilities", nil, &out)
}

// Reset puts the target back to its fixture state.
func (c *ControlClient) Reset(ctx context.Context) (ResetResult, error) {
	var out ResetResult
	return out, c.do(ctx, http.MethodPost, "/reset", struct{}{}, &out)
}

// CreateAgent registers an agent and returns its key.
func (c *ControlClient) CreateAgent(ctx context.Context, name string) (Agent, error) {
	var out Agent
	return out, c.do(ctx, http.MethodPost, "/agents", map[string]string{"name": name}, &out)
}

// CreateTask posts a new open task.
func (c *ControlClient) CreateTask(ctx context.Context, t NewTask) (ControlTask, error) {
	var out ControlTask
	return out, c.do(ctx, http.MethodPost, "/tasks", t, &out)
}

// Task reads the full state of a task.
func (c *ControlClient) Task(ctx context.Context, taskID string) (ControlTask, error) {
	var out ControlTask
	return out, c.do(ctx, http.MethodGet, "/tasks/"+url.PathEscape(taskID), nil, &out)
}

// AcceptBid is the poster accepting a bid: the task becomes claimed.
func (c *ControlClient) AcceptBid(ctx context.Context, taskID, bidID string) (ControlTask, error) {
	var out ControlTask
	return out, c.do(ctx, http.MethodPost, "/tasks/"+url.PathEscape(taskID)+"/bids/"+url.PathEscape(bidID)+"/accept", struct{}{}, &out)
}

// RejectBid is the poster turning a bid down.
func (c *ControlClient) RejectBid(ctx context.Context, taskID, bidID string) (ControlTask, error) {
	var out ControlTask
	return out, c.do(ctx, http.MethodPost, "/tasks/"+url.PathEscape(taskID)+"/bids/"+url.PathEscape(bidID)+"/reject", struct{}{}, &out)
}

// PinScores queues the PDQG scores of the next deliveries of a task.
func (c *ControlClient) PinScores(ctx context.Context, taskID string, scores ...float64) (PinnedScores, error) {
	if scores == nil {
		scores = []float64{}
	}
	var out PinnedScores
	return out, c.do(ctx, http.MethodPost, "/tasks/"+url.PathEscape(taskID)+"/pdqg", map[string][]float64{"scores": scores}, &out)
}

// AdvanceClock moves the target's clock forward and returns the new now.
func (c *ControlClient) AdvanceClock(ctx context.Context, d time.Duration) (time.Time, error) {
	var out struct {
		Now time.Time `json:"now"`
	}
	err := c.do(ctx, http.MethodPost, "/clock/advance", map[string]float64{"seconds": d.Seconds()}, &out)
	return out.Now, err
}

// Now reads the target's clock.
func (c *ControlClient) Now(ctx context.Context) (time.Time, error) {
	var out struct {
		Now time.Time `json:"now"`
	}
	err := c.do(ctx, http.MethodGet, "/clock", nil, &out)
	return out.Now, err
}

func (c *ControlClient) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("control API %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("control API %s %s: %w", method, path, err)
	}
	var env struct {
		OK    bool            `json:"ok"`
		Data  json.RawMessage `json:"data"`
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return &ControlError{Status: resp.StatusCode, Code: "", Message: fmt.Sprintf("%s %s: not a JSON envelope", method, path)}
	}
	if resp.StatusCode >= 300 || !env.OK {
		e := &ControlError{Status: resp.StatusCode}
		if env.Error != nil {
			e.Code, e.Message = env.Error.Code, env.Error.Message
		}
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return fmt.Errorf("control API %s %s: decoding data: %w", method, path, err)
	}
	return nil
}

// TaskFilter selects tasks for ControlClient.Tasks; the zero value is every
// task, the first page.
type TaskFilter struct {
	Statuses    []string // effective statuses; empty: any
	Agent       string   // the tasks this agent id bid on
	PendingBids bool     // only tasks with a bid still to decide
	Limit       int      // 0: the server's default
	Cursor      string   // a page's NextCursor
}

// TaskPage is one page of ControlClient.Tasks.
type TaskPage struct {
	Items      []ControlTask `json:"items"`
	NextCursor *string       `json:"nextCursor"`
	Total      int           `json:"total"`
}

// ControlTrace is a progress trace as the control API shows it.
type ControlTrace struct {
	ID         string          `json:"id"`
	Event      string          `json:"event"`
	Message    string          `json:"message"`
	Metadata   json.RawMessage `json:"metadata"`
	Visibility string          `json:"visibility"`
	CreatedAt  time.Time       `json:"createdAt"`
}

// Tasks lists tasks with their state, newest first.
func (c *ControlClient) Tasks(ctx context.Context, f TaskFilter) (TaskPage, error) {
	q := url.Values{}
	if len(f.Statuses) > 0 {
		q.Set("status", strings.Join(f.Statuses, ","))
	}
	if f.Agent != "" {
		q.Set("agent", f.Agent)
	}
	if f.PendingBids {
		q.Set("pendingBids", "true")
	}
	if f.Limit > 0 {
		q.Set("limit", fmt.Sprint(f.Limit))
	}
	if f.Cursor != "" {
		q.Set("cursor", f.Cursor)
	}
	path := "/tasks"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out TaskPage
	return out, c.do(ctx, http.MethodGet, path, nil, &out)
}

// TaskTraces reads every trace of a task, whoever it is assigned to.
func (c *ControlClient) TaskTraces(ctx context.Context, taskID string) ([]ControlTrace, error) {
	var out struct {
		Items []ControlTrace `json:"items"`
	}
	err := c.do(ctx, http.MethodGet, "/tasks/"+url.PathEscape(taskID)+"/traces", nil, &out)
	return out.Items, err
}

// Poster reads the simulated poster's settings.
func (c *ControlClient) Poster(ctx context.Context) (Poster, error) {
	var out Poster
	return out, c.do(ctx, http.MethodGet, "/poster", nil, &out)
}

// SetPoster switches the simulated poster.
func (c *ControlClient) SetPoster(ctx context.Context, p Poster) (Poster, error) {
	var out Poster
	return out, c.do(ctx, http.MethodPost, "/poster", p, &out)
}
