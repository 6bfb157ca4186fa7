package proxy

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jobtobot/jtb/fixtures"
	"github.com/jobtobot/jtb/mockserver"
)

func TestHandlerTransportRoundTrip(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Seen", r.Method+" "+r.URL.RequestURI()+" "+string(body))
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "made")
	})
	req, _ := http.NewRequest(http.MethodPost, "http://in-process/v1/x?y=1", strings.NewReader("hello"))
	resp, err := HandlerTransport(h).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated || string(got) != "made" || resp.Header.Get("X-Seen") != "POST /v1/x?y=1 hello" {
		t.Fatalf("got %d %q %q", resp.StatusCode, got, resp.Header.Get("X-Seen"))
	}
}

func TestHandlerTransportStreams(t *testing.T) {
	release, returned := make(chan struct{}), make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first\n")
		http.NewResponseController(w).Flush()
		<-release
		_, err := io.WriteString(w, "second\n")
		returned <- err
	})
	req, _ := http.NewRequest(http.MethodGet, "http://in-process/stream", nil)
	resp, err := HandlerTransport(h).RoundTrip(req) // before the handler ends
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	// The caller walks away: the handler's next write fails, so it ends.
	resp.Body.Close()
	close(release)
	if err := <-returned; err == nil {
		t.Fatal("a write after the caller closed the body succeeded")
	}
}

func TestHandlerTransportWriteDeadlineFreesAStuckWrite(t *testing.T) {
	done := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		rc.Flush()
		rc.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
		_, err := w.Write([]byte("nobody reads this")) // blocks until the deadline: the caller never reads
		done <- err
	})
	req, _ := http.NewRequest(http.MethodGet, "http://in-process/stuck", nil)
	resp, err := HandlerTransport(h).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("the stuck write ended with %v, want a deadline error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the deadline never freed the stuck write")
	}
}

func TestHandlerTransportPanicIs500(t *testing.T) {
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("a bug") })
	req, _ := http.NewRequest(http.MethodGet, "http://in-process/", nil)
	resp, err := HandlerTransport(h).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
}

// The in-process mock behind the proxy serves the event stream as it
// comes: a task created through the proxy's control path is told at once.
func TestInProcessMockEventsPassThrough(t *testing.T) {
	m, err := mockserver.New(mockserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	p, err := New(Options{Upstream: "http://reference-mock.in-process", Transport: HandlerTransport(m),
		AgentNames: map[string]string{fixtures.AlphaKey: "alpha"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/_control/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	created, err := http.Post(srv.URL+"/_control/tasks", "application/json", strings.NewReader(
		`{"title":"Stream me","description":"d","category":"stream-test","band":"basic","price":"5.00"}`))
	if err != nil {
		t.Fatal(err)
	}
	created.Body.Close()
	if created.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", created.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "event: task.created") {
			return
		}
	}
	t.Fatalf("the stream ended without task.created: %v", sc.Err())
}
