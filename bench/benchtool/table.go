package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
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

func find(rs []result, run, server string) result {
	for _, r := range rs {
		if r["run"] == run && r["server"] == server {
			return r
		}
	}
	return nil
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

var (
	endpoints = []struct{ run, label string }{
		{"listing", "GET /v1/tasks/available?limit=20"},
		{"bids", "POST /v1/tasks/{id}/bids (fresh bid each)"},
	}
	servers = []struct{ name, label string }{
		{"mock", "mock (`jtb mock`)"},
		{"bare", "bare net/http, same bytes"},
		{"prism", "Prism 5.14.2 mock"},
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

func ms(r result, key string) string {
	us, ok := r.num(key)
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.2f ms", us/1000)
}

func writeTable(w io.Writer, rs []result) {
	fmt.Fprintln(w, "| endpoint | server | requests/s | p50 | p99 | requests | non-2xx |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: |")
	for _, e := range endpoints {
		for _, s := range servers {
			r := find(rs, e.run, s.name)
			if r == nil {
				fmt.Fprintf(w, "| %s | %s | not measured | | | | |\n", e.label, s.label)
				continue
			}
			v, _ := rps(r)
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", e.label, s.label, thousands(v),
				ms(r, "p50_us"), ms(r, "p99_us"), r["requests"], nonOK(r))
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| measure | figure | target | verdict |")
	fmt.Fprintln(w, "| --- | ---: | --- | --- |")
	ratio := func(run, over string) (float64, bool) {
		a, ok1 := rps(find(rs, run, "mock"))
		b, ok2 := rps(find(rs, run, over))
		if !ok1 || !ok2 || b == 0 || nonOKCount(find(rs, run, "mock")) > 0 {
			return 0, false
		}
		return a / b, true
	}
	row := func(measure, figure, target string, ok, measured bool) {
		verdict := "–"
		switch {
		case !measured:
			figure, verdict = "not measured", "MISSED"
		case target == "":
			target = "–"
		case ok:
			verdict = "met"
		default:
			verdict = "MISSED"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", measure, figure, target, verdict)
	}
	r, ok := ratio("listing", "bare")
	row("listing: mock / bare", pct(r), "≥ 35% (goal 50%)", r >= 0.35, ok)
	r, ok = ratio("listing", "prism")
	row("listing: mock / Prism", times(r), "≥ 10x", r >= 10, ok)
	p99, ok := find(rs, "listing", "mock").num("p99_us")
	row("listing: mock p99 at 16 connections", fmt.Sprintf("%.2f ms", p99/1000), "< 5 ms", p99 < 5000, ok)
	r, ok = ratio("bids", "bare")
	row("bids: mock / bare", pct(r), "≥ 25%", r >= 0.25, ok)
	r, ok = ratio("bids", "prism")
	row("bids: mock / Prism", times(r), "", true, ok)
	check := find(rs, "check", "")
	wall, ok := check.num("wall_s")
	row("`jtb check` wall time (in-process mock)", fmt.Sprintf("%.2f s (exit %s)", wall, check["rc"]), "< 10 s, exit 0",
		wall < 10 && check["rc"] == "0", ok)
	sc := find(rs, "scorer", "")
	mb, ok1 := sc.num("mbps")
	base, ok2 := sc.num("baseline_mbps")
	size, _ := sc.num("size")
	row(fmt.Sprintf("scorer on %.0f KiB", size/1024), fmt.Sprintf("%.1f MB/s (word-count baseline %.1f MB/s: %s of it)", mb, base, pct(mb/base)),
		"", true, ok1 && ok2 && base > 0)
}

// nonOK is the count of answers that were not what the run expects (wrk
// counts status ≥ 400) plus socket errors, which would flatter a server.
func nonOK(r result) string {
	n := nonOKCount(r)
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
