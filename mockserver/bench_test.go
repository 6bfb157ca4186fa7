package mockserver

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jobtobot/jtb/mockserver/core"
)

// discardWriter is the cheapest ResponseWriter, so a benchmark measures the
// mock and not a recorder.
type discardWriter struct {
	h      http.Header
	status int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(code int)        { d.status = code }

func newBenchMock(b *testing.B, logged bool) *Mock {
	b.Helper()
	opts := Options{}
	if logged {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil)) // as jtb mock logs, minus the terminal
	}
	m, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	return m
}

// cpuTime is the process's user+system CPU time. Reported per operation
// (cpu-ns/op) it holds still when other processes share the cores, which
// wall time per operation does not.
func cpuTime(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration) {
	b.Helper()
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkServeListing is GET /v1/tasks/available?limit=20 through the
// whole handler: routing, auth, validation, the store, encoding.
func BenchmarkServeListing(b *testing.B) {
	for _, logged := range []bool{false, true} {
		b.Run(fmt.Sprintf("logged=%v", logged), func(b *testing.B) {
			m := newBenchMock(b, logged)
			req := httptest.NewRequest(http.MethodGet, "/v1/tasks/available?limit=20", nil)
			req.Header.Set("Authorization", "Bearer "+m.AgentKeys()[0])
			b.ReportAllocs()
			start := cpuTime(b)
			defer reportCPU(b, start)
			b.RunParallel(func(pb *testing.PB) {
				w := &discardWriter{h: http.Header{}}
				for pb.Next() {
					clear(w.h)
					m.ServeHTTP(w, req)
					if w.status != http.StatusOK {
						b.Fatalf("status %d", w.status)
					}
				}
			})
		})
	}
}

// BenchmarkServeBid is POST /v1/tasks/{id}/bids, each a fresh bid: b.N
// tasks are created first (outside the timer) so every bid is a real write.
func BenchmarkServeBid(b *testing.B) {
	m := newBenchMock(b, false)
	serveFreshBids(b, m, benchTasks(b, m))
}

// benchTasks creates b.N tasks, one for each bid of serveFreshBids.
func benchTasks(b *testing.B, m *Mock) []string {
	b.Helper()
	ids := make([]string, b.N)
	for i := range ids {
		st, err := m.store.CreateTask(newBenchTask(i))
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = st.ID
	}
	return ids
}

// serveFreshBids times one bid on each task, through the whole handler.
func serveFreshBids(b *testing.B, m *Mock, ids []string) {
	b.Helper()
	key := m.AgentKeys()[0]
	const body = `{"proposedPrice":42.5,"coverLetter":"I will deliver a sourced summary within two days."}`
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime(b)
	defer reportCPU(b, start)
	for i := range b.N {
		req := httptest.NewRequest(http.MethodPost, "/v1/tasks/"+ids[i]+"/bids", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		clear(w.h)
		m.ServeHTTP(w, req)
		if w.status != http.StatusCreated {
			b.Fatalf("status %d", w.status)
		}
	}
}

func newBenchTask(i int) core.NewTask {
	return core.NewTask{Title: fmt.Sprintf("Benchmark task %d", i), Description: "A task for a fresh bid.",
		Category: "research", Band: "standard", PriceCents: 4000}
}
