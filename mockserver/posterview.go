package mockserver

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jobtobot/jtb/mockserver/core"
)

// The poster's view in the control API: every task with its state
// (GET /_control/tasks) and a task's traces whoever is assigned
// (GET /_control/tasks/{taskId}/traces).

// defaultTaskPage and the schema's maximum (500) bound a page of the
// poster's list: the fixtures alone are 200+ tasks with their bids.
const defaultTaskPage = 100

type controlTaskList struct {
	Items      []controlTaskView `json:"items"`
	NextCursor *string           `json:"nextCursor"`
	Total      int               `json:"total"`
}

func (m *Mock) listControlTasks(c *call) reply {
	q := core.TaskQuery{Limit: defaultTaskPage, Agent: c.query.Get("agent"), PendingBids: c.query.Get("pendingBids") == "true"}
	for _, st := range strings.Split(c.query.Get("status"), ",") {
		if st != "" {
			q.Statuses = append(q.Statuses, core.Status(st))
		}
	}
	if raw := c.query.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 500 {
			return m.errorReply(core.CodeBadRequest, "query parameter limit: an integer from 1 to 500")
		}
		q.Limit = n
	}
	if raw := c.query.Get("cursor"); raw != "" {
		at, id, ok := parseTaskCursor(raw)
		if !ok {
			return m.errorReply(core.CodeBadRequest, "query parameter cursor: not a cursor of this list")
		}
		q.AfterAt, q.AfterID = at, id
	}
	list := m.store.Tasks(q)
	out := controlTaskList{Items: make([]controlTaskView, 0, len(list.Items)), Total: list.Total}
	for _, st := range list.Items {
		out.Items = append(out.Items, m.controlTaskOf(st))
	}
	if list.More {
		last := list.Items[len(list.Items)-1]
		cur := taskCursor(last.CreatedAt, last.ID)
		out.NextCursor = &cur
	}
	return m.dataReply(http.StatusOK, out)
}

// A cursor of the poster's list names the last task of a page. It is not
// signed, unlike the Agent API's: the control API is the poster's own, and a
// made-up cursor only starts the list elsewhere.
func taskCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "|" + id))
}

func parseTaskCursor(s string) (time.Time, string, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, "", false
	}
	stamp, id, ok := strings.Cut(string(raw), "|")
	at, err := time.Parse(time.RFC3339Nano, stamp)
	if !ok || err != nil || !isUUID(id) {
		return time.Time{}, "", false
	}
	return at, id, true
}

func (m *Mock) taskTraces(c *call) reply {
	return m.traceList(m.store.TaskTraces(c.taskID))
}

// controlBodyIsJSON is the control API's leniency: its bodies are JSON
// whatever the Content-Type says, so `curl -d '{...}'` (which sends
// application/x-www-form-urlencoded) works as a person types it. The Agent
// API stays as strict as its contract.
func controlBodyIsJSON(req *http.Request, c *call) {
	if c.op.api != controlAPI || len(c.body) == 0 {
		return
	}
	if ct := req.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/json") {
		return
	}
	req.Header = req.Header.Clone()
	req.Header.Set("Content-Type", "application/json")
}
