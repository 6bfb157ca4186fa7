package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobtobot/jtb/mockserver"
)

// fakeClock is the proxy's clock in tests: it moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// findingLog collects findings as the proxy reports them.
type findingLog struct {
	mu  sync.Mutex
	all []Finding
}

func (l *findingLog) add(f Finding) {
	l.mu.Lock()
	l.all = append(l.all, f)
	l.mu.Unlock()
}

func (l *findingLog) list() []Finding {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Finding(nil), l.all...)
}

func (l *findingLog) reset() {
	l.mu.Lock()
	l.all = nil
	l.mu.Unlock()
}

// byRule is the findings of one rule.
func (l *findingLog) byRule(rule string) []Finding {
	var out []Finding
	for _, f := range l.list() {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

func (l *findingLog) String() string {
	var b strings.Builder
	for _, f := range l.list() {
		fmt.Fprintf(&b, "  %s\n", f.Line())
	}
	if b.Len() == 0 {
		return "  (no findings)\n"
	}
	return b.String()
}

// rig is a proxy in front of an upstream, with its findings and clock.
type rig struct {
	t        testing.TB
	proxy    *Proxy
	URL      string // the proxy's base URL
	findings *findingLog
	clock    *fakeClock
	control  *mockserver.ControlClient // the control API, through the proxy
	keys     []string                  // the mock's agent keys, when it fronts one
	mock     *mockserver.TestServer
	server   *Server
}

// newRig starts a proxy in front of upstream (a base URL).
func newRig(t testing.TB, upstream string, opts Options) *rig {
	t.Helper()
	r := &rig{t: t, findings: &findingLog{}, clock: newFakeClock()}
	opts.Upstream = upstream
	if opts.OnFinding == nil {
		opts.OnFinding = r.findings.add
	}
	if opts.Now == nil {
		opts.Now = r.clock.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = func(ctx context.Context, d time.Duration) error { r.clock.Advance(d); return ctx.Err() }
	}
	p, err := New(opts)
	if err != nil {
		t.Fatalf("proxy.New: %v", err)
	}
	// Served as jtb proxy serves it (Server): the plain calls on its own
	// loop, the rest on net/http.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(&http.Server{Handler: p})
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	r.proxy, r.URL, r.server = p, "http://"+ln.Addr().String(), srv
	r.control = mockserver.NewControlClient(r.URL+"/_control", "", http.DefaultClient)
	return r
}

// mockRig is a proxy in front of a fresh reference mock.
func mockRig(t testing.TB, mopts mockserver.Options, opts Options) *rig {
	t.Helper()
	ts := mockserver.NewTestServer(t, mopts)
	r := newRig(t, ts.URL, opts)
	r.keys, r.mock = ts.AgentKeys, ts
	return r
}

// newTask creates an open task of a category of its own, through the
// proxy's pass-through of the control API.
func (r *rig) newTask() string {
	r.t.Helper()
	task, err := r.control.CreateTask(context.Background(), newTask(fmt.Sprintf("cat-%d", time.Now().UnixNano())))
	if err != nil {
		r.t.Fatalf("create task: %v", err)
	}
	return task.ID
}

func newTask(category string) mockserver.NewTask {
	return mockserver.NewTask{Title: "Summarize a report", Description: "Summarize the quarterly report in five bullet points.",
		Category: category, Band: "standard", Price: "15.00"}
}

// claimed creates a task on which b placed a bid the poster accepted; it
// returns the task and the bid.
func (r *rig) claimed(b *bot) (task, bid string) {
	r.t.Helper()
	task = r.newTask()
	got := b.send(http.MethodPost, "/v1/tasks/"+task+"/bids", bidBody(), "bid-"+task)
	if got.status/100 != 2 {
		r.t.Fatalf("bid: %d %s (%v)", got.status, got.body, got.err)
	}
	var v struct {
		ID string `json:"id"`
	}
	got.data(r.t, &v)
	if _, err := r.control.AcceptBid(context.Background(), task, v.ID); err != nil {
		r.t.Fatalf("accept: %v", err)
	}
	return task, v.ID
}

// bot is a scripted agent: one key, one HTTP client, no retries unless a
// test scripts them.
type bot struct {
	t    testing.TB
	base string
	key  string
	http *http.Client
}

func (r *rig) bot(key string) *bot {
	// No keep-alive: a dropped connection is then never retried by
	// net/http on the bot's behalf, so the script alone decides retries.
	return &bot{t: r.t, base: r.URL, key: key, http: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}}
}

// answer is what the bot got.
type answer struct {
	status int
	header http.Header
	body   []byte
	err    error // a transport error: no answer
}

func (a answer) data(t testing.TB, v any) {
	t.Helper()
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(a.body, &env); err != nil || json.Unmarshal(env.Data, v) != nil {
		t.Fatalf("answer %d is not a success envelope of %T: %s", a.status, v, a.body)
	}
}

func (a answer) code() string {
	var env struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	json.Unmarshal(a.body, &env)
	return env.Error.Code
}

// send makes one call; key "" sends no Idempotency-Key. body is marshalled
// unless it is already bytes.
func (b *bot) send(method, path string, body any, key string) answer {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, ok := body.([]byte)
		if !ok {
			var err error
			if raw, err = json.Marshal(body); err != nil {
				b.t.Fatal(err)
			}
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, b.base+path, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	if b.key != "" {
		req.Header.Set("Authorization", "Bearer "+b.key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: data, err: err}
}

func (b *bot) get(path string) answer { return b.send(http.MethodGet, path, nil, "") }

func bidBody() map[string]any {
	return map[string]any{"proposedPrice": 12.5, "coverLetter": "I can summarize this report with key metrics."}
}

// expectNone fails the test when the log holds a finding.
func (r *rig) expectNone(what string) {
	r.t.Helper()
	if got := r.findings.list(); len(got) > 0 {
		r.t.Fatalf("%s: want no finding, got %d:\n%s", what, len(got), r.findings)
	}
}

// expectRule fails unless the log holds a finding of rule whose message
// names each of words; it returns the first such finding.
func (r *rig) expectRule(rule string, sev Severity, words ...string) Finding {
	r.t.Helper()
	for _, f := range r.findings.byRule(rule) {
		ok := f.Severity == sev
		for _, w := range words {
			ok = ok && strings.Contains(f.Message, w)
		}
		if ok {
			return f
		}
	}
	r.t.Fatalf("want a %s finding of %s naming %q, got:\n%s", sev, rule, words, r.findings)
	return Finding{}
}

// readDoc is docs/PROXY.md.
func readDoc(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("../docs/PROXY.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
