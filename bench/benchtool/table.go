package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// result is one line of the results file: key=value fields.
type result map[string]string

func (r result) num(key string) (float64, bool) {
	v, ok := r[key]
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	return f, err == nil
}

// round is the round a load run belongs to; a line without one is round 1.
func (r result) round() int {
	n, err := strconv.Atoi(r["round"])
	if err != nil {
		return 1
	}
	return n
}

// parseResults reads key=value lines; other lines are ignored, so wrk's own
// output can stay in the file for a reader.
func parseResults(rd io.Reader) ([]result, error) {
	var out []result
	sc := bufio.NewScanner(rd)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "run=") {
			continue
		}
		r := result{}
		for _, f := range strings.Fields(line) {
			k, v, ok := strings.Cut(f, "=")
			if !ok {
				return nil, fmt.Errorf("field %q: want key=value", f)
			}
			r[k] = v
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// find is the first result of run on server (for the one-off runs: check, scorer).
func find(rs []result, run, server string) result {
	for _, r := range rs {
		if r["run"] == run && r["server"] == server {
			return r
		}
	}
	return nil
}

// rounds is every result of run on server, by round (the first of a round wins).
func rounds(rs []result, run, server string) map[int]result {
	out := map[int]result{}
	for _, r := range rs {
		if r["run"] == run && r["server"] == server {
			if _, dup := out[r.round()]; !dup {
				out[r.round()] = r
			}
		}
	}
	return out
}

// sortedRounds is the round numbers of m, ascending.
func sortedRounds(m map[int]result) []int {
	ks := make([]int, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// median is the middle value (the mean of the two middle ones for an even
// count): one slow or fast round moves it no further than its neighbour.
func median(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m], true
	}
	return (s[m-1] + s[m]) / 2, true
}

// series is one figure of a run on a server, round by round (rounds without
// the figure are left out).
func series(m map[int]result, f func(result) (float64, bool)) []float64 {
	var xs []float64
	for _, k := range sortedRounds(m) {
		if v, ok := f(m[k]); ok {
			xs = append(xs, v)
		}
	}
	return xs
}

func field(key string) func(result) (float64, bool) {
	return func(r result) (float64, bool) { return r.num(key) }
}

func runTable(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("table", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("results", "", "results file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	rs, err := parseResults(f)
	if err != nil {
		return err
	}
	writeTable(stdout, rs)
	return nil
}

type server struct{ name, label string }

var (
	mockServer  = server{"mock", "mock (`jtb mock`)"}
	proxyServer = server{"proxy", "`jtb proxy` in front of that mock"}
	// proxyInServer is `jtb proxy` with no --upstream: the proxy and its
	// own reference mock in one process, no socket between them.
	proxyInServer = server{"proxyin", "`jtb proxy` alone (its in-process mock)"}
	// relayServer is benchtool relay in front of the same mock: the least
	// a proxy in Go does for a call, the floor of jtb proxy's cost.
	relayServer = server{"relay", "`benchtool relay` in front of that mock (the least a Go proxy does)"}
	bareServer  = server{"bare", "bare net/http, same bytes"}
	prismServer = server{"prism", "Prism 5.14.2 mock"}
	// endpoints and the servers each is measured on: the proxy on the
	// listing only (its overhead on the call agents make most).
	endpoints = []struct {
		run, label string
		servers    []server
	}{
		{"listing", "GET /v1/tasks/available?limit=20", []server{mockServer, proxyServer, relayServer, proxyInServer, bareServer, prismServer}},
		{"bids", "POST /v1/tasks/{id}/bids (fresh bid each)", []server{mockServer, bareServer, prismServer}},
	}
)

// rps is requests per second of a wrk result.
func rps(r result) (float64, bool) {
	n, ok1 := r.num("requests")
	us, ok2 := r.num("duration_us")
	if !ok1 || !ok2 || us <= 0 {
		return 0, false
	}
	return n / (us / 1e6), true
}

func msOf(us float64) string { return fmt.Sprintf("%.2f ms", us/1000) }

// loadRounds is the distinct rounds among the load runs, ascending.
func loadRounds(rs []result) []int {
	var ks []int
	for _, r := range rs {
		if _, ok := r["requests"]; ok && !slices.Contains(ks, r.round()) {
			ks = append(ks, r.round())
		}
	}
	slices.Sort(ks)
	return ks
}

func writeTable(w io.Writer, rs []result) {
	n := len(loadRounds(rs))
	fmt.Fprintf(w, "Median of %d rounds: requests/s, p50 and p99 are each the median over the rounds; requests and non-2xx are summed over them.\n\n", n)
	fmt.Fprintln(w, "| endpoint | server | requests/s | p50 | p99 | requests | non-2xx |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: |")
	for _, e := range endpoints {
		for _, s := range e.servers {
			m := rounds(rs, e.run, s.name)
			v, ok := median(series(m, rps))
			if !ok {
				fmt.Fprintf(w, "| %s | %s | not measured | | | | |\n", e.label, s.label)
				continue
			}
			p50, ok50 := median(series(m, field("p50_us")))
			p99, ok99 := median(series(m, field("p99_us")))
			var reqs, bad int
			for _, r := range m {
				q, _ := r.num("requests")
				reqs += int(q)
				bad += nonOKCount(r)
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %d | %s |\n", e.label, s.label, thousands(v),
				orDash(msOf(p50), ok50), orDash(msOf(p99), ok99), reqs, bold(bad))
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| measure | figure | target | verdict |")
	fmt.Fprintln(w, "| --- | ---: | --- | --- |")
	row := func(measure, figure, target string, ok, measured bool) {
		verdict, informational := "–", target == ""
		if informational {
			target = "–"
		}
		switch {
		case !measured:
			figure, verdict = "not measured", "MISSED"
		case informational:
		case ok:
			verdict = "met"
		default:
			verdict = "MISSED"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", measure, figure, target, verdict)
	}
	ratioRow := func(run, num, den, measure, target string, goal float64, format func(float64) string) {
		per, ok := ratios(rs, run, num, den)
		r, _ := median(per)
		row(measure, format(r)+" (rounds: "+joinf(per, format)+")", target, goal == 0 || r >= goal, ok)
	}
	ratioRow("listing", "mock", "bare", "listing: mock / bare", "≥ 35% (goal 50%)", 0.35, pct)
	ratioRow("listing", "mock", "prism", "listing: mock / Prism", "≥ 10x", 10, times)
	ratioRow("listing", "proxy", "mock", "listing: `jtb proxy` / the mock it fronts", "≥ 50%", 0.5, pct)
	ratioRow("listing", "relay", "mock", "listing: `benchtool relay` (the least a Go proxy does) / the mock it fronts", "", 0, pct)
	ratioRow("listing", "proxy", "relay", "listing: `jtb proxy` / `benchtool relay`, both in front of that mock", "", 0, pct)
	ratioRow("listing", "proxyin", "mock", "listing: `jtb proxy` alone (in-process mock) / `jtb mock`", "≥ 50%", 0.5, pct)
	cpuRow(row, rs, "proxy", "listing: `jtb proxy` / the mock, by CPU per request (servers and wrk)", "the proxy", "≥ 50%")
	cpuRow(row, rs, "relay", "listing: `benchtool relay` / the mock, by CPU per request (servers and wrk)", "the relay", "")
	added, ok := differences(rs, "listing", "proxy", "mock", "p50_us")
	d, _ := median(added)
	row("listing: p50 added by `jtb proxy`", msOf(d)+" (rounds: "+joinf(added, func(us float64) string { return fmt.Sprintf("%.2f", us/1000) })+" ms)",
		"≤ 1 ms", d <= 1000, ok)
	addedIn, ok := differences(rs, "listing", "proxyin", "mock", "p50_us")
	dIn, _ := median(addedIn)
	row("listing: p50 added by `jtb proxy` alone (in-process mock)", msOf(dIn)+" (rounds: "+joinf(addedIn, func(us float64) string { return fmt.Sprintf("%.2f", us/1000) })+" ms)",
		"≤ 1 ms", dIn <= 1000, ok)
	p99s := series(rounds(rs, "listing", "mock"), field("p99_us"))
	p99, ok := median(p99s)
	row("listing: mock p99 at 16 connections", msOf(p99)+" (rounds: "+joinf(p99s, func(us float64) string { return fmt.Sprintf("%.2f", us/1000) })+" ms)",
		"< 5 ms", p99 < 5000, ok)
	ratioRow("bids", "mock", "bare", "bids: mock / bare", "≥ 25%", 0.25, pct)
	ratioRow("bids", "mock", "prism", "bids: mock / Prism", "", 0, times)
	// Explore against plain requests at the same concurrency: one program
	// at a time beside one connection, the default two beside two.
	ratioRow("explore", "mock", "plain", "`jtb explore --workers 1` steps/s / plain requests/s, one at a time, same mock", "≥ 50%", 0.5, pct)
	ratioRow("explore", "mock2", "plain2", "`jtb explore` (2 programs at once) steps/s / plain requests/s on 2 connections, same mock", "≥ 50%", 0.5, pct)
	check := find(rs, "check", "")
	wall, ok := check.num("wall_s")
	row("`jtb check` wall time (in-process mock)", fmt.Sprintf("%.2f s (exit %s)", wall, check["rc"]), "< 10 s, exit 0",
		wall < 10 && check["rc"] == "0", ok)
	sc := find(rs, "scorer", "")
	mb, ok1 := sc.num("mbps")
	base, ok2 := sc.num("baseline_mbps")
	size, _ := sc.num("size")
	// The scorer's target (docs/PDQG.md): its time within 3x of the
	// word-count pass, judged on the median of adjacent pairs (ratio); an
	// older result without it is shown, not judged.
	if ratio, ok := sc.num("ratio"); ok {
		row(fmt.Sprintf("scorer on %.0f KiB: time / word-count baseline", size/1024),
			fmt.Sprintf("%.2fx (median of %s adjacent pairs; %.1f MB/s, baseline %.1f MB/s)", ratio, sc["pairs"], mb, base),
			"≤ 3x", ratio <= 3, ok1 && ok2 && ratio > 0)
	} else {
		row(fmt.Sprintf("scorer on %.0f KiB", size/1024), fmt.Sprintf("%.1f MB/s (word-count baseline %.1f MB/s: %s of it)", mb, base, pct(mb/base)),
			"", true, ok1 && ok2 && base > 0)
	}
	writeRounds(w, rs)
}

// cpuPerRequest is the CPU one request cost, the servers' and wrk's, in
// microseconds (bench/run.sh measures it on the listing of the mock and of
// the proxy, whose figure holds the mock behind it too).
func cpuPerRequest(r result) (float64, bool) {
	server, ok1 := r.num("server_cpu_s")
	client, ok2 := r.num("wrk_cpu_s")
	n, ok3 := r.num("requests")
	if !ok1 || !ok2 || !ok3 || n <= 0 {
		return 0, false
	}
	return (server + client) / n * 1e6, true
}

// cpuRow is a proxy's share of the mock's throughput estimated from CPU
// per request: what requests/s would show on a machine with nothing else
// running, where the cores are the limit. Other work moves requests/s by
// ±30% a run, CPU per request much less. name is the proxy's server
// (proxy, relay); a target of "" makes the row informational.
func cpuRow(row func(measure, figure, target string, ok, measured bool), rs []result, name, measure, through, target string) {
	mock, proxy := rounds(rs, "listing", "mock"), rounds(rs, "listing", name)
	var per, mockUS, proxyUS []float64
	if clean(mock) && clean(proxy) {
		for _, k := range sortedRounds(mock) {
			a, ok1 := cpuPerRequest(mock[k])
			p, found := proxy[k]
			if !found || !ok1 {
				continue
			}
			if b, ok2 := cpuPerRequest(p); ok2 && b > 0 {
				per, mockUS, proxyUS = append(per, a/b), append(mockUS, a), append(proxyUS, b)
			}
		}
	}
	r, ok := median(per)
	mu, _ := median(mockUS)
	pu, _ := median(proxyUS)
	row(measure, fmt.Sprintf("%s (rounds: %s; %.0f µs a request direct, %.0f µs through %s)", pct(r), joinf(per, pct), mu, pu, through),
		target, r >= 0.5, ok)
}

// ratios is num / den (requests/s) for each round in which both were
// measured, in round order. It is not measured (false) when no round has
// both, or when any run of either server had non-2xx answers: a 409 or an
// error is cheaper than a real answer, and a ratio to or of one measures
// nothing.
func ratios(rs []result, run, num, den string) ([]float64, bool) {
	a, b := rounds(rs, run, num), rounds(rs, run, den)
	if !clean(a) || !clean(b) {
		return nil, false
	}
	var out []float64
	for _, k := range sortedRounds(a) {
		x, ok1 := rps(a[k])
		o, found := b[k]
		if !found {
			continue
		}
		y, ok2 := rps(o)
		if ok1 && ok2 && y > 0 {
			out = append(out, x/y)
		}
	}
	return out, len(out) > 0
}

// differences is num's figure minus den's, for each round in which both
// were measured and neither had non-2xx answers.
func differences(rs []result, run, num, den, key string) ([]float64, bool) {
	a, b := rounds(rs, run, num), rounds(rs, run, den)
	if !clean(a) || !clean(b) {
		return nil, false
	}
	var out []float64
	for _, k := range sortedRounds(a) {
		x, ok1 := a[k].num(key)
		o, found := b[k]
		if !found {
			continue
		}
		y, ok2 := o.num(key)
		if ok1 && ok2 {
			out = append(out, x-y)
		}
	}
	return out, len(out) > 0
}

// clean is whether no run of a server had non-2xx answers.
func clean(m map[int]result) bool {
	for _, r := range m {
		if nonOKCount(r) > 0 {
			return false
		}
	}
	return true
}

// writeRounds is the raw figures behind the medians, every run of every
// round, folded away on a rendered page.
func writeRounds(w io.Writer, rs []result) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "<details><summary>Every round (the raw figures behind the medians)</summary>")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| round | endpoint | server | requests/s | p50 | p99 | requests | non-2xx | mock / this server |")
	fmt.Fprintln(w, "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, k := range loadRounds(rs) {
		for _, e := range endpoints {
			mock := rounds(rs, e.run, "mock")[k]
			for _, s := range e.servers {
				r := rounds(rs, e.run, s.name)[k]
				if r == nil {
					fmt.Fprintf(w, "| %d | %s | %s | not measured | | | | | |\n", k, e.label, s.label)
					continue
				}
				v, _ := rps(r)
				p50, ok50 := r.num("p50_us")
				p99, ok99 := r.num("p99_us")
				rel := "–"
				if a, ok := rps(mock); ok && s.name != "mock" && v > 0 {
					rel = pct(a / v)
					if s.name == "prism" {
						rel = times(a / v)
					}
				}
				fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", k, e.label, s.label, thousands(v),
					orDash(msOf(p50), ok50), orDash(msOf(p99), ok99), r["requests"], bold(nonOKCount(r)), rel)
			}
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "</details>")
}

func orDash(s string, ok bool) string {
	if !ok {
		return "–"
	}
	return s
}

func joinf(xs []float64, f func(float64) string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = f(x)
	}
	return strings.Join(parts, ", ")
}

// bold marks a non-zero count of answers that were not what the run expects
// (wrk counts status ≥ 400) plus socket errors, which would flatter a server.
func bold(n int) string {
	if n == 0 {
		return "0"
	}
	return fmt.Sprintf("**%d**", n)
}

func nonOKCount(r result) int {
	a, _ := r.num("non2xx")
	b, _ := r.num("socket_errors")
	return int(a + b)
}

func pct(x float64) string   { return fmt.Sprintf("%.0f%%", x*100) }
func times(x float64) string { return fmt.Sprintf("%.1fx", x) }

func thousands(v float64) string {
	s := strconv.FormatInt(int64(v+0.5), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
