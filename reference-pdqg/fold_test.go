package pdqg

import "testing"

// The scanner takes a plain ASCII word's keys from the tokeniser's hashes
// (asciiKeys); they must be the keys keysOf computes, or a task term would
// match in one path and not the other.
func TestASCIIKeysMatchKeysOf(t *testing.T) {
	for _, w := range []string{"revenue", "Revenue", "REVENUE", "heat", "pumps", "summarize", "a", "ab", "abcde", "Thermostat", "iOS", "getValue"} {
		tk := tokenizer{s: w}
		tok, _ := tk.next()
		if got, want := asciiKeys(w, tok.p), keysOf(w); got != want {
			t.Errorf("%q: asciiKeys %+v, keysOf %+v", w, got, want)
		}
	}
}

func TestKeysOf(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"Wärmepumpen", "warmepumpen", true},
		{"résultats", "results", true}, // six folded letters "result"
		{"l'installation", "installation", true},
		{"dell’energia", "energia", true},
		{"Straße", "strasse", true},
		{"margin", "marge", false},
	}
	for _, tt := range tests {
		if got := keysOf(tt.a).stem == keysOf(tt.b).stem; got != tt.same {
			t.Errorf("stem(%q) == stem(%q): %v, want %v", tt.a, tt.b, got, tt.same)
		}
	}
	for _, tt := range []struct {
		a, b string
	}{{"1,200", "1200"}, {"1.200", "1200"}, {"0,10", "0.10"}, {"10.000", "10,000"}} {
		if keysOf(tt.a).number != keysOf(tt.b).number {
			t.Errorf("number(%q) != number(%q)", tt.a, tt.b)
		}
	}
}
