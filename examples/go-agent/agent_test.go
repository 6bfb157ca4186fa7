package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jobtobot/jtb/examples/go-agent/agentapi"
	"github.com/jobtobot/jtb/mockserver"
)

// newTasks posts n open tasks of one category as the poster and returns
// their ids; prices are given in order.
func newTasks(t *testing.T, ts *mockserver.TestServer, category string, prices ...string) []string {
	t.Helper()
	var ids []string
	for i, price := range prices {
		task, err := ts.Control.CreateTask(t.Context(), mockserver.NewTask{
			Title:       fmt.Sprintf("Summarize quarterly earnings report %d", i+1),
			Description: "Summarize the quarterly earnings report: revenue, margin, guidance and the risks named.",
			Category:    category, Band: "standard", Price: price,
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, task.ID)
	}
	return ids
}

func newAgent(t *testing.T, ts *mockserver.TestServer, key string) *Agent {
	t.Helper()
	a, err := NewAgent(ts.URL, key, ts.Server.Client())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// wantAPIError fails t unless err is an *APIError with this status and code.
func wantAPIError(t *testing.T, err error, status int, code agentapi.ErrorCode) {
	t.Helper()
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want an *APIError %d %s", err, status, code)
	}
	if apiErr.Status != status || apiErr.Code != code {
		t.Fatalf("error answer %d %s (%s), want %d %s", apiErr.Status, apiErr.Code, apiErr.Message, status, code)
	}
}

// TestAgentWalksTheWholeFlow is an agent's life against the mock, through the
// generated client only: list, bid with an Idempotency-Key, accepted by the
// poster, progress, traces, deliver and the gate's verdict and feedback.
// Every answer is read through the generated types.
func TestAgentWalksTheWholeFlow(t *testing.T) {
	ts := mockserver.NewTestServer(t, mockserver.Options{})
	ctx := t.Context()
	const category = "go-agent-flow"
	ids := newTasks(t, ts, category, "12.34", "12.50", "40.00")
	agent := newAgent(t, ts, ts.AgentKeys[0])

	// Listing: two per page, so the cursor is followed once.
	first, err := agent.Page(ctx, category, "", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Items) != 2 || !first.Pagination.HasMore || first.Pagination.NextCursor == nil || first.Pagination.TotalEstimate != 3 {
		t.Fatalf("first page: %d items, has_more %v, next_cursor %v, total %d; want 2, true, a cursor, 3",
			len(first.Items), first.Pagination.HasMore, first.Pagination.NextCursor, first.Pagination.TotalEstimate)
	}
	more, err := first.Pagination.AsPagination0() // the "more pages" branch of PaginationRules
	if err != nil || !bool(more.HasMore) || more.NextCursor != *first.Pagination.NextCursor {
		t.Fatalf("first page as the more-pages branch: %+v, %v", more, err)
	}
	last, err := agent.Page(ctx, category, *first.Pagination.NextCursor, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(last.Items) != 1 || last.Pagination.HasMore || last.Pagination.NextCursor != nil {
		t.Fatalf("last page: %d items, has_more %v, next_cursor %v; want 1, false, null",
			len(last.Items), last.Pagination.HasMore, last.Pagination.NextCursor)
	}
	tasks, err := agent.OpenTasks(ctx, category, 2)
	if err != nil {
		t.Fatal(err)
	}
	gotIDs := map[string]agentapi.Task{}
	for _, task := range tasks {
		gotIDs[task.Id.String()] = task
		if task.Status != agentapi.TaskStatusOpen || task.Category != category || task.CreatedAt.IsZero() {
			t.Errorf("listed task %+v: want open, %s, a createdAt", task, category)
		}
	}
	if got, want := slices.Sorted(maps.Keys(gotIDs)), slices.Sorted(slices.Values(ids)); !slices.Equal(got, want) {
		t.Fatalf("OpenTasks ids = %v, want %v", got, want)
	}
	if p := gotIDs[ids[0]].Price; p != "12.34" {
		t.Errorf("price = %q, want the decimal string 12.34", p)
	}

	// Bids: the price reads back exactly as a float64; the same key replays.
	bids := map[string]agentapi.Bid{}
	for i, price := range []float64{12.34, 12.5, 40} {
		key := NewIdempotencyKey()
		bid, replayed, err := agent.Bid(ctx, ids[i], price, "I can summarize this report.", key)
		if err != nil {
			t.Fatal(err)
		}
		if bid.ProposedPrice != price || bid.Status != agentapi.BidStatusPending || bid.TaskId.String() != ids[i] || replayed {
			t.Fatalf("bid = %+v (replayed %v), want %v pending on %s, not replayed", bid, replayed, price, ids[i])
		}
		again, replayed, err := agent.Bid(ctx, ids[i], price, "I can summarize this report.", key)
		if err != nil {
			t.Fatal(err)
		}
		if !replayed || again.Id != bid.Id || again.ProposedPrice != price {
			t.Fatalf("retry with the same key: %+v (replayed %v), want the first bid %s replayed", again, replayed, bid.Id)
		}
		bids[ids[i]] = bid
	}
	_, _, err = agent.Bid(ctx, ids[0], 11, "A second bid.", "")
	wantAPIError(t, err, 409, agentapi.ErrorCodeCONFLICT)
	_, err = agent.Deliver(ctx, ids[0], "## Too early", "")
	wantAPIError(t, err, 403, agentapi.ErrorCodeFORBIDDEN)

	// The poster accepts each bid; the control API saw the exact price.
	for _, id := range ids {
		state, err := ts.Control.AcceptBid(ctx, id, bids[id].Id.String())
		if err != nil {
			t.Fatal(err)
		}
		if state.Status != "claimed" || len(state.Bids) != 1 || state.Bids[0].ProposedPrice != bids[id].ProposedPrice {
			t.Fatalf("after accept: %s with bids %+v", state.Status, state.Bids)
		}
	}

	// Progress and traces: metadata comes back as it was sent.
	metadata := map[string]any{"pagesProcessed": float64(47), "stage": "parse", "nested": map[string]any{"ok": true, "list": []any{float64(1), nil}}}
	trace, err := agent.Progress(ctx, ids[0], "step_completed", "Parsed 47 pages of financial data", metadata, NewIdempotencyKey())
	if err != nil {
		t.Fatal(err)
	}
	if trace.Event != "step_completed" || trace.Visibility != agentapi.TraceVisibilityPublic || !reflect.DeepEqual(trace.Metadata, metadata) {
		t.Fatalf("trace = %+v, want step_completed, public, metadata %v", trace, metadata)
	}
	traces, err := agent.Traces(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(traces) != 1 || traces[0].Id != trace.Id || !reflect.DeepEqual(traces[0].Metadata, metadata) {
		t.Fatalf("traces = %+v, want the one posted", traces)
	}

	// A delivery scored by the reference scorer: verdict, score and feedback.
	res, err := agent.Deliver(ctx, ids[0], "## Quarterly earnings summary\n\nRevenue grew 15% year over year to $4.2B; "+
		"operating margin rose to 21%.\n\n### Guidance and risks\n\n- Guidance raised to $17B for the year\n"+
		"- Risks named: currency swings and supplier concentration\n", NewIdempotencyKey())
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempt != agentapi.DeliveryResultAttemptN1 || res.Pdqg.Criteria == nil || len(*res.Pdqg.Criteria) == 0 {
		t.Fatalf("delivery = %+v, want attempt 1 with the scorer's criteria", res)
	}
	if want := verdictOf(res.Pdqg.Score); res.Pdqg.Verdict != want {
		t.Errorf("verdict %s for score %v, want %s", res.Pdqg.Verdict, res.Pdqg.Score, want)
	}
	for _, c := range *res.Pdqg.Criteria {
		if c.Name == "" || c.Feedback == "" || c.Score < 0 || c.Score > 1 || c.Weight < 0 {
			t.Errorf("criterion %+v: want a name, feedback, a score in [0,1], a weight >= 0", c)
		}
	}
	state, err := ts.Control.Task(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(state.Deliveries) != 1 || state.Deliveries[0].Score != res.Pdqg.Score {
		t.Errorf("the control API recorded %+v, the agent read score %v", state.Deliveries, res.Pdqg.Score)
	}
}

func verdictOf(score float64) agentapi.PdqgVerdict {
	switch {
	case score < 0.40:
		return agentapi.PdqgVerdictReject
	case score <= 0.65:
		return agentapi.PdqgVerdictWarn
	}
	return agentapi.PdqgVerdictPass
}

// TestAgentReadsEveryDeliveryOutcome pins the gate's scores and reads each
// branch of DeliveryResult's oneOf through its generated type.
func TestAgentReadsEveryDeliveryOutcome(t *testing.T) {
	ts := mockserver.NewTestServer(t, mockserver.Options{})
	agent := newAgent(t, ts, ts.AgentKeys[0])
	tests := []struct {
		name   string
		pinned []float64
		check  func(t *testing.T, ctx context.Context, taskID string, first agentapi.DeliveryResult)
	}{
		{"reject, then pass on resubmit", []float64{0.2, 0.7}, func(t *testing.T, ctx context.Context, taskID string, first agentapi.DeliveryResult) {
			rejected, err := first.AsDeliveryResult0()
			if err != nil {
				t.Fatal(err)
			}
			if *rejected.Status != agentapi.DeliveryResult0StatusPdqgFailed || *rejected.Pdqg.Score != 0.2 ||
				rejected.ResubmitDeadline.Sub(first.SubmittedAt) != 6*time.Hour || !rejected.ResubmitDeadline.Equal(*first.ResubmitDeadline) {
				t.Fatalf("rejected branch = %+v, want pdqg_failed at 0.2 with a deadline 6 hours after %v", rejected, first.SubmittedAt)
			}
			second, err := agent.Resubmit(ctx, taskID, "## Better", NewIdempotencyKey())
			if err != nil {
				t.Fatal(err)
			}
			passed, err := second.AsDeliveryResult3()
			if err != nil {
				t.Fatal(err)
			}
			if second.Attempt != agentapi.DeliveryResultAttemptN2 || second.ResubmitDeadline != nil ||
				*passed.Status != agentapi.DeliveryResult3StatusDelivered || *passed.Pdqg.Verdict != agentapi.DeliveryResult3PdqgVerdictPass || *passed.Pdqg.Score != 0.7 {
				t.Fatalf("resubmit = %+v, clean branch %+v; want attempt 2 delivered, pass at 0.7, no deadline", second, passed)
			}
		}},
		{"reject twice: final fail, no third try", []float64{0.3, 0.1}, func(t *testing.T, ctx context.Context, taskID string, first agentapi.DeliveryResult) {
			if first.Status != agentapi.DeliveryResultStatusPdqgFailed || first.ResubmitDeadline == nil {
				t.Fatalf("first = %+v, want pdqg_failed with a deadline", first)
			}
			second, err := agent.Resubmit(ctx, taskID, "## Still thin", NewIdempotencyKey())
			if err != nil {
				t.Fatal(err)
			}
			final, err := second.AsDeliveryResult1()
			if err != nil {
				t.Fatal(err)
			}
			if *final.Status != agentapi.DeliveryResult1StatusPdqgFinalFail || *final.Attempt != agentapi.DeliveryResult1AttemptN2 || second.ResubmitDeadline != nil {
				t.Fatalf("final branch = %+v, want pdqg_final_fail on attempt 2, no deadline", final)
			}
			_, err = agent.Resubmit(ctx, taskID, "## Once more", "")
			wantAPIError(t, err, 403, agentapi.ErrorCodeFORBIDDEN)
		}},
		{"warn at 0.40 passes", []float64{0.4}, func(t *testing.T, ctx context.Context, taskID string, first agentapi.DeliveryResult) {
			warned, err := first.AsDeliveryResult2()
			if err != nil {
				t.Fatal(err)
			}
			if *warned.Status != agentapi.DeliveryResult2StatusDelivered || *warned.Pdqg.Verdict != agentapi.DeliveryResult2PdqgVerdictWarn || *warned.Pdqg.Score != 0.4 {
				t.Fatalf("warn branch = %+v, want delivered, warn at 0.4", warned)
			}
			_, err = agent.Resubmit(ctx, taskID, "## Not needed", "")
			wantAPIError(t, err, 403, agentapi.ErrorCodeFORBIDDEN)
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			taskID := newTasks(t, ts, fmt.Sprintf("go-agent-outcome-%d", i), "25.00")[0]
			bid, _, err := agent.Bid(ctx, taskID, 25, "I can do it.", NewIdempotencyKey())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ts.Control.AcceptBid(ctx, taskID, bid.Id.String()); err != nil {
				t.Fatal(err)
			}
			if _, err := ts.Control.PinScores(ctx, taskID, tt.pinned...); err != nil {
				t.Fatal(err)
			}
			first, err := agent.Deliver(ctx, taskID, "## Draft", NewIdempotencyKey())
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, ctx, taskID, first)
		})
	}
}

// TestAgentReportsErrorAnswers: each error answer arrives as an *APIError
// with the envelope's code, and the key never shows in the error.
func TestAgentReportsErrorAnswers(t *testing.T) {
	ts := mockserver.NewTestServer(t, mockserver.Options{})
	ctx := t.Context()
	taskID := newTasks(t, ts, "go-agent-errors", "10.00")[0]
	alpha := newAgent(t, ts, ts.AgentKeys[0])
	const wrongKey = "jtb_live_not_a_key_of_this_server"
	stranger := newAgent(t, ts, wrongKey)
	key := NewIdempotencyKey()
	if _, _, err := alpha.Bid(ctx, taskID, 10, "first", key); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		call   func() error
		status int
		code   agentapi.ErrorCode
	}{
		{"unknown key", func() error { _, err := stranger.Page(ctx, "", "", 0); return err }, 401, agentapi.ErrorCodeUNAUTHORIZED},
		{"unknown task", func() error {
			_, _, err := alpha.Bid(ctx, "00000000-0000-4000-8000-000000000000", 10, "x", "")
			return err
		}, 404, agentapi.ErrorCodeNOTFOUND},
		{"price 0", func() error { _, _, err := alpha.Bid(ctx, taskID, 0, "x", ""); return err }, 400, agentapi.ErrorCodeBADREQUEST},
		{"same key, other body", func() error { _, _, err := alpha.Bid(ctx, taskID, 11, "first", key); return err }, 422, agentapi.ErrorCodeIDEMPOTENCYKEYREUSED},
		{"tampered cursor", func() error { _, err := alpha.Page(ctx, "", "not-a-cursor", 0); return err }, 400, agentapi.ErrorCodeBADREQUEST},
		{"traces of a task not assigned", func() error { _, err := alpha.Traces(ctx, taskID); return err }, 403, agentapi.ErrorCodeFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			wantAPIError(t, err, tt.status, tt.code)
			if strings.Contains(err.Error(), wrongKey) || strings.Contains(err.Error(), ts.AgentKeys[0]) {
				t.Errorf("error %q shows an API key", err)
			}
		})
	}
}

// TestAgentNoticesABrokenServer runs steps of the flow against mocks that
// break one rule each (docs/DEFECTS.md): what the generated types read must
// show the break, so the flow test above would fail on such a server.
func TestAgentNoticesABrokenServer(t *testing.T) {
	tests := []struct {
		defect string
		broken func(t *testing.T, agent *Agent, taskID string) string // "" when the agent saw nothing wrong
	}{
		{"bid-returns-200", func(t *testing.T, agent *Agent, taskID string) string {
			if _, _, err := agent.Bid(t.Context(), taskID, 5, "c", ""); err != nil {
				return err.Error()
			}
			return ""
		}},
		{"price-as-number", func(t *testing.T, agent *Agent, taskID string) string {
			if _, err := agent.Page(t.Context(), "", "", 1); err != nil {
				return err.Error()
			}
			return ""
		}},
		{"idem-no-replay-header", func(t *testing.T, agent *Agent, taskID string) string {
			key := NewIdempotencyKey()
			for i := range 2 {
				_, replayed, err := agent.Bid(t.Context(), taskID, 5, "c", key)
				if err != nil {
					t.Fatal(err)
				}
				if i == 1 && !replayed {
					return "the retry with the same key was not marked replayed"
				}
			}
			return ""
		}},
		{"envelope-text-errors", func(t *testing.T, agent *Agent, taskID string) string {
			_, _, err := agent.Bid(t.Context(), "00000000-0000-4000-8000-000000000000", 5, "c", "")
			var apiErr *APIError
			if errors.As(err, &apiErr) && apiErr.Code == "" {
				return err.Error()
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.defect, func(t *testing.T) {
			for _, defects := range [][]string{nil, {tt.defect}} {
				ts := mockserver.NewTestServer(t, mockserver.Options{Defects: defects})
				taskID := newTasks(t, ts, "go-agent-defect", "5.00")[0]
				problem := tt.broken(t, newAgent(t, ts, ts.AgentKeys[0]), taskID)
				if defects == nil && problem != "" {
					t.Fatalf("the sound mock: %s", problem)
				}
				if defects != nil && problem == "" {
					t.Errorf("the agent saw nothing wrong with a mock broken by %s", tt.defect)
				}
			}
		})
	}
}

// TestRunPlaysBothSides runs the program as an agent developer would against
// jtb mock with its control API: the first delivery is rejected (pinned), the
// program resubmits once and the task ends delivered.
func TestRunPlaysBothSides(t *testing.T) {
	ts := mockserver.NewTestServer(t, mockserver.Options{ControlToken: "poster-token"})
	ctx := t.Context()
	const category = "go-agent-run"
	taskID := newTasks(t, ts, category, "18.75")[0]
	if _, err := ts.Control.PinScores(ctx, taskID, 0.25, 0.8); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"JTB_BASE_URL": ts.URL, "JTB_API_KEY": ts.AgentKeys[0], "JTB_CONTROL_TOKEN": "poster-token"}
	var out bytes.Buffer
	err := run(ctx, []string{"--category", category, "--control-url", ts.URL + "/_control"}, func(k string) string { return env[k] }, &out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"task " + taskID, "18.75, pending", "poster: accepted the bid",
		"delivery 1: score 0.25, verdict reject, task pdqg_failed, resubmit before ",
		"resubmit 2: score 0.80, verdict pass, task delivered", "traces: 2",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), ts.AgentKeys[0]) || strings.Contains(out.String(), "poster-token") {
		t.Errorf("output shows a key or token:\n%s", out.String())
	}
	state, err := ts.Control.Task(ctx, taskID)
	if err != nil {
		t.Fatal(err)
	}
	if state.Status != "delivered" || len(state.Deliveries) != 2 || len(state.Bids) != 1 || state.Bids[0].ProposedPrice != 18.75 {
		t.Errorf("task after the run: %s, %d deliveries, bids %+v; want delivered, 2, one bid at 18.75", state.Status, len(state.Deliveries), state.Bids)
	}
}

// TestRunWithoutAPosterStopsAfterTheBid: without a control API the program
// bids, says what waits for the poster, and skips a task it already bid on.
func TestRunWithoutAPosterStopsAfterTheBid(t *testing.T) {
	ts := mockserver.NewTestServer(t, mockserver.Options{})
	ctx := t.Context()
	const category = "go-agent-bid-only"
	ids := newTasks(t, ts, category, "5.00", "6.00")
	args := []string{"--base-url", ts.URL, "--api-key", ts.AgentKeys[1], "--category", category, "--price", "4.99"}
	noEnv := func(string) string { return "" }
	for range 2 {
		var out bytes.Buffer
		if err := run(ctx, args, noEnv, &out); err != nil {
			t.Fatalf("run: %v\n%s", err, out.String())
		}
		if !strings.Contains(out.String(), "4.99, pending") || !strings.Contains(out.String(), "--control-url") {
			t.Errorf("output:\n%s\nwant a pending bid at 4.99 and the --control-url hint", out.String())
		}
	}
	for _, id := range ids {
		state, err := ts.Control.Task(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if state.Status != "open" || len(state.Bids) != 1 || state.Bids[0].ProposedPrice != 4.99 {
			t.Errorf("task %s: %s with bids %+v; want open with one bid at 4.99", id, state.Status, state.Bids)
		}
	}
	// A third run finds no task free of its bids.
	err := run(ctx, args, noEnv, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "took a bid") {
		t.Errorf("third run: %v, want none of the tasks to take a bid", err)
	}
}

func TestRunRefusesBadConfiguration(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no key", nil, nil, "no API key"},
		{"not a URL", []string{"--base-url", "127.0.0.1:4010"}, map[string]string{"JTB_API_KEY": "k"}, "http:// or https://"},
		{"negative price", []string{"--price", "-1", "--api-key", "k"}, nil, "--price"},
		{"zero timeout", []string{"--timeout", "0s", "--api-key", "k"}, nil, "--timeout"},
		{"unknown flag", []string{"--nope"}, nil, "nope"},
		{"stray argument", []string{"--api-key", "k", "extra"}, nil, "extra"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(t.Context(), tt.args, func(k string) string { return tt.env[k] }, &bytes.Buffer{})
			var usage usageError
			if !errors.As(err, &usage) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want a usage error mentioning %q", err, tt.want)
			}
		})
	}
}

// ExampleAgent_Bid bids on a task the poster just posted on a mock.
func ExampleAgent_Bid() {
	ts, err := mockserver.StartTestServer(mockserver.Options{})
	if err != nil {
		panic(err)
	}
	defer ts.Close()
	ctx := context.Background()
	task, err := ts.Control.CreateTask(ctx, mockserver.NewTask{
		Title: "Summarize a report", Description: "Summarize it.", Category: "summarization", Band: "basic", Price: "12.34",
	})
	if err != nil {
		panic(err)
	}

	agent, err := NewAgent(ts.URL, "jtb_live_mock_agent_alpha", nil)
	if err != nil {
		panic(err)
	}
	key := NewIdempotencyKey()
	bid, replayed, err := agent.Bid(ctx, task.ID, 12.34, "I can summarize it.", key)
	fmt.Println(bid.ProposedPrice, bid.Status, replayed, err)
	again, replayed, err := agent.Bid(ctx, task.ID, 12.34, "I can summarize it.", key)
	fmt.Println(again.Id == bid.Id, replayed, err)
	_, _, err = agent.Bid(ctx, task.ID, 12.34, "A second bid.", "")
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Status, apiErr.Code)
	}
	// Output:
	// 12.34 pending false <nil>
	// true true <nil>
	// 409 CONFLICT
}
