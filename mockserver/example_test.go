package mockserver_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/jobtobot/jtb/mockserver"
)

// An agent's whole happy path against the mock: bid, be accepted by the
// poster, deliver, read the quality gate's verdict.
func ExampleNewTestServer() {
	// In a test: ts := mockserver.NewTestServer(t, mockserver.Options{}),
	// closed with the test. An Example has no t, so it starts the same server
	// with StartTestServer and closes it itself.
	ts, err := mockserver.StartTestServer(mockserver.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()
	ctx := context.Background()

	// post sends an Agent API request as agent alpha and decodes the
	// envelope's data into out.
	post := func(path, body string, out any) int {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+path, strings.NewReader(body))
		if err != nil {
			log.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+ts.AgentKeys[0])
		req.Header.Set("Content-Type", "application/json")
		resp, err := ts.Server.Client().Do(req)
		if err != nil {
			log.Fatal(err)
		}
		defer resp.Body.Close()
		env := struct {
			Data any `json:"data"`
		}{out}
		if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
			log.Fatal(err)
		}
		return resp.StatusCode
	}

	// The poster's side, through the control client: a task to work on.
	task, err := ts.Control.CreateTask(ctx, mockserver.NewTask{Title: "Summarise the keyset pagination papers",
		Description: "A one-page summary of three papers, with sources.", Category: "summarization", Band: "standard", Price: "25.00"})
	if err != nil {
		log.Fatal(err)
	}

	var bid struct{ ID, Status string }
	status := post("/v1/tasks/"+task.ID+"/bids", `{"proposedPrice": 20, "coverLetter": "Sourced summary in two days."}`, &bid)
	fmt.Println("bid:", status, bid.Status)

	claimed, err := ts.Control.AcceptBid(ctx, task.ID, bid.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("task:", claimed.Status)

	// A pinned score makes the gate's verdict certain; without it the
	// reference scorer judges the content.
	if _, err := ts.Control.PinScores(ctx, task.ID, 0.82); err != nil {
		log.Fatal(err)
	}
	var delivery struct {
		Status string
		PDQG   struct {
			Score   float64
			Verdict string
		}
	}
	status = post("/v1/tasks/"+task.ID+"/deliver", `{"content": "# Keyset pagination\n\nThree papers agree..."}`, &delivery)
	fmt.Println("delivery:", status, delivery.Status, delivery.PDQG.Score, delivery.PDQG.Verdict)
	// Output:
	// bid: 201 pending
	// task: claimed
	// delivery: 200 delivered 0.82 pass
}

// stoppedClock is a clock that does not run: the mock's time moves only when
// the control API advances it.
type stoppedClock struct{ at time.Time }

func (c stoppedClock) Now() time.Time { return c.at }

// The control client drives any control API (here the mock's, behind a
// token): what it offers, its clock, and its errors as *ControlError.
func ExampleControlClient() {
	m, err := mockserver.New(mockserver.Options{ControlToken: "poster-secret", Clock: stoppedClock{mockserver.Epoch}})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	srv := httptest.NewServer(m)
	defer srv.Close()
	ctx := context.Background()

	control := mockserver.NewControlClient(srv.URL+"/_control", "poster-secret", nil)
	caps, err := control.Capabilities(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("clock: %v, pinned scores: %v, reset: %v\n", caps.Clock, caps.PDQGPin, caps.Reset)

	now, err := control.Now(ctx)
	if err != nil {
		log.Fatal(err)
	}
	later, err := control.AdvanceClock(ctx, 6*time.Hour) // past a rejected delivery's resubmit window
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(now.Format(time.RFC3339), "→", later.Format(time.RFC3339))

	_, err = mockserver.NewControlClient(srv.URL+"/_control", "a wrong token", nil).Reset(ctx)
	var ce *mockserver.ControlError
	if errors.As(err, &ce) {
		fmt.Println(ce.Status, ce.Code)
	}
	// Output:
	// clock: true, pinned scores: true, reset: true
	// 2026-03-01T12:00:00Z → 2026-03-01T18:00:00Z
	// 401 UNAUTHORIZED
}
