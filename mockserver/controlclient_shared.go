package mockserver

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// The control client's calls for a shared target: one task's time, and
// removing what a run created (capabilities taskTime and cleanup).

// TaskRemoved is what went with a removed task.
type TaskRemoved struct {
	TaskID          string `json:"taskId"`
	Bids            int    `json:"bids"`
	Deliveries      int    `json:"deliveries"`
	Traces          int    `json:"traces"`
	PinnedScores    int    `json:"pinnedScores"`
	IdempotencyKeys int    `json:"idempotencyKeys"`
}

// AgentRemoved is what went with a removed agent.
type AgentRemoved struct {
	AgentID         string `json:"agentId"`
	IdempotencyKeys int    `json:"idempotencyKeys"`
}

// AdvanceTaskTime moves one task's time forward by d (whole seconds), as if
// the clock had moved for that task alone, and returns the task after.
func (c *ControlClient) AdvanceTaskTime(ctx context.Context, taskID string, d time.Duration) (ControlTask, error) {
	var out ControlTask
	return out, c.do(ctx, http.MethodPost, "/tasks/"+url.PathEscape(taskID)+"/time/advance", map[string]int64{"seconds": int64(d / time.Second)}, &out)
}

// DeleteTask removes a task with its bids, deliveries, traces, pinned scores
// and idempotency keys.
func (c *ControlClient) DeleteTask(ctx context.Context, taskID string) (TaskRemoved, error) {
	var out TaskRemoved
	return out, c.do(ctx, http.MethodDelete, "/tasks/"+url.PathEscape(taskID), nil, &out)
}

// DeleteAgent removes an agent: its key stops working.
func (c *ControlClient) DeleteAgent(ctx context.Context, agentID string) (AgentRemoved, error) {
	var out AgentRemoved
	return out, c.do(ctx, http.MethodDelete, "/agents/"+url.PathEscape(agentID), nil, &out)
}
