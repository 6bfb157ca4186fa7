package pdqg

import (
	"unicode"
	"unicode/utf8"
)

// FNV-1a, 64 bit: a fixed, platform-independent hash, so word identity never
// depends on the process (Go's map hash is seeded per process).
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
	stemRunes = 6 // truncation stem: "summary", "summarize", "summaries" share "summar"
)

// Word flags set by the tokeniser.
const (
	fSentStart uint16 = 1 << iota // first word of a sentence or line
	fUpper                        // starts with an upper-case letter
	fDigit                        // contains a digit
	fIdent                        // looks like an identifier: underscore or inner capital
	fLatin                        // every letter is Latin script
	fVowel                        // contains a Latin vowel
	fMarker                       // a placeholder marker such as TODO
	fBracket                      // opens right after '[', '<' or '{' ("[insert name]")
	fCode                         // inside a fenced code block
)

type token struct {
	start, end int
	h, p       uint64 // hash of the lower-cased word, and of its first stemRunes runes
	flags      uint16
}

// tokenizer splits one line into words: runs of letters, digits, marks and
// underscores, with inner apostrophes ("can't") and inner decimal points
// ("15.5") kept. Han and kana characters are one word each, since those
// scripts do not separate words with spaces.
type tokenizer struct {
	s         string
	i         int
	sentStart bool
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

func isIdeograph(r rune) bool {
	return r >= 0x2E80 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r))
}

func (t *tokenizer) decode(i int) (rune, int) {
	if c := t.s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(t.s[i:])
}

// next returns the next word of the line; ok is false at the end.
func (t *tokenizer) next() (tok token, ok bool) {
	s := t.s
	prev := rune(' ')
	for t.i < len(s) {
		r, size := t.decode(t.i)
		if isWordRune(r) {
			break
		}
		switch r {
		case '.', '!', '?', '。', '！', '？':
			t.sentStart = true
		}
		prev = r
		t.i += size
	}
	if t.i >= len(s) {
		return token{}, false
	}
	tok.start = t.i
	if t.sentStart {
		tok.flags |= fSentStart
		t.sentStart = false
	}
	if prev == '[' || prev == '<' || prev == '{' {
		tok.flags |= fBracket
	}
	h := uint64(fnvOffset)
	n := 0
	latin := true
	lastLower := false
	allUpper := true
	for t.i < len(s) {
		r, size := t.decode(t.i)
		if !isWordRune(r) {
			// Keep "can't", "l'été" and "15.5" whole.
			if (r == '\'' || r == '’') && n > 0 && t.i+size < len(s) {
				if nr, _ := t.decode(t.i + size); unicode.IsLetter(nr) {
					h = (h ^ '\'') * fnvPrime
					t.i += size
					continue
				}
			}
			if (r == '.' || r == ',') && tok.flags&fDigit != 0 && t.i+size < len(s) {
				if nr, _ := t.decode(t.i + size); nr >= '0' && nr <= '9' {
					h = (h ^ uint64(r)) * fnvPrime
					t.i += size
					continue
				}
			}
			break
		}
		if n > 0 && isIdeograph(r) {
			break // an ideograph ends the word before it
		}
		lr := r
		switch {
		case r < utf8.RuneSelf:
			switch {
			case r >= 'A' && r <= 'Z':
				lr = r + 32
				if n == 0 {
					tok.flags |= fUpper
				} else if lastLower {
					tok.flags |= fIdent
				}
				lastLower = false
			case r >= 'a' && r <= 'z':
				allUpper = false
				lastLower = true
				switch r {
				case 'a', 'e', 'i', 'o', 'u', 'y':
					tok.flags |= fVowel
				}
			case r >= '0' && r <= '9':
				tok.flags |= fDigit
				allUpper = false
			case r == '_':
				tok.flags |= fIdent
			}
			h = (h ^ uint64(lr)) * fnvPrime
		default:
			allUpper = false
			if unicode.IsUpper(r) {
				lr = unicode.ToLower(r)
				if n == 0 {
					tok.flags |= fUpper
				}
			}
			if unicode.IsDigit(r) {
				tok.flags |= fDigit
			}
			if r > 0x24F && unicode.IsLetter(r) {
				latin = false
			}
			if r >= 0xC0 && r <= 0x24F {
				tok.flags |= fVowel // accented Latin letters are mostly vowels; never call them junk
			}
			var buf [utf8.UTFMax]byte
			k := utf8.EncodeRune(buf[:], lr)
			for _, b := range buf[:k] {
				h = (h ^ uint64(b)) * fnvPrime
			}
		}
		n++
		if n == stemRunes {
			tok.p = h
		}
		t.i += size
		if isIdeograph(r) {
			break // one ideograph, one word
		}
	}
	tok.end = t.i
	tok.h = h
	if n < stemRunes {
		tok.p = h
	}
	if latin {
		tok.flags |= fLatin
	}
	if allUpper && n >= 3 && n <= 4 {
		switch s[tok.start:tok.end] {
		case "TODO", "TBD", "FIXME", "XXX", "TKTK":
			tok.flags |= fMarker
		}
	}
	return tok, true
}

// hashWord is the hash the tokeniser gives the first word of w.
func hashWord(w string) uint64 {
	t := tokenizer{s: w}
	tok, _ := t.next()
	return tok.h
}

// tokenizeWords splits s into the tokeniser's words (lexicon set-up only).
func tokenizeWords(s string) []string {
	t := tokenizer{s: s}
	var out []string
	for {
		tok, ok := t.next()
		if !ok {
			return out
		}
		out = append(out, s[tok.start:tok.end])
	}
}
