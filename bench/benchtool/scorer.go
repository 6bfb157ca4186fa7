package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	pdqg "github.com/jobtobot/jtb/reference-pdqg"
)

// scorerTask is what the measured delivery is scored against.
var scorerTask = pdqg.Task{Title: "Research heat pump adoption in Northern Europe",
	Description: "Compile recent data on residential heat pump adoption in Norway, Sweden and Finland, with sources, and explain the main policy drivers.",
	Category:    "research"}

// runScorer measures the reference scorer on realistic text (the golden
// deliveries, numbered and concatenated) beside one plain word-counting pass
// over the same bytes: the floor any tokenising scorer pays. On a shared
// machine the load changes over seconds, so the two are timed in adjacent
// pairs (one scorer pass, then one baseline pass) and compared pair by pair:
// ratio is the median of the pairs' time ratios, the MB/s are medians too.
func runScorer(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scorer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "fixtures/deliveries", "directory of delivery .md files")
	size := fs.Int("size", 1<<20, "bytes of input")
	pairs := fs.Int("pairs", 31, "adjacent scorer/baseline passes to compare")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pairs < 1 {
		return errors.New("-pairs must be at least 1")
	}
	in, err := scorerInput(os.DirFS(*dir), *size)
	if err != nil {
		return err
	}
	// Warm up: the first call builds the lexicon and grows the buffers.
	pdqg.Score(scorerTask, in)
	pdqg.BaselineWordCount(in)
	var score, base, ratio []float64
	for range *pairs {
		t0 := time.Now()
		pdqg.Score(scorerTask, in)
		t1 := time.Now()
		pdqg.BaselineWordCount(in)
		t2 := time.Now()
		s, b := t1.Sub(t0).Seconds(), t2.Sub(t1).Seconds()
		if s <= 0 || b <= 0 {
			continue // a clock that did not move: no measurement
		}
		score = append(score, float64(len(in))/1e6/s)
		base = append(base, float64(len(in))/1e6/b)
		ratio = append(ratio, s/b)
	}
	r, ok := median(ratio)
	if !ok {
		return errors.New("no pair could be timed")
	}
	sm, _ := median(score)
	bm, _ := median(base)
	fmt.Fprintf(stdout, "run=scorer size=%d mbps=%.1f baseline_mbps=%.1f ratio=%.2f pairs=%d\n", len(in), sm, bm, r, len(ratio))
	return nil
}

func scorerInput(fsys fs.FS, n int) (string, error) {
	names, err := fs.Glob(fsys, "*.md")
	if err != nil {
		return "", err
	}
	if len(names) == 0 {
		return "", errors.New("no .md deliveries to build the input from")
	}
	slices.Sort(names)
	var src []string
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return "", err
		}
		src = append(src, string(data))
	}
	var sb strings.Builder
	for i := 0; sb.Len() < n; i++ {
		fmt.Fprintf(&sb, "## Part %d\n\n%s\n\n", i, src[i%len(src)])
	}
	s := sb.String()[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s, nil
}
