package mockserver

import (
	"math"
	"net/http"
	"time"

	"github.com/jobtobot/jtb/mockserver/core"
)

// The control API's handlers: the poster's side and the clock. The same
// pipeline as the Agent API's runs before them, validated against
// control-api.yaml.

func (m *Mock) capabilities(*call) reply {
	return m.dataReply(http.StatusOK, Capabilities{Clock: true, PDQGPin: true, Reset: true, Agents: true, Poster: true, Events: true,
		TaskTime: true, Cleanup: true})
}

func (m *Mock) reset(*call) reply {
	tasks, agents, err := m.store.Reset()
	if err != nil {
		return m.fail(err)
	}
	m.resetPoster()
	return m.dataReply(http.StatusOK, ResetResult{Tasks: tasks, Agents: agents})
}

func (m *Mock) createAgent(c *call) reply {
	var in struct {
		Name string `json:"name"`
	}
	if rep, ok := m.decode(c, &in); !ok {
		return rep
	}
	a, err := m.store.CreateAgent(in.Name)
	if err != nil {
		return m.fail(err)
	}
	return m.dataReply(http.StatusCreated, Agent{ID: a.ID, Name: a.Name, APIKey: a.APIKey})
}

func (m *Mock) createTask(c *call) reply {
	var in NewTask
	if rep, ok := m.decode(c, &in); !ok {
		return rep
	}
	cents, err := core.ParsePrice(in.Price)
	if err != nil {
		return m.fail(err)
	}
	st, err := m.store.CreateTask(core.NewTask{Title: in.Title, Description: in.Description,
		Category: in.Category, Band: in.Band, PriceCents: cents})
	if err != nil {
		return m.fail(err)
	}
	return m.dataReply(http.StatusCreated, m.controlTaskOf(st))
}

func (m *Mock) getTask(c *call) reply {
	st, err := m.store.TaskState(c.taskID)
	if err != nil {
		return m.fail(err)
	}
	return m.dataReply(http.StatusOK, m.controlTaskOf(st))
}

func (m *Mock) acceptBid(c *call) reply {
	st, err := m.store.AcceptBid(c.taskID, c.params[1])
	if err != nil {
		return m.fail(err)
	}
	return m.dataReply(http.StatusOK, m.controlTaskOf(st))
}

func (m *Mock) rejectBid(c *call) reply {
	st, err := m.store.RejectBid(c.taskID, c.params[1])
	if err != nil {
		return m.fail(err)
	}
	return m.dataReply(http.StatusOK, m.controlTaskOf(st))
}

func (m *Mock) pinScores(c *call) reply {
	var in struct {
		Scores []float64 `json:"scores"`
	}
	if rep, ok := m.decode(c, &in); !ok {
		return rep
	}
	if in.Scores == nil {
		return m.errorReply(core.CodeBadRequest, "body field scores: required")
	}
	pending, err := m.store.PinScores(c.taskID, in.Scores)
	if err != nil {
		return m.fail(err)
	}
	return m.dataReply(http.StatusOK, PinnedScores{TaskID: c.taskID, Pending: pending})
}

func (m *Mock) advanceClock(c *call) reply {
	d, rep, ok := m.seconds(c)
	if !ok {
		return rep
	}
	now, err := m.store.Advance(d)
	if err != nil {
		return m.fail(err)
	}
	m.RunPoster() // a bid due by the new time is accepted before the answer
	return m.dataReply(http.StatusOK, clockView{Now: stamp(now)})
}

// seconds reads the {"seconds": N} body of the clock's and a task's advance.
func (m *Mock) seconds(c *call) (time.Duration, reply, bool) {
	var in struct {
		Seconds *float64 `json:"seconds"`
	}
	if rep, ok := m.decode(c, &in); !ok {
		return 0, rep, false
	}
	if in.Seconds == nil || *in.Seconds < 0 || math.IsInf(*in.Seconds, 0) || *in.Seconds > core.MaxClockOffset.Seconds() {
		return 0, m.errorReply(core.CodeBadRequest, "body field seconds: a number of seconds from 0 to 3153600000 (100 years)"), false
	}
	return time.Duration(*in.Seconds * float64(time.Second)), reply{}, true
}

func (m *Mock) getClock(*call) reply {
	return m.dataReply(http.StatusOK, clockView{Now: stamp(m.store.Now())})
}
