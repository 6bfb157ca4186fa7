package pdqg

import (
	"fmt"
	"math"
	"strings"
)

// Version names the scoring model; it changes whenever a score can change.
const Version = "pdqg-ref/1.0.0"

// Verdict thresholds, as the seed states them: below RejectBelow is rejected,
// RejectBelow..WarnUpTo (both inclusive) passes with a warning, above passes.
const (
	RejectBelow = 0.40
	WarnUpTo    = 0.65
)

// Verdicts.
const (
	VerdictReject = "reject"
	VerdictWarn   = "warn"
	VerdictPass   = "pass"
)

// Task is what the scorer knows about the task a delivery answers.
type Task struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Category    string `json:"category"`
}

// Result is the scorer's answer.
type Result struct {
	Score    float64     `json:"score"`
	Verdict  string      `json:"verdict"`
	Version  string      `json:"version"`
	Criteria []Criterion `json:"criteria"`
}

// Criterion is one named part of the score. Quality criteria add up
// (Weight × Score); penalty criteria multiply the sum by 1 − Weight × (1 − Score),
// so a penalty Score of 1 means "not found".
type Criterion struct {
	Name     string  `json:"name"`
	Kind     string  `json:"-"` // "quality" or "penalty"; the wire shape has name, weight, score, feedback only
	Weight   float64 `json:"weight"`
	Score    float64 `json:"score"`
	Feedback string  `json:"feedback"`
}

// VerdictFor maps a score to its verdict.
func VerdictFor(score float64) string {
	switch {
	case score < RejectBelow:
		return VerdictReject
	case score <= WarnUpTo:
		return VerdictWarn
	default:
		return VerdictPass
	}
}

// Round4 rounds to 4 decimals, half away from zero. Scores are in [0, 1], so
// x*10000 is far inside the range where float64 holds every integer exactly.
func Round4(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	if x < 0 {
		return -math.Floor(float64(-x*10000)+0.5) / 10000
	}
	return math.Floor(float64(x*10000)+0.5) / 10000
}

func clamp01(x float64) float64 {
	if !(x > 0) { // also NaN
		return 0
	}
	if x > 1 {
		return 1
	}
	return x
}

// ratio is a/b, 0 when b is 0.
func ratio(a, b int) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// ramp is 0 at or below lo, 1 at or above hi, linear between.
func ramp(x, lo, hi float64) float64 { return clamp01((x - lo) / (hi - lo)) }

// Quality weights with a task; without one, relevance drops out and the
// others are scaled to sum to 1.
var qualityWeights = [...]struct {
	name   string
	weight float64
}{
	{"relevance", 0.25},
	{"substance", 0.25},
	{"structure", 0.15},
	{"specificity", 0.20},
	{"variety", 0.15},
}

// Score rates a delivery for a task. It is a pure function: the same input
// gives the same Result, byte for byte, on every platform.
func Score(t Task, content string) Result {
	lx := loadLexicon()
	cat := normCategory(t.Category)
	terms := newTaskTerms(t)
	sc := newScanner(lx, content, terms)
	defer sc.release()
	sc.scan()
	st := sc.finish()
	// A translation shares no words with its English task by design, so
	// relevance and off_topic are not scored; echo still catches a delivery
	// that hands the source text back untranslated.
	translation := cat == "translation"
	scoreRelevance := terms != nil && !translation

	var crit []Criterion
	quality := map[string]Criterion{}
	quality["relevance"] = relevance(st, terms, sc.termHits, translation)
	quality["substance"] = substance(st, cat)
	// Structure, specificity and variety are easy to max out in two lines;
	// below half the category's expected length they earn partial credit.
	evidence := clamp01(ratio(st.effWords, categoryTarget(cat)/2))
	for _, c := range []Criterion{structure(st), specificity(st), variety(st)} {
		if evidence < 1 {
			c.Score = float64(c.Score * (0.4 + float64(0.6*evidence)))
			c.Feedback += " (partial credit: the delivery is too short to judge this fully)"
		}
		quality[c.Name] = c
	}

	total := 0.0
	for _, q := range qualityWeights {
		if q.name == "relevance" && !scoreRelevance {
			continue
		}
		total += q.weight
	}
	base := 0.0
	for _, q := range qualityWeights {
		c := quality[q.name]
		c.Kind = "quality"
		c.Weight = Round4(q.weight / total)
		if q.name == "relevance" && !scoreRelevance {
			c.Weight = 0
		}
		c.Score = Round4(c.Score)
		base += float64(c.Weight * c.Score)
		crit = append(crit, c)
	}

	factor := 1.0
	for _, p := range penalties(st, terms, sc.termHits, translation) {
		p.Kind = "penalty"
		p.Score = Round4(p.Score)
		factor = float64(factor * (1 - float64(p.Weight*(1-p.Score))))
		crit = append(crit, p)
	}
	score := Round4(clamp01(float64(base * factor)))
	return Result{Score: score, Verdict: VerdictFor(score), Version: Version, Criteria: crit}
}

func normCategory(c string) string { return strings.ToLower(strings.TrimSpace(c)) }

// taskTerms are the task's content words (by stem) with their weight: title
// words count double. shingles are the description's 5-word shingles.
type taskTerms struct {
	index    *internTable // stem hash -> term
	weights  []int32
	shingles map[uint64]struct{}
}

func newTaskTerms(t Task) *taskTerms {
	if strings.TrimSpace(t.Title) == "" && strings.TrimSpace(t.Description) == "" {
		return nil
	}
	lx := loadLexicon()
	tt := &taskTerms{index: newInternTable(32), shingles: map[uint64]struct{}{}}
	add := func(s string, weight int32) {
		tk := tokenizer{s: s}
		for {
			tok, ok := tk.next()
			if !ok {
				return
			}
			if lx.class(tok.h)&(cStop|cMeta) != 0 || tok.end-tok.start < 3 || tok.flags&fDigit != 0 {
				continue
			}
			if i, ok := tt.index.get(tok.p); ok {
				tt.weights[i] = max(tt.weights[i], weight)
				continue
			}
			tt.index.put(tok.p, int32(len(tt.weights)))
			tt.weights = append(tt.weights, weight)
		}
	}
	add(t.Title, 2)
	add(t.Description, 1)
	if len(tt.weights) == 0 {
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

// coverage is the weighted share of task terms the delivery uses outside
// echoed text.
func (tt *taskTerms) coverage(hits []int32) float64 {
	var got, all int
	for i, w := range tt.weights {
		all += int(w)
		if hits[i] > 0 {
			got += int(w)
		}
	}
	return ratio(got, all)
}

func relevance(st stats, tt *taskTerms, hits []int32, translation bool) Criterion {
	c := Criterion{Name: "relevance"}
	if translation && tt != nil {
		c.Feedback = "not scored for translation tasks: the delivery is meant to use other words than the task"
		return c
	}
	if tt == nil {
		c.Score = 0
		c.Feedback = "not scored: no task was given (pass --task TASK.json to score relevance)"
		return c
	}
	cov := tt.coverage(hits)
	spread := 1.0
	if st.sizedBlocks > 1 {
		spread = ratio(st.termBlocks, st.sizedBlocks)
	}
	c.Score = float64(0.8*clamp01(cov/0.6)) + float64(0.2*spread)
	switch {
	case cov < 0.3:
		c.Feedback = fmt.Sprintf("the delivery uses only %d%% of the task's key terms: answer the task that was asked, in its own terms", pct(cov))
	case spread < 0.5:
		c.Feedback = fmt.Sprintf("only %d of %d paragraphs address the task: cut or tie the rest to it", st.termBlocks, st.sizedBlocks)
	case cov < 0.6:
		c.Feedback = fmt.Sprintf("the delivery covers %d%% of the task's key terms: address the parts of the task it leaves out", pct(cov))
	default:
		c.Feedback = "addresses the task's key terms throughout"
	}
	return c
}

func pct(x float64) int { return int(math.Floor(float64(x*100) + 0.5)) }

// categoryTarget is the length, in words, at which substance stops growing.
func categoryTarget(cat string) int {
	switch cat {
	case "research":
		return 400
	case "writing":
		return 350
	case "design":
		return 250
	case "data", "coding":
		return 200
	case "summarization":
		return 150
	case "translation":
		return 80
	default:
		return 250
	}
}

func substance(st stats, cat string) Criterion {
	c := Criterion{Name: "substance"}
	target := categoryTarget(cat)
	r := clamp01(ratio(st.effWords, target))
	length := float64(r * (2 - r))
	var cue float64
	var want string
	switch cat {
	case "coding":
		cue, want = boolScore(st.fences >= 2 || st.codeLikeLines >= 3), "include the code itself in a fenced code block"
	case "data":
		cue, want = boolScore(st.tableRows >= 3 || ratio(st.digitWords, st.proseWords) >= 0.03), "show the figures: a table or concrete numbers"
	case "research":
		cue, want = boolScore(st.links > 0 || ratio(st.digitWords, st.proseWords) >= 0.02), "cite sources or give the figures you found"
	case "summarization":
		cue, want = boolScore(st.listItems >= 2 || st.blocks >= 2), "organise the summary into key points"
	default:
		cue, want = boolScore(st.blocks >= 2 || st.listItems >= 2), "develop the answer over more than one paragraph"
	}
	c.Score = float64(0.75*length) + float64(0.25*cue)
	switch {
	case st.effWords == 0:
		c.Feedback = "the delivery has no content of its own: write the actual work"
	case r < 1:
		c.Feedback = fmt.Sprintf("%d words of original content, short for a %s task (about %d expected): add the missing substance", st.effWords, catName(cat), target)
	case cue < 1:
		c.Feedback = want
	default:
		c.Feedback = fmt.Sprintf("enough substance for a %s task", catName(cat))
	}
	return c
}

func catName(cat string) string {
	if cat == "" {
		return "general"
	}
	return cat
}

func boolScore(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func structure(st stats) Criterion {
	c := Criterion{Name: "structure"}
	head := 0.0
	switch {
	case st.headings >= 2:
		head = 1
	case st.headings == 1:
		head = 0.6
	}
	para := 0.2
	switch {
	case st.blocks >= 3:
		para = 1
	case st.blocks == 2:
		para = 0.6
	}
	lists := boolScore(st.listItems >= 2 || st.tableRows >= 2 || st.fences >= 2)
	long := 1.0
	if st.longestBlock > 250 {
		long = 250 / float64(st.longestBlock)
	}
	c.Score = float64(0.35*head) + float64(0.3*para) + float64(0.2*lists) + float64(0.15*long)
	short := st.effWords < 80
	if short {
		c.Score = max(c.Score, 0.7) // a short answer needs no sections
	}
	switch {
	case st.effWords == 0:
		c.Feedback = "nothing to structure"
	case short:
		c.Feedback = "short enough to need no sections"
	case head == 0:
		c.Feedback = "add section headings"
	case para < 1:
		c.Feedback = "break the text into paragraphs"
	case long < 1:
		c.Feedback = fmt.Sprintf("split the longest paragraph (%d words)", st.longestBlock)
	case lists == 0:
		c.Feedback = "use a list or table where items are enumerated"
	default:
		c.Feedback = "well organised: headings, paragraphs and lists"
	}
	return c
}

func specificity(st stats) Criterion {
	c := Criterion{Name: "specificity"}
	if st.proseWords == 0 {
		if st.codeWords > 0 {
			c.Score = 0.6
			c.Feedback = "code only: add a sentence or two on what it does and how to use it"
		} else {
			c.Feedback = "no text to judge"
		}
		return c
	}
	spec := ratio(st.specific, st.proseWords)
	vague := ratio(st.vague, st.proseWords)
	c.Score = float64(0.75*clamp01(spec/0.08)) + float64(0.25*(1-clamp01(vague/0.03)))
	switch {
	case spec < 0.04:
		c.Feedback = "be concrete: name things and give numbers, dates and examples"
	case vague >= 0.015:
		c.Feedback = fmt.Sprintf("%d vague words (various, many, things, etc.): replace them with specifics", st.vague)
	default:
		c.Feedback = "concrete: names, numbers and examples"
	}
	return c
}

func variety(st stats) Criterion {
	c := Criterion{Name: "variety"}
	ttr := ratio(st.chunkDistinct, st.chunkTotal)
	c.Score = ramp(ttr, 0.35, 0.6)
	switch {
	case st.chunkTotal == 0:
		c.Feedback = "no text to judge"
	case c.Score < 0.5:
		c.Feedback = fmt.Sprintf("only %d%% distinct words per 100: the text circles around the same words, say more with fewer", pct(ttr))
	case c.Score < 1:
		c.Feedback = "some wording repeats: vary it"
	default:
		c.Feedback = "varied wording"
	}
	return c
}

// penalties returns the penalty criteria in a fixed order.
func penalties(st stats, tt *taskTerms, hits []int32, translation bool) []Criterion {
	var out []Criterion

	// Placeholder: lorem ipsum blocks and TODO-style markers.
	loremFrac := ratio(st.loremWords, st.effWords+st.loremWords)
	sevLorem := 0.0
	if st.loremWords > 0 {
		sevLorem = float64(0.4 + float64(0.6*ramp(loremFrac, 0, 0.3)))
	}
	markers := float64(st.markers) + float64(0.5*float64(st.codeMarkers))
	sevMarker := clamp01(float64(0.3 * markers))
	p := Criterion{Name: "placeholder", Weight: 0.6, Score: 1 - max(sevLorem, sevMarker)}
	switch {
	case st.loremWords > 0:
		p.Feedback = fmt.Sprintf("remove the lorem ipsum filler (%d%% of the text) and write the real content", max(1, pct(loremFrac)))
	case markers > 0:
		p.Feedback = fmt.Sprintf("resolve the %d placeholder marker(s) (TODO, TBD, [insert ...])", st.markers+st.codeMarkers)
	default:
		p.Feedback = "no placeholder text"
	}
	out = append(out, p)

	// Refusal: the delivery declines the task instead of doing it.
	sevRefusal := 0.0
	if st.refusals > 0 {
		sevRefusal = clamp01(float64(0.8 + float64(0.2*float64(st.refusals-1))))
	}
	p = Criterion{Name: "refusal", Weight: 0.7, Score: 1 - sevRefusal}
	if st.refusals > 0 {
		p.Feedback = "the delivery refuses or disclaims the task (\"As an AI language model...\"): do the work or do not deliver"
	} else {
		p.Feedback = "no refusal"
	}
	out = append(out, p)

	// Repetition: copied blocks and sentences.
	repFrac := ratio(st.repeatWords, st.effWords+st.repeatWords)
	p = Criterion{Name: "repetition", Weight: 0.5, Score: 1 - ramp(repFrac, 0.02, 0.3)}
	switch {
	case st.worstRepeat >= 2:
		p.Feedback = fmt.Sprintf("the delivery repeats the same paragraph %d times: say it once", st.worstRepeat)
	case st.repeatWords > 0:
		p.Feedback = fmt.Sprintf("%d words are repeated paragraphs or sentences: remove the copies", st.repeatWords)
	default:
		p.Feedback = "no repeated paragraphs"
	}
	out = append(out, p)

	// Padding: stock filler phrases, or text that is mostly function words.
	rate := float64(ratio(st.fillers, st.proseWords) * 100)
	sevPad := ramp(rate, 0.3, 1.5)
	stopShare := ratio(st.stopWords, st.proseWords)
	if st.proseWords >= 50 {
		sevPad = max(sevPad, ramp(stopShare, 0.62, 0.75))
	}
	p = Criterion{Name: "padding", Weight: 0.45, Score: 1 - sevPad}
	switch {
	case st.fillers > 0 && sevPad > 0:
		p.Feedback = fmt.Sprintf("%d stock filler phrases (\"it is important to note\"...): cut them", st.fillers)
	case sevPad > 0:
		p.Feedback = "the text is mostly function words: cut padding and state facts"
	default:
		p.Feedback = "no padding"
	}
	out = append(out, p)

	// Junk: symbol soup, unpronounceable strings, word salad.
	sevJunk := ramp(ratio(st.noVowelWords, st.latinWords), 0.2, 0.5)
	if st.visibleChars >= 40 {
		sevJunk = max(sevJunk, ramp(ratio(st.symbolChars, st.visibleChars), 0.3, 0.6))
	}
	mostlyLatin := ratio(st.latinWords, st.proseWords) >= 0.8
	if st.proseWords >= 15 && mostlyLatin && st.listItems+st.tableRows == 0 && ratio(st.digitWords, st.proseWords) < 0.1 {
		sevJunk = max(sevJunk, 1-ramp(stopShare, 0, 0.05))
	}
	p = Criterion{Name: "junk", Weight: 0.65, Score: 1 - sevJunk}
	if sevJunk > 0 {
		p.Feedback = "parts of the delivery are not readable text (symbols, random letters or word salad): replace them with sentences"
	} else {
		p.Feedback = "readable text"
	}
	out = append(out, p)

	if tt == nil {
		skip := "not scored: no task was given"
		out = append(out,
			Criterion{Name: "echo", Weight: 0, Score: 1, Feedback: skip},
			Criterion{Name: "stuffing", Weight: 0, Score: 1, Feedback: skip},
			Criterion{Name: "off_topic", Weight: 0, Score: 1, Feedback: skip},
		)
		return out
	}

	// Echo: the delivery restates the task description.
	echoFrac := ratio(st.echoWords, st.effWords)
	p = Criterion{Name: "echo", Weight: 0.5, Score: 1 - ramp(echoFrac, 0.15, 0.5)}
	if echoFrac >= 0.15 {
		p.Feedback = fmt.Sprintf("%d%% of the delivery repeats the task description: do the task instead of restating it", pct(echoFrac))
	} else {
		p.Feedback = "does not parrot the task description"
	}
	out = append(out, p)

	// Stuffing: one word, or the task's terms, crammed in.
	top := 0.0
	if st.contentWords >= 30 {
		top = ratio(st.topWordCount, st.contentWords)
	}
	density := 0.0
	if st.contentWords >= 20 {
		density = ratio(st.termOccurrence, st.contentWords)
	}
	sevStuff := max(ramp(top, 0.10, 0.20), ramp(density, 0.40, 0.65))
	p = Criterion{Name: "stuffing", Weight: 0.55, Score: 1 - sevStuff}
	switch {
	case ramp(top, 0.10, 0.20) > 0 && ramp(top, 0.10, 0.20) >= ramp(density, 0.40, 0.65):
		p.Feedback = fmt.Sprintf("%q makes up %d%% of the content words: write for the reader, not for the keyword", st.topWord, pct(top))
	case sevStuff > 0:
		p.Feedback = fmt.Sprintf("task keywords make up %d%% of the content words: write sentences, not keyword lists", pct(density))
	default:
		p.Feedback = "no keyword stuffing"
	}
	out = append(out, p)

	// Off topic: little of the task shows up outside echoed text.
	cov := tt.coverage(hits)
	p = Criterion{Name: "off_topic", Weight: 0.5, Score: ramp(cov, 0.05, 0.25)}
	if translation {
		p = Criterion{Name: "off_topic", Weight: 0, Score: 1, Feedback: "not scored for translation tasks"}
		return append(out, p)
	}
	if p.Score < 1 {
		p.Feedback = fmt.Sprintf("the delivery barely touches the task (%d%% of its key terms): it looks like an answer to another task", pct(cov))
	} else {
		p.Feedback = "on topic"
	}
	out = append(out, p)
	return out
}
