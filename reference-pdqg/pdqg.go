package pdqg

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Version names the scoring model; it changes whenever a score can change.
const Version = "pdqg-ref/2.0.0"

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

// MinShare is the substance floor: a delivery under this share of the
// length its task calls for is too short to be the work. Below it,
// structure, specificity and variety earn nothing and the too_short penalty
// applies, so it cannot reach RejectBelow whatever else it does
// (TestTooShortNeverPasses).
const MinShare = 0.2

// fullCreditShare is where, above the floor, structure, specificity and
// variety are back on their partial-credit curve: their credit grows from
// nothing at MinShare to it here, so a few words more never jump a
// delivery from reject to warn.
const fullCreditShare = 0.3

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
	// NextLine is how far the score is from the line that matters next:
	// 0.40 for a reject, 0.65 for a warn (to pass cleanly), and for a pass
	// its margin above 0.65.
	NextLine NextLine `json:"next_line"`
	// Language is the delivery's language as detected ("en", "fr", "ja"...);
	// empty when the text is too short or too mixed to tell.
	Language string `json:"language"`
	// MissingTerms are up to five of the task's key terms (or, for a
	// translation, the source's) that the delivery never uses.
	MissingTerms []string `json:"missing_terms"`
}

// NextLine places a score against the verdict lines.
type NextLine struct {
	Line float64 `json:"line"` // RejectBelow or WarnUpTo
	// Distance is Round4(score - line): negative is short of the line,
	// positive is above it.
	Distance float64 `json:"distance"`
	Text     string  `json:"text"` // "0.07 short of 0.40", "0.03 above the 0.65 line"
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

// NextLineFor places a score against the line that matters next.
func NextLineFor(score float64) NextLine {
	switch VerdictFor(score) {
	case VerdictReject:
		d := Round4(score - RejectBelow)
		return NextLine{Line: RejectBelow, Distance: d, Text: fmt.Sprintf("%s short of %.2f: the gate rejects it", fmtDist(-d), RejectBelow)}
	case VerdictWarn:
		d := Round4(score - WarnUpTo)
		up := Round4(score - RejectBelow)
		if d == 0 {
			return NextLine{Line: WarnUpTo, Distance: 0, Text: fmt.Sprintf("on the %.2f line: any gain passes cleanly (%s above %.2f)", WarnUpTo, fmtDist(up), RejectBelow)}
		}
		return NextLine{Line: WarnUpTo, Distance: d, Text: fmt.Sprintf("%s short of %.2f to pass cleanly, %s above the %.2f line", fmtDist(-d), WarnUpTo, fmtDist(up), RejectBelow)}
	default:
		d := Round4(score - WarnUpTo)
		return NextLine{Line: WarnUpTo, Distance: d, Text: fmt.Sprintf("%s above the %.2f line", fmtDist(d), WarnUpTo)}
	}
}

// fmtDist prints a distance with two decimals, or four when two would
// round it to nothing.
func fmtDist(d float64) string {
	if d < 0.005 {
		return fmt.Sprintf("%.4f", d)
	}
	return fmt.Sprintf("%.2f", d)
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

// judgement is what Score worked out about the task and the delivery
// before it rates them: it is passed to the criteria.
type judgement struct {
	cat         string
	translation bool
	tl          taskLangs
	terms       *taskTerms
	lang        lang   // the delivery's language
	ref         lang   // the language of the text the terms come from
	cross       bool   // the delivery is in another language than its terms: match across languages
	covered     []bool // per term: does the delivery use it
	coverage    float64
	target      int    // the length the task calls for, in words
	targetWhy   string // where target comes from, for feedback
	lengthShare float64
	trailing    bool    // the delivery ends in an ellipsis
	langShare   float64 // share of the delivery in its language rather than the one expected
}

// Score rates a delivery for a task. It is a pure function: the same input
// gives the same Result, byte for byte, on every platform.
func Score(t Task, content string) Result {
	lx := loadLexicon()
	j := judgement{cat: normCategory(t.Category)}
	j.translation = j.cat == "translation"
	hasTask := strings.TrimSpace(t.Title) != "" || strings.TrimSpace(t.Description) != ""
	if hasTask {
		j.tl = parseTaskLangs(lx, t, j.translation)
	}
	j.terms = newTaskTerms(lx, t, j.tl.srcText, j.tl.stated)
	sc := newScanner(lx, content, j.terms)
	defer sc.release()
	sc.scan()
	st := sc.finish()

	j.lang = st.langs.detect(minLangHits)
	j.ref = j.tl.task
	if j.tl.srcText != "" {
		j.ref = j.tl.source
	}
	if j.ref < 0 {
		j.ref = english // an undetermined task is taken to be in the platform's language
	}
	j.cross = j.terms != nil && j.lang >= 0 && j.lang != j.ref
	if j.terms != nil {
		j.covered = j.terms.covered(sc.termHits, sc.crossHits, j.cross)
		j.coverage = coverageOf(j)
	}
	j.target, j.targetWhy = lengthTarget(j)
	j.lengthShare = ratio(st.effWords, j.target)
	j.trailing = st.trailing
	if hasTask {
		j.langShare = sc.langShare(j.lang, expectedLang(j))
	}

	var crit []Criterion
	quality := map[string]Criterion{}
	quality["relevance"] = relevance(st, j)
	quality["substance"] = substance(st, j)
	// Structure, specificity and variety are easy to max out in two lines.
	// Under the substance floor they earn nothing (there is too little to
	// judge); up to half the expected length, partial credit, which starts
	// from nothing at the floor.
	credit := float64(ramp(j.lengthShare, MinShare, fullCreditShare) * (0.4 + float64(0.6*clamp01(j.lengthShare/0.5))))
	for _, c := range []Criterion{structure(st, j), specificity(st), variety(st)} {
		switch {
		case j.lengthShare < MinShare:
			c.Score = 0
			c.Feedback = fmt.Sprintf("too short to judge (%d words, under a fifth of the %d %s): no credit until it has at least %d words", st.effWords, j.target, j.targetWhy, minWords(j.target))
		case credit < 1:
			c.Score = float64(c.Score * credit)
			c.Feedback += fmt.Sprintf(" (partial credit, %d%%: the delivery is too short to judge this fully)", pct(credit))
		}
		quality[c.Name] = c
	}

	scoreRelevance := j.terms != nil
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
	for _, p := range penalties(st, j, hasTask) {
		p.Kind = "penalty"
		p.Score = Round4(p.Score)
		factor = float64(factor * (1 - float64(p.Weight*(1-p.Score))))
		crit = append(crit, p)
	}
	score := Round4(clamp01(float64(base * factor)))
	res := Result{Score: score, Verdict: VerdictFor(score), Version: Version, Criteria: crit,
		NextLine: NextLineFor(score), Language: j.lang.code(), MissingTerms: []string{}}
	if j.terms != nil {
		res.MissingTerms = append(res.MissingTerms, j.terms.missing(j.covered, 5)...)
	}
	return res
}

func normCategory(c string) string { return strings.ToLower(strings.TrimSpace(c)) }

// minWords is the substance floor in words for a target.
func minWords(target int) int { return int(math.Ceil(float64(MinShare * float64(target)))) }

// coverageOf is the weighted share of the terms the delivery uses. For a
// translation with its source in the task, the source's anchors (names,
// numbers, product terms) and its other words count half each: anchors
// must survive a translation, and the lexicon knows only part of the rest.
// For a translation without its source, the task's words describe the job
// ("product announcement", "website"), not the text: its anchors, when it
// has some, are what the translation must carry.
func coverageOf(j judgement) float64 {
	all, _ := j.terms.share(j.covered, -1)
	if !j.translation {
		return all
	}
	a, na := j.terms.share(j.covered, 1)
	if j.tl.srcText == "" {
		if na > 0 {
			return max(a, all)
		}
		return all
	}
	w, nw := j.terms.share(j.covered, 0)
	switch {
	case na >= 2 && nw > 0:
		return float64(0.5*a) + float64(0.5*w)
	case na >= 2:
		return a
	}
	return all
}

// lengthTarget is the length, in words, the task calls for: the length it
// states ("a 500-word post"), else for a translation the source's length
// (twice that in characters for Japanese or Chinese, which are counted one
// character a word), else the category's expected length.
func lengthTarget(j judgement) (int, string) {
	switch {
	case j.tl.stated > 0:
		return j.tl.stated, "words the task asks for"
	case j.tl.srcWords > 0:
		n := max(j.tl.srcWords, 5)
		if j.lang == japanese || j.lang == chinese {
			n *= 2
		}
		return n, "words of the source text"
	}
	return categoryTarget(j.cat), fmt.Sprintf("words expected for a %s task", catName(j.cat))
}

// endsUnfinished reports whether a block's last words trail off in an
// ellipsis ("Revenue grew 15% YoY...").
func endsUnfinished(content string) bool {
	t := strings.TrimRight(content, " \t\r\n)]}*_\"'»”")
	return strings.HasSuffix(t, "...") || strings.HasSuffix(t, "…")
}

func relevance(st stats, j judgement) Criterion {
	c := Criterion{Name: "relevance"}
	if j.terms == nil {
		c.Score = 0
		c.Feedback = "not scored: no task was given (pass --task TASK.json to score relevance)"
		return c
	}
	cov := j.coverage
	spread := 1.0
	if st.sizedBlocks > 1 {
		blocks := st.termBlocks
		if j.cross {
			blocks = st.crossBlocks
		}
		spread = ratio(blocks, st.sizedBlocks)
	}
	c.Score = float64(0.8*clamp01(cov/0.6)) + float64(0.2*spread)
	what := "the task's key terms"
	if j.translation && j.tl.srcText != "" {
		what = "the source text's names, numbers and terms"
	}
	via := ""
	if j.cross {
		via = fmt.Sprintf(" (matched across languages: the delivery is in %s, the %s in %s)", j.lang.name(), refName(j), j.ref.name())
	}
	missing := ""
	if m := j.terms.missing(j.covered, 5); len(m) > 0 {
		missing = "; it never uses " + quoteList(m)
	}
	switch {
	case cov < 0.3:
		c.Feedback = fmt.Sprintf("the delivery uses only %d%% of %s%s%s: answer the task that was asked, in its own terms", pct(cov), what, via, missing)
	case spread < 0.5:
		c.Feedback = fmt.Sprintf("only %d of %d paragraphs address the task: cut or tie the rest to it", st.termBlocks, st.sizedBlocks)
	case cov < 0.6:
		c.Feedback = fmt.Sprintf("the delivery covers %d%% of %s%s%s: address what it leaves out", pct(cov), what, via, missing)
	default:
		c.Feedback = "addresses " + what + " throughout" + via
	}
	return c
}

func refName(j judgement) string {
	if j.tl.srcText != "" {
		return "source"
	}
	return "task"
}

// quoteList prints terms as "a", "b" and "c".
func quoteList(ts []string) string {
	q := make([]string, len(ts))
	for i, t := range ts {
		q[i] = fmt.Sprintf("%q", t)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
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

func substance(st stats, j judgement) Criterion {
	c := Criterion{Name: "substance"}
	cat := j.cat
	r := clamp01(j.lengthShare)
	length := float64(r * (2 - r))
	// A translation far longer than its source is not a translation of it.
	long := j.translation && j.tl.srcWords > 0 && j.lengthShare > 2
	if long {
		length = 1 - ramp(j.lengthShare, 2, 4)
	}
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
	case "translation":
		cue, want = boolScore(st.effWords > 0), "write the translation itself"
	default:
		cue, want = boolScore(st.blocks >= 2 || st.listItems >= 2), "develop the answer over more than one paragraph"
	}
	c.Score = float64(0.75*length) + float64(0.25*cue)
	switch {
	case st.effWords == 0:
		c.Feedback = "the delivery has no content of its own: write the actual work"
	case long:
		c.Feedback = fmt.Sprintf("%d words for a source of %d: a translation renders the source, it does not add to it", st.effWords, j.tl.srcWords)
	case r < 1:
		c.Feedback = fmt.Sprintf("%d words of original content, short of the %d %s: add the missing substance", st.effWords, j.target, j.targetWhy)
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

func structure(st stats, j judgement) Criterion {
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
	// A translation takes its structure from its source.
	follows := j.translation && st.effWords > 0
	if follows {
		c.Score = max(c.Score, 0.9)
	}
	switch {
	case st.effWords == 0:
		c.Feedback = "nothing to structure"
	case follows && c.Score < 1:
		c.Feedback = "a translation keeps its source's structure: not judged further"
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
func penalties(st stats, j judgement, hasTask bool) []Criterion {
	var out []Criterion

	// Placeholder: lorem ipsum blocks and TODO-style markers. A marker is a
	// missing piece of the work whatever the length around it, so each
	// costs the same.
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

	// Padding: stock filler phrases, by the share of the text they take
	// (2 % → 20 %), each phrase costing at most a quarter, so one phrase in
	// a short delivery is a blemish, not a verdict; or text that is mostly
	// function words.
	fillerShare := ratio(st.fillerWords, st.proseWords)
	sevPad := min(ramp(fillerShare, 0.02, 0.2), float64(0.25*float64(st.fillers)))
	stopShare := ratio(st.stopWords, st.proseWords)
	if st.proseWords >= 50 {
		sevPad = max(sevPad, ramp(stopShare, 0.62, 0.75))
	}
	p = Criterion{Name: "padding", Weight: 0.45, Score: 1 - sevPad}
	switch {
	case st.fillers > 0 && sevPad > 0:
		p.Feedback = fmt.Sprintf("%d stock filler phrase(s) (\"it is important to note\"...), %d%% of the text: cut them", st.fillers, max(1, pct(fillerShare)))
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

	// Unfinished: the delivery says it stops before the work is done.
	sevUnfinished := 0.0
	switch {
	case st.unfinished > 0:
		sevUnfinished = 1
	case j.trailing || st.ellipsisLines > 0:
		sevUnfinished = 0.7
	}
	p = Criterion{Name: "unfinished", Weight: 0.45, Score: 1 - sevUnfinished}
	switch {
	case st.unfinished > 0:
		p.Feedback = "the delivery says it is not finished (\"to be continued\", \"omitted for brevity\"): deliver the whole work"
	case j.trailing:
		p.Feedback = "the delivery trails off in an ellipsis (\"...\"): finish it"
	case st.ellipsisLines > 0:
		p.Feedback = "a line of \"...\" stands for omitted text: write it out"
	default:
		p.Feedback = "reads as finished"
	}
	out = append(out, p)

	// Too short: under the substance floor the delivery is not the work.
	short := ratio(st.effWords, minWords(j.target))
	p = Criterion{Name: "too_short", Weight: 0.5, Score: 1}
	if j.lengthShare < MinShare {
		p.Score = clamp01(short)
		p.Feedback = fmt.Sprintf("%d words, under a fifth of the %d %s: too short to be the work, it cannot pass until it has at least %d words", st.effWords, j.target, j.targetWhy, minWords(j.target))
	} else {
		p.Feedback = fmt.Sprintf("long enough to judge (%d words, at least %d needed)", st.effWords, minWords(j.target))
	}
	out = append(out, p)

	if !hasTask {
		skip := "not scored: no task was given"
		return append(out,
			Criterion{Name: "language", Weight: 0, Score: 1, Feedback: skip},
			Criterion{Name: "echo", Weight: 0, Score: 1, Feedback: skip},
			Criterion{Name: "stuffing", Weight: 0, Score: 1, Feedback: skip},
			Criterion{Name: "off_topic", Weight: 0, Score: 1, Feedback: skip},
		)
	}

	out = append(out, language(st, j))
	if j.terms == nil {
		skip := "not scored: the task has no key terms"
		return append(out,
			Criterion{Name: "echo", Weight: 0, Score: 1, Feedback: skip},
			Criterion{Name: "stuffing", Weight: 0, Score: 1, Feedback: skip},
			Criterion{Name: "off_topic", Weight: 0, Score: 1, Feedback: skip},
		)
	}

	// Echo: the delivery restates the task description.
	echoFrac := ratio(st.echoWords, st.effWords)
	p = Criterion{Name: "echo", Weight: 0.5, Score: 1 - ramp(echoFrac, 0.15, 0.5)}
	if echoFrac >= 0.15 {
		what := "the task description"
		if j.translation && j.tl.srcText != "" {
			what = "the task, source text included"
		}
		p.Feedback = fmt.Sprintf("%d%% of the delivery repeats %s: do the task instead of restating it", pct(echoFrac), what)
	} else {
		p.Feedback = "does not parrot the task description"
	}
	out = append(out, p)

	// Stuffing: one word, or the task's terms, crammed in. A translation
	// uses its source's terms by design: only the one-word test applies.
	top := 0.0
	if st.contentWords >= 30 {
		top = ratio(st.topWordCount, st.contentWords)
	}
	density := 0.0
	if st.contentWords >= 20 && !j.translation {
		occ := st.termOccurrence
		if j.cross {
			occ += st.crossOccurrence
		}
		density = ratio(occ, st.contentWords)
	}
	// The task's words, or its names and numbers, listed with next to no
	// function word around them: a list, not text. Anchors match in any
	// language and a translation uses its source's words by design, so
	// this is what keeps a bare list of them from passing either.
	bare := 0.0
	if st.proseWords >= 8 && stopShare < 0.1 {
		bare = ramp(bareShare(st, j), 0.25, 0.45)
	}
	sevStuff := max(ramp(top, 0.10, 0.20), ramp(density, 0.40, 0.65), bare)
	p = Criterion{Name: "stuffing", Weight: 0.55, Score: 1 - sevStuff}
	switch {
	case bare > 0 && bare >= ramp(top, 0.10, 0.20) && bare >= ramp(density, 0.40, 0.65):
		p.Feedback = fmt.Sprintf("the task's words, names and numbers make up %d%% of the text, with almost no sentences around them: write the text, not a list of its terms", pct(bareShare(st, j)))
	case ramp(top, 0.10, 0.20) > 0 && ramp(top, 0.10, 0.20) >= ramp(density, 0.40, 0.65):
		p.Feedback = fmt.Sprintf("%q makes up %d%% of the content words: write for the reader, not for the keyword", st.topWord, pct(top))
	case sevStuff > 0:
		p.Feedback = fmt.Sprintf("task keywords make up %d%% of the content words: write sentences, not keyword lists", pct(density))
	default:
		p.Feedback = "no keyword stuffing"
	}
	out = append(out, p)

	// Off topic: little of the task shows up outside echoed text.
	p = Criterion{Name: "off_topic", Weight: 0.5, Score: ramp(j.coverage, 0.05, 0.25)}
	if p.Score < 1 {
		what := "the task"
		if j.translation && j.tl.srcText != "" {
			what = "the source text"
		}
		p.Feedback = fmt.Sprintf("the delivery barely touches %s (%d%% of its key terms): it looks like an answer to another task", what, pct(j.coverage))
	} else {
		p.Feedback = "on topic"
	}
	return append(out, p)
}

// bareShare is the share of the prose words that are the task's terms.
func bareShare(st stats, j judgement) float64 {
	occ := st.termOccurrence
	if j.cross {
		occ += st.crossOccurrence
	}
	return ratio(occ, st.proseWords)
}

// expectedLang is the language a delivery should be in: the translation's
// target, else the task's language (English when it cannot be told).
func expectedLang(j judgement) lang {
	switch {
	case j.translation && j.tl.target >= 0:
		return j.tl.target
	case j.tl.task >= 0:
		return j.tl.task
	}
	return english
}

// language checks the delivery is in a language the task asks for or
// allows: for a translation, the target language; otherwise the task's own
// language, a language the task names, or any when the task welcomes
// another. The severity grows with the share of the text in the wrong
// language, so a bilingual delivery is not punished for its second half.
func language(st stats, j judgement) Criterion {
	c := Criterion{Name: "language", Weight: 0.65, Score: 1}
	dl := j.lang
	if dl < 0 {
		c.Feedback = "language not determined (too short or mixed): not checked"
		return c
	}
	expected := expectedLang(j)
	switch {
	case j.translation && j.tl.target >= 0:
		if dl == j.tl.target {
			c.Feedback = fmt.Sprintf("in %s, the language the task asks to translate into", dl.name())
			return c
		}
		c.Score = 1 - ramp(j.langShare, 0.5, 0.8)
		c.Feedback = fmt.Sprintf("the delivery is in %s; the task asks for a translation into %s: translate into %s", dl.name(), j.tl.target.name(), j.tl.target.name())
		return c
	case j.translation:
		if j.tl.source >= 0 && dl == j.tl.source {
			c.Score = 0
			c.Feedback = fmt.Sprintf("the delivery is still in %s, the source's language: translate it", dl.name())
			return c
		}
		c.Feedback = fmt.Sprintf("in %s, not the source's language", dl.name())
		return c
	case j.tl.allowed(dl):
		if dl == expected {
			c.Feedback = fmt.Sprintf("in %s, the task's language", dl.name())
		} else {
			c.Feedback = fmt.Sprintf("in %s, which the task allows", dl.name())
		}
		return c
	}
	c.Score = 1 - ramp(j.langShare, 0.5, 0.8)
	allowed := langSet(0)
	allowed.add(expected)
	allowed |= j.tl.named
	c.Feedback = fmt.Sprintf("the delivery is in %s; the task is in %s and does not ask for or allow another language: deliver in %s", dl.name(), expected.name(), allowed.names())
	return c
}

// Gain is what fixing one criterion fully would add to the score.
type Gain struct {
	Criterion string
	Gain      float64 // Round4 of the score gained
	Feedback  string
}

// Gains lists the criteria by what fixing each fully would add to the
// score, largest first (ties in the result's order), from the rounded
// weights and scores the result lists: a quality criterion adds its missing
// weight times the penalty factor, a penalty divides its factor out.
func (r Result) Gains() []Gain {
	base, factor := 0.0, 1.0
	for _, c := range r.Criteria {
		if c.Kind == "penalty" {
			factor = float64(factor * (1 - float64(c.Weight*(1-c.Score))))
		} else {
			base += float64(c.Weight * c.Score)
		}
	}
	var out []Gain
	for _, c := range r.Criteria {
		var g float64
		switch f := 1 - float64(c.Weight*(1-c.Score)); {
		case c.Kind != "penalty":
			g = float64(float64(c.Weight*(1-c.Score)) * factor)
		case f > 0:
			g = float64(base*factor/f) - float64(base*factor)
		default:
			g = base // a penalty at full weight and score 0 zeroes everything
		}
		if g = Round4(min(g, 1-r.Score)); g > 0 {
			out = append(out, Gain{Criterion: c.Name, Gain: g, Feedback: c.Feedback})
		}
	}
	slices.SortStableFunc(out, func(a, b Gain) int { return cmp.Compare(b.Gain, a.Gain) })
	return out
}
