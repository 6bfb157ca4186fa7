package pdqg

import (
	"strings"
)

// lang is a language the scorer can tell apart: the ones with stop-word
// lists, detected by their function words, and Japanese and Chinese,
// detected by their script.
type lang int8

const (
	langUnknown lang = -1
	english     lang = iota - 1
	french
	german
	spanish
	portuguese
	italian
	dutch
	japanese
	chinese
	numLangs
)

// stopLangs is how many languages have function-word lists (English … Dutch).
const stopLangs = int(dutch) + 1

// langMask is a set of the languages with word lists.
type langMask uint8

const (
	langEN langMask = 1 << iota
	langFR
	langDE
	langES
	langPT
	langIT
	langNL
)

var langCodes = [numLangs]string{"en", "fr", "de", "es", "pt", "it", "nl", "ja", "zh"}
var langNames = [numLangs]string{"English", "French", "German", "Spanish", "Portuguese", "Italian", "Dutch", "Japanese", "Chinese"}

func (l lang) code() string {
	if l < 0 || l >= numLangs {
		return ""
	}
	return langCodes[l]
}

func (l lang) name() string {
	if l < 0 || l >= numLangs {
		return "an undetermined language"
	}
	return langNames[l]
}

// langSet is a set of languages, any of numLangs.
type langSet uint16

func (s langSet) has(l lang) bool { return l >= 0 && s&(1<<uint(l)) != 0 }
func (s *langSet) add(l lang) {
	if l >= 0 {
		*s |= 1 << uint(l)
	}
}

func (s langSet) without(l lang) langSet {
	if l < 0 {
		return s
	}
	return s &^ (1 << uint(l))
}

// first is the set's first language, langUnknown when empty.
func (s langSet) first() lang {
	for l := lang(0); l < numLangs; l++ {
		if s.has(l) {
			return l
		}
	}
	return langUnknown
}

// names lists the set's languages in English ("French or German").
func (s langSet) names() string {
	var out []string
	for l := lang(0); l < numLangs; l++ {
		if s.has(l) {
			out = append(out, l.name())
		}
	}
	switch len(out) {
	case 0:
		return ""
	case 1:
		return out[0]
	}
	return strings.Join(out[:len(out)-1], ", ") + " or " + out[len(out)-1]
}

// langCounts are function-word hits per language, and the script counts
// that tell Japanese and Chinese.
type langCounts struct {
	hits      [stopLangs]int
	words     int // prose words counted
	cjk, kana int
}

// Detection needs this many function words of the winning language, and
// that many times as many as the runner-up: below it, the language is left
// undetermined and no rule that depends on it fires.
const (
	minLangHits  = 6
	langLead     = 1.25
	minCJKShare  = 0.3
	minKanaShare = 0.05
)

// detect names the dominant language, or langUnknown when the text is too
// short or too mixed to tell. minHits is lower for a task's few words.
func (lc langCounts) detect(minHits int) lang {
	if lc.words > 0 && float64(lc.cjk) >= minCJKShare*float64(lc.words) {
		if float64(lc.kana) >= minKanaShare*float64(lc.cjk) {
			return japanese
		}
		return chinese
	}
	best, second := langUnknown, 0
	for l := range stopLangs {
		switch n := lc.hits[l]; {
		case best < 0 || n > lc.hits[best]:
			if best >= 0 {
				second = lc.hits[best]
			}
			best = lang(l)
		case n > second:
			second = n
		}
	}
	if best < 0 || lc.hits[best] < minHits || float64(lc.hits[best]) < langLead*float64(second) {
		return langUnknown
	}
	return best
}

// taskLangs is what a task says about languages.
type taskLangs struct {
	task     lang    // the language the task is written in (its instructions)
	named    langSet // languages the task names ("in French", "auf Deutsch")
	anyLang  bool    // the task welcomes another language ("a version in another language is equally welcome")
	target   lang    // translation tasks: the language to translate into
	source   lang    // translation tasks: the source text's language
	hasTask  bool
	stated   int    // a length the task states, in words ("a 500-word post"), 0 if none
	srcText  string // translation tasks: the source text found in the task
	srcWords int
}

// allowed reports whether a delivery in l answers the task's language.
func (tl taskLangs) allowed(l lang) bool {
	return tl.anyLang || l == tl.task || tl.named.has(l)
}

// Words that mark a named language as the translation's target or source
// when they come right before it ("into French", "from German").
const (
	intoWords = "into to in en vers ins auf nach al a para em in ao"
	fromWords = "from de du aus vom del desde da dal dall"
)

// parseTaskLangs reads the task's languages: the named ones (a language
// name in any of the lexicon's languages), an allowance phrase, and for a
// translation its source and target.
func parseTaskLangs(lx *lexicon, t Task, translation bool) taskLangs {
	tl := taskLangs{task: langUnknown, target: langUnknown, source: langUnknown, hasTask: true}
	text := t.Title + "\n" + t.Description
	words := phraseWords(text)
	tl.anyLang = welcomesAnyLanguage(lx, " "+strings.Join(words, " ")+" ")
	var into, from langSet
	prev := ""
	for i, w := range words {
		if l, ok := lx.langName[w]; ok {
			tl.named.add(l)
			switch {
			case strings.Contains(" "+intoWords+" ", " "+prev+" "):
				into.add(l)
			case strings.Contains(" "+fromWords+" ", " "+prev+" "):
				from.add(l)
			}
		}
		if n := statedWords(words, i); n > 0 {
			tl.stated = n // the last one stated is the delivery's: "summarize this 5,000-word report in 300 words"
		}
		prev = w
	}
	if translation {
		src, _ := findSource(t.Description)
		tl.srcText = src
	}
	// The task's own language: function words, and the lexicon's words,
	// outside the source text.
	instr := text
	if tl.srcText != "" {
		instr = strings.Replace(instr, tl.srcText, " ", 1)
	}
	tl.task = lx.detectShort(instr)
	if !translation {
		return tl
	}
	if tl.srcText != "" {
		tl.source = lx.detectShort(tl.srcText)
		tl.srcWords = countWords(tl.srcText)
	}
	// The target: a language named after "into"/"en"/"auf"...; else a named
	// language that is neither the source's nor marked "from".
	cands := into
	if cands == 0 {
		cands = tl.named &^ from
		switch {
		case tl.source >= 0:
			cands = cands.without(tl.source)
		case cands.without(tl.task) != 0:
			cands = cands.without(tl.task) // "Translate the English announcement into natural French"
		}
	}
	tl.target = cands.first()
	if tl.source < 0 {
		tl.source = from.first()
		if tl.source < 0 {
			tl.source = tl.named.without(tl.target).first()
		}
	}
	return tl
}

// phraseWords are s's words folded, without punctuation around them
// ("1,000" and "500-word" keep theirs inside): how task text and the
// allowance phrases are compared.
func phraseWords(s string) []string {
	words := strings.Fields(strings.Map(func(r rune) rune {
		if isWordRune(r) || r == '-' || r == ',' || r == '.' {
			return r
		}
		return ' '
	}, foldString(s)))
	for i := range words {
		words[i] = strings.Trim(words[i], ",.-")
	}
	return words
}

// welcomesAnyLanguage finds an allowance phrase in the folded, space-padded
// task text that no negation shortly before cancels ("in English only, no
// other language").
func welcomesAnyLanguage(lx *lexicon, folded string) bool {
	// Every allowance phrase names language in one of these forms.
	found := false
	for _, stem := range languageStems {
		if strings.Contains(folded, stem) {
			found = true
			break
		}
	}
	if !found {
		return false
	}
	for _, p := range lx.anyLanguage {
		for from := 0; ; {
			i := strings.Index(folded[from:], p)
			if i < 0 {
				break
			}
			i += from
			before := folded[max(0, i-24) : i+1]
			negated := false
			for _, n := range negations {
				if strings.Contains(before, n) {
					negated = true
					break
				}
			}
			if !negated {
				return true
			}
			from = i + len(p) - 1
		}
	}
	return false
}

// statedWords reads "500 words", "500-word", "400 palabras" at words[i]: the
// length a task asks for. Values outside 10..5000 are not lengths.
func statedWords(words []string, i int) int {
	w := words[i]
	num, unit := w, ""
	if j := strings.IndexByte(w, '-'); j > 0 {
		num, unit = w[:j], w[j+1:]
	} else if i+1 < len(words) {
		unit = words[i+1]
	}
	n := 0
	for k := 0; k < len(num); k++ {
		c := num[k]
		switch {
		case c >= '0' && c <= '9':
			n = n*10 + int(c-'0')
			if n > 100000 {
				return 0
			}
		case c == ',' || c == '.':
		default:
			return 0
		}
	}
	switch unit {
	case "word", "words", "mot", "mots", "wort", "worter", "worte", "palabra", "palabras", "palavra", "palavras", "parola", "parole", "woorden":
	default:
		return 0
	}
	if n < 10 || n > 5000 {
		return 0
	}
	return n
}

// countWords counts the tokeniser's words of s.
func countWords(s string) int {
	tk := tokenizer{s: s}
	n := 0
	for {
		if _, ok := tk.next(); !ok {
			return n
		}
		n++
	}
}

// detectShort detects the language of a short text (a task): function
// words first; when they do not decide, the lexicon's words count too, and
// fewer are needed.
func (lx *lexicon) detectShort(s string) lang {
	var lc langCounts
	var content []token // words that are not function words, for the second pass
	tk := tokenizer{s: s}
	for {
		tok, ok := tk.next()
		if !ok {
			break
		}
		lc.words++
		if tok.flags&fCJK != 0 {
			lc.cjk++
			if tok.flags&fKana != 0 {
				lc.kana++
			}
			continue
		}
		m := lx.langOf(tok.h)
		if lx.class(tok.h)&cStop == 0 {
			content = append(content, tok)
		}
		lc.count(m)
	}
	if l := lc.detect(2); l >= 0 {
		return l
	}
	for _, tok := range content {
		k := keysOf(s[tok.start:tok.end])
		_, cm := lx.concept(k.stem)
		lc.count(cm | k.elision)
	}
	return lc.detect(2)
}

// count adds a word whose language mask is m.
func (lc *langCounts) count(m langMask) {
	for l := range stopLangs {
		if m&(1<<l) != 0 {
			lc.hits[l]++
		}
	}
}

// sourceMarkers introduce a translation's source text, in the lexicon's
// languages (compared lower-cased).
var sourceMarkers = []string{
	"source text:", "original text:", "text to translate:", "source:", "original:", "text:",
	"texte source :", "texte source:", "texte original :", "texte original:", "texte à traduire :", "texte :", "texte:",
	"quelltext:", "ausgangstext:", "originaltext:", "zu übersetzender text:", "text:",
	"texto original:", "texto fuente:", "texto de origen:", "texto a traducir:", "texto:",
	"texto de origem:", "texto a traduzir:",
	"testo originale:", "testo da tradurre:", "testo:",
}

// findSource finds the text a translation task wants translated: a fenced
// block, the text after a marker such as "Source text:", quoted lines
// ("> ..."), or the longest quotation of six words or more. rest is the
// description without it.
func findSource(desc string) (src, rest string) {
	// A fenced block.
	if i := strings.Index(desc, "```"); i >= 0 {
		body := desc[i+3:]
		if nl := strings.IndexByte(body, '\n'); nl >= 0 {
			body = body[nl+1:]
			if j := strings.Index(body, "```"); j >= 0 {
				return strings.TrimSpace(body[:j]), desc[:i] + body[j+3:]
			}
		}
	}
	// A marker: the rest of the description is the source.
	lower := asciiLower(desc)
	best := -1
	bestLen := 0
	for _, m := range sourceMarkers {
		i := strings.Index(lower, m)
		// At a word's start: "text:" is not the end of "context:".
		for i > 0 && isWordRune(rune(lower[i-1])) && lower[i-1] < 0x80 {
			j := strings.Index(lower[i+1:], m)
			if j < 0 {
				i = -1
				break
			}
			i += 1 + j
		}
		if i >= 0 && (best < 0 || i < best) {
			best, bestLen = i, len(m)
		}
	}
	if best >= 0 {
		if s := trimQuotes(strings.TrimSpace(desc[best+bestLen:])); countWords(s) >= 3 {
			return s, desc[:best]
		}
	}
	// Quoted lines.
	var quoted []string
	for _, line := range strings.Split(desc, "\n") {
		if t := strings.TrimSpace(line); strings.HasPrefix(t, ">") {
			quoted = append(quoted, strings.TrimSpace(strings.TrimLeft(t, ">")))
		}
	}
	if len(quoted) > 0 {
		s := strings.Join(quoted, "\n")
		return s, strings.Replace(desc, s, "", 1)
	}
	// The longest quotation.
	pairs := [][2]string{{"“", "”"}, {"«", "»"}, {"„", "“"}, {"\"", "\""}, {"‹", "›"}, {"「", "」"}}
	for _, p := range pairs {
		from := 0
		for {
			i := strings.Index(desc[from:], p[0])
			if i < 0 {
				break
			}
			i += from + len(p[0])
			j := strings.Index(desc[i:], p[1])
			if j < 0 {
				break
			}
			q := strings.TrimSpace(desc[i : i+j])
			if countWords(q) >= 6 && len(q) > len(src) {
				src = q
			}
			from = i + j + len(p[1])
		}
	}
	if src != "" {
		return src, strings.Replace(desc, src, "", 1)
	}
	return "", desc
}

func trimQuotes(s string) string {
	for _, p := range [][2]string{{"“", "”"}, {"«", "»"}, {"„", "“"}, {"\"", "\""}} {
		if strings.HasPrefix(s, p[0]) && strings.HasSuffix(s, p[1]) && len(s) > len(p[0])+len(p[1]) {
			return strings.TrimSpace(s[len(p[0]) : len(s)-len(p[1])])
		}
	}
	return s
}

// asciiLower lower-cases ASCII letters only, so byte offsets stay the same.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
