package pdqg

import "testing"

// An inner capital after a lower-case letter marks an identifier
// ("getValue"), whatever script the letters are in.
func TestTokenizerFlagsInnerCapitals(t *testing.T) {
	for _, tt := range []struct {
		word  string
		ident bool
	}{
		{"getValue", true},
		{"naïveCase", true}, // the lower-case letter before the capital is "e", after an ï
		{"créeÉtat", true},  // a non-ASCII lower-case letter, then a non-ASCII capital
		{"éA", true},
		{"École", false},
		{"ÉCOLE", false},
		{"naïve", false},
		{"Straße", false},
	} {
		tk := tokenizer{s: tt.word}
		tok, ok := tk.next()
		if !ok || tok.end != len(tt.word) {
			t.Fatalf("%q: not one word (%+v)", tt.word, tok)
		}
		if got := tok.flags&fIdent != 0; got != tt.ident {
			t.Errorf("%q: identifier %v, want %v", tt.word, got, tt.ident)
		}
	}
}
