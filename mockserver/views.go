package mockserver

import (
	"encoding/json"
	"time"

	"github.com/jobtobot/jtb/mockserver/core"
	"github.com/jobtobot/jtb/mockserver/defect"
)

// The views: the wire shapes of openapi.yaml and control-api.yaml, made from
// the core's values. The envelope around them is reply.go's.

// stamp writes a time the way the mock always does: UTC, milliseconds, Z.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func stampOrNil(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := stamp(t)
	return &s
}

type taskView struct {
	ID          string          `json:"id"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Category    string          `json:"category"`
	Status      core.Status     `json:"status"`
	Band        string          `json:"band"`
	Price       json.RawMessage `json:"price"`
	CreatedAt   string          `json:"createdAt"`
}

func (m *Mock) taskOf(t core.Task) taskView {
	price := core.FormatPrice(t.PriceCents)
	raw := make([]byte, 0, len(price)+2)
	if m.defects.Has(defect.PriceAsNumber) {
		raw = append(raw, price...)
	} else {
		raw = append(append(append(raw, '"'), price...), '"')
	}
	return taskView{ID: t.ID, Title: t.Title, Description: t.Description, Category: t.Category,
		Status: t.Status, Band: t.Band, Price: raw, CreatedAt: stamp(t.CreatedAt)}
}

type pageView struct {
	Items      []taskView     `json:"items"`
	Pagination paginationView `json:"pagination"`
}

type paginationView struct {
	NextCursor    *string `json:"next_cursor"`
	HasMore       bool    `json:"has_more"`
	TotalEstimate int     `json:"total_estimate"`
}

type bidView struct {
	ID            string  `json:"id"`
	TaskID        string  `json:"taskId"`
	AgentID       string  `json:"agentId"`
	ProposedPrice float64 `json:"proposedPrice"`
	CoverLetter   string  `json:"coverLetter"`
	Status        string  `json:"status"`
	CreatedAt     string  `json:"createdAt"`
}

func bidOf(b core.Bid) bidView {
	return bidView{ID: b.ID, TaskID: b.TaskID, AgentID: b.AgentID, ProposedPrice: b.ProposedPrice,
		CoverLetter: b.CoverLetter, Status: b.Status, CreatedAt: stamp(b.CreatedAt)}
}

type criterionView struct {
	Name     string  `json:"name"`
	Weight   float64 `json:"weight"`
	Score    float64 `json:"score"`
	Feedback string  `json:"feedback"`
}

type pdqgView struct {
	Score         float64         `json:"score"`
	Verdict       string          `json:"verdict"`
	ScorerVersion string          `json:"scorerVersion,omitempty"`
	Criteria      []criterionView `json:"criteria,omitempty"`
}

type deliveryView struct {
	ID               string      `json:"id"`
	TaskID           string      `json:"taskId"`
	Attempt          int         `json:"attempt"`
	Status           core.Status `json:"status"`
	PDQG             pdqgView    `json:"pdqg"`
	ResubmitDeadline *string     `json:"resubmitDeadline,omitempty"`
	SubmittedAt      string      `json:"submittedAt"`
}

func deliveryOf(d core.Delivery) deliveryView {
	v := deliveryView{ID: d.ID, TaskID: d.TaskID, Attempt: d.Attempt, Status: d.Status,
		PDQG:             pdqgView{Score: d.Score, Verdict: d.Verdict, ScorerVersion: d.ScorerVersion},
		ResubmitDeadline: stampOrNil(d.ResubmitDeadline), SubmittedAt: stamp(d.SubmittedAt)}
	for _, c := range d.Criteria {
		v.PDQG.Criteria = append(v.PDQG.Criteria, criterionView(c))
	}
	return v
}

type traceView struct {
	ID         string          `json:"id"`
	Event      string          `json:"event"`
	Message    string          `json:"message"`
	Metadata   json.RawMessage `json:"metadata"`
	Visibility string          `json:"visibility"`
	CreatedAt  string          `json:"createdAt"`
}

func traceOf(t core.Trace) traceView {
	return traceView{ID: t.ID, Event: t.Event, Message: t.Message, Metadata: t.Metadata,
		Visibility: t.Visibility, CreatedAt: stamp(t.CreatedAt)}
}

type controlDeliveryView struct {
	ID            string          `json:"id"`
	Attempt       int             `json:"attempt"`
	Score         float64         `json:"score"`
	Verdict       string          `json:"verdict"`
	Status        core.Status     `json:"status"`
	SubmittedAt   string          `json:"submittedAt"`
	ScorerVersion string          `json:"scorerVersion,omitempty"`
	Criteria      []criterionView `json:"criteria,omitempty"`
	Content       string          `json:"content,omitempty"`
}

type controlTaskView struct {
	taskView
	AssignedAgentID  *string               `json:"assignedAgentId"`
	Bids             []bidView             `json:"bids"`
	Deliveries       []controlDeliveryView `json:"deliveries"`
	ResubmitDeadline *string               `json:"resubmitDeadline"`
}

func (m *Mock) controlTaskOf(st core.TaskState) controlTaskView {
	v := controlTaskView{taskView: m.taskOf(st.Task), Bids: []bidView{}, Deliveries: []controlDeliveryView{},
		ResubmitDeadline: stampOrNil(st.ResubmitDeadline)}
	if st.AssignedAgentID != "" {
		id := st.AssignedAgentID
		v.AssignedAgentID = &id
	}
	for _, b := range st.Bids {
		v.Bids = append(v.Bids, bidOf(b))
	}
	for _, d := range st.Deliveries {
		cd := controlDeliveryView{ID: d.ID, Attempt: d.Attempt, Score: d.Score, Verdict: d.Verdict,
			Status: d.Status, SubmittedAt: stamp(d.SubmittedAt), ScorerVersion: d.ScorerVersion, Content: d.Content}
		for _, c := range d.Criteria {
			cd.Criteria = append(cd.Criteria, criterionView(c))
		}
		v.Deliveries = append(v.Deliveries, cd)
	}
	return v
}

type clockView struct {
	Now string `json:"now"`
}
