package pdqg

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// taskTerms are the key terms a delivery is matched against: the task's
// content words and anchors (title words count double), or, for a
// translation whose source text the task quotes, the source's. shingles are
// the description's 5-word shingles (echo).
type taskTerms struct {
	byStem    *internTable // folded stem -> term
	byNumber  *internTable // digits of a number -> term
	byConcept *internTable // concept id -> term (another language's word for it)
	byPrefix  *internTable // folded 5-letter prefix -> term (a cognate)
	weights   []int32
	anchor    []bool   // a number, name, acronym or identifier: the same in every language
	text      []string // the term as the task spells it, for feedback
	shingles  map[uint64]struct{}
}

func (tt *taskTerms) len() int {
	if tt == nil {
		return 0
	}
	return len(tt.weights)
}

// newTaskTerms collects the terms of ref (title and description, or the
// source text) and the description's shingles. It is nil when the task has
// no terms at all.
// stated is the length the task asks for: "500" in "a 500-word post" is an
// instruction, not a term.
func newTaskTerms(lx *lexicon, t Task, src string, stated int) *taskTerms {
	if strings.TrimSpace(t.Title) == "" && strings.TrimSpace(t.Description) == "" {
		return nil
	}
	tt := &taskTerms{
		byStem: newInternTable(32), byNumber: newInternTable(8), byConcept: newInternTable(16),
		byPrefix: newInternTable(32), shingles: map[uint64]struct{}{},
	}
	if src != "" {
		tt.add(lx, src, 1, true)
	} else {
		tt.add(lx, t.Title, 2, false)
		tt.add(lx, t.Description, 1, true)
	}
	if stated > 0 {
		if i, ok := tt.byNumber.get(keysOf(fmt.Sprint(stated)).number); ok {
			tt.weights[i] = 0 // never counted, never reported missing
		}
	}
	live := 0
	for _, w := range tt.weights {
		live += int(w)
	}
	if live == 0 {
		return nil
	}
	// Shingles of the description, over every word (stop words included),
	// line by line, hashed exactly as the scanner does.
	for _, line := range strings.Split(t.Description, "\n") {
		tk := tokenizer{s: line}
		var ring [echoN]uint64
		n := 0
		for {
			tok, ok := tk.next()
			if !ok {
				break
			}
			copy(ring[:], ring[1:])
			ring[echoN-1] = tok.h
			if n++; n >= echoN {
				key := uint64(fnvOffset)
				for _, h := range ring {
					key = (key ^ h) * fnvPrime
				}
				tt.shingles[key] = struct{}{}
			}
		}
	}
	return tt
}

// add collects the terms of s. Names count as anchors only in running text
// (prose): a title's capitals are its style, not names.
func (tt *taskTerms) add(lx *lexicon, s string, weight int32, prose bool) {
	for _, line := range strings.Split(s, "\n") {
		tk := tokenizer{s: line, sentStart: true}
		for {
			tok, ok := tk.next()
			if !ok {
				break
			}
			word := line[tok.start:tok.end]
			if lx.class(tok.h)&(cStop|cMeta) != 0 {
				continue
			}
			k := keysOf(word)
			number := k.digits > 0 && k.digits == k.runes
			if number && k.digits < 2 || !number && len(word) < 3 && tok.flags&fDigit == 0 {
				continue // "2" and "at" say nothing about a task
			}
			if number && tok.end+1 < len(line) && line[tok.end] == '-' && isWordRune(rune(line[tok.end+1])) && line[tok.end+1] > '9' {
				continue // "10-Q", "500-word": a name or a length, not a figure
			}
			if number && tok.start > 0 && line[tok.start-1] == '#' {
				continue // "#012": a reference to the task, not a figure of it
			}
			anchor := number || tok.flags&(fDigit|fIdent) != 0 || isAcronym(word) ||
				prose && tok.flags&fUpper != 0 && tok.flags&fSentStart == 0
			table, key := tt.byStem, k.stem
			if number {
				table, key = tt.byNumber, k.number
			}
			if i, ok := table.get(key); ok {
				tt.weights[i] = max(tt.weights[i], weight)
				tt.anchor[i] = tt.anchor[i] || anchor
				continue
			}
			i := int32(len(tt.weights))
			table.put(key, i)
			tt.weights = append(tt.weights, weight)
			tt.anchor = append(tt.anchor, anchor)
			tt.text = append(tt.text, word) // lower-cased when reported, unless an anchor
			if number {
				continue
			}
			if c, _ := lx.concept(k.stem); c != 0 {
				if _, ok := tt.byConcept.get(uint64(c)); !ok {
					tt.byConcept.put(uint64(c), i)
				}
			}
			if k.prefix != 0 {
				if _, ok := tt.byPrefix.get(k.prefix); !ok {
					tt.byPrefix.put(k.prefix, i)
				}
			}
		}
	}
}

// match finds the term a delivery word is: direct is the same word (by
// folded stem, or the same number); cross is a translation of it (through
// the concept lexicon) or a cognate (the same five first letters), which
// counts only when the delivery is in another language than the terms.
func (tt *taskTerms) match(lx *lexicon, k wordKeys) (direct, cross int32) {
	direct, cross = -1, -1
	if k.digits > 0 && k.digits == k.runes {
		if k.digits >= 2 {
			if i, ok := tt.byNumber.get(k.number); ok {
				direct = i
			}
		}
		return direct, cross
	}
	if i, ok := tt.byStem.get(k.stem); ok {
		return i, cross
	}
	if c, _ := lx.concept(k.stem); c != 0 {
		if i, ok := tt.byConcept.get(uint64(c)); ok {
			return direct, i
		}
	}
	if k.prefix != 0 {
		if i, ok := tt.byPrefix.get(k.prefix); ok {
			cross = i
		}
	}
	return direct, cross
}

// display is term i as feedback names it: an anchor as the task spells it
// ("Norway", "iOS"), another word lower-cased.
func (tt *taskTerms) display(i int) string {
	if tt.anchor[i] {
		return tt.text[i]
	}
	return strings.ToLower(tt.text[i])
}

// isAcronym: two or more letters, all capitals ("CSV", "EHPA").
func isAcronym(w string) bool {
	n := 0
	for _, r := range w {
		if !unicode.IsUpper(r) {
			return false
		}
		n++
	}
	return n >= 2 && utf8.ValidString(w)
}

// covered reports, per term, whether the delivery uses it: directly, or
// (cross) through the lexicon or a cognate.
func (tt *taskTerms) covered(direct, crossHits []int32, cross bool) []bool {
	out := make([]bool, len(tt.weights))
	for i := range out {
		out[i] = direct[i] > 0 || cross && crossHits[i] > 0
	}
	return out
}

// share is the weighted share of covered terms; which picks anchors (1),
// the other terms (0) or all (-1). n is how many terms were eligible.
func (tt *taskTerms) share(cov []bool, which int) (share float64, n int) {
	var got, all int
	for i, w := range tt.weights {
		if w == 0 || which == 1 && !tt.anchor[i] || which == 0 && tt.anchor[i] {
			continue
		}
		n++
		all += int(w)
		if cov[i] {
			got += int(w)
		}
	}
	return ratio(got, all), n
}

// missing lists up to n terms the delivery never uses: heaviest first,
// anchors (names, numbers) before other words, then in the task's order.
func (tt *taskTerms) missing(cov []bool, n int) []string {
	var out []string
	for _, w := range []int32{2, 1} {
		for _, anchor := range []bool{true, false} {
			for i := range tt.weights {
				if !cov[i] && tt.weights[i] == w && tt.anchor[i] == anchor && len(out) < n {
					out = append(out, tt.display(i))
				}
			}
		}
	}
	return out
}
