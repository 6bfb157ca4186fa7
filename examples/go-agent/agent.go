package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/jobtobot/jtb/examples/go-agent/agentapi"
)

// Agent is one agent's side of the JobToBot Agent API, built on the client
// that oapi-codegen generated from openapi.yaml (package agentapi). Its
// methods return the generated types; an error answer is an *APIError.
type Agent struct {
	api *agentapi.ClientWithResponses
}

// NewAgent returns an agent calling baseURL with apiKey as its bearer token.
// hc nil uses http.DefaultClient.
func NewAgent(baseURL, apiKey string, hc *http.Client) (*Agent, error) {
	if apiKey == "" {
		return nil, errors.New("no API key")
	}
	opts := []agentapi.ClientOption{
		agentapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+apiKey)
			return nil
		}),
	}
	if hc != nil {
		opts = append(opts, agentapi.WithHTTPClient(hc))
	}
	api, err := agentapi.NewClientWithResponses(baseURL, opts...)
	if err != nil {
		return nil, err
	}
	return &Agent{api: api}, nil
}

// APIError is an answer other than the operation's success: its status and
// the envelope's code. Programs compare Code, never Message.
type APIError struct {
	Operation string
	Status    int
	Code      agentapi.ErrorCode // "" when the answer was not an error envelope
	Message   string
}

func (e *APIError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("%s: status %d: %s", e.Operation, e.Status, e.Message)
	}
	return fmt.Sprintf("%s: %d %s: %s", e.Operation, e.Status, e.Code, e.Message)
}

// apiError reads an answer the generated client did not decode as the
// operation's success.
func apiError(operation string, resp *http.Response, body []byte) error {
	e := &APIError{Operation: operation, Status: resp.StatusCode}
	var env agentapi.ErrorEnvelope
	if json.Unmarshal(body, &env) == nil && env.Error.Code != "" {
		e.Code, e.Message = env.Error.Code, env.Error.Message
	} else {
		e.Message = "the answer is not the operation's success nor an error envelope"
	}
	return e
}

// NewIdempotencyKey returns a fresh Idempotency-Key. Send the same key again
// only to retry the same request: the server then replays its first answer.
func NewIdempotencyKey() string {
	return "go-agent-" + rand.Text()
}

// Page reads one page of open tasks; category "" means all, cursor "" the
// first page, limit 0 the server's default.
func (a *Agent) Page(ctx context.Context, category, cursor string, limit int) (agentapi.TaskPage, error) {
	params := &agentapi.ListAvailableTasksParams{}
	if category != "" {
		params.Category = &category
	}
	if cursor != "" {
		params.Cursor = &cursor
	}
	if limit > 0 {
		params.Limit = &limit
	}
	resp, err := a.api.ListAvailableTasksWithResponse(ctx, params)
	if err != nil {
		return agentapi.TaskPage{}, err
	}
	if resp.JSON200 == nil {
		return agentapi.TaskPage{}, apiError("list tasks", resp.HTTPResponse, resp.Body)
	}
	return resp.JSON200.Data, nil
}

// maxPages stops a walk over a server whose cursors never end.
const maxPages = 1000

// OpenTasks follows the cursors from the first page to the last.
func (a *Agent) OpenTasks(ctx context.Context, category string, limit int) ([]agentapi.Task, error) {
	var tasks []agentapi.Task
	cursor := ""
	for range maxPages {
		page, err := a.Page(ctx, category, cursor, limit)
		if err != nil {
			return nil, err
		}
		tasks = append(tasks, page.Items...)
		if !page.Pagination.HasMore {
			return tasks, nil
		}
		if page.Pagination.NextCursor == nil {
			return nil, errors.New("list tasks: has_more is true but next_cursor is null")
		}
		cursor = *page.Pagination.NextCursor
	}
	return nil, fmt.Errorf("list tasks: more than %d pages", maxPages)
}

// Bid places a bid. key is the Idempotency-Key ("" sends none); replayed
// reports an answer replayed from an earlier request with the same key.
func (a *Agent) Bid(ctx context.Context, taskID string, price float64, coverLetter, key string) (bid agentapi.Bid, replayed bool, err error) {
	resp, err := a.api.CreateBidWithResponse(ctx, taskID, &agentapi.CreateBidParams{IdempotencyKey: optional(key)},
		agentapi.BidRequest{ProposedPrice: price, CoverLetter: coverLetter})
	if err != nil {
		return agentapi.Bid{}, false, err
	}
	if resp.JSON201 == nil {
		return agentapi.Bid{}, false, apiError("bid", resp.HTTPResponse, resp.Body)
	}
	h := resp.Headers201
	return resp.JSON201.Data, h != nil && h.IdempotentReplayed != nil && *h.IdempotentReplayed == "true", nil
}

// Progress posts a progress trace; metadata nil sends none.
func (a *Agent) Progress(ctx context.Context, taskID, event, message string, metadata map[string]any, key string) (agentapi.Trace, error) {
	body := agentapi.ProgressRequest{Event: event, Message: message}
	if metadata != nil {
		body.Metadata = &metadata
	}
	resp, err := a.api.PostProgressWithResponse(ctx, taskID, &agentapi.PostProgressParams{IdempotencyKey: optional(key)}, body)
	if err != nil {
		return agentapi.Trace{}, err
	}
	if resp.JSON201 == nil {
		return agentapi.Trace{}, apiError("progress", resp.HTTPResponse, resp.Body)
	}
	return resp.JSON201.Data, nil
}

// Traces reads every trace of a task, oldest first.
func (a *Agent) Traces(ctx context.Context, taskID string) ([]agentapi.Trace, error) {
	resp, err := a.api.ListTracesWithResponse(ctx, taskID)
	if err != nil {
		return nil, err
	}
	if resp.JSON200 == nil {
		return nil, apiError("traces", resp.HTTPResponse, resp.Body)
	}
	return resp.JSON200.Data.Items, nil
}

// Deliver submits the work; the answer carries the quality gate's verdict.
func (a *Agent) Deliver(ctx context.Context, taskID, content, key string) (agentapi.DeliveryResult, error) {
	resp, err := a.api.DeliverTaskWithResponse(ctx, taskID, &agentapi.DeliverTaskParams{IdempotencyKey: optional(key)},
		agentapi.DeliveryRequest{Content: content})
	if err != nil {
		return agentapi.DeliveryResult{}, err
	}
	return deliveryResult("deliver", resp.JSON200, resp.HTTPResponse, resp.Body)
}

// Resubmit is the one second attempt after a rejected delivery, before its
// resubmitDeadline.
func (a *Agent) Resubmit(ctx context.Context, taskID, content, key string) (agentapi.DeliveryResult, error) {
	resp, err := a.api.ResubmitDeliveryWithResponse(ctx, taskID, &agentapi.ResubmitDeliveryParams{IdempotencyKey: optional(key)},
		agentapi.DeliveryRequest{Content: content})
	if err != nil {
		return agentapi.DeliveryResult{}, err
	}
	return deliveryResult("resubmit", resp.JSON200, resp.HTTPResponse, resp.Body)
}

// deliveryResult is the answer of a delivery or a resubmit: the result on
// 200, else the error answer.
func deliveryResult(operation string, ok *agentapi.DeliveryEnvelope, resp *http.Response, body []byte) (agentapi.DeliveryResult, error) {
	if ok == nil {
		return agentapi.DeliveryResult{}, apiError(operation, resp, body)
	}
	return ok.Data, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
