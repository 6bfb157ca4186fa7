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
	fCJK                          // a Han or kana character (one per word)
	fKana                         // a hiragana or katakana character: Japanese
	fNonASCII                     // has a letter outside ASCII (keysOf must fold it)
	fApos                         // has an inner apostrophe ("can't", "l'équipe")
)

type token struct {
	start, end int
	h, p       uint64 // hash of the lower-cased word, and of its first stemRunes runes
	flags      uint16
}

// tokenizer splits one line into words: runs of letters, digits, marks and
// underscores, with inner apostrophes ("can't"), inner decimal points
// ("15.5") and digit groups after a space or no-break space ("1 200", the
// French and German way of writing 1,200) kept. Han and kana characters are one word each, since those
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
	if r >= 0xC0 && r <= 0xFF {
		return r != 0xD7 && r != 0xF7 // Latin-1 letters, the accents of Western European text; × and ÷ are not
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

func isIdeograph(r rune) bool {
	return r >= 0x2E80 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r))
}

// next returns the next word of the line; ok is false at the end. The loops
// keep the position in locals and take ASCII without decoding: this is the
// scorer's hot path.
func (t *tokenizer) next() (tok token, ok bool) {
	s := t.s
	i := t.i
	prev := rune(' ')
	for i < len(s) {
		c := s[i]
		var r rune
		size := 1
		if c < utf8.RuneSelf {
			if asciiWord[c] {
				break
			}
			r = rune(c)
		} else {
			r, size = utf8.DecodeRuneInString(s[i:])
			if isWordRune(r) {
				break
			}
		}
		switch r {
		case '.', '!', '?', '。', '！', '？':
			t.sentStart = true
		}
		prev = r
		i += size
	}
	if i >= len(s) {
		t.i = i
		return token{}, false
	}
	tok.start = i
	if t.sentStart {
		tok.flags |= fSentStart
		t.sentStart = false
	}
	if prev == '[' || prev == '<' || prev == '{' {
		tok.flags |= fBracket
	}
	h := uint64(fnvOffset)
	n := 0
	flags := tok.flags
	latin := true
	lastLower := false
	allUpper := true
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c >= 'a' && c <= 'z':
				allUpper = false
				lastLower = true
				if asciiVowel[c] {
					flags |= fVowel
				}
			case c >= 'A' && c <= 'Z':
				if n == 0 {
					flags |= fUpper
				} else if lastLower {
					flags |= fIdent
				}
				lastLower = false
				c += 'a' - 'A'
			case c >= '0' && c <= '9':
				flags |= fDigit
				allUpper = false
			case c == '_':
				flags |= fIdent
			default:
				// Keep "can't" and "15.5" whole.
				if c == '\'' && n > 0 && i+1 < len(s) && t.letterAt(i+1) {
					h = (h ^ '\'') * fnvPrime
					i++
					flags |= fApos
					continue
				}
				if (c == '.' || c == ',') && flags&fDigit != 0 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
					h = (h ^ uint64(c)) * fnvPrime
					i++
					continue
				}
				// "1 200": the space is not hashed, so it is the word "1200".
				if c == ' ' && flags&fDigit != 0 && digitGroupAt(s, i+1) && numberSoFar(s[tok.start:i]) {
					i++
					continue
				}
				goto done
			}
			h = (h ^ uint64(c)) * fnvPrime
			i++
			n++
			if n == stemRunes {
				tok.p = h
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			if r == '’' && n > 0 && i+size < len(s) && t.letterAt(i+size) {
				h = (h ^ '\'') * fnvPrime
				i += size
				flags |= fApos
				continue
			}
			if (r == '\u00a0' || r == '\u202f') && flags&fDigit != 0 && digitGroupAt(s, i+size) && numberSoFar(s[tok.start:i]) {
				i += size
				continue
			}
			break
		}
		ideo := isIdeograph(r)
		if n > 0 && ideo {
			break // an ideograph ends the word before it
		}
		allUpper = false
		flags |= fNonASCII
		if ideo {
			flags |= fCJK
			if r >= 0x3040 && r <= 0x30FF {
				flags |= fKana
			}
		}
		lr := r
		switch {
		case r >= 0xC0 && r <= 0xDE: // Latin-1 capitals (À…Þ; × is not a word rune)
			lr = r + 0x20
			if n == 0 {
				flags |= fUpper
			} else if lastLower {
				flags |= fIdent
			}
			lastLower = false
		case r >= 0xDF && r <= 0xFF: // Latin-1 small letters (ß…ÿ)
			lastLower = true
		case unicode.IsUpper(r):
			lr = unicode.ToLower(r)
			if n == 0 {
				flags |= fUpper
			} else if lastLower {
				flags |= fIdent // an inner capital after a lower-case letter, as for ASCII
			}
			lastLower = false
		case unicode.IsLower(r):
			lastLower = true
		}
		if r > 0xFF && unicode.IsDigit(r) {
			flags |= fDigit
		}
		if r > 0x24F && unicode.IsLetter(r) {
			latin = false
		}
		if r >= 0xC0 && r <= 0x24F {
			flags |= fVowel // accented Latin letters are mostly vowels; never call them junk
		}
		var buf [utf8.UTFMax]byte
		k := utf8.EncodeRune(buf[:], lr)
		for _, b := range buf[:k] {
			h = (h ^ uint64(b)) * fnvPrime
		}
		n++
		if n == stemRunes {
			tok.p = h
		}
		i += size
		if ideo {
			break // one ideograph, one word
		}
	}
done:
	t.i = i
	tok.end = i
	tok.h = h
	if n < stemRunes {
		tok.p = h
	}
	if latin {
		flags |= fLatin
	}
	if allUpper && n >= 3 && n <= 4 {
		switch s[tok.start:tok.end] {
		case "TODO", "TBD", "FIXME", "XXX", "TKTK":
			flags |= fMarker
		}
	}
	tok.flags = flags
	return tok, true
}

// numberSoFar reports whether w is a number a digit group may continue:
// digits and separators only, ending in a group of one to three digits
// ("1", "12 345"; not "2025", which is a year before a count).
func numberSoFar(w string) bool {
	run := 0
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c >= '0' && c <= '9':
			run++
		case c == '.' || c == ',' || c == ' ' || c >= 0x80:
			run = 0 // a separator (a no-break space is multi-byte)
		default:
			return false
		}
	}
	return run >= 1 && run <= 3
}

// digitGroupAt reports whether s has exactly three digits at i: the next
// group of a number written with spaces between groups.
func digitGroupAt(s string, i int) bool {
	if i+3 > len(s) {
		return false
	}
	for k := i; k < i+3; k++ {
		if s[k] < '0' || s[k] > '9' {
			return false
		}
	}
	return i+3 == len(s) || s[i+3] < '0' || s[i+3] > '9'
}

func (t *tokenizer) letterAt(i int) bool {
	if c := t.s[i]; c < utf8.RuneSelf {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	r, _ := utf8.DecodeRuneInString(t.s[i:])
	return unicode.IsLetter(r)
}

// ASCII lookup tables: immutable, filled once at package initialisation.
var (
	asciiWord  = asciiSet("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
	asciiVowel = asciiSet("aeiouy")
)

func asciiSet(chars string) (set [utf8.RuneSelf]bool) {
	for i := 0; i < len(chars); i++ {
		set[chars[i]] = true
	}
	return set
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
