package pdqg

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// benchInput is realistic text of n bytes: golden deliveries concatenated,
// numbered so paragraphs are not all copies of each other.
func benchInput(b testing.TB, n int) string {
	b.Helper()
	var src []string
	for _, name := range []string{"research-heatpumps", "writing-remote", "coding-dedup", "data-sales", "research-german"} {
		src = append(src, goldenContent(b, name))
	}
	var sb strings.Builder
	for i := 0; sb.Len() < n; i++ {
		fmt.Fprintf(&sb, "## Part %d\n\n%s\n\n", i, src[i%len(src)])
	}
	s := sb.String()[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

var benchSizes = []struct {
	name string
	n    int
}{{"10KB", 10 << 10}, {"100KB", 100 << 10}, {"1MB", 1 << 20}}

var benchTask = Task{Title: "Research heat pump adoption in Northern Europe", Description: "Compile recent data on residential heat pump adoption in Norway, Sweden and Finland, with sources, and explain the main policy drivers.", Category: "research"}

func BenchmarkScore(b *testing.B) {
	for _, size := range benchSizes {
		in := benchInput(b, size.n)
		b.Run(size.name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				Score(benchTask, in)
			}
		})
	}
}

// BenchmarkWordCountBaseline is the yardstick: one plain pass counting words
// with the scorer's notion of a word character.
func BenchmarkWordCountBaseline(b *testing.B) {
	for _, size := range benchSizes {
		in := benchInput(b, size.n)
		b.Run(size.name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				BaselineWordCount(in)
			}
		})
	}
}
