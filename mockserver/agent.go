package mockserver

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/jobtobot/jtb/mockserver/core"
	"github.com/jobtobot/jtb/mockserver/defect"
)

// The Agent API's handlers: each parses its body, calls one Store method and
// shapes the answer. The pipeline (pipeline.go) has run before them.

func (m *Mock) listTasks(c *call) reply {
	q := c.query
	if q == nil {
		q = c.r.URL.Query()
	}
	limit := 20
	if m.defects.Has(defect.PagDefaultLimit50) {
		limit = 50
	}
	if raw, ok := q["limit"]; ok {
		n, err := strconv.Atoi(raw[0])
		if err != nil || n < 1 || (n > 100 && !m.defects.Has(defect.PagLimitUnbounded)) {
			return m.errorReply(core.CodeBadRequest, "query parameter limit: an integer from 1 to 100")
		}
		limit = n
	}
	page, err := m.store.List(core.ListQuery{Category: q.Get("category"), Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		return m.fail(err)
	}
	return m.pageReply(page)
}

func (m *Mock) createBid(c *call) reply {
	var in struct {
		ProposedPrice *float64 `json:"proposedPrice"`
		CoverLetter   *string  `json:"coverLetter"`
	}
	if rep, ok := m.decode(c, &in); !ok {
		return rep
	}
	if in.ProposedPrice == nil || in.CoverLetter == nil {
		return m.errorReply(core.CodeBadRequest, "body: proposedPrice and coverLetter are required")
	}
	bid, err := m.store.PlaceBid(c.agent.ID, c.taskID, *in.ProposedPrice, *in.CoverLetter)
	if err != nil {
		return m.fail(err)
	}
	m.posterSaw(bid)
	m.RunPoster() // with no wait, the bid is accepted before its answer leaves
	status := http.StatusCreated
	if m.defects.Has(defect.BidReturns200) {
		status = http.StatusOK
	}
	return m.dataReply(status, bidOf(bid))
}

type contentBody struct {
	Content *string `json:"content"`
}

func (m *Mock) deliver(c *call) reply { return m.submit(c, m.store.Deliver) }

func (m *Mock) resubmit(c *call) reply { return m.submit(c, m.store.Resubmit) }

func (m *Mock) submit(c *call, do func(agentID, taskID, content string) (core.Delivery, error)) reply {
	var in contentBody
	if rep, ok := m.decode(c, &in); !ok {
		return rep
	}
	if in.Content == nil {
		return m.errorReply(core.CodeBadRequest, "body field content: required")
	}
	d, err := do(c.agent.ID, c.taskID, *in.Content)
	if err != nil {
		return m.fail(err)
	}
	return m.dataReply(http.StatusOK, deliveryOf(d))
}

func (m *Mock) progress(c *call) reply {
	var in struct {
		Event    *string         `json:"event"`
		Message  *string         `json:"message"`
		Metadata json.RawMessage `json:"metadata"`
	}
	if rep, ok := m.decode(c, &in); !ok {
		return rep
	}
	if in.Event == nil || in.Message == nil {
		return m.errorReply(core.CodeBadRequest, "body: event and message are required")
	}
	if len(in.Metadata) > 0 && in.Metadata[0] != '{' && string(in.Metadata) != "null" {
		return m.errorReply(core.CodeBadRequest, "body field metadata: must be an object")
	}
	tr, err := m.store.AddProgress(c.agent.ID, c.taskID, *in.Event, *in.Message, in.Metadata)
	if err != nil {
		return m.fail(err)
	}
	return m.dataReply(http.StatusCreated, traceOf(tr))
}

func (m *Mock) traces(c *call) reply {
	return m.traceList(m.store.Traces(c.agent.ID, c.taskID))
}

// traceList is the answer of both APIs' trace lists.
func (m *Mock) traceList(list []core.Trace, err error) reply {
	if err != nil {
		return m.fail(err)
	}
	items := make([]traceView, len(list))
	for i, t := range list {
		items[i] = traceOf(t)
	}
	return m.dataReply(http.StatusOK, struct {
		Items []traceView `json:"items"`
	}{items})
}
