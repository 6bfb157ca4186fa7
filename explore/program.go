package explore

import (
	"encoding/json"
	"fmt"
	"strings"
)

// A Program is what one exploration runs against the target and the model:
// a sequence of steps over a few agents, generated from a seed as the model's
// state unfolds, or read back from a saved reproduction. Steps refer to what
// earlier steps created by those steps' IDs, never by position, so a shrunk
// program (steps removed) still means the same thing; a step whose referent
// is gone is skipped.
type Program struct {
	Steps []Step `json:"steps"`
}

// The operations a step can make.
const (
	OpTask     = "task"     // control: create a task in one of the run's categories
	OpAccept   = "accept"   // control: the poster accepts a bid
	OpReject   = "reject"   // control: the poster rejects a bid
	OpAdvance  = "advance"  // control: move the clock
	OpList     = "list"     // GET /v1/tasks/available (a first page, or the next page of a walk)
	OpBid      = "bid"      // POST /v1/tasks/{id}/bids
	OpDeliver  = "deliver"  // POST /v1/tasks/{id}/deliver
	OpResubmit = "resubmit" // POST /v1/tasks/{id}/resubmit
	OpProgress = "progress" // POST /v1/tasks/{id}/progress
	OpTraces   = "traces"   // GET /v1/tasks/{id}/traces
	OpPath     = "path"     // an unknown path or a wrong method
	OpGroup    = "group"    // its Group sent at once
)

// Task references that name no task of the program.
const (
	UnknownTask   = -1 // a well-formed UUID no target holds
	MalformedTask = -2 // not a UUID at all
)

// Auth variants of a step (Step.Auth); "" sends the agent's key as the page says.
const (
	AuthNone    = "none"    // no Authorization header
	AuthUnknown = "unknown" // Bearer and a jtb_live_ key nobody was given
	AuthScheme  = "scheme"  // the agent's key under another scheme (Basic)
	AuthLower   = "lower"   // the agent's key with the scheme word in lower case
)

// Step is one request of a program (or a group of requests sent at once).
type Step struct {
	ID       int    `json:"id"`
	Op       string `json:"op"`
	Agent    int    `json:"agent,omitempty"`    // index into the run's agents
	Task     int    `json:"task,omitempty"`     // the ID of the step that created the task, or UnknownTask/MalformedTask
	Bid      int    `json:"bid,omitempty"`      // the ID of the step that placed the bid
	Category int    `json:"category,omitempty"` // 1 or 2: one of the run's categories; 0: none (task: 1)
	Limit    string `json:"limit,omitempty"`    // the raw limit parameter; "" sends none
	HasLimit bool   `json:"hasLimit,omitempty"` // send limit even when it is "" (limit=)
	Page     int    `json:"page,omitempty"`     // list: follow the next_cursor of this list step
	// Cursor spoils the followed cursor: "truncate", "garbage" or "other"
	// (the cursor of a walk over the run's other category).
	Cursor string          `json:"cursor,omitempty"`
	Other  int             `json:"other,omitempty"` // Cursor "other": that walk's list step
	Body   json.RawMessage `json:"body,omitempty"`  // the request body as sent (raw: invalid JSON too)
	// Oversize pads the body past the 1 MiB limit (not stored: 1 MiB).
	Oversize bool `json:"oversize,omitempty"`
	// Fault says what is wrong with the request on purpose, and the clause
	// that fixes the answer to it.
	Fault *Fault   `json:"fault,omitempty"`
	Score *float64 `json:"score,omitempty"` // pinned just before a deliver or resubmit the model accepts
	Key   string   `json:"key,omitempty"`   // Idempotency-Key (the run's prefix is added)
	// KeyLen pads or cuts the key, prefix included, to this many characters;
	// KeyRaw sends Key as it is.
	KeyLen int  `json:"keyLen,omitempty"`
	KeyRaw bool `json:"keyRaw,omitempty"`
	// Reuse names what reusing Key means: "replay" (same body), "json" (the
	// same JSON written otherwise), "other" (another body), "agent" (another
	// agent's key), "retry" (after an error). "" is a first use.
	Reuse    string `json:"reuse,omitempty"`
	Auth     string `json:"auth,omitempty"`
	Seconds  int64  `json:"seconds,omitempty"`  // advance: this many seconds...
	Deadline *int64 `json:"deadline,omitempty"` // ...or to the task's resubmit deadline plus this many
	Method   string `json:"method,omitempty"`   // path: the method sent
	Path     string `json:"path,omitempty"`     // path: the path sent
	Group    []Step `json:"group,omitempty"`
	// Race names what a group races: "bids" (two bids by one agent),
	// "replay" (a request and its replay), "deliver" (two deliveries),
	// "accept" (the poster accepting while another agent bids).
	Race string `json:"race,omitempty"`
	Note string `json:"note,omitempty"` // what the generator meant, for people
}

// Fault is a deliberate mistake in a request.
type Fault struct {
	Kind   string `json:"kind"`            // required, type, minimum, maximum, minLength, maxLength, pattern, json, root, header, query, cursor
	Field  string `json:"field,omitempty"` // the property, parameter or header
	Clause string `json:"clause"`          // the clause that fixes the answer
	Why    string `json:"why,omitempty"`   // the constraint of openapi.yaml it breaks
}

// writes says whether a step can change the target's state.
func (s Step) writes() bool {
	switch s.Op {
	case OpList, OpTraces, OpPath:
		return false
	case OpGroup:
		for _, g := range s.Group {
			if g.writes() {
				return true
			}
		}
		return false
	}
	return true
}

// refs lists the steps a step refers to.
func (s Step) refs() []int {
	var out []int
	for _, r := range []int{s.Task, s.Bid, s.Page, s.Other} {
		if r > 0 {
			out = append(out, r)
		}
	}
	for _, g := range s.Group {
		out = append(out, g.refs()...)
	}
	return out
}

// label is a one-line description of the step for people.
func (s Step) label(names func(int) string, agent func(int) string) string {
	var b strings.Builder
	task := func() string {
		switch s.Task {
		case UnknownTask:
			return "an unknown task"
		case MalformedTask:
			return "a malformed task id"
		}
		return names(s.Task)
	}
	switch s.Op {
	case OpTask:
		fmt.Fprintf(&b, "control: create a task in category %d", max(s.Category, 1))
	case OpAccept:
		fmt.Fprintf(&b, "control: accept the bid of %s on %s", names(s.Bid), task())
	case OpReject:
		fmt.Fprintf(&b, "control: reject the bid of %s on %s", names(s.Bid), task())
	case OpAdvance:
		if s.Deadline != nil {
			fmt.Fprintf(&b, "control: move the clock to the resubmit deadline of %s %+ds", task(), *s.Deadline)
		} else {
			fmt.Fprintf(&b, "control: move the clock %ds", s.Seconds)
		}
	case OpList:
		b.WriteString(agent(s.Agent) + " lists")
		if s.Category > 0 {
			fmt.Fprintf(&b, " category %d", s.Category)
		} else {
			b.WriteString(" every category")
		}
		if s.Limit != "" || s.HasLimit {
			fmt.Fprintf(&b, ", limit=%s", s.Limit)
		}
		if s.Page > 0 {
			fmt.Fprintf(&b, ", after the page of %s", names(s.Page))
		}
		if s.Cursor != "" {
			fmt.Fprintf(&b, ", cursor spoilt (%s)", s.Cursor)
		}
	case OpPath:
		fmt.Fprintf(&b, "%s %s %s", agent(s.Agent), s.Method, s.Path)
	case OpGroup:
		b.WriteString("at once:")
		for i, g := range s.Group {
			if i > 0 {
				b.WriteString(";")
			}
			b.WriteString(" " + g.label(names, agent))
		}
	default:
		fmt.Fprintf(&b, "%s: %s on %s", agent(s.Agent), s.Op, task())
		if s.Score != nil {
			fmt.Fprintf(&b, " (score %.4g pinned)", *s.Score)
		}
	}
	if s.Oversize {
		b.WriteString(", body over 1 MiB")
	}
	if s.Fault != nil {
		fmt.Fprintf(&b, " [%s %s", s.Fault.Kind, s.Fault.Field)
		if s.Fault.Why != "" {
			fmt.Fprintf(&b, ": %s", s.Fault.Why)
		}
		b.WriteString("]")
	}
	switch s.Auth {
	case AuthNone:
		b.WriteString(", no Authorization")
	case AuthUnknown:
		b.WriteString(", an unknown key")
	case AuthScheme:
		b.WriteString(", the key under Basic")
	case AuthLower:
		b.WriteString(", scheme word 'bearer'")
	}
	if s.Key != "" {
		fmt.Fprintf(&b, ", Idempotency-Key %s", s.Key)
		if s.Reuse != "" {
			fmt.Fprintf(&b, " (%s)", reuseText[s.Reuse])
		}
	}
	return b.String()
}

var reuseText = map[string]string{
	"replay": "again, same body",
	"json":   "again, the same JSON written otherwise",
	"other":  "again, another body",
	"agent":  "again, from another agent",
	"retry":  "again, after an error",
}
