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

// welcomesAnyLanguage skips a task that names no form of "language";
// every allowance phrase must contain one, or it would never be found.
func TestAllowancePhrasesNameALanguage(t *testing.T) {
	for _, p := range loadLexicon().anyLanguage {
		ok := false
		for _, stem := range languageStems {
			ok = ok || strings.Contains(p, stem)
		}
		if !ok {
			t.Errorf("allowance phrase %q names no form of language %q", p, languageStems)
		}
	}
}
