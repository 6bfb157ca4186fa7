package pdqg

import (
	"unicode"
	"unicode/utf8"
)

// Accent folding and the keys a word is matched by across languages. These
// run once per distinct word (when the scanner interns it) and on the task,
// never per word of the input.

const prefixRunes = 5 // cognate prefix: "notification", "notificación", "notifica" share "notif"

// foldRune lower-cases r and strips its accent: é → e, Ä → a. Letters that
// fold to two (ß → ss, æ → ae, œ → oe) return the second in r2.
func foldRune(r rune) (r1, r2 rune) {
	if r < utf8.RuneSelf {
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r, 0
	}
	r = unicode.ToLower(r)
	switch r {
	case 'à', 'á', 'â', 'ã', 'ä', 'å', 'ā', 'ă', 'ą':
		return 'a', 0
	case 'ç', 'ć', 'č':
		return 'c', 0
	case 'è', 'é', 'ê', 'ë', 'ē', 'ė', 'ę', 'ě':
		return 'e', 0
	case 'ì', 'í', 'î', 'ï', 'ī', 'į', 'ı':
		return 'i', 0
	case 'ñ', 'ń', 'ň':
		return 'n', 0
	case 'ò', 'ó', 'ô', 'õ', 'ö', 'ø', 'ō', 'ő':
		return 'o', 0
	case 'ù', 'ú', 'û', 'ü', 'ū', 'ů', 'ű', 'ų':
		return 'u', 0
	case 'ý', 'ÿ':
		return 'y', 0
	case 'ś', 'š', 'ş':
		return 's', 0
	case 'ź', 'ż', 'ž':
		return 'z', 0
	case 'ł':
		return 'l', 0
	case 'ř':
		return 'r', 0
	case 'ť', 'ţ':
		return 't', 0
	case 'ď', 'đ':
		return 'd', 0
	case 'ß':
		return 's', 's'
	case 'æ':
		return 'a', 'e'
	case 'œ':
		return 'o', 'e'
	}
	return r, 0
}

// foldString lower-cases s and strips accents (task text and lexicon set-up).
func foldString(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		r1, r2 := foldRune(r)
		b = utf8.AppendRune(b, r1)
		if r2 != 0 {
			b = utf8.AppendRune(b, r2)
		}
	}
	return string(b)
}

// wordKeys are the keys a word is matched by: its folded stem (the first
// stemRunes letters, accents stripped), its folded cognate prefix, and for a
// number its digits alone ("1,200", "1.200" and "1 200" are all 1200).
type wordKeys struct {
	stem, prefix uint64
	runes        int // folded letters, after an elided article
	number       uint64
	digits       int
	elision      langMask // the languages an elided article ("l'", "dell'") belongs to
}

// elisions are the articles and prepositions French and Italian glue to the
// next word with an apostrophe; the word after it is what is matched.
var elisions = map[string]langMask{
	"l": langFR | langIT, "d": langFR, "j": langFR, "m": langFR, "n": langFR, "s": langFR, "t": langFR,
	"c": langFR | langIT, "qu": langFR, "jusqu": langFR, "lorsqu": langFR, "puisqu": langFR,
	"dell": langIT, "nell": langIT, "all": langIT, "dall": langIT, "sull": langIT, "un": langIT,
	"quell": langIT, "quest": langIT,
}

// asciiKeys are keysOf for a word of ASCII letters (no digit, no
// apostrophe), from the hashes the tokeniser already computed: its stem is
// the folded stem, and only the prefix is left to hash.
func asciiKeys(word string, stem uint64) wordKeys {
	k := wordKeys{stem: stem, runes: len(word)}
	if len(word) >= prefixRunes {
		h := uint64(fnvOffset)
		for i := range prefixRunes {
			c := word[i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			h = (h ^ uint64(c)) * fnvPrime
		}
		k.prefix = h
	}
	return k
}

func keysOf(word string) wordKeys {
	var k wordKeys
	// An elided article: "l'installation" is matched as "installation".
	for i := 1; i < len(word) && i <= 7; i++ {
		c := word[i]
		if c == '\'' || (c == 0xE2 && i+2 < len(word) && word[i+1] == 0x80 && word[i+2] == 0x99) {
			if m, ok := elisions[foldString(word[:i])]; ok {
				k.elision = m
				if c == '\'' {
					word = word[i+1:]
				} else {
					word = word[i+3:]
				}
			}
			break
		}
	}
	h := uint64(fnvOffset)
	nh := uint64(fnvOffset)
	add := func(r rune) {
		if r < utf8.RuneSelf {
			h = (h ^ uint64(r)) * fnvPrime
		} else {
			var buf [utf8.UTFMax]byte
			n := utf8.EncodeRune(buf[:], r)
			for _, b := range buf[:n] {
				h = (h ^ uint64(b)) * fnvPrime
			}
		}
		k.runes++
		switch k.runes {
		case prefixRunes:
			k.prefix = h
		case stemRunes:
			k.stem = h
		}
	}
	for _, r := range word {
		if r >= '0' && r <= '9' {
			nh = (nh ^ uint64(r)) * fnvPrime
			k.digits++
		}
		if !isWordRune(r) {
			continue // apostrophes, separators inside numbers
		}
		r1, r2 := foldRune(r)
		add(r1)
		if r2 != 0 {
			add(r2)
		}
	}
	if k.runes < stemRunes {
		k.stem = h
	}
	if k.runes < prefixRunes {
		k.prefix = 0 // too short to be a cognate by prefix
	}
	if k.digits > 0 {
		k.number = nh
	}
	return k
}
