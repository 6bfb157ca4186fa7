// Command go-agent is a small JobToBot agent built on a client generated
// from openapi.yaml by oapi-codegen. It lists open tasks, bids on the first
// one and, when it may also play the poster through a control API (jtb mock
// serves one), walks the rest of the flow: accept, progress, deliver through
// the quality gate, resubmit once if rejected, read the traces.
//
//	go run ./cmd/jtb mock &
//	go run ./examples/go-agent --api-key jtb_live_mock_agent_alpha \
//	    --control-url http://127.0.0.1:4010/_control
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/jobtobot/jtb/examples/go-agent/agentapi"
	"github.com/jobtobot/jtb/mockserver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	var usage usageError
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.As(err, &usage):
		fmt.Fprintln(os.Stderr, "go-agent:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "go-agent:", err)
		os.Exit(1)
	}
}

// usageError is a configuration mistake (exit 2), not a failed call (exit 1).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

type config struct {
	baseURL, apiKey          string
	controlURL, controlToken string
	category                 string
	price                    float64
	timeout                  time.Duration
	stdout                   io.Writer
}

func parseConfig(args []string, getenv func(string) string) (*config, error) {
	fs := flag.NewFlagSet("go-agent", flag.ContinueOnError)
	envOr := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	cfg := &config{}
	fs.StringVar(&cfg.baseURL, "base-url", envOr("JTB_BASE_URL", "http://127.0.0.1:4010"), "the Agent API's base URL (env JTB_BASE_URL)")
	fs.StringVar(&cfg.apiKey, "api-key", getenv("JTB_API_KEY"), "the agent's API key (env JTB_API_KEY); jtb mock's agents: jtb_live_mock_agent_alpha, jtb_live_mock_agent_bravo")
	fs.StringVar(&cfg.controlURL, "control-url", getenv("JTB_CONTROL_URL"), "a control API to play the poster with (env JTB_CONTROL_URL; jtb mock: BASE_URL/_control); without it the agent stops after its bid")
	fs.StringVar(&cfg.controlToken, "control-token", getenv("JTB_CONTROL_TOKEN"), "the control API's bearer token (env JTB_CONTROL_TOKEN)")
	fs.StringVar(&cfg.category, "category", "", "bid only on tasks of this category")
	fs.Float64Var(&cfg.price, "price", 0, "the price to propose (default: the task's own price)")
	fs.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "timeout of each HTTP call")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usageError{err.Error()}
	}
	switch {
	case fs.NArg() > 0:
		return nil, usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	case cfg.apiKey == "":
		return nil, usageError{"no API key: pass --api-key or set JTB_API_KEY (jtb mock: jtb_live_mock_agent_alpha)"}
	case !strings.HasPrefix(cfg.baseURL, "http://") && !strings.HasPrefix(cfg.baseURL, "https://"):
		return nil, usageError{fmt.Sprintf("--base-url %q: want an http:// or https:// URL", cfg.baseURL)}
	case cfg.price < 0:
		return nil, usageError{"--price must not be negative"}
	case cfg.timeout <= 0:
		return nil, usageError{"--timeout must be positive"}
	}
	return cfg, nil
}

// run is the program: flags and environment in, a report of each step out.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := parseConfig(args, getenv)
	if err != nil {
		return err
	}
	cfg.stdout = stdout
	return cfg.walk(ctx)
}

func (cfg *config) walk(ctx context.Context) error {
	hc := &http.Client{Timeout: cfg.timeout}
	agent, err := NewAgent(cfg.baseURL, cfg.apiKey, hc)
	if err != nil {
		return usageError{err.Error()}
	}
	out := cfg.stdout

	page, err := agent.Page(ctx, cfg.category, "", 5)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "open tasks: %d on the first page, about %d in all\n", len(page.Items), page.Pagination.TotalEstimate)
	if len(page.Items) == 0 {
		fmt.Fprintln(out, "nothing to bid on")
		return nil
	}
	task, bid, err := cfg.bidOnFirstFree(ctx, agent, page.Items)
	if err != nil {
		return err
	}
	taskID := task.Id.String()

	if cfg.controlURL == "" {
		fmt.Fprintln(out, "the poster accepts or rejects the bid; to play the poster against jtb mock, add --control-url BASE_URL/_control")
		return nil
	}
	poster := mockserver.NewControlClient(cfg.controlURL, cfg.controlToken, hc)
	if _, err := poster.AcceptBid(ctx, taskID, bid.Id.String()); err != nil {
		return fmt.Errorf("playing the poster: %w", err)
	}
	fmt.Fprintln(out, "poster: accepted the bid")

	if _, err := agent.Progress(ctx, taskID, "started", "Drafting the delivery", map[string]any{"step": 1}, NewIdempotencyKey()); err != nil {
		return err
	}
	res, err := agent.Deliver(ctx, taskID, draft(task), NewIdempotencyKey())
	if err != nil {
		return err
	}
	report(out, "delivery", res)

	if res.Status == agentapi.DeliveryResultStatusPdqgFailed {
		if _, err := agent.Progress(ctx, taskID, "revising", "Revising after the quality gate's feedback", map[string]any{"step": 2}, NewIdempotencyKey()); err != nil {
			return err
		}
		if res, err = agent.Resubmit(ctx, taskID, revise(task, res), NewIdempotencyKey()); err != nil {
			return err
		}
		report(out, "resubmit", res)
	}

	traces, err := agent.Traces(ctx, taskID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "traces: %d\n", len(traces))
	return nil
}

// bidOnFirstFree bids on the first task that takes the bid: a task this
// agent already bid on (or that was claimed meanwhile) answers 409, and the
// next one is tried.
func (cfg *config) bidOnFirstFree(ctx context.Context, agent *Agent, tasks []agentapi.Task) (agentapi.Task, agentapi.Bid, error) {
	out := cfg.stdout
	for _, task := range tasks {
		taskID := task.Id.String()
		fmt.Fprintf(out, "task %s: %q, %s, price %s\n", taskID, task.Title, task.Category, task.Price)
		price := cfg.price
		if price == 0 {
			p, err := strconv.ParseFloat(task.Price, 64)
			if err != nil || p <= 0 {
				return task, agentapi.Bid{}, fmt.Errorf("task %s: price %q is not a positive decimal; pass --price", taskID, task.Price)
			}
			price = p
		}
		// A retry after a lost answer would send this same key again, and
		// the server would replay its first answer instead of bidding twice.
		bid, replayed, err := agent.Bid(ctx, taskID, price, "I can deliver this: "+task.Title, NewIdempotencyKey())
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Code == agentapi.ErrorCodeCONFLICT {
			fmt.Fprintf(out, "  skipped: %v\n", err)
			continue
		}
		if err != nil {
			return task, agentapi.Bid{}, err
		}
		fmt.Fprintf(out, "bid %s: %v, %s (replayed: %t)\n", bid.Id, bid.ProposedPrice, bid.Status, replayed)
		return task, bid, nil
	}
	return agentapi.Task{}, agentapi.Bid{}, fmt.Errorf("none of the %d tasks on the first page took a bid", len(tasks))
}

func report(out io.Writer, what string, res agentapi.DeliveryResult) {
	fmt.Fprintf(out, "%s %d: score %.2f, verdict %s, task %s", what, res.Attempt, res.Pdqg.Score, res.Pdqg.Verdict, res.Status)
	if res.ResubmitDeadline != nil {
		fmt.Fprintf(out, ", resubmit before %s", res.ResubmitDeadline.UTC().Format(time.RFC3339))
	}
	fmt.Fprintln(out)
	if res.Pdqg.Criteria != nil {
		for _, c := range *res.Pdqg.Criteria {
			if c.Score < feedbackBelow {
				fmt.Fprintf(out, "  %s %.2f (weight %.2f): %s\n", c.Name, c.Score, c.Weight, c.Feedback)
			}
		}
	}
}

// feedbackBelow is the criterion score under which its feedback is shown:
// what scored well needs no attention.
const feedbackBelow = 0.9

// draft is the first delivery: the task's own words, organised.
func draft(task agentapi.Task) string {
	return fmt.Sprintf("## %s\n\n%s\n\n### Summary\n\n- %s\n- Category: %s\n", task.Title, task.Description, task.Title, task.Category)
}

// revise answers the quality gate's feedback with a fuller delivery.
func revise(task agentapi.Task, res agentapi.DeliveryResult) string {
	var b strings.Builder
	b.WriteString(draft(task))
	b.WriteString("\n### Revised after review\n\n")
	if res.Pdqg.Criteria != nil {
		for _, c := range *res.Pdqg.Criteria {
			if c.Score < feedbackBelow {
				fmt.Fprintf(&b, "- %s: %s\n", c.Name, c.Feedback)
			}
		}
	}
	b.WriteString("- Key figures and next steps are listed above.\n")
	return b.String()
}
