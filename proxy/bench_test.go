package proxy

import (
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/jobtobot/jtb/mockserver"
)

// BenchmarkProxyListing compares GET /v1/tasks/available?limit=20 sent to
// the mock directly and through the proxy, over loopback HTTP with
// keep-alive, in the same run: the ratio of their ns/op is the proxy's
// overhead. cpu-ns/op is the process's CPU time per request (client,
// proxy and mock all run in it), which holds still when other processes
// share the cores; direct / proxy of it is the share of the mock's
// throughput a CPU-bound run through the proxy keeps. "proxy-unmemoised"
// validates every answer afresh, as the proxy does for answers it has not
// seen before (every write's answer).
//
//	go test -run '^$' -bench ProxyListing -benchmem ./proxy/
func BenchmarkProxyListing(b *testing.B) {
	ts := mockserver.NewTestServer(b, mockserver.Options{})
	const path = "/v1/tasks/available?limit=20"
	run := func(b *testing.B, base string) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		b.ReportAllocs()
		b.ResetTimer()
		start := cpuTime(b)
		defer func() { b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op") }()
		b.RunParallel(func(pb *testing.PB) {
			req, _ := http.NewRequest(http.MethodGet, base+path, nil)
			req.Header.Set("Authorization", "Bearer "+ts.AgentKeys[0])
			for pb.Next() {
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
	}
	b.Run("direct", func(b *testing.B) { run(b, ts.URL) })
	for _, memo := range []bool{true, false} {
		name := "proxy"
		if !memo {
			name = "proxy-unmemoised"
		}
		b.Run(name, func(b *testing.B) {
			var findings int
			p, err := New(Options{Upstream: ts.URL, OnFinding: func(Finding) { findings++ }})
			if err != nil {
				b.Fatal(err)
			}
			p.valid.noMemo = !memo
			// Served as jtb proxy serves: through Server.
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			srv := NewServer(&http.Server{Handler: p})
			go srv.Serve(ln)
			defer srv.Close()
			run(b, "http://"+ln.Addr().String())
			if findings > 0 {
				b.Fatalf("%d findings on clean listings", findings)
			}
		})
	}
}

// cpuTime is the process's user+system CPU time.
func cpuTime(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkValidateListing is the cost of validating one listing answer
// (strict document), without HTTP.
func BenchmarkValidateListing(b *testing.B) {
	ts := mockserver.NewTestServer(b, mockserver.Options{})
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/v1/tasks/available?limit=20", nil)
	req.Header.Set("Authorization", "Bearer "+ts.AgentKeys[0])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ops := newOperations()
	if err := bindRoutes(ops); err != nil {
		b.Fatal(err)
	}
	for _, memo := range []bool{true, false} {
		name := "memoised"
		if !memo {
			name = "fresh"
		}
		b.Run(name, func(b *testing.B) {
			v := newValidator()
			v.noMemo = !memo
			b.ReportAllocs()
			start := cpuTime(b)
			defer func() { b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op") }()
			for b.Loop() {
				if f := v.answer(ops[0], http.StatusOK, resp.Header, body); f.verdict.problem != "" || len(f.listed) != 20 {
					b.Fatalf("%+v", f)
				}
			}
		})
	}
}
