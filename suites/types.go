package suites

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
)

// Task is a listed task.
type Task struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Category    string `json:"category"`
	Status      string `json:"status"`
	Band        string `json:"band"`
	Price       string `json:"price"`
	CreatedAt   string `json:"createdAt"`
}

// Page is the data of GET /v1/tasks/available.
type Page struct {
	Items      []Task `json:"items"`
	Pagination *struct {
		NextCursor    *string `json:"next_cursor"`
		HasMore       *bool   `json:"has_more"`
		TotalEstimate *int    `json:"total_estimate"`
	} `json:"pagination"`
}

// consistent checks the page's own promises.
func (p Page) consistent() error {
	pg := p.Pagination
	switch {
	case p.Items == nil:
		return errors.New("expected data.items to be an array")
	case pg == nil || pg.HasMore == nil || pg.TotalEstimate == nil:
		return errors.New("expected data.pagination with next_cursor, has_more and total_estimate")
	case *pg.HasMore && (pg.NextCursor == nil || *pg.NextCursor == ""):
		return errors.New("has_more is true but next_cursor is null")
	}
	// next_cursor null on the last page and total_estimate >= 0 are our
	// decisions (JTB-PAG-008, JTB-PAG-009, SHOULD): their own specs check
	// them, so a page used by a MUST spec does not fail on them.
	return nil
}

// Bid is a placed bid.
type Bid struct {
	ID            string  `json:"id"`
	TaskID        string  `json:"taskId"`
	AgentID       string  `json:"agentId"`
	ProposedPrice float64 `json:"proposedPrice"`
	CoverLetter   string  `json:"coverLetter"`
	Status        string  `json:"status"`
	CreatedAt     string  `json:"createdAt"`
}

// Delivery is the answer to deliver and resubmit.
type Delivery struct {
	ID      string `json:"id"`
	TaskID  string `json:"taskId"`
	Attempt int    `json:"attempt"`
	Status  string `json:"status"`
	PDQG    struct {
		Score   float64 `json:"score"`
		Verdict string  `json:"verdict"`
	} `json:"pdqg"`
	ResubmitDeadline *string `json:"resubmitDeadline"`
	SubmittedAt      string  `json:"submittedAt"`
}

// Trace is one progress event.
type Trace struct {
	ID         string          `json:"id"`
	Event      string          `json:"event"`
	Message    string          `json:"message"`
	Metadata   json.RawMessage `json:"metadata"`
	Visibility string          `json:"visibility"`
	CreatedAt  string          `json:"createdAt"`
}

// Traces is the data of GET /v1/tasks/{id}/traces.
type Traces struct {
	Items []Trace `json:"items"`
}

func decodeEnvelope(x *Exchange) (Envelope, error) {
	var env Envelope
	if !isJSON(x.Header.Get("Content-Type")) {
		return env, fmt.Errorf("expected a JSON body, got Content-Type %q", x.Header.Get("Content-Type"))
	}
	if err := json.Unmarshal(x.Body, &env); err != nil {
		return env, fmt.Errorf("the body is not a JSON envelope: %v", err)
	}
	return env, nil
}

func decodePage(x *Exchange) (Page, error) {
	var p Page
	env, err := decodeEnvelope(x)
	if err != nil {
		return p, err
	}
	if env.OK == nil || !*env.OK {
		return p, errors.New("expected \"ok\": true")
	}
	if err := json.Unmarshal(env.Data, &p); err != nil {
		return p, fmt.Errorf("data is not a page: %v", err)
	}
	return p, nil
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}
