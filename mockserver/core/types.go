package core

import (
	"encoding/json"
	"time"
)

// Status is a task's state.
type Status string

// The task states of docs/DECISIONS.md.
const (
	StatusOpen           Status = "open"
	StatusClaimed        Status = "claimed"
	StatusDelivered      Status = "delivered"
	StatusPDQGFailed     Status = "pdqg_failed"
	StatusPDQGFinalFail  Status = "pdqg_final_fail"
	ResubmitWindow              = 6 * time.Hour
	IdempotencyRetention        = 24 * time.Hour
)

// Bid states.
const (
	BidPending  = "pending"
	BidAccepted = "accepted"
	BidRejected = "rejected"
)

// PDQG verdicts.
const (
	VerdictReject = "reject"
	VerdictWarn   = "warn"
	VerdictPass   = "pass"
)

// Agent is an API caller.
type Agent struct {
	ID     string
	Name   string
	APIKey string
}

// Task is the listing view of a task.
type Task struct {
	ID          string
	Title       string
	Description string
	Category    string
	Band        string
	PriceCents  int64
	Status      Status
	CreatedAt   time.Time
}

// Bid is an agent's offer on a task.
type Bid struct {
	ID            string
	TaskID        string
	AgentID       string
	ProposedPrice float64
	CoverLetter   string
	Status        string
	CreatedAt     time.Time
}

// Criterion is one line of a PDQG breakdown.
type Criterion struct {
	Name     string
	Weight   float64
	Score    float64
	Feedback string
}

// Score is what a scorer says about a delivery.
type Score struct {
	Score    float64
	Version  string
	Criteria []Criterion
}

// Delivery is one deliver or resubmit and its PDQG outcome.
type Delivery struct {
	ID               string
	TaskID           string
	Attempt          int
	Status           Status // the task's status right after this delivery
	Score            float64
	Verdict          string
	ScorerVersion    string
	Criteria         []Criterion
	ResubmitDeadline time.Time // zero unless Status is pdqg_failed
	SubmittedAt      time.Time
	Content          string // what was delivered: the poster's view shows it
}

// Trace is a progress event.
type Trace struct {
	ID         string
	Event      string
	Message    string
	Metadata   json.RawMessage
	Visibility string
	CreatedAt  time.Time
}

// TaskState is the full state the control API shows.
type TaskState struct {
	Task
	AssignedAgentID  string
	Bids             []Bid
	Deliveries       []Delivery
	ResubmitDeadline time.Time
}

// Page is one page of the open-task listing.
type Page struct {
	Items         []Task
	NextCursor    string // "" means null
	HasMore       bool
	TotalEstimate int
}

// NewTask is what the poster sends to create a task.
type NewTask struct {
	ID          string // "": a new id
	Title       string
	Description string
	Category    string
	Band        string
	PriceCents  int64
	CreatedAt   time.Time // zero: now
}

// Seed is the state /_control/reset restores.
type Seed struct {
	Agents []Agent
	Tasks  []NewTask
}

// ScoreInput is what the scorer sees of a task.
type ScoreInput struct {
	Title, Description, Category string
}

// Scorer is the PDQG quality gate.
type Scorer interface {
	Score(task ScoreInput, content string) Score
}

// Clock is the source of time; the store adds its control offset on top.
type Clock interface{ Now() time.Time }
