package foreign

import (
	"context"
	"net/http"
	"strings"

	"github.com/jobtobot/jtb/mockserver"
)

// serveAgent is the Agent API, under agentPrefix.
func (s *Server) serveAgent(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, agentPrefix)
	var a answer
	switch {
	case !ok || !strings.HasPrefix(path, "/"):
		a = s.errorAnswer(http.StatusNotFound, "NOT_FOUND")
	case strings.HasPrefix(path, "/_control"): // the control API is elsewhere
		a = s.errorAnswer(http.StatusNotFound, "NOT_FOUND")
	default:
		a = s.agentCall(r, path)
	}
	s.note("agent", r, path, a.status)
	a.write(w)
}

func (s *Server) agentCall(r *http.Request, path string) answer {
	body, err := readBody(r)
	if err != nil {
		return s.errorAnswer(http.StatusBadRequest, "BAD_REQUEST")
	}
	inner := s.ids.innerPath(path)
	q := r.URL.Query()
	if c := q.Get("cursor"); c != "" {
		q.Set("cursor", innerCursor(c))
	}
	if len(body) <= mockserver.MaxBody {
		body = mapStrings(body, s.ids.innerString)
	}
	h := innerHeader(r)
	if s.opts.IgnoreIdempotencyKey {
		h.Del("Idempotency-Key")
	}
	task, op := taskOp(inner)
	ctx := r.Context()
	if r.Method == http.MethodPost && op == "progress" && s.opts.ProgressFromAnyAgent {
		s.actAsAssignee(ctx, task, h)
	}
	delivery := r.Method == http.MethodPost && (op == "deliver" || op == "resubmit")
	if delivery {
		s.serial.Lock()
		defer s.serial.Unlock()
		s.pinNext(ctx, task)
	}
	a, err := s.forward(ctx, r.Method, inner, q.Encode(), h, body)
	if err != nil {
		return s.errorAnswer(http.StatusInternalServerError, "INTERNAL")
	}
	if delivery {
		s.scored(task, a)
	}
	status := a.status
	if r.Method == http.MethodPost && op == "bids" && status == http.StatusCreated {
		status = http.StatusOK // our SHOULD decision (201), decided otherwise
	}
	return answer{status: status, header: s.outerHeader(a), body: s.outerBody(a.body, nil)}
}

// taskOp splits /v1/tasks/{id}/{op}.
func taskOp(path string) (task, op string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) == 4 && segs[0] == "v1" && segs[1] == "tasks" {
		return segs[2], segs[3]
	}
	return "", ""
}

// pinNext forwards the task's next pinned score to the mock, unless the
// mock still holds one it has not used.
func (s *Server) pinNext(ctx context.Context, task string) {
	s.mu.Lock()
	q := s.pins[task]
	if q == nil || q.forwarded > 0 || len(q.scores) == 0 {
		s.mu.Unlock()
		return
	}
	score := q.scores[0]
	q.scores = q.scores[1:]
	q.forwarded++
	s.mu.Unlock()
	if _, err := s.mock.Control.PinScores(ctx, task, score); err != nil {
		s.mu.Lock()
		q.forwarded--
		q.scores = append([]float64{score}, q.scores...)
		s.mu.Unlock()
	}
}

// scored notes that the mock used the score forwarded for a delivery: a
// fresh 200, not a replay or a refusal.
func (s *Server) scored(task string, a answer) {
	if a.status != http.StatusOK || a.header.Get("Idempotent-Replayed") == "true" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.pins[task]; q != nil && q.forwarded > 0 {
		q.forwarded--
	}
}

// actAsAssignee is the ProgressFromAnyAgent defect: a known agent's
// progress on a task assigned to another is sent with the assignee's key.
func (s *Server) actAsAssignee(ctx context.Context, task string, h http.Header) {
	t, err := s.mock.Control.Task(ctx, task)
	if err != nil || t.AssignedAgentID == nil {
		return
	}
	caller := bearerKey(h.Get("Authorization"))
	s.mu.Lock()
	defer s.mu.Unlock()
	assignee := s.agents[*t.AssignedAgentID]
	known := false
	for _, k := range s.agents {
		known = known || k == caller
	}
	if known && assignee != "" && caller != assignee {
		h.Set("Authorization", "Bearer "+assignee)
	}
}
