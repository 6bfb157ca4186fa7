package mockserver

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jobtobot/jtb/mockserver/core"
	"github.com/jobtobot/jtb/mockserver/defect"
)

// reply is an answer before it is written, so idempotency can store it.
type reply struct {
	status      int
	body        []byte
	header      http.Header
	contentType string  // "": application/json
	page        *[]byte // a pooled buffer holding body (the listing), see itemCache.release
}

// statusOf is the one table of error code → HTTP status.
var statusOf = map[core.Code]int{
	core.CodeBadRequest:       http.StatusBadRequest,
	core.CodeUnauthorized:     http.StatusUnauthorized,
	core.CodeForbidden:        http.StatusForbidden,
	core.CodeNotFound:         http.StatusNotFound,
	core.CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	core.CodeConflict:         http.StatusConflict,
	core.CodeKeyInUse:         http.StatusConflict,
	core.CodeTooLarge:         http.StatusRequestEntityTooLarge,
	core.CodeKeyReused:        http.StatusUnprocessableEntity,
	core.CodeInternal:         http.StatusInternalServerError,
}

type errorBody struct {
	OK    *bool     `json:"ok,omitempty"`
	Error errorInfo `json:"error"`
}

type errorInfo struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type dataBody struct {
	OK   bool `json:"ok"`
	Data any  `json:"data"`
}

func (m *Mock) errorReply(code core.Code, message string) reply {
	status, ok := statusOf[code]
	if !ok {
		status, code = http.StatusInternalServerError, core.CodeInternal
	}
	text := string(code)
	if m.defects.Has(defect.ErrorCodeLowercase) {
		text = strings.ToLower(text)
	}
	body := errorBody{Error: errorInfo{Code: text, Message: message}}
	if !m.defects.Has(defect.EnvelopeNoOK) {
		body.OK = new(bool)
	}
	data, _ := json.Marshal(body)
	rep := reply{status: status, body: data}
	if code == core.CodeUnauthorized && !m.defects.Has(defect.AuthNoWWWAuthenticate) {
		rep.header = http.Header{"Www-Authenticate": {`Bearer realm="jobtobot"`}}
	}
	return rep
}

// fail maps an error from the core; anything else is a bug (500).
func (m *Mock) fail(err error) reply {
	if e, ok := err.(*core.Error); ok {
		return m.errorReply(e.Code, e.Message)
	}
	return m.errorReply(core.CodeInternal, "internal error")
}

func (m *Mock) dataReply(status int, data any) reply {
	body, err := json.Marshal(dataBody{OK: true, Data: data})
	if err != nil {
		return m.errorReply(core.CodeInternal, "encoding the answer failed")
	}
	return reply{status: status, body: body}
}

func (m *Mock) write(w http.ResponseWriter, _ *http.Request, rep reply) {
	h := w.Header()
	for k, v := range rep.header {
		h[k] = v
	}
	ct := rep.contentType
	if ct == "" {
		ct = "application/json"
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.Itoa(len(rep.body)))
	w.WriteHeader(rep.status)
	w.Write(rep.body)
}

// stamp writes a time the way the mock always does: UTC, milliseconds, Z.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func stampOrNil(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := stamp(t)
	return &s
}

// Views: the wire shapes of openapi.yaml and control-api.yaml.

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
	ID          string      `json:"id"`
	Attempt     int         `json:"attempt"`
	Score       float64     `json:"score"`
	Verdict     string      `json:"verdict"`
	Status      core.Status `json:"status"`
	SubmittedAt string      `json:"submittedAt"`
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
		v.Deliveries = append(v.Deliveries, controlDeliveryView{ID: d.ID, Attempt: d.Attempt, Score: d.Score,
			Verdict: d.Verdict, Status: d.Status, SubmittedAt: stamp(d.SubmittedAt)})
	}
	return v
}
