package pdqg

import (
	"strings"
	"sync"
)

// Word classes from the lexicon, cached per distinct word so each word of the
// input costs one map lookup.
const (
	cStop uint8 = 1 << iota
	cLorem
	cVague
	cRefusalEnd    // last word of a refusal phrase
	cFillerEnd     // last word of a filler phrase
	cInsert        // "insert", "placeholder", "your": a placeholder when bracketed
	cMeta          // instruction words of a task ("write", "attached"): not task terms
	cUnfinishedEnd // last word of an "omitted for brevity" phrase
)

const (
	minRepeatWords = 5   // shorter repeated blocks and sentences are dropped but not penalised
	chunkWords     = 100 // window for the type/token ratio
	echoN          = 5   // shingle length for echo detection
	echoBits       = 1 << 14
)

// stats is everything the criteria need, gathered in one pass.
type stats struct {
	// Word accounting over the whole input (see doc.go: effective content).
	effWords    int // words of effective content, code included
	loremWords  int // words in lorem ipsum blocks
	repeatWords int // repeated blocks (>= minRepeatWords) and repeated sentences
	worstRepeat int // most copies of one block
	// Effective content.
	codeWords       int
	proseWords      int // non-code words
	stopWords       int
	contentWords    int // prose, not stop words
	specific        int
	vague           int
	digitWords      int
	latinWords      int
	noVowelWords    int
	symbolChars     int
	visibleChars    int
	markers         int
	codeMarkers     int
	refusals        int
	fillers         int
	fillerWords     int // words inside filler phrases
	chunkDistinct   int
	chunkTotal      int
	blocks          int // effective blocks with words
	longestBlock    int
	headings        int
	listItems       int
	tableRows       int
	fences          int
	codeLikeLines   int
	links           int
	echoWords       int
	termBlocks      int // effective blocks (>= 8 words) mentioning a task term
	crossBlocks     int // ... mentioning a task term, also through the lexicon or a cognate
	sizedBlocks     int // effective blocks with >= 8 words
	termOccurrence  int // prose words that are task terms
	crossOccurrence int // prose words that are task terms through the lexicon or a cognate
	topWordCount    int
	topWord         string
	unfinished      int        // "(to be continued)" at the end, "omitted for brevity" phrases
	ellipsisLines   int        // paragraphs that are only an ellipsis
	trailing        bool       // the last block of content ends in an ellipsis
	langs           langCounts // function words per language, CJK script
}

type blockLines struct {
	headings, listItems, tableRows, fences, codeLike, links, symbols, visible int
}

type wordRec struct {
	id    int32
	flags uint16
}

// scanner holds the state of one Score call.
type scanner struct {
	lx      *lexicon
	content string
	ids     *internTable
	class   []uint8
	langs   []langMask // languages whose function words include the word
	term    []int32    // task term index of each word id, -1 if none
	xterm   []int32    // task term the word translates or is a cognate of, -1 if none
	count   []int32    // prose occurrences per word id
	lastChk []int32    // last chunk each word id was seen in, for the type/token ratio
	hash    []uint64

	terms     *taskTerms
	termHits  []int32
	crossHits []int32
	shingles  map[uint64]struct{}
	shingleBF []uint64

	seenBlocks map[uint64]int32
	seenSents  map[uint64]struct{}
	mapHint    int // the most entries the two maps have held: clearing costs that much

	block     []wordRec
	bl        blockLines
	lastBlock string // the last block of effective content

	// Rings are written in place (pos is the next slot, so the oldest
	// entry once full); shifting them cost a copy on every word.
	ring     [8]uint64 // recent prose word hashes for phrase matching
	ringPos  int
	ringN    int
	recent   [8]uint64 // the ring in order, built only for a phrase check
	echoRing [echoN]struct {
		h      uint64
		term   int32
		echoed bool
	}
	echoPos int
	echoN   int
	chunk   int32
	inChk   int
	st      stats
}

// scanners keeps the buffers of finished Score calls: a Score call's
// vocabulary tables are its main allocation, and fresh memory (zeroed, cold in
// the cache) cost a third of a 10 KB call. Reuse never shows in a result:
// newScanner resets every field, and the property tests score inputs in
// mixed orders and compare.
var scanners = sync.Pool{New: func() any { return new(scanner) }}

func newScanner(lx *lexicon, content string, terms *taskTerms) *scanner {
	// Presize for the vocabulary a text of this length usually has: growing
	// the map and the per-word slices dominated short inputs.
	vocab := min(len(content)/12, 1<<15) + 64
	sc := scanners.Get().(*scanner)
	old := *sc
	sents := len(content)/128 + 8
	keepMaps := old.seenSents != nil && old.mapHint <= 8*sents+1024
	mapHint := sents
	if keepMaps {
		mapHint = old.mapHint
	}
	*sc = scanner{
		lx:         lx,
		content:    content,
		ids:        old.ids.reset(vocab),
		class:      reuse(old.class, vocab),
		langs:      reuse(old.langs, vocab),
		term:       reuse(old.term, vocab),
		xterm:      reuse(old.xterm, vocab),
		count:      reuse(old.count, vocab),
		lastChk:    reuse(old.lastChk, vocab),
		hash:       reuse(old.hash, vocab),
		terms:      terms,
		seenBlocks: reuseMap(old.seenBlocks, keepMaps, len(content)/256+8),
		seenSents:  reuseMap(old.seenSents, keepMaps, sents),
		mapHint:    mapHint,
		block:      old.block[:0],
		shingleBF:  old.shingleBF,
	}
	if terms != nil {
		sc.termHits = make([]int32, len(terms.weights))
		sc.crossHits = make([]int32, len(terms.weights))
		if len(terms.shingles) > 0 {
			sc.shingles = terms.shingles
			if sc.shingleBF == nil {
				sc.shingleBF = make([]uint64, echoBits/64)
			}
			clear(sc.shingleBF)
			for s := range terms.shingles {
				sc.shingleBF[(s%echoBits)/64] |= 1 << (s % 64)
			}
		}
	}
	return sc
}

// release hands the scanner's buffers back; the scanner must not be used
// after it (Score copies out everything its result needs first).
func (sc *scanner) release() {
	sc.mapHint = max(sc.mapHint, len(sc.seenSents), len(sc.seenBlocks))
	sc.content, sc.terms, sc.shingles, sc.termHits, sc.crossHits, sc.lastBlock = "", nil, nil, nil, nil, ""
	scanners.Put(sc)
}

// reuse returns s emptied when its capacity suits n, else a new slice: a
// buffer grown by one huge input is not kept for small ones.
func reuse[T any](s []T, n int) []T {
	if cap(s) >= n && cap(s) <= 8*n+1024 {
		return s[:0]
	}
	return make([]T, 0, n)
}

// reuseMap clears m when keep says its size suits this call, else makes a
// new map: clearing costs as much as the map has ever held, so a map grown by
// one huge input is not kept for small ones.
func reuseMap[V any](m map[uint64]V, keep bool, want int) map[uint64]V {
	if m != nil && keep {
		clear(m)
		return m
	}
	return make(map[uint64]V, want)
}

// wordID interns a word hash, computing its lexicon class and the task term
// it matches once per distinct word: this is where the matching keys
// (folded stem, cognate prefix, number) are computed, never per word.
func (sc *scanner) wordID(tok token, word string) int32 {
	if id, ok := sc.ids.get(tok.h); ok {
		return id
	}
	id := int32(len(sc.class))
	sc.ids.put(tok.h, id)
	v, _ := sc.lx.table.get(tok.h)
	c, m := uint8(v), langMask(v>>8)
	sc.class = append(sc.class, c)
	t, x := int32(-1), int32(-1)
	if sc.terms != nil && c&(cStop|cMeta) == 0 {
		var k wordKeys
		if tok.flags&(fNonASCII|fDigit|fApos) == 0 {
			k = asciiKeys(word, tok.p)
		} else {
			k = keysOf(word)
		}
		m |= k.elision
		t, x = sc.terms.match(sc.lx, k)
	} else if tok.flags&fApos != 0 {
		m |= keysOf(word).elision
	}
	sc.langs = append(sc.langs, m)
	sc.term = append(sc.term, t)
	sc.xterm = append(sc.xterm, x)
	sc.count = append(sc.count, 0)
	sc.lastChk = append(sc.lastChk, -1)
	sc.hash = append(sc.hash, tok.h)
	return id
}

// scan walks the content line by line; blank lines outside code fences end
// a block (a paragraph).
func (sc *scanner) scan() {
	s := sc.content
	inFence := false
	blockStart := 0
	for pos := 0; pos <= len(s); {
		end := strings.IndexByte(s[pos:], '\n')
		if end < 0 {
			end = len(s)
		} else {
			end += pos
		}
		line := s[pos:end]
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" && !inFence:
			sc.flush(s[blockStart:pos])
			blockStart = end + 1
		case strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~"):
			inFence = !inFence
			sc.bl.fences++
		default:
			sc.line(line, trimmed, inFence)
		}
		pos = end + 1
	}
	if blockStart < len(s) {
		sc.flush(s[blockStart:])
	}
}

func (sc *scanner) line(line, trimmed string, inFence bool) {
	var extra uint16
	if inFence {
		extra = fCode
		if trimmed != "" {
			sc.bl.codeLike++
		}
	} else {
		switch {
		case isHeading(trimmed):
			sc.bl.headings++
		case isListItem(trimmed):
			sc.bl.listItems++
		case strings.HasPrefix(trimmed, "|"):
			sc.bl.tableRows++
		case strings.HasPrefix(line, "    ") || strings.HasPrefix(line, "\t"):
			sc.bl.codeLike++
		}
	}
	t := tokenizer{s: line, sentStart: true}
	wordChars := 0
	for {
		tok, ok := t.next()
		if !ok {
			break
		}
		wordChars += tok.end - tok.start
		tok.flags |= extra
		sc.block = append(sc.block, wordRec{id: sc.wordID(tok, line[tok.start:tok.end]), flags: tok.flags})
	}
	if !inFence {
		sc.proseLine(line, wordChars)
	}
}

// proseLine counts a prose line's visible characters, the characters that
// are not words (symbols) and its links. The byte loop is a table lookup with
// no branches: it runs over every byte of the input.
func (sc *scanner) proseLine(line string, wordBytes int) {
	visible, cont := 0, 0
	for i := 0; i < len(line); i++ {
		k := byteKinds[line[i]]
		visible += int(k & 1)
		cont += int(k >> 1)
	}
	sc.bl.links += strings.Count(line, "://")
	sc.bl.visible += visible
	// Bytes of words over-count multi-byte letters; symbols are the rest.
	sc.bl.symbols += max(0, visible-max(0, wordBytes-cont))
}

// byteKinds classes a byte of UTF-8 text: 1 a visible character's first
// byte, 2 a continuation byte, 0 white space.
var byteKinds = func() (k [256]uint8) {
	for i := range k {
		switch {
		case i == ' ' || i == '\t' || i == '\r':
		case i >= 0x80 && i < 0xC0:
			k[i] = 2
		default:
			k[i] = 1
		}
	}
	return k
}()

// What a short line alone says about the work.
const (
	lineText     = iota
	lineEllipsis // "...", "[…]": text left out
	lineMarker   // "(to be continued)", "*À suivre*"
)

// unfinishedLine tells whether a short line says the work stops there.
func unfinishedLine(t string) int {
	var buf [48]byte
	n := 0
	hadEllipsis := strings.Contains(t, "...") || strings.Contains(t, "…")
	t = strings.Trim(t, " \t()[]{}*_-—–.…:>#~\"'«»“”")
	if t == "" {
		if hadEllipsis {
			return lineEllipsis
		}
		return lineText
	}
	for i := 0; i < len(t) && n < len(buf); i++ {
		c := t[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	if unfinishedLines[string(buf[:n])] {
		return lineMarker
	}
	return lineText
}

func isHeading(t string) bool {
	n := 0
	for n < len(t) && t[n] == '#' {
		n++
	}
	return n >= 1 && n <= 6 && (n == len(t) || t[n] == ' ')
}

func isListItem(t string) bool {
	if len(t) >= 2 && (t[0] == '-' || t[0] == '*' || t[0] == '+') && t[1] == ' ' {
		return true
	}
	n := 0
	for n < len(t) && t[n] >= '0' && t[n] <= '9' {
		n++
	}
	return n > 0 && n+1 < len(t) && (t[n] == '.' || t[n] == ')') && t[n+1] == ' '
}

// flush decides what one block is: a copy of an earlier block, lorem ipsum,
// or effective content; only effective content is measured.
func (sc *scanner) flush(raw string) {
	words := sc.block
	bl := sc.bl
	sc.block = sc.block[:0]
	sc.bl = blockLines{}
	n := len(words)
	if n == 0 && strings.TrimSpace(raw) == "" {
		return
	}
	// A paragraph that is only an ellipsis ("...", "[…]") stands for text
	// left out.
	if n == 0 && len(raw) <= 64 && unfinishedLine(strings.TrimSpace(raw)) == lineEllipsis {
		sc.st.ellipsisLines++
	}
	key := uint64(fnvOffset)
	lorem := 0
	for _, w := range words {
		key = (key ^ sc.hash[w.id]) * fnvPrime
		if sc.class[w.id]&cLorem != 0 {
			lorem++
		}
	}
	if n == 0 {
		// Word-less blocks (rules, lone fences) are told apart by their text.
		key = (key ^ hashString(strings.TrimSpace(raw))) * fnvPrime
	}
	isLorem := lorem >= 2 && lorem*4 >= n
	copies, dup := sc.seenBlocks[key]
	sc.seenBlocks[key] = copies + 1
	switch {
	case isLorem:
		sc.st.loremWords += n
		return
	case dup:
		if n >= minRepeatWords {
			sc.st.repeatWords += n
			sc.st.worstRepeat = max(sc.st.worstRepeat, int(copies)+1)
		}
		return
	}
	sc.effective(words, bl, raw)
}

func hashString(s string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

// effective measures one kept block; repeated sentences inside it are
// dropped like repeated blocks.
func (sc *scanner) effective(words []wordRec, bl blockLines, raw string) {
	st := &sc.st
	st.headings += bl.headings
	st.listItems += bl.listItems
	st.tableRows += bl.tableRows
	st.fences += bl.fences
	st.codeLikeLines += bl.codeLike
	st.links += bl.links
	st.symbolChars += bl.symbols
	st.visibleChars += bl.visible
	if len(words) == 0 {
		return
	}
	// Whether the work says it is unfinished is read at its last block of
	// content (in finish), so copies or filler appended after "..." or
	// "(to be continued)" do not hide it.
	sc.lastBlock = raw
	st.blocks++
	st.longestBlock = max(st.longestBlock, len(words))
	sc.ringN = 0
	hasTerm, hasCross := false, false
	kept := 0
	for i := 0; i < len(words); {
		j := i + 1
		for j < len(words) && words[j].flags&fSentStart == 0 {
			j++
		}
		sent := words[i:j]
		i = j
		if len(sent) >= minRepeatWords && sent[0].flags&fCode == 0 {
			key := uint64(fnvOffset)
			for _, w := range sent {
				key = (key ^ sc.hash[w.id]) * fnvPrime
			}
			if _, seen := sc.seenSents[key]; seen {
				st.repeatWords += len(sent)
				continue
			}
			sc.seenSents[key] = struct{}{}
		}
		for _, w := range sent {
			switch sc.feed(w) {
			case matchDirect:
				hasTerm = true
			case matchCross:
				hasCross = true
			}
			kept++
		}
	}
	if kept >= 8 {
		st.sizedBlocks++
		if hasTerm {
			st.termBlocks++
		}
		if hasTerm || hasCross {
			st.crossBlocks++
		}
	}
}

// How a word matches a task term.
const (
	matchNone = iota
	matchDirect
	matchCross
)

// feed measures one word of effective content; it reports whether the word
// is a task term, directly or across languages.
func (sc *scanner) feed(w wordRec) int {
	st := &sc.st
	id := w.id
	c := sc.class[id]
	h := sc.hash[id]
	st.effWords++

	// Type/token ratio over fixed windows: padding and loops lower it.
	if sc.lastChk[id] != sc.chunk {
		sc.lastChk[id] = sc.chunk
		st.chunkDistinct++
	}
	st.chunkTotal++
	if sc.inChk++; sc.inChk == chunkWords {
		sc.inChk = 0
		sc.chunk++
	}

	match := matchNone
	if t := sc.term[id]; t >= 0 {
		sc.termHits[t]++
		match = matchDirect
	} else if x := sc.xterm[id]; x >= 0 {
		sc.crossHits[x]++
		match = matchCross
	}
	if sc.shingles != nil {
		sc.echo(h, sc.term[id])
	}

	if w.flags&fMarker != 0 || (w.flags&fBracket != 0 && c&cInsert != 0) {
		if w.flags&fCode != 0 {
			st.codeMarkers++
		} else {
			st.markers++
		}
	}
	if w.flags&fCode != 0 {
		st.codeWords++
		return match
	}
	st.proseWords++
	sc.count[id]++ // all prose words: language detection reads the function words' counts
	if w.flags&fCJK != 0 {
		st.langs.cjk++
		if w.flags&fKana != 0 {
			st.langs.kana++
		}
	}
	if w.flags&fDigit != 0 {
		st.digitWords++
		st.specific++
	} else if w.flags&fIdent != 0 || (w.flags&fUpper != 0 && w.flags&fSentStart == 0 && c&cStop == 0) {
		st.specific++ // a capital inside a sentence marks a name ("I" is a stop word)
	}
	if w.flags&fLatin != 0 && w.flags&fDigit == 0 {
		st.latinWords++
		if w.flags&fVowel == 0 && w.flags&fUpper == 0 && w.flags&fIdent == 0 {
			st.noVowelWords++
		}
	}
	if c&cStop != 0 {
		st.stopWords++
	} else {
		st.contentWords++
		switch match {
		case matchDirect:
			st.termOccurrence++
		case matchCross:
			st.crossOccurrence++
		}
	}
	if c&cVague != 0 {
		st.vague++
	}

	sc.ring[sc.ringPos] = h
	sc.ringPos = (sc.ringPos + 1) % len(sc.ring)
	sc.ringN = min(sc.ringN+1, len(sc.ring))
	if c&(cRefusalEnd|cFillerEnd|cUnfinishedEnd) != 0 {
		recent := sc.recentWords()
		if c&cRefusalEnd != 0 && sc.lx.refusals.match(recent) {
			st.refusals++
		}
		if c&cFillerEnd != 0 {
			if n := sc.lx.fillers.matchLen(recent); n > 0 {
				st.fillers++
				st.fillerWords += n
			}
		}
		if c&cUnfinishedEnd != 0 && sc.lx.unfinished.match(recent) {
			st.unfinished++
		}
	}
	return match
}

// recentWords returns the last ringN prose word hashes, oldest first.
func (sc *scanner) recentWords() []uint64 {
	n, size := sc.ringN, len(sc.ring)
	for k := range n {
		sc.recent[k] = sc.ring[(sc.ringPos-n+k+size)%size]
	}
	return sc.recent[:n]
}

// echo marks words whose 5-word shingle also occurs in the task description;
// echoed words do not count as covering a task term.
func (sc *scanner) echo(h uint64, term int32) {
	e := &sc.echoRing[sc.echoPos]
	e.h, e.term, e.echoed = h, term, false
	sc.echoPos = (sc.echoPos + 1) % echoN
	if sc.echoN < echoN {
		sc.echoN++
		if sc.echoN < echoN {
			return
		}
	}
	key := uint64(fnvOffset)
	for k := range echoN {
		key = (key ^ sc.echoRing[(sc.echoPos+k)%echoN].h) * fnvPrime
	}
	if sc.shingleBF[(key%echoBits)/64]&(1<<(key%64)) == 0 {
		return
	}
	if _, ok := sc.shingles[key]; !ok {
		return
	}
	for i := range sc.echoRing {
		e := &sc.echoRing[i]
		if e.echoed {
			continue
		}
		e.echoed = true
		sc.st.echoWords++
		if e.term >= 0 {
			sc.termHits[e.term]--
		}
	}
}

// finish picks the most frequent content word (ties: first seen, which is
// input order, so the result never depends on map iteration), adds up the
// function words per language and reads the end of the work.
func (sc *scanner) finish() stats {
	st := sc.st
	st.langs.words = st.proseWords
	// "(to be continued)" or "..." at the end of the last block of content.
	last := strings.TrimSpace(sc.lastBlock)
	if i := strings.LastIndexByte(last, '\n'); i >= 0 {
		last = strings.TrimSpace(last[i+1:])
	}
	if len(last) <= 48 && unfinishedLine(last) == lineMarker {
		st.unfinished++
	}
	st.trailing = endsUnfinished(sc.lastBlock)
	best := int32(-1)
	for id, n := range sc.count {
		if n == 0 {
			continue
		}
		if m := sc.langs[id]; m != 0 {
			for l := range stopLangs {
				if m&(1<<l) != 0 {
					st.langs.hits[l] += int(n)
				}
			}
		}
		if sc.class[id]&cStop == 0 && (best < 0 || n > sc.count[best]) {
			best = int32(id)
		}
	}
	if best >= 0 {
		st.topWordCount = int(sc.count[best])
		st.topWord = sc.wordText(best)
	}
	return st
}

// langShare is the share of the function words telling l from other that
// are l's: words both languages use ("de", "la", "que" in French and
// Spanish) tell nothing and are left out. A change of script is total.
func (sc *scanner) langShare(l, other lang) float64 {
	if l < 0 || other < 0 {
		return 0
	}
	if l >= japanese || other >= japanese {
		return 1
	}
	ml, mo := langMask(1)<<l, langMask(1)<<other
	a, b := 0, 0
	for id, n := range sc.count {
		switch m := sc.langs[id]; {
		case m&ml != 0 && m&mo == 0:
			a += int(n)
		case m&mo != 0 && m&ml == 0:
			b += int(n)
		}
	}
	return ratio(a, a+b)
}

// wordText recovers a word's spelling for feedback by finding it again.
func (sc *scanner) wordText(id int32) string {
	want := sc.hash[id]
	t := tokenizer{s: sc.content}
	for {
		tok, ok := t.next()
		if !ok {
			return ""
		}
		if tok.h == want {
			return strings.ToLower(sc.content[tok.start:tok.end])
		}
	}
}
