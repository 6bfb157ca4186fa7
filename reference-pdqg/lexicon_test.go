package pdqg

import (
	"strings"
	"testing"
)

// A folded stem in two concepts would make one of them unreachable (the
// first wins) and, worse, match words that mean different things.
func TestConceptStemsAreUnique(t *testing.T) {
	owner := map[uint64]string{}
	for n, line := range strings.Split(conceptLexicon, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		name := strings.Fields(line)[0]
		if cols := strings.Count(line, "|") + 1; cols != 6 {
			t.Errorf("line %d (%s): %d columns, want 6 (en | fr | de | es | pt | it)", n, name, cols)
		}
		for _, w := range strings.Fields(strings.ReplaceAll(line, "|", " ")) {
			k := keysOf(w)
			if o, ok := owner[k.stem]; ok && o != name {
				t.Errorf("%q (concept %s) has the stem of a word of concept %s", w, name, o)
			}
			owner[k.stem] = name
		}
	}
}
