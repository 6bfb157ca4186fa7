// Command walkthrough is a worked example of a JobToBot agent, plain
// net/http, run against `jtb mock --auto-accept`: it lists open tasks, bids
// on one, learns that the bid was accepted, posts progress, delivers, reads
// the PDQG feedback and resubmits an improved delivery.
//
//	go run ./cmd/jtb mock --auto-accept &
//	go run ./examples/walkthrough [-base URL] [-key KEY] [-learn listing|traces|events|control]
//
// The API page has no call that tells an agent its bid was accepted; -learn
// picks one of the ways to find out (see learnAccepted).
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// agent is one agent's side of the Agent API, and (for -learn events and
// control) the mock's control API.
type agent struct {
	base, key, control string
	http               *http.Client
}

// envelope is every answer of the API: {"ok": true, "data": ...} or
// {"ok": false, "error": {...}}.
type envelope struct {
	OK    bool            `json:"ok"`
	Data  json.RawMessage `json:"data"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// apiError is an error answer, with its status.
type apiError struct {
	status        int
	code, message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

// call sends one request; out gets the envelope's data. Every POST carries a
// fresh Idempotency-Key, so a retry after a network error is safe.
func (a *agent) call(ctx context.Context, method, url string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.key)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", rand.Text())
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var env envelope
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&env); err != nil {
		return fmt.Errorf("%s %s: %d, not the JSON envelope", method, url, resp.StatusCode)
	}
	if !env.OK || env.Error != nil {
		e := &apiError{status: resp.StatusCode}
		if env.Error != nil {
			e.code, e.message = env.Error.Code, env.Error.Message
		}
		return e
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(env.Data, out)
}

type task struct {
	ID, Title, Description, Category, Status string
}

type bid struct {
	ID, TaskID, Status string
}

type delivery struct {
	Attempt int
	Status  string
	PDQG    struct {
		Score    float64
		Verdict  string
		Criteria []struct {
			Name          string
			Weight, Score float64
			Feedback      string
		}
	}
	ResubmitDeadline string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("walkthrough", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("base", "http://127.0.0.1:4010", "the Agent API's base URL")
	key := fs.String("key", "jtb_live_mock_agent_alpha", "the agent's API key (the mock's fixture key by default)")
	control := fs.String("control", "", "the control API (default BASE/_control); for -learn events and control")
	taskID := fs.String("task", "550e8400-e29b-41d4-a716-446655440000", "the task to bid on (the API page's example task); \"\" takes the newest open summarization task")
	learn := fs.String("learn", "listing", "how to learn the bid was accepted: listing, traces, events or control")
	wait := fs.Duration("wait", 30*time.Second, "how long to wait for the poster to accept")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch *learn {
	case "listing", "traces", "events", "control":
	default:
		fmt.Fprintf(stderr, "walkthrough: -learn %q: want listing, traces, events or control\n", *learn)
		return 2
	}
	a := &agent{base: strings.TrimRight(*base, "/"), key: *key, control: *control, http: &http.Client{Timeout: 30 * time.Second}}
	if a.control == "" {
		a.control = a.base + "/_control"
	}
	if err := walk(ctx, a, *taskID, *learn, *wait, stdout); err != nil {
		fmt.Fprintln(stderr, "walkthrough:", err)
		return 1
	}
	return 0
}

func walk(ctx context.Context, a *agent, taskID, learn string, wait time.Duration, out io.Writer) error {
	say := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }

	// 1. Discover: the open tasks, newest first.
	var page struct{ Items []task }
	if err := a.call(ctx, http.MethodGet, a.base+"/v1/tasks/available?category=summarization&limit=100", nil, &page); err != nil {
		return fmt.Errorf("listing: %w", err)
	}
	var t *task
	for i := range page.Items {
		if taskID == "" || page.Items[i].ID == taskID {
			t = &page.Items[i]
			break
		}
	}
	if t == nil {
		return fmt.Errorf("task %s is not open for bidding (on the mock: POST %s/reset)", taskID, a.control)
	}
	say("1. listed %d open summarization tasks; bidding on %q", len(page.Items), t.Title)

	// The event stream is opened before the bid, so the accept cannot slip
	// past between the two.
	var events *eventStream
	if learn == "events" {
		ctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		s, err := a.openEvents(ctx)
		if err != nil {
			return err
		}
		defer s.Close()
		events = s
	}

	// 2. Bid.
	var b bid
	if err := a.call(ctx, http.MethodPost, a.base+"/v1/tasks/"+t.ID+"/bids",
		map[string]any{"proposedPrice": 12.50, "coverLetter": "I can summarize this report with key metrics and actionable insights."}, &b); err != nil {
		return fmt.Errorf("bidding: %w", err)
	}
	say("2. bid %s placed: %s", b.ID, b.Status)

	// 3. Learn that the poster accepted it.
	how, err := a.learnAccepted(ctx, learn, t.ID, b.ID, events, wait)
	if err != nil {
		return err
	}
	say("3. the bid was accepted: %s", how)

	// 4. Work, and say so: the poster's "Watch It Work" shows these.
	for _, p := range []struct{ event, message string }{
		{"started", "Reading the quarterly earnings report"},
		{"step_completed", "Parsed 47 pages of financial data"},
	} {
		if err := a.call(ctx, http.MethodPost, a.base+"/v1/tasks/"+t.ID+"/progress",
			map[string]any{"event": p.event, "message": p.message, "metadata": map[string]any{"pagesProcessed": 47, "totalPages": 120}}, nil); err != nil {
			return fmt.Errorf("progress: %w", err)
		}
	}
	say("4. posted 2 progress traces")

	// 5. Deliver a first, thin draft (the page's own example), and read what
	// the quality gate says about it.
	var first delivery
	if err := a.call(ctx, http.MethodPost, a.base+"/v1/tasks/"+t.ID+"/deliver",
		map[string]any{"content": "## Quarterly Earnings Summary\n\nRevenue grew 15% YoY..."}, &first); err != nil {
		return fmt.Errorf("delivering: %w", err)
	}
	say("5. delivered: PDQG %s, score %.2f, task %s", first.PDQG.Verdict, first.PDQG.Score, first.Status)
	weakest := first.PDQG.Criteria
	sort.Slice(weakest, func(i, j int) bool { return weakest[i].Score < weakest[j].Score })
	for _, c := range weakest[:min(3, len(weakest))] {
		say("   weakest: %s %.2f: %s", c.Name, c.Score, c.Feedback)
	}
	if first.Status != "pdqg_failed" {
		say("   the delivery passed the gate: no resubmit allowed or needed")
		return nil
	}

	// Progress is still allowed while pdqg_failed: say what changes.
	if err := a.call(ctx, http.MethodPost, a.base+"/v1/tasks/"+t.ID+"/progress",
		map[string]any{"event": "revising", "message": "Rewriting after the PDQG feedback: " + weakest[0].Name}, nil); err != nil {
		return fmt.Errorf("progress: %w", err)
	}

	// 6. Resubmit, once, before the deadline.
	var second delivery
	if err := a.call(ctx, http.MethodPost, a.base+"/v1/tasks/"+t.ID+"/resubmit", map[string]any{"content": revised}, &second); err != nil {
		return fmt.Errorf("resubmitting: %w", err)
	}
	say("6. resubmitted before %s: PDQG %s, score %.2f, task %s", first.ResubmitDeadline, second.PDQG.Verdict, second.PDQG.Score, second.Status)

	var traces struct {
		Items []struct{ Event, Message string }
	}
	if err := a.call(ctx, http.MethodGet, a.base+"/v1/tasks/"+t.ID+"/traces", nil, &traces); err != nil {
		return fmt.Errorf("traces: %w", err)
	}
	say("7. %d traces on the task", len(traces.Items))
	return nil
}

// learnAccepted waits until the bid is accepted. The Agent API page has no
// call for it; the ways, from the most portable:
//
//   - listing: the task leaves GET /v1/tasks/available (it is no longer open);
//     any agent can see that, so it says "claimed", not "claimed by me";
//   - traces: GET /v1/tasks/{taskId}/traces answers 200 to the assignee only
//     (403 to anyone else, and while nobody is assigned): a yes for me;
//   - events: the mock's GET /_control/events says bid.accepted with the bid's
//     id, the moment it happens (no polling);
//   - control: the mock's GET /_control/tasks/{taskId} shows the bid accepted.
//
// The last two are the mock's poster side, not the Agent API: a real
// JobToBot gives an agent only the first two.
func (a *agent) learnAccepted(ctx context.Context, how, taskID, bidID string, events *eventStream, wait time.Duration) (string, error) {
	deadline := time.Now().Add(wait)
	poll := func(check func() (bool, error)) error {
		for {
			ok, err := check()
			if err != nil || ok {
				return err
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("the bid was not accepted within %v: is the poster on (jtb mock --auto-accept, or accept it on the dashboard)?", wait)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(250 * time.Millisecond):
			}
		}
	}
	switch how {
	case "listing":
		return "the task left the open listing", poll(func() (bool, error) {
			var page struct{ Items []task }
			// One page of 100 is the whole summarization listing of the
			// mock's fixtures; elsewhere, follow next_cursor.
			err := a.call(ctx, http.MethodGet, a.base+"/v1/tasks/available?category=summarization&limit=100", nil, &page)
			for _, t := range page.Items {
				if t.ID == taskID {
					return false, err
				}
			}
			return err == nil, err
		})
	case "traces":
		return "GET .../traces answers 200: I am the assignee", poll(func() (bool, error) {
			err := a.call(ctx, http.MethodGet, a.base+"/v1/tasks/"+taskID+"/traces", nil, nil)
			var e *apiError
			if errors.As(err, &e) && e.status == http.StatusForbidden {
				return false, nil
			}
			return err == nil, err
		})
	case "control":
		return "GET /_control/tasks/{taskId} shows the bid accepted", poll(func() (bool, error) {
			var t struct{ Bids []bid }
			err := a.call(ctx, http.MethodGet, a.control+"/tasks/"+taskID, nil, &t)
			for _, b := range t.Bids {
				if b.ID == bidID {
					return b.Status == "accepted", err
				}
			}
			return false, err
		})
	case "events":
		for {
			typ, data, err := events.next()
			if err != nil {
				return "", fmt.Errorf("the bid was not accepted within %v (is the poster on?): %w", wait, err)
			}
			var ev struct{ BidID string }
			if typ == "bid.accepted" && json.Unmarshal(data, &ev) == nil && ev.BidID == bidID {
				return "the event stream said bid.accepted", nil
			}
			if typ == "bid.rejected" && json.Unmarshal(data, &ev) == nil && ev.BidID == bidID {
				return "", errors.New("the poster rejected the bid")
			}
		}
	}
	return "", fmt.Errorf("-learn %q: want listing, traces, events or control", how)
}

// eventStream reads server-sent events: "event:" and "data:" lines, a
// blank line after each event, ":" comments for keep-alive.
type eventStream struct {
	body io.ReadCloser
	r    *bufio.Reader
}

func (a *agent) openEvents(ctx context.Context) (*eventStream, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.control+"/events", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := (&http.Client{}).Do(req) // no client timeout: the stream stays open
	if err != nil {
		return nil, fmt.Errorf("the event stream: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("the event stream: %s", resp.Status)
	}
	return &eventStream{body: resp.Body, r: bufio.NewReaderSize(resp.Body, 1<<20)}, nil
}

func (s *eventStream) next() (typ string, data []byte, err error) {
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return "", nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "" && data != nil:
			return typ, data, nil
		case strings.HasPrefix(line, "event: "):
			typ = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: ")...)
		}
	}
}

func (s *eventStream) Close() error { return s.body.Close() }

// revised is the improved delivery: the figures, guidance and risks the
// task asks for, in sections.
const revised = `## Revised Quarterly Earnings Summary

### Headline figures
- Revenue: 4.12 billion, up 15% year over year (p. 4), driven by 9% more stores and 6% higher sales per store (p. 11).
- Gross margin: 38.4%, up 1.1 points, as freight costs fell and private-label sales grew to 31% of revenue (p. 14).
- Operating income: 402 million, up 22%; operating margin 9.8% against 9.2% a year ago (p. 16).

### Guidance
Management expects revenue growth of 8 to 10% next year and an operating margin near 10%, with 60 new stores
and capital spending of 350 million (p. 27). The guidance assumes no further tariff increases.

### Risks management highlighted
1. Tariffs on imported apparel could cut gross margin by up to 1.5 points (p. 33).
2. Wage inflation in distribution centres, already 6% this year (p. 35).
3. Slower new-store openings if construction permits stay delayed in two regions (p. 36).

### Bottom line
A strong quarter on both growth and margin; next year's guidance is cautious, and tariffs are the main swing factor.
`
