package explore

import (
	"context"
	"io"
	"net/http"
	"syscall"
	"testing"

	"github.com/jobtobot/jtb/fixtures"
)

// BenchmarkExplore is explore's steps against the built-in mock (one op is
// one step); BenchmarkPlainRequests is the baseline of bench/run.sh's row:
// plain requests, one at a time, to the same kind of mock over the same
// loopback (a listing page and a bid, alternately). Compare their ns/op.
func BenchmarkExplore(b *testing.B) {
	mock, err := StartBuiltin(nil)
	if err != nil {
		b.Fatal(err)
	}
	defer mock.Close()
	opts := mock.Options()
	opts.Seed, opts.Steps = 1, b.N
	b.ResetTimer()
	start := cpuTime(b)
	res, err := Explore(context.Background(), opts)
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if res.Divergence != nil {
		b.Fatalf("the good mock diverged: %s", res.Divergence.What)
	}
	b.ReportMetric(float64(res.Requests)/float64(res.Steps), "requests/step")
}

func BenchmarkPlainRequests(b *testing.B) {
	mock, err := StartBuiltin(nil)
	if err != nil {
		b.Fatal(err)
	}
	defer mock.Close()
	client := &http.Client{}
	get := func(path string) {
		req, _ := http.NewRequest(http.MethodGet, mock.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+fixtures.AlphaKey)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	b.ResetTimer()
	start := cpuTime(b)
	for i := 0; i < b.N; i++ {
		get("/v1/tasks/available?limit=3")
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the process's CPU time (user and system) in nanoseconds: on a
// shared machine it holds still where wall time does not.
func cpuTime(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
