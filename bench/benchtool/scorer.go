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
	"testing"
	"unicode/utf8"

	pdqg "github.com/jobtobot/jtb/reference-pdqg"
)

// scorerTask is what the measured delivery is scored against.
var scorerTask = pdqg.Task{Title: "Research heat pump adoption in Northern Europe",
	Description: "Compile recent data on residential heat pump adoption in Norway, Sweden and Finland, with sources, and explain the main policy drivers.",
	Category:    "research"}

// runScorer measures the reference scorer on realistic text (the golden
// deliveries, numbered and concatenated) beside one plain word-counting pass
// over the same bytes: the floor any tokenising scorer pays.
func runScorer(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scorer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "fixtures/deliveries", "directory of delivery .md files")
	size := fs.Int("size", 1<<20, "bytes of input")
	if err := fs.Parse(args); err != nil {
		return err
	}
	in, err := scorerInput(os.DirFS(*dir), *size)
	if err != nil {
		return err
	}
	score := testing.Benchmark(func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		for b.Loop() {
			pdqg.Score(scorerTask, in)
		}
	})
	base := testing.Benchmark(func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		for b.Loop() {
			pdqg.BaselineWordCount(in)
		}
	})
	fmt.Fprintf(stdout, "run=scorer size=%d mbps=%.1f baseline_mbps=%.1f\n", len(in), mbps(score), mbps(base))
	return nil
}

func mbps(r testing.BenchmarkResult) float64 {
	if r.T <= 0 {
		return 0
	}
	return float64(r.Bytes) * float64(r.N) / 1e6 / r.T.Seconds()
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
