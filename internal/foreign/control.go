package foreign

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/jobtobot/jtb/mockserver"
)

// serveControl is the control API, under controlPrefix, behind the token.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, controlPrefix)
	var a answer
	switch {
	case !ok || !strings.HasPrefix(path, "/_control/"):
		a = s.errorAnswer(http.StatusNotFound, "NOT_FOUND")
	case bearerKey(r.Header.Get("Authorization")) != s.ControlToken:
		a = s.errorAnswer(http.StatusUnauthorized, "UNAUTHORIZED")
		a.header.Set("WWW-Authenticate", `Bearer realm="fx-ops"`)
	default:
		a = s.controlCall(r, path)
	}
	s.note("control", r, path, a.status)
	a.write(w)
}

func (s *Server) controlCall(r *http.Request, path string) answer {
	body, err := readBody(r)
	if err != nil {
		return s.errorAnswer(http.StatusBadRequest, "BAD_REQUEST")
	}
	segs := strings.Split(strings.Trim(path, "/"), "/") // _control, tasks, {id}, bids, {id}, accept
	pattern := slices.Clone(segs[1:])
	for i := 1; i < len(pattern); i++ {
		if pattern[i-1] == "tasks" || pattern[i-1] == "bids" || pattern[i-1] == "agents" {
			pattern[i] = "{id}"
		}
	}
	route := r.Method + " " + strings.Join(pattern, "/")
	inner := s.ids.innerPath(path)
	innerSegs := strings.Split(strings.Trim(inner, "/"), "/")
	switch route {
	case "GET capabilities":
		caps := map[string]any{"clock": true, "pdqgPin": true, "reset": true, "agents": true, "events": false, "version": "fx-2"}
		if s.opts.SharedTarget {
			caps["taskTime"], caps["cleanup"] = true, true
		}
		return s.own(http.StatusOK, caps)
	case "POST tasks/{id}/pdqg":
		return s.replacePins(r.Context(), innerSegs[2], body)
	case "POST tasks/{id}/time/advance", "DELETE tasks/{id}", "DELETE agents/{id}":
		if !s.opts.SharedTarget {
			return s.errorAnswer(http.StatusNotFound, "NOT_FOUND")
		}
	}
	if len(body) <= mockserver.MaxBody {
		body = mapStrings(body, s.ids.innerString)
	}
	h := http.Header{"Authorization": {"Bearer " + s.mockToken}}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		h.Set("Content-Type", ct)
	}
	a, err := s.forward(r.Context(), r.Method, inner, r.URL.RawQuery, h, body)
	if err != nil {
		return s.errorAnswer(http.StatusInternalServerError, "INTERNAL")
	}
	status, reshape := a.status, func(*node) {}
	if a.status/100 == 2 {
		switch route {
		case "POST tasks":
			status, reshape = http.StatusOK, listingShape
		case "GET tasks/{id}":
			reshape = dropNulls
		case "POST tasks/{id}/bids/{id}/accept":
			bid := segs[4]
			reshape = func(d *node) {
				task := &node{kind: 'o', keys: d.keys, vals: d.vals}
				listingShape(task)
				*d = node{kind: 'o', keys: []string{"task", "acceptedBid"}, vals: []*node{task, str(bid)}}
			}
		case "POST tasks/{id}/bids/{id}/reject":
			return answer{status: http.StatusNoContent, header: s.outerHeader(answer{header: a.header})}
		case "POST agents":
			var agent struct{ ID, APIKey string }
			if decodeData(a.body, &agent) == nil && agent.ID != "" {
				s.mu.Lock()
				s.agents[agent.ID] = agent.APIKey
				s.mu.Unlock()
			}
		case "POST clock/advance":
			var req struct {
				Seconds json.Number `json:"seconds"`
			}
			json.Unmarshal(body, &req)
			reshape = func(d *node) { d.set("advancedSeconds", literal(cmpOr(req.Seconds.String(), "0"))) }
		case "POST tasks/{id}/time/advance":
			var req struct {
				Seconds json.Number `json:"seconds"`
			}
			json.Unmarshal(body, &req)
			reshape = func(d *node) {
				task := &node{kind: 'o', keys: d.keys, vals: d.vals}
				listingShape(task)
				*d = node{kind: 'o', keys: []string{"task", "movedSeconds"}, vals: []*node{task, literal(cmpOr(req.Seconds.String(), "0"))}}
			}
		case "DELETE tasks/{id}":
			s.mu.Lock()
			delete(s.pins, innerSegs[2])
			s.mu.Unlock()
			return answer{status: http.StatusNoContent, header: s.outerHeader(answer{header: a.header})}
		case "DELETE agents/{id}":
			s.mu.Lock()
			delete(s.agents, innerSegs[2])
			s.mu.Unlock()
			return answer{status: http.StatusNoContent, header: s.outerHeader(answer{header: a.header})}
		case "POST reset":
			s.mu.Lock()
			s.pins = map[string]*pinQueue{}
			s.mu.Unlock()
			reshape = func(d *node) { *d = node{kind: 'o', keys: []string{"reset"}, vals: []*node{literal("true")}} }
		}
	}
	return answer{status: status, header: s.outerHeader(a), body: s.outerBody(a.body, reshape)}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// own is an answer of this server's own making.
func (s *Server) own(status int, data any) answer {
	b, _ := json.Marshal(map[string]any{"ok": true, "data": data})
	a := answer{status: status, header: http.Header{"Content-Type": {contentType}}, body: b}
	a.body = s.outerBody(a.body, nil)
	a.header = s.outerHeader(a)
	return a
}

// replacePins is this server's pin: the scores replace the task's pending
// ones. The proxy keeps them and pins one on the mock just before each
// delivery (pinNext).
func (s *Server) replacePins(ctx context.Context, task string, body []byte) answer {
	if _, err := s.mock.Control.Task(ctx, task); err != nil {
		if ce := (*mockserver.ControlError)(nil); errors.As(err, &ce) && ce.Status == http.StatusNotFound {
			return s.errorAnswer(http.StatusNotFound, "NOT_FOUND")
		}
		return s.errorAnswer(http.StatusInternalServerError, "INTERNAL")
	}
	var req struct {
		Scores []float64 `json:"scores"`
	}
	if err := json.Unmarshal(body, &req); err != nil || len(req.Scores) == 0 {
		return s.errorAnswer(http.StatusBadRequest, "BAD_REQUEST")
	}
	for _, sc := range req.Scores {
		if sc < 0 || sc > 1 {
			return s.errorAnswer(http.StatusBadRequest, "BAD_REQUEST")
		}
	}
	s.mu.Lock()
	q := s.pins[task]
	if q == nil {
		q = &pinQueue{}
		s.pins[task] = q
	}
	q.scores = append([]float64(nil), req.Scores...)
	s.mu.Unlock()
	return s.own(http.StatusOK, map[string]any{"task": task, "scores": req.Scores})
}
