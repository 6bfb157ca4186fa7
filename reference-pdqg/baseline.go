package pdqg

import "unicode"

// BaselineWordCount is the yardstick the scorer's speed is measured against
// (BenchmarkWordCountBaseline, bench/): one plain pass that counts words with
// the scorer's notion of a word character, and nothing else.
func BaselineWordCount(s string) int {
	n := 0
	inWord := false
	for _, r := range s {
		w := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'
		if w && !inWord {
			n++
		}
		inWord = w
	}
	return n
}
