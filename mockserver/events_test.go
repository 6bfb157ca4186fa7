package mockserver

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jobtobot/jtb"
)

// openEvents opens the stream and reads its first event.
func openEvents(t *testing.T, ts *TestServer, lastID string) (*EventStream, Event) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s, err := ts.Control.Events(ctx, lastID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ev, err := s.Next()
	if err != nil {
		t.Fatal(err)
	}
	return s, ev
}

// next reads events until one of type want, failing on anything else
// unless skip lists it.
func next(t *testing.T, s *EventStream, want string, skip ...string) Event {
	t.Helper()
	for {
		ev, err := s.Next()
		if err != nil {
			t.Fatalf("waiting for %s: %v", want, err)
		}
		if ev.Type == want {
			return ev
		}
		if !slices.Contains(skip, ev.Type) {
			t.Fatalf("got %s (%s), want %s", ev.Type, ev.Data, want)
		}
	}
}

// eventSchema checks event data against control-api.yaml's Event.
func eventSchema(t *testing.T) func(Event) {
	doc, err := jtb.LoadControlAPI()
	if err != nil {
		t.Fatal(err)
	}
	schema := doc.Components.Schemas["Event"].Value
	return func(ev Event) {
		t.Helper()
		var v any
		if err := json.Unmarshal(ev.Data, &v); err != nil {
			t.Fatalf("%s: data is not JSON: %s", ev.Type, ev.Data)
		}
		if err := schema.VisitJSON(v); err != nil {
			t.Errorf("%s: data does not match the Event schema: %v\n%s", ev.Type, err, ev.Data)
		}
		var head struct {
			ID   uint64 `json:"id"`
			Type string `json:"type"`
		}
		json.Unmarshal(ev.Data, &head)
		if head.ID != ev.ID || head.Type != ev.Type {
			t.Errorf("the id/event lines (%d %s) differ from the data's (%d %s)", ev.ID, ev.Type, head.ID, head.Type)
		}
	}
}

// TestEventStreamTellsTheWholeFlow: every kind of change becomes its event,
// in order, with increasing ids, each matching the documented schema; an
// agent's key never appears.
func TestEventStreamTellsTheWholeFlow(t *testing.T) {
	c := newClient(t, Options{Clock: &fakeClock{now: Epoch}})
	ctx := context.Background()
	check := eventSchema(t)
	s, first := openEvents(t, c.ts, "")
	if first.Type != eventOpen || first.ID != 0 {
		t.Fatalf("first event %s id %d, want %s without an id", first.Type, first.ID, eventOpen)
	}
	check(first)

	task := c.newTask(t)
	bidA := c.bid(t, alphaKey, task)
	bidB := c.bid(t, bravoKey, task)
	if _, err := c.ts.Control.AcceptBid(ctx, task, bidA); err != nil {
		t.Fatal(err)
	}
	c.do("POST", "/v1/tasks/"+task+"/progress", alphaKey, map[string]any{"event": "step", "message": "Parsed 47 pages", "metadata": map[string]any{"pages": 47}}).want(t, 201, "")
	if _, err := c.ts.Control.PinScores(ctx, task, 0.2); err != nil {
		t.Fatal(err)
	}
	c.do("POST", "/v1/tasks/"+task+"/deliver", alphaKey, map[string]any{"content": "too short"}).want(t, 200, "")
	if _, err := c.ts.Control.AdvanceClock(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	agent, err := c.ts.Control.CreateAgent(ctx, "charlie")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ts.Control.AdvanceTaskTime(ctx, task, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ts.Control.DeleteAgent(ctx, agent.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ts.Control.DeleteTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ts.Control.SetPoster(ctx, Poster{AutoAccept: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ts.Control.Reset(ctx); err != nil {
		t.Fatal(err)
	}

	want := []string{eventTaskCreated, eventBidPlaced, eventBidPlaced, eventBidRejected, eventBidAccepted, eventTrace,
		eventPinned, eventDelivery, eventClock, eventAgent, eventTaskTime, eventAgentRemoved, eventTaskRemoved, eventPosterChanged, eventReset}
	var got []Event
	for range want {
		ev, err := s.Next()
		if err != nil {
			t.Fatal(err)
		}
		check(ev)
		if strings.Contains(string(ev.Data), agent.APIKey) {
			t.Fatalf("%s carries an API key: %s", ev.Type, ev.Data)
		}
		if len(got) > 0 && ev.ID != got[len(got)-1].ID+1 {
			t.Errorf("%s has id %d after %d", ev.Type, ev.ID, got[len(got)-1].ID)
		}
		got = append(got, ev)
	}
	var types []string
	for _, ev := range got {
		types = append(types, ev.Type)
	}
	if !slices.Equal(types, want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	var rejected, accepted, delivered, trace, moved, agentGone, taskGone eventData
	got[10].Decode(&moved)
	got[11].Decode(&agentGone)
	got[12].Decode(&taskGone)
	if moved.TaskID != task || moved.Seconds != 3600 || agentGone.AgentID != agent.ID || taskGone.TaskID != task {
		t.Errorf("shared-target events: %s %s %s", got[10].Data, got[11].Data, got[12].Data)
	}
	got[3].Decode(&rejected)
	got[4].Decode(&accepted)
	got[5].Decode(&trace)
	got[7].Decode(&delivered)
	switch {
	case rejected.BidID != bidB || accepted.BidID != bidA || accepted.Status != "claimed" || accepted.AgentID == "":
		t.Errorf("accept events: rejected %+v, accepted %+v", rejected, accepted)
	case trace.Trace == nil || trace.Trace.Message != "Parsed 47 pages" || string(trace.Trace.Metadata) != `{"pages":47}`:
		t.Errorf("trace event: %s", got[5].Data)
	case delivered.Delivery == nil || delivered.Delivery.PDQG.Verdict != "reject" || delivered.Status != "pdqg_failed":
		t.Errorf("delivery event: %s", got[7].Data)
	}
}

func TestDeliveryEventCarriesTheBreakdown(t *testing.T) {
	c := newClient(t, Options{Clock: &fakeClock{now: Epoch}})
	task := claimedTask(t, c)
	s, _ := openEvents(t, c.ts, "")
	c.do("POST", "/v1/tasks/"+task+"/deliver", alphaKey, map[string]any{"content": "## Summary\n\nRevenue rose 12% to 4.1 billion; margins held at 31%."}).want(t, 200, "")
	var d eventData
	next(t, s, eventDelivery).Decode(&d)
	if d.Delivery == nil || len(d.Delivery.PDQG.Criteria) == 0 {
		t.Fatalf("a scored delivery's event has no criteria: %+v", d.Delivery)
	}
}

// TestEventReplay: a client back with Last-Event-ID gets what it missed from
// the ring while someone else watched; when events went unrecorded (nobody
// watched), or its id is not one of this stream's, it gets stream.resync.
func TestEventReplay(t *testing.T) {
	c := newClient(t, Options{Clock: &fakeClock{now: Epoch}})
	ctx := context.Background()
	keeper, _ := openEvents(t, c.ts, "") // watches throughout
	leaving, _ := openEvents(t, c.ts, "")
	c.newTask(t)
	seen := next(t, leaving, eventTaskCreated)
	next(t, keeper, eventTaskCreated)
	leaving.Close()
	missed := []string{c.newTask(t), c.newTask(t)}
	back, first := openEvents(t, c.ts, fmt.Sprint(seen.ID))
	for i, ev := range []Event{first, next(t, back, eventTaskCreated)} {
		var d eventData
		ev.Decode(&d)
		if ev.Type != eventTaskCreated || d.TaskID != missed[i] || ev.ID != seen.ID+1+uint64(i) {
			t.Fatalf("replayed %s %d for %s, want task.created %d for %s", ev.Type, ev.ID, d.TaskID, seen.ID+1+uint64(i), missed[i])
		}
	}

	// Everyone leaves; a change happens unwatched.
	last := next(t, keeper, eventTaskCreated, eventTaskCreated)
	keeper.Close()
	back.Close()
	waitClients(t, c.ts.Mock, 0)
	if _, err := c.ts.Control.AdvanceClock(ctx, time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{fmt.Sprint(last.ID), "999", "not-a-number"} {
		_, ev := openEvents(t, c.ts, id)
		if ev.Type != eventResync {
			t.Errorf("Last-Event-ID %s after an unwatched change: %s, want %s", id, ev.Type, eventResync)
		}
	}
}

// waitClients waits for the hub to count n clients: a closed client's
// handler notices in its own time.
func waitClients(t *testing.T, m *Mock, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for m.events.clients() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d event clients, want %d", m.events.clients(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestUnwatchedMockBuildsNoEvents: with nobody on the stream, a whole flow
// publishes nothing (the store asks the hub, an atomic load, and builds no
// change for it).
func TestUnwatchedMockBuildsNoEvents(t *testing.T) {
	c := newClient(t, Options{Clock: &fakeClock{now: Epoch}})
	task := claimedTask(t, c)
	c.do("POST", "/v1/tasks/"+task+"/progress", alphaKey, map[string]any{"event": "e", "message": "m"}).want(t, 201, "")
	c.do("POST", "/v1/tasks/"+task+"/deliver", alphaKey, map[string]any{"content": "done"}).want(t, 200, "")
	h := c.ts.Mock.events
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lastID != 0 || len(h.ring) != 0 {
		t.Fatalf("unwatched, the hub published %d events (%d kept)", h.lastID, len(h.ring))
	}
}

// TestStalledClientIsDropped: a client that never reads cannot hold the
// mock. Every request is answered while its stream backs up; once its
// buffer is full it is dropped and its connection cut.
func TestStalledClientIsDropped(t *testing.T) {
	c := newClient(t, Options{Clock: &fakeClock{now: Epoch}})
	task := claimedTask(t, c)
	conn, err := net.Dial("tcp", strings.TrimPrefix(c.ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /_control/events HTTP/1.1\r\nHost: mock\r\n\r\n") // and never reads
	waitClients(t, c.ts.Mock, 1)
	// Each trace carries ~900 KB of metadata: the stalled client's socket
	// and then its buffer fill within a few dozen.
	blob := strings.Repeat("x", 900<<10)
	posts := 0
	for c.ts.Mock.events.clients() > 0 {
		if posts++; posts > 200 {
			t.Fatalf("after %d big traces the stalled client is still connected", posts)
		}
		c.do("POST", "/v1/tasks/"+task+"/progress", alphaKey, map[string]any{"event": "e", "message": "m", "metadata": map[string]any{"blob": blob}}).want(t, 201, "")
	}
	t.Logf("stalled client dropped after %d traces of 900 KB", posts)
	// The mock still serves, and the stalled connection ends: whatever the
	// socket holds, then EOF (or a reset), never a hang.
	c.do("GET", "/v1/tasks/available?limit=1", alphaKey, nil).want(t, 200, "")
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	n, err := io.Copy(io.Discard, conn)
	t.Logf("read %d bytes after the drop", n)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the dropped client's connection stayed open: %v", err)
	}
}

// TestStreamOutlivesServerTimeouts: a stream lasts past the server's read
// and write timeouts (which are for requests), with keep-alive comments
// while idle, and still delivers events.
func TestStreamOutlivesServerTimeouts(t *testing.T) {
	m, err := New(Options{Clock: &fakeClock{now: Epoch}})
	if err != nil {
		t.Fatal(err)
	}
	m.events.keepAlive = 20 * time.Millisecond
	srv := httptest.NewUnstartedServer(m)
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = 60*time.Millisecond, 60*time.Millisecond
	srv.Start()
	defer srv.Close()
	defer m.events.close()
	resp, err := srv.Client().Get(srv.URL + "/_control/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	r := bufio.NewReader(resp.Body)
	start := time.Now()
	keepAlives := 0
	for keepAlives < 3 || time.Since(start) < 200*time.Millisecond {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("the stream ended after %v and %d keep-alives: %v", time.Since(start), keepAlives, err)
		}
		if line == ": keep-alive\n" {
			keepAlives++
		}
	}
	rec := serve(t, m, "POST", "/_control/tasks", "", `{"title":"t","description":"d","category":"c","band":"b","price":"1.00"}`)
	mustStatus(t, rec, 201)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("no event after %v: %v", time.Since(start), err)
		}
		if line == "event: task.created\n" {
			return
		}
	}
}

// TestShutdownEndsStreams: Serve's graceful stop does not wait its whole
// grace for open streams: they end as it starts.
func TestShutdownEndsStreams(t *testing.T) {
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, NewServer(m, DefaultLimits()), ln, m, time.Hour) }()
	s, err := NewControlClient("http://"+ln.Addr().String()+"/_control", "", nil).Events(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if ev, err := s.Next(); err != nil || ev.Type != eventOpen {
		t.Fatalf("first event %v, %v", ev.Type, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve still waits for an open event stream")
	}
	if _, err := s.Next(); err == nil {
		t.Fatal("the stream goes on after the shutdown")
	}
}

func TestEventsNeedTheControlToken(t *testing.T) {
	c := newClient(t, Options{ControlToken: "s3cret"})
	resp, err := http.Get(c.ts.URL + "/_control/events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no token: %d, want 401", resp.StatusCode)
	}
	s, ev := openEvents(t, c.ts, "") // the test server's client sends the token
	defer s.Close()
	if ev.Type != eventOpen {
		t.Fatalf("with the token: %s", ev.Type)
	}
}

// BenchmarkServeBidWatched is BenchmarkServeBid with one client on the
// event stream (draining as fast as it can): the cost of being watched.
// BenchmarkServeBid itself is the unwatched mock.
func BenchmarkServeBidWatched(b *testing.B) {
	m := newBenchMock(b, false)
	ids := benchTasks(b, m)
	// Subscribed after the set-up, whose events would outrun the reader.
	sub := m.events.subscribe("", m.store.Now(), nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case f := <-sub.ch:
				sub.pending.Add(-int64(len(f.data)))
			case <-sub.gone:
				return
			}
		}
	}()
	defer func() {
		if m.events.clients() != 1 {
			b.Errorf("the reader was dropped: the benchmark measured an unwatched mock")
		}
		m.events.close()
		<-done
	}()
	serveFreshBids(b, m, ids)
}
