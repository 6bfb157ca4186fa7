package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/jobtobot/jtb/mockserver"
)

// BidBody is what every measured bid sends (wrk/bids.lua holds the same
// string: TestBidsScriptSendsBidBody); the bare handler's answer is a real
// 201 for this same body.
const BidBody = `{"proposedPrice":42.5,"coverLetter":"I will deliver a sourced summary within two days."}`

func runCapture(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("capture", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("base", "", "the mock's base URL")
	key := fs.String("key", "", "an agent API key")
	out := fs.String("out", "", "file to write the listing body to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	status, body, err := send(http.MethodGet, *base+"/v1/tasks/available?limit=20", *key, "")
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("listing answered %d, want 200", status)
	}
	return os.WriteFile(*out, body, 0o644)
}

func runSeed(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("base", "", "the mock's base URL")
	tasks := fs.Int("tasks", 4000, "tasks to create")
	agents := fs.Int("agents", 250, "agents to create")
	tasksOut := fs.String("tasks-out", "", "file for the task ids, one a line")
	keysOut := fs.String("keys-out", "", "file for the agents' API keys, one a line")
	bidOut := fs.String("bid-out", "", "file for the body of one real 201 bid answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *tasks < 1 || *agents < 1 {
		return errors.New("-tasks and -agents must be at least 1")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cc := mockserver.NewControlClient(*base+"/_control", os.Getenv("JTB_CONTROL_TOKEN"), nil)
	newTask := func(i int) (string, error) {
		t, err := cc.CreateTask(ctx, mockserver.NewTask{Title: fmt.Sprintf("Benchmark task %d", i),
			Description: "A task created by bench/ so that every measured bid is a fresh write.",
			Category:    "research", Band: "standard", Price: "40.00"})
		return t.ID, err
	}
	var ids, keys []string
	for i := range *tasks {
		id, err := newTask(i)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	for i := range *agents {
		a, err := cc.CreateAgent(ctx, fmt.Sprintf("bench-%d", i))
		if err != nil {
			return err
		}
		keys = append(keys, a.APIKey)
	}
	// The sample answer is a bid on a task of its own, so no measured pair
	// is used up.
	sample, err := newTask(-1)
	if err != nil {
		return err
	}
	status, body, err := send(http.MethodPost, *base+"/v1/tasks/"+sample+"/bids", keys[0], BidBody)
	if err != nil {
		return err
	}
	if status != http.StatusCreated {
		return fmt.Errorf("sample bid answered %d, want 201", status)
	}
	if err := writeLines(*tasksOut, ids); err != nil {
		return err
	}
	if err := writeLines(*keysOut, keys); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "seeded %d tasks x %d agents = %d fresh bids\n", len(ids), len(keys), len(ids)*len(keys))
	return os.WriteFile(*bidOut, body, 0o644)
}

func send(method, url, key, body string) (int, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

func writeLines(path string, lines []string) error {
	return os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}
