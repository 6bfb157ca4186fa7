// Command prismsession runs Prism (proxy mode, --errors) in front of an
// in-process reference mock and drives a scripted session touching every
// Agent API operation and every error status; any violation Prism reports
// (sl-violations header or a Prism error answer) fails the run. CI runs it
// from .ci/steps/30-prism-proxy.sh.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/jobtobot/jtb/fixtures"
	"github.com/jobtobot/jtb/mockserver"
)

func main() {
	spec := flag.String("spec", "openapi.yaml", "the Agent API document")
	prism := flag.String("prism", "npx --yes @stoplight/prism-cli@5.14.2", "the Prism command")
	timeout := flag.Duration("timeout", 8*time.Minute, "bound on the whole run")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := run(ctx, *spec, *prism); err != nil {
		fmt.Fprintln(os.Stderr, "prism session:", err)
		os.Exit(1)
	}
	fmt.Println("prism session: no violations")
}

func run(ctx context.Context, spec, prism string) error {
	m, err := mockserver.New(mockserver.Options{})
	if err != nil {
		return err
	}
	mock := httptest.NewServer(m) // 127.0.0.1
	defer mock.Close()
	port, err := freePort()
	if err != nil {
		return err
	}
	args := append(strings.Fields(prism), "proxy", spec, mock.URL, "--errors", "--host", "127.0.0.1", "--port", fmt.Sprint(port))
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // so the whole npx tree can be killed
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	}()
	s := &session{base: fmt.Sprintf("http://127.0.0.1:%d", port), control: mockserver.NewControlClient(mock.URL+"/_control", "", nil)}
	if err := s.waitReady(ctx); err != nil {
		return err
	}
	return s.script(ctx)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

type session struct {
	base    string
	control *mockserver.ControlClient
	checks  int
}

func (s *session) waitReady(ctx context.Context) error {
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/v1/tasks/available?limit=1", nil)
		req.Header.Set("Authorization", "Bearer "+fixtures.AlphaKey)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.New("prism did not start in time")
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// call sends one request through Prism and checks the status and that Prism
// saw no violation.
func (s *session) call(ctx context.Context, method, path, key, body string, want int, header ...string) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	s.checks++
	name := method + " " + redactPath(path)
	if v := resp.Header.Get("sl-violations"); v != "" {
		return nil, fmt.Errorf("%s: prism reports violations: %s", name, v)
	}
	if strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
		return nil, fmt.Errorf("%s: prism answered itself (%d): %.300s", name, resp.StatusCode, data)
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s: status %d, want %d: %.300s", name, resp.StatusCode, want, data)
	}
	var env map[string]any
	json.Unmarshal(data, &env)
	fmt.Printf("prism: %d %s, no violation\n", resp.StatusCode, name)
	return env, nil
}

func redactPath(p string) string {
	if i := strings.Index(p, "cursor="); i >= 0 {
		return p[:i] + "cursor=…"
	}
	return p
}

func dataField(env map[string]any, path ...string) string {
	var v any = env["data"]
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	s, _ := v.(string)
	return s
}

func (s *session) script(ctx context.Context) error {
	const alpha, bravo = fixtures.AlphaKey, fixtures.BravoKey
	var errs []error
	must := func(env map[string]any, err error) map[string]any {
		if err != nil {
			errs = append(errs, err)
		}
		return env
	}
	newTask := func() string {
		t, err := s.control.CreateTask(ctx, mockserver.NewTask{Title: "Summarize the report", Description: "Key metrics", Category: "summarization", Band: "standard", Price: "15.00"})
		if err != nil {
			errs = append(errs, err)
		}
		return t.ID
	}
	claim := func(task string) {
		env := must(s.call(ctx, "POST", "/v1/tasks/"+task+"/bids", alpha, `{"proposedPrice":12.5,"coverLetter":"I can do it"}`, 201))
		if _, err := s.control.AcceptBid(ctx, task, dataField(env, "id")); err != nil {
			errs = append(errs, err)
		}
	}
	unknown := "00000000-0000-4000-8000-000000000000"

	page := must(s.call(ctx, "GET", "/v1/tasks/available?limit=5", alpha, "", 200))
	must(s.call(ctx, "GET", "/v1/tasks/available?category=coding&cursor="+dataField(page, "pagination", "next_cursor"), alpha, "", 400))
	must(s.call(ctx, "GET", "/v1/tasks/available?category=nope", alpha, "", 200))
	must(s.call(ctx, "GET", "/v1/tasks/available", "jtb_live_unknown", "", 401))

	task := newTask()
	claim(task)
	must(s.call(ctx, "POST", "/v1/tasks/"+task+"/bids", bravo, `{"proposedPrice":10,"coverLetter":"me too"}`, 409))
	must(s.call(ctx, "POST", "/v1/tasks/"+unknown+"/bids", alpha, `{"proposedPrice":10,"coverLetter":"x"}`, 404))
	must(s.call(ctx, "POST", "/v1/tasks/"+task+"/bids", alpha, `{"proposedPrice":10,"coverLetter":"x","padding":"`+strings.Repeat("x", 1<<20)+`"}`, 413))
	open := newTask()
	must(s.call(ctx, "POST", "/v1/tasks/"+open+"/bids", alpha, `{"proposedPrice":10,"coverLetter":"x"}`, 201, "Idempotency-Key", "prism-1"))
	must(s.call(ctx, "POST", "/v1/tasks/"+open+"/bids", alpha, `{"proposedPrice":10,"coverLetter":"x"}`, 201, "Idempotency-Key", "prism-1"))
	must(s.call(ctx, "POST", "/v1/tasks/"+open+"/bids", alpha, `{"proposedPrice":11,"coverLetter":"x"}`, 422, "Idempotency-Key", "prism-1"))

	must(s.call(ctx, "POST", "/v1/tasks/"+task+"/progress", alpha, `{"event":"step_completed","message":"Parsed 47 pages","metadata":{"pagesProcessed":47}}`, 201))
	must(s.call(ctx, "POST", "/v1/tasks/"+task+"/progress", bravo, `{"event":"step_completed","message":"x"}`, 403))
	must(s.call(ctx, "GET", "/v1/tasks/"+task+"/traces", alpha, "", 200))
	must(s.call(ctx, "GET", "/v1/tasks/"+task+"/traces", bravo, "", 403))
	must(s.call(ctx, "POST", "/v1/tasks/"+task+"/resubmit", alpha, `{"content":"early"}`, 403))
	if _, err := s.control.PinScores(ctx, task, 0.2, 0.3); err != nil {
		errs = append(errs, err)
	}
	must(s.call(ctx, "POST", "/v1/tasks/"+task+"/deliver", alpha, `{"content":"## Draft"}`, 200))
	must(s.call(ctx, "POST", "/v1/tasks/"+task+"/deliver", alpha, `{"content":"## Draft again"}`, 409))
	must(s.call(ctx, "POST", "/v1/tasks/"+task+"/resubmit", alpha, `{"content":"## Better"}`, 200))

	task2 := newTask()
	claim(task2)
	must(s.call(ctx, "POST", "/v1/tasks/"+task2+"/deliver", alpha, `{"content":"## Summary\n\nRevenue grew 15% year over year.\n\n- margin up\n- guidance raised"}`, 200))
	task3 := newTask()
	claim(task3)
	if _, err := s.control.PinScores(ctx, task3, 0.1, 0.9); err != nil {
		errs = append(errs, err)
	}
	must(s.call(ctx, "POST", "/v1/tasks/"+task3+"/deliver", alpha, `{"content":"draft"}`, 200))
	must(s.call(ctx, "POST", "/v1/tasks/"+task3+"/resubmit", alpha, `{"content":"final"}`, 200))
	fmt.Printf("%d checks through prism\n", s.checks)
	return errors.Join(errs...)
}
