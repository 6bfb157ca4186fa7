package main

import (
	"fmt"
	"strings"
	"testing"
)

const goodResults = `noise from wrk that is not a result
run=listing server=mock requests=200000 duration_us=10000000 p50_us=700 p99_us=3000 non2xx=0 socket_errors=0 server_cpu_s=8.00 wrk_cpu_s=4.00
run=listing server=bare requests=340000 duration_us=10000000 p50_us=300 p99_us=1500 non2xx=0 socket_errors=0
run=listing server=proxy requests=120000 duration_us=10000000 p50_us=1200 p99_us=5000 non2xx=0 socket_errors=0 server_cpu_s=10.00 wrk_cpu_s=2.00
run=listing server=proxyin requests=160000 duration_us=10000000 p50_us=900 p99_us=4000 non2xx=0 socket_errors=0 server_cpu_s=9.00 wrk_cpu_s=3.00
run=listing server=relay requests=150000 duration_us=10000000 p50_us=1000 p99_us=4500 non2xx=0 socket_errors=0 server_cpu_s=9.00 wrk_cpu_s=3.00
run=listing server=prism requests=15000 duration_us=10000000 p50_us=8000 p99_us=20000 non2xx=0 socket_errors=0
run=bids server=mock requests=120000 duration_us=10000000 p50_us=1000 p99_us=4000 non2xx=0 socket_errors=0
run=bids server=bare requests=300000 duration_us=10000000 p50_us=300 p99_us=1500 non2xx=0 socket_errors=0
run=bids server=prism requests=12000 duration_us=10000000 p50_us=9000 p99_us=30000 non2xx=0 socket_errors=0
run=explore server=mock requests=6000 duration_us=5000000 non2xx=0 socket_errors=0
run=explore server=plain requests=10000 duration_us=5000000 non2xx=0 socket_errors=0
run=explore server=mock2 requests=12000 duration_us=5000000 non2xx=0 socket_errors=0
run=explore server=plain2 requests=20000 duration_us=5000000 non2xx=0 socket_errors=0
run=check server= wall_s=1.50 rc=0
run=scorer size=1048576 mbps=10.0 baseline_mbps=80.0
`

// threeRounds has an outlier in each series, in a different round each
// time, so the median, the mean, the first round and the ratio of the
// medians all give different figures:
//
//	listing mock req/s 10k, 30k, 31k: median 30k (mean 23.7k, first 10k)
//	listing mock p99 12, 4, 4.5 ms: median 4.5 ms (mean 6.8, first 12)
//	listing bare req/s 50k, 50k, 100k: ratios 20%, 60%, 31%: median 31%
//	    (ratio of the medians 60%, of the means 36%, first round 20%)
//	listing prism req/s 1k, 1k, 3k: ratios 10x, 30x, 10.3x: median 10.3x
//	listing proxy req/s 8k, 12k, 20k: proxy / mock 80%, 40%, 65%: median 65%;
//	    p50 added 0.5, 0.8, 0.2 ms: median 0.5 ms
const threeRounds = `run=listing server=mock round=1 requests=50000 duration_us=5000000 p50_us=2000 p99_us=12000 non2xx=0 socket_errors=0
run=listing server=bare round=1 requests=250000 duration_us=5000000 p50_us=300 p99_us=1500 non2xx=0 socket_errors=0
run=listing server=relay round=1 requests=55000 duration_us=5000000 p50_us=900 p99_us=5000 non2xx=0 socket_errors=0
run=listing server=proxyin round=1 requests=120000 duration_us=5000000 p50_us=600 p99_us=5000 non2xx=0 socket_errors=0
run=listing server=prism round=1 requests=5000 duration_us=5000000 p50_us=8000 p99_us=20000 non2xx=0 socket_errors=0
run=listing server=proxy round=1 requests=40000 duration_us=5000000 p50_us=2500 p99_us=14000 non2xx=0 socket_errors=0
run=listing server=proxy round=2 requests=60000 duration_us=5000000 p50_us=1200 p99_us=6000 non2xx=0 socket_errors=0
run=listing server=proxy round=3 requests=100000 duration_us=5000000 p50_us=700 p99_us=5000 non2xx=0 socket_errors=0
run=listing server=mock round=2 requests=150000 duration_us=5000000 p50_us=400 p99_us=4000 non2xx=0 socket_errors=0
run=listing server=bare round=2 requests=250000 duration_us=5000000 p50_us=200 p99_us=1000 non2xx=0 socket_errors=0
run=listing server=relay round=2 requests=55000 duration_us=5000000 p50_us=900 p99_us=5000 non2xx=0 socket_errors=0
run=listing server=proxyin round=2 requests=120000 duration_us=5000000 p50_us=600 p99_us=5000 non2xx=0 socket_errors=0
run=listing server=prism round=2 requests=5000 duration_us=5000000 p50_us=8000 p99_us=20000 non2xx=0 socket_errors=0
run=listing server=mock round=3 requests=155000 duration_us=5000000 p50_us=500 p99_us=4500 non2xx=0 socket_errors=0
run=listing server=bare round=3 requests=500000 duration_us=5000000 p50_us=100 p99_us=800 non2xx=0 socket_errors=0
run=listing server=relay round=3 requests=55000 duration_us=5000000 p50_us=900 p99_us=5000 non2xx=0 socket_errors=0
run=listing server=proxyin round=3 requests=120000 duration_us=5000000 p50_us=600 p99_us=5000 non2xx=0 socket_errors=0
run=listing server=prism round=3 requests=15000 duration_us=5000000 p50_us=3000 p99_us=9000 non2xx=0 socket_errors=0
run=bids server=mock round=1 requests=100000 duration_us=5000000 p50_us=500 p99_us=5000 non2xx=0 socket_errors=0
run=bids server=bare round=1 requests=200000 duration_us=5000000 p50_us=200 p99_us=1000 non2xx=0 socket_errors=0
run=bids server=mock round=2 requests=100000 duration_us=5000000 p50_us=500 p99_us=5000 non2xx=0 socket_errors=0
run=bids server=bare round=2 requests=200000 duration_us=5000000 p50_us=200 p99_us=1000 non2xx=0 socket_errors=0
run=bids server=mock round=3 requests=100000 duration_us=5000000 p50_us=500 p99_us=5000 non2xx=0 socket_errors=0
run=bids server=bare round=3 requests=200000 duration_us=5000000 p50_us=200 p99_us=1000 non2xx=0 socket_errors=0
run=check server= wall_s=0.30 rc=0
run=scorer size=1048576 mbps=10.0 baseline_mbps=80.0
`

func render(t *testing.T, in string) string {
	t.Helper()
	rs, err := parseResults(strings.NewReader(in))
	if err != nil {
		t.Fatalf("parseResults: %v", err)
	}
	var b strings.Builder
	writeTable(&b, rs)
	return b.String()
}

func TestTable(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     []string
		dontWant []string
	}{
		{"all targets met", goodResults,
			[]string{"Median of 1 rounds", "| 20,000 | 0.70 ms | 3.00 ms | 200000 | 0 |", "| listing: mock / bare | 59% (rounds: 59%) |",
				"| listing: `jtb proxy` / the mock it fronts | 60% (rounds: 60%) | ≥ 50% | met |",
				"| listing: `jtb proxy` alone (in-process mock) / `jtb mock` | 80% (rounds: 80%) | ≥ 50% | met |",
				"| listing: `benchtool relay` (the least a Go proxy does) / the mock it fronts | 75% (rounds: 75%) | – | – |",
				"| listing: `jtb proxy` / `benchtool relay`, both in front of that mock | 80% (rounds: 80%) | – | – |",
				// 12 s of CPU for 150000 requests through the relay (80 µs)
				"| listing: `benchtool relay` / the mock, by CPU per request (servers and wrk) | 75% (rounds: 75%; 60 µs a request direct, 80 µs through the relay) | – | – |",
				"| listing: p50 added by `jtb proxy` alone (in-process mock) | 0.20 ms (rounds: 0.20 ms) | ≤ 1 ms | met |",
				"| listing: p50 added by `jtb proxy` | 0.50 ms (rounds: 0.50 ms) | ≤ 1 ms | met |",
				// 12 s of CPU for 200000 requests direct (60 µs), 12 s for 120000 through the proxy (100 µs)
				"| listing: `jtb proxy` / the mock, by CPU per request (servers and wrk) | 60% (rounds: 60%; 60 µs a request direct, 100 µs through the proxy) | ≥ 50% | met |",
				"| listing: mock / Prism | 13.3x (rounds: 13.3x) |", "| bids: mock / bare | 40% (rounds: 40%) | ≥ 25% | met |",
				"1.50 s (exit 0) | < 10 s, exit 0 | met", "10.0 MB/s (word-count baseline 80.0 MB/s: 12% of it)",
				"| `jtb explore --workers 1` steps/s / plain requests/s, one at a time, same mock | 60% (rounds: 60%) | ≥ 50% | met |"},
			[]string{"MISSED", "not measured"}},
		{"two programs at once are judged beside two connections", strings.Replace(goodResults,
			"run=explore server=plain2 requests=20000", "run=explore server=plain2 requests=40000", 1),
			[]string{"| `jtb explore` (2 programs at once) steps/s / plain requests/s on 2 connections, same mock | 30% (rounds: 30%) | ≥ 50% | MISSED |",
				"| `jtb explore --workers 1` steps/s / plain requests/s, one at a time, same mock | 60% (rounds: 60%) | ≥ 50% | met |"}, nil},
		{"an explore run that did not pass is not a speed", strings.Replace(goodResults,
			"run=explore server=mock requests=6000 duration_us=5000000 non2xx=0", "run=explore server=mock requests=6000 duration_us=5000000 non2xx=1", 1),
			[]string{"| `jtb explore --workers 1` steps/s / plain requests/s, one at a time, same mock | not measured | ≥ 50% | MISSED |"}, nil},
		{"slow listing misses the bare ratio", strings.Replace(goodResults, "requests=200000 duration_us=10000000 p50_us=700",
			"requests=100000 duration_us=10000000 p50_us=700", 1),
			[]string{"| listing: mock / bare | 29% (rounds: 29%) | ≥ 35% (goal 50%) | MISSED |"}, nil},
		{"409s make the ratio unmeasured, not flattering", strings.Replace(goodResults,
			"run=bids server=mock requests=120000 duration_us=10000000 p50_us=1000 p99_us=4000 non2xx=0",
			"run=bids server=mock requests=120000 duration_us=10000000 p50_us=1000 p99_us=4000 non2xx=7", 1),
			[]string{"| **7** |", "| bids: mock / bare | not measured |"}, nil},
		{"scorer ratio within 3x", strings.Replace(goodResults, "run=scorer size=1048576 mbps=10.0 baseline_mbps=80.0",
			"run=scorer size=1048576 mbps=30.0 baseline_mbps=80.0 ratio=2.71 pairs=31", 1),
			[]string{"| scorer on 1024 KiB: time / word-count baseline | 2.71x (median of 31 adjacent pairs; 30.0 MB/s, baseline 80.0 MB/s) | ≤ 3x | met |"},
			[]string{"MISSED"}},
		{"scorer ratio over 3x", strings.Replace(goodResults, "run=scorer size=1048576 mbps=10.0 baseline_mbps=80.0",
			"run=scorer size=1048576 mbps=20.0 baseline_mbps=80.0 ratio=3.40 pairs=31", 1),
			[]string{"| scorer on 1024 KiB: time / word-count baseline | 3.40x (median of 31 adjacent pairs; 20.0 MB/s, baseline 80.0 MB/s) | ≤ 3x | MISSED |"}, nil},
		{"a slow proxy misses both of its targets", strings.Replace(goodResults, "server=proxy requests=120000 duration_us=10000000 p50_us=1200",
			"server=proxy requests=80000 duration_us=10000000 p50_us=1800", 1),
			[]string{"| listing: `jtb proxy` / the mock it fronts | 40% (rounds: 40%) | ≥ 50% | MISSED |",
				"| listing: p50 added by `jtb proxy` | 1.10 ms (rounds: 1.10 ms) | ≤ 1 ms | MISSED |"}, nil},
		{"a slow in-process proxy misses its target", strings.Replace(goodResults, "server=proxyin requests=160000",
			"server=proxyin requests=90000", 1),
			[]string{"| listing: `jtb proxy` alone (in-process mock) / `jtb mock` | 45% (rounds: 45%) | ≥ 50% | MISSED |"}, nil},
		{"non-2xx through the relay leave the ratio against it unmeasured", strings.Replace(goodResults,
			"server=relay requests=150000 duration_us=10000000 p50_us=1000 p99_us=4500 non2xx=0",
			"server=relay requests=150000 duration_us=10000000 p50_us=1000 p99_us=4500 non2xx=4", 1),
			[]string{"| listing: `jtb proxy` / `benchtool relay`, both in front of that mock | not measured |",
				"| listing: `benchtool relay` (the least a Go proxy does) / the mock it fronts | not measured |"}, nil},
		{"non-2xx from a baseline leave the ratio against it unmeasured", strings.Replace(goodResults,
			"run=listing server=bare requests=340000 duration_us=10000000 p50_us=300 p99_us=1500 non2xx=0",
			"run=listing server=bare requests=340000 duration_us=10000000 p50_us=300 p99_us=1500 non2xx=2", 1),
			[]string{"| listing: mock / bare | not measured |"}, nil},
		{"non-2xx through the proxy leave its figures unmeasured", strings.Replace(goodResults,
			"server=proxy requests=120000 duration_us=10000000 p50_us=1200 p99_us=5000 non2xx=0",
			"server=proxy requests=120000 duration_us=10000000 p50_us=1200 p99_us=5000 non2xx=9", 1),
			[]string{"| listing: `jtb proxy` / the mock it fronts | not measured | ≥ 50% | MISSED |",
				"| listing: p50 added by `jtb proxy` | not measured | ≤ 1 ms | MISSED |"}, nil},
		{"failed check run", strings.Replace(goodResults, "rc=0", "rc=1", 1),
			[]string{"1.50 s (exit 1) | < 10 s, exit 0 | MISSED"}, nil},
		{"no CPU figures: that row is not measured", strings.ReplaceAll(goodResults, " server_cpu_s=", " other="),
			[]string{"| listing: `jtb proxy` / the mock, by CPU per request (servers and wrk) | not measured | ≥ 50% | MISSED |"}, nil},
		{"missing runs", "run=listing server=mock requests=1 duration_us=1000000 p50_us=1 p99_us=9000 non2xx=0 socket_errors=0\n",
			[]string{"| bare net/http, same bytes | not measured |", "| listing: mock p99 at 16 connections | 9.00 ms (rounds: 9.00 ms) | < 5 ms | MISSED |",
				"| listing: mock / bare | not measured | ≥ 35% (goal 50%) | MISSED |"}, nil},

		// Rounds: the medians, not the mean, the first round or the ratio of medians.
		{"medians over rounds, outliers ignored", threeRounds,
			[]string{"Median of 3 rounds",
				// listing mock: 30,000 req/s (median of 10k, 30k, 31k), p50 0.50 ms (of 2, 0.4, 0.5), p99 4.50 ms (of 12, 4, 4.5), requests summed
				"| GET /v1/tasks/available?limit=20 | mock (`jtb mock`) | 30,000 | 0.50 ms | 4.50 ms | 355000 | 0 |",
				"| GET /v1/tasks/available?limit=20 | bare net/http, same bytes | 50,000 | 0.20 ms | 1.00 ms | 1000000 | 0 |",
				"| listing: mock / bare | 31% (rounds: 20%, 60%, 31%) | ≥ 35% (goal 50%) | MISSED |",
				"| listing: mock / Prism | 10.3x (rounds: 10.0x, 30.0x, 10.3x) | ≥ 10x | met |",
				"| listing: mock p99 at 16 connections | 4.50 ms (rounds: 12.00, 4.00, 4.50 ms) | < 5 ms | met |",
				"| listing: `jtb proxy` / the mock it fronts | 65% (rounds: 80%, 40%, 65%) | ≥ 50% | met |",
				"| listing: p50 added by `jtb proxy` | 0.50 ms (rounds: 0.50, 0.80, 0.20 ms) | ≤ 1 ms | met |",
				"| bids: mock / bare | 50% (rounds: 50%, 50%, 50%) | ≥ 25% | met |",
				"| POST /v1/tasks/{id}/bids (fresh bid each) | Prism 5.14.2 mock | not measured |"},
			[]string{"23,667", "| 10,000 |", "60% (rounds", "6.83 ms"}},
		{"non-2xx in one round of the mock leaves the ratio unmeasured", strings.Replace(threeRounds,
			"run=bids server=mock round=2 requests=100000 duration_us=5000000 p50_us=500 p99_us=5000 non2xx=0",
			"run=bids server=mock round=2 requests=100000 duration_us=5000000 p50_us=500 p99_us=5000 non2xx=3", 1),
			[]string{"| 300000 | **3** |", "| bids: mock / bare | not measured | ≥ 25% | MISSED |", "| 2 | POST /v1/tasks/{id}/bids (fresh bid each) | mock (`jtb mock`) | 20,000 | 0.50 ms | 5.00 ms | 100000 | **3** |"},
			nil},
		{"a round without the other server is left out of the ratio", strings.Replace(threeRounds,
			"run=bids server=bare round=3 requests=200000 duration_us=5000000 p50_us=200 p99_us=1000 non2xx=0 socket_errors=0\n", "", 1),
			[]string{"| bids: mock / bare | 50% (rounds: 50%, 50%) | ≥ 25% | met |",
				"| 3 | POST /v1/tasks/{id}/bids (fresh bid each) | bare net/http, same bytes | not measured |"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(t, tt.in)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("table lacks %q:\n%s", w, got)
				}
			}
			medians, _, _ := strings.Cut(got, "<details>") // the raw rounds follow
			for _, w := range tt.dontWant {
				if strings.Contains(medians, w) {
					t.Errorf("table has %q:\n%s", w, got)
				}
			}
		})
	}
}

// The raw table keeps every round's figures, so nothing the medians drop is hidden.
func TestRoundsTableKeepsEveryRun(t *testing.T) {
	got := render(t, threeRounds)
	_, raw, ok := strings.Cut(got, "<details>")
	if !ok || !strings.Contains(raw, "</details>") {
		t.Fatalf("no folded per-round table:\n%s", got)
	}
	for _, w := range []string{
		"| 1 | GET /v1/tasks/available?limit=20 | mock (`jtb mock`) | 10,000 | 2.00 ms | 12.00 ms | 50000 | 0 | – |",
		"| 1 | GET /v1/tasks/available?limit=20 | bare net/http, same bytes | 50,000 | 0.30 ms | 1.50 ms | 250000 | 0 | 20% |",
		"| 3 | GET /v1/tasks/available?limit=20 | bare net/http, same bytes | 100,000 | 0.10 ms | 0.80 ms | 500000 | 0 | 31% |",
		"| 3 | GET /v1/tasks/available?limit=20 | Prism 5.14.2 mock | 3,000 | 3.00 ms | 9.00 ms | 15000 | 0 | 10.3x |",
	} {
		if !strings.Contains(raw, w) {
			t.Errorf("per-round table lacks %q:\n%s", w, raw)
		}
	}
	if n := strings.Count(raw, "\n| 2 | "); n != 9 {
		t.Errorf("round 2 has %d rows, want 9 (the listing on 6 servers, the bids on 3):\n%s", n, raw)
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
		ok   bool
	}{
		{nil, 0, false},
		{[]float64{7}, 7, true},
		{[]float64{100, 1, 2}, 2, true},        // the outlier is not averaged in
		{[]float64{1, 100, 3, 2}, 2.5, true},   // even count: the mean of the middle two
		{[]float64{5, 5, 1000, 5, 1}, 5, true}, // order does not matter
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.in), func(t *testing.T) {
			in := append([]float64(nil), tt.in...)
			got, ok := median(in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("median(%v) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
			if fmt.Sprint(in) != fmt.Sprint(tt.in) {
				t.Errorf("median sorted its argument in place: %v", in)
			}
		})
	}
}

func TestParseResultsRefusesMalformedFields(t *testing.T) {
	if _, err := parseResults(strings.NewReader("run=listing server=mock oops\n")); err == nil {
		t.Fatal("a field without = was accepted")
	}
}
