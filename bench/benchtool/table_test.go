package main

import (
	"strings"
	"testing"
)

const goodResults = `noise from wrk that is not a result
run=listing server=mock requests=200000 duration_us=10000000 p50_us=700 p99_us=3000 non2xx=0 socket_errors=0
run=listing server=bare requests=340000 duration_us=10000000 p50_us=300 p99_us=1500 non2xx=0 socket_errors=0
run=listing server=prism requests=15000 duration_us=10000000 p50_us=8000 p99_us=20000 non2xx=0 socket_errors=0
run=bids server=mock requests=120000 duration_us=10000000 p50_us=1000 p99_us=4000 non2xx=0 socket_errors=0
run=bids server=bare requests=300000 duration_us=10000000 p50_us=300 p99_us=1500 non2xx=0 socket_errors=0
run=bids server=prism requests=12000 duration_us=10000000 p50_us=9000 p99_us=30000 non2xx=0 socket_errors=0
run=check server= wall_s=1.50 rc=0
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
			[]string{"| 20,000 | 0.70 ms | 3.00 ms | 200000 | 0 |", "| listing: mock / bare | 59% |", "| listing: mock / Prism | 13.3x |",
				"| bids: mock / bare | 40% | ≥ 25% | met |", "1.50 s (exit 0) | < 10 s, exit 0 | met", "10.0 MB/s (word-count baseline 80.0 MB/s: 12% of it)"},
			[]string{"MISSED", "not measured"}},
		{"slow listing misses the bare ratio", strings.Replace(goodResults, "requests=200000 duration_us=10000000 p50_us=700",
			"requests=100000 duration_us=10000000 p50_us=700", 1),
			[]string{"| listing: mock / bare | 29% | ≥ 35% (goal 50%) | MISSED |"}, nil},
		{"409s make the ratio unmeasured, not flattering", strings.Replace(goodResults,
			"run=bids server=mock requests=120000 duration_us=10000000 p50_us=1000 p99_us=4000 non2xx=0",
			"run=bids server=mock requests=120000 duration_us=10000000 p50_us=1000 p99_us=4000 non2xx=7", 1),
			[]string{"| **7** |", "| bids: mock / bare | not measured |"}, nil},
		{"failed check run", strings.Replace(goodResults, "rc=0", "rc=1", 1),
			[]string{"1.50 s (exit 1) | < 10 s, exit 0 | MISSED"}, nil},
		{"missing runs", "run=listing server=mock requests=1 duration_us=1000000 p50_us=1 p99_us=9000 non2xx=0 socket_errors=0\n",
			[]string{"| bare net/http, same bytes | not measured |", "| listing: mock p99 at 16 connections | 9.00 ms | < 5 ms | MISSED |"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(t, tt.in)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("table lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tt.dontWant {
				if strings.Contains(got, w) {
					t.Errorf("table has %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestParseResultsRefusesMalformedFields(t *testing.T) {
	if _, err := parseResults(strings.NewReader("run=listing server=mock oops\n")); err == nil {
		t.Fatal("a field without = was accepted")
	}
}
