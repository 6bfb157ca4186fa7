package pdqg

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// criterion returns the named criterion of a result.
func criterion(t testing.TB, r Result, name string) Criterion {
	t.Helper()
	for _, c := range r.Criteria {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no criterion %q in %v", name, r.Criteria)
	return Criterion{}
}

// prefixWords keeps the first n whitespace-separated words of s, with the
// line breaks between them.
func prefixWords(s string, n int) string {
	var b strings.Builder
	words := 0
	for _, line := range strings.SplitAfter(s, "\n") {
		for _, f := range strings.Fields(line) {
			if words == n {
				return b.String()
			}
			b.WriteString(f + " ")
			words++
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Under the substance floor a delivery never reaches 0.40, whatever else it
// does well: every golden delivery, cut to lengths around its task's floor,
// and the recombined property inputs.
func TestTooShortNeverPasses(t *testing.T) {
	all := loadGolden(t)
	short := 0
	check := func(name string, task Task, content string) {
		r := Score(task, content)
		if criterion(t, r, "too_short").Score < 1 {
			short++
			if r.Score >= RejectBelow {
				t.Errorf("%s: under the floor but %.4f %s\n%s", name, r.Score, r.Verdict, breakdown(r))
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(all)) {
		g := all[name]
		task := g.task()
		content := goldenContent(t, name)
		for _, n := range []int{1, 2, 4, 7, 12, 20, 29, 40, 60, 79, 100} {
			check(name, task, prefixWords(content, n))
		}
	}
	for i, in := range propertyInputs(t) {
		check("property input "+string(rune('0'+i%10)), in.task, in.content)
	}
	if short < 100 {
		t.Errorf("only %d inputs under the floor: the test proves little", short)
	}
}

// The API page's example delivery is a reject for the page's example task
// whatever the task's description, and a complete one-page summary passes.
func TestPageExample(t *testing.T) {
	const example = "## Quarterly Earnings Summary\n\nRevenue grew 15% YoY..."
	const resubmit = "## Revised Quarterly Earnings Summary\n\n(improved version)..."
	complete := goldenContent(t, "summarization-page-complete")
	descriptions := []string{
		"...",
		"",
		"Summarize the attached quarterly earnings report.",
		"Read the attached quarterly earnings report and write a one-page summary for our investment committee: revenue and its growth, gross and operating margins, the performance of each business segment, cash flow and the balance sheet, management's guidance for the next quarter and the main risks it names. Use the report's own figures.",
		strings.Repeat("The report covers revenue, margins, segments, cash flow, guidance and risks; keep the figures exact and say where they come from. ", 12),
	}
	for _, d := range descriptions {
		task := Task{Title: "Summarize quarterly earnings report", Description: d, Category: "summarization"}
		if r := Score(task, example); r.Verdict != VerdictReject {
			t.Errorf("description %.30q: the page's example delivery scores %.4f %s\n%s", d, r.Score, r.Verdict, breakdown(r))
		}
		if r := Score(task, resubmit); r.Verdict != VerdictReject {
			t.Errorf("description %.30q: the page's resubmit example scores %.4f %s", d, r.Score, r.Verdict)
		}
		if r := Score(task, complete); r.Verdict != VerdictPass {
			t.Errorf("description %.30q: the complete summary scores %.4f %s\n%s", d, r.Score, r.Verdict, breakdown(r))
		}
	}
}

// englishOnly is each golden task that allows another language, with the
// sentence that allows it taken out (or negated).
var englishOnly = map[string][]string{
	"writing-french-allowed":        {" A version in another language is equally welcome.", " No other language, please."},
	"design-german-allowed":         {" The reviewers sit in our Munich office, so a proposal in German is fine too."},
	"summarization-spanish-allowed": {" The summary may be written in English or Spanish."},
}

// A delivery does not pass by being in another language when the task is in
// English and does not ask for or allow it: the good French, German and
// Spanish deliveries, scored for their own task without its allowance, and
// for every English-only golden task.
func TestOtherLanguageNeverPassesEnglishOnlyTask(t *testing.T) {
	all := loadGolden(t)
	var tasks []Task
	for _, name := range slices.Sorted(maps.Keys(all)) {
		g := all[name]
		if g.Task != nil && g.Language == "en" && g.Task.Category != "translation" && g.Verdict == VerdictPass {
			tasks = append(tasks, *g.Task)
		}
	}
	if len(tasks) < 4 {
		t.Fatalf("%d English-only tasks among the goldens", len(tasks))
	}
	tested := 0
	for name, edits := range englishOnly {
		g := all[name]
		content := goldenContent(t, name)
		if g.Verdict != VerdictPass {
			t.Fatalf("%s: the allowed delivery should pass, got %s", name, g.Verdict)
		}
		for i, sentence := range edits {
			task := *g.Task
			if !strings.Contains(task.Description, sentence) && i == 0 {
				t.Fatalf("%s: the task lost its allowance %q", name, sentence)
			}
			task.Description = strings.Replace(task.Description, edits[0], "", 1)
			if i > 0 {
				task.Description += sentence
			}
			r := Score(task, content)
			if r.Verdict != VerdictReject || criterion(t, r, "language").Score > 0 {
				t.Errorf("%s for its task without the allowance (%q): %.4f %s\n%s", name, task.Description, r.Score, r.Verdict, breakdown(r))
			}
			tested++
		}
		for _, task := range tasks {
			if r := Score(task, content); r.Verdict != VerdictReject {
				t.Errorf("%s for %q: %.4f %s", name, task.Title, r.Score, r.Verdict)
			}
		}
	}
	if tested < 4 {
		t.Errorf("%d variants tested", tested)
	}
}

// Numbers and names match in any language, so listing a task's anchors (or
// all its terms) without prose must not pass; for a translation, not even
// warn.
func TestAnchorListsNeverPass(t *testing.T) {
	all := loadGolden(t)
	lx := loadLexicon()
	seen := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(all)) {
		g := all[name]
		if g.Task == nil || seen[g.Task.Title] {
			continue
		}
		seen[g.Task.Title] = true
		task := *g.Task
		tl := parseTaskLangs(lx, task, task.Category == "translation")
		tt := newTaskTerms(lx, task, tl.srcText, tl.stated)
		var anchors, terms []string
		for i, text := range tt.text {
			terms = append(terms, text)
			if tt.anchor[i] {
				anchors = append(anchors, text)
			}
		}
		lists := map[string]string{
			"all terms, a list":  "- " + strings.Join(terms, "\n- "),
			"all terms, a line":  strings.Join(terms, ", "),
			"all terms, 3 times": strings.Repeat(strings.Join(terms, " ")+"\n\n", 3),
		}
		if len(anchors) >= 3 {
			lists["anchors, a list"] = "- " + strings.Join(anchors, "\n- ")
			lists["anchors, a table"] = "| item |\n| --- |\n| " + strings.Join(anchors, " |\n| ") + " |"
		}
		for what, content := range lists {
			r := Score(task, content)
			bad := r.Verdict == VerdictPass || task.Category == "translation" && strings.HasPrefix(what, "anchors") && r.Verdict != VerdictReject
			if bad {
				t.Errorf("%s, %s: %.4f %s\n%s\n%s", task.Title, what, r.Score, r.Verdict, content, breakdown(r))
			}
		}
	}
}

// An essay that ignores the source fails a translation task: every passing
// golden delivery of another category, delivered for each translation task
// that quotes its source.
func TestEssaysFailTranslationTasks(t *testing.T) {
	all := loadGolden(t)
	lx := loadLexicon()
	var tasks []Task
	var essays []string
	for _, name := range slices.Sorted(maps.Keys(all)) {
		g := all[name]
		if g.Task == nil {
			continue
		}
		if g.Task.Category == "translation" {
			if tl := parseTaskLangs(lx, *g.Task, true); tl.srcText != "" && !slices.Contains(tasks, *g.Task) {
				tasks = append(tasks, *g.Task)
			}
		} else if g.Verdict == VerdictPass {
			essays = append(essays, name)
		}
	}
	if len(tasks) < 3 || len(essays) < 8 {
		t.Fatalf("%d translation tasks, %d essays", len(tasks), len(essays))
	}
	for _, task := range tasks {
		for _, name := range essays {
			if r := Score(task, goldenContent(t, name)); r.Verdict == VerdictPass || criterion(t, r, "relevance").Score > 0.5 {
				t.Errorf("%s delivered for %q: %.4f %s\n%s", name, task.Title, r.Score, r.Verdict, breakdown(r))
			}
		}
	}
}

// Unfinished work reads as unfinished, and costs: the good summary with a
// continuation marker or an ellipsis at its end.
func TestUnfinishedMarkersCost(t *testing.T) {
	task := *loadGolden(t)["summarization-earnings"].Task
	good := strings.TrimSpace(goldenContent(t, "summarization-earnings"))
	base := Score(task, good)
	for _, suffix := range []string{
		"\n\n(to be continued)", "\n\n*To be continued...*", "\n(to be continued)", "\n\nÀ suivre.", "\n\nFortsetzung folgt",
		"...", "…", "\n\n...", " The remaining sections are omitted for brevity.",
	} {
		r := Score(task, good+suffix)
		if c := criterion(t, r, "unfinished"); c.Score >= 1 || r.Score >= base.Score {
			t.Errorf("%q: unfinished %.2f, score %.4f (without it %.4f)", suffix, c.Score, r.Score, base.Score)
		}
		// Copies or lorem ipsum after the marker do not hide it.
		hidden := Score(task, good+suffix+"\n\n"+loremParagraph+"\n\n## Q3 2025 Earnings Summary")
		if criterion(t, hidden, "unfinished").Score >= 1 {
			t.Errorf("%q followed by filler: the marker is no longer seen", suffix)
		}
	}
	if c := criterion(t, base, "unfinished"); c.Score != 1 {
		t.Errorf("the finished summary reads as unfinished: %s", c.Feedback)
	}
}

// A penalty is in proportion to how much of the delivery it concerns: one
// stock phrase in a short delivery is a blemish, not a zero.
func TestPaddingIsProportional(t *testing.T) {
	task := *loadGolden(t)["summarization-earnings"].Task
	short := strings.TrimSpace(goldenContent(t, "summarization-threshold-above-065"))
	long := strings.TrimSpace(goldenContent(t, "summarization-earnings"))
	one := "It is worth noting that " + strings.ToLower(short[:1]) + short[1:]
	if p := criterion(t, Score(task, one), "padding").Score; p < 0.75 || p >= 1 {
		t.Errorf("one filler phrase in %d words: padding %.2f, want in [0.75, 1)", len(strings.Fields(one)), p)
	}
	if p := criterion(t, Score(task, long+"\n\nIt is worth noting that the quarter was strong."), "padding").Score; p < 0.85 || p >= 1 {
		t.Errorf("one filler phrase in a long delivery: padding %.2f, want in [0.85, 1)", p)
	}
	if p := criterion(t, Score(task, goldenContent(t, "research-padding")), "padding").Score; p > 0 {
		t.Errorf("a text of filler phrases: padding %.2f, want 0", p)
	}
}

func TestNextLineFor(t *testing.T) {
	tests := []struct {
		score    float64
		line     float64
		distance float64
		text     string
	}{
		{0.33, 0.40, -0.07, "0.07 short of 0.40: the gate rejects it"},
		{0.3999, 0.40, -0.0001, "0.0001 short of 0.40: the gate rejects it"},
		{0.40, 0.65, -0.25, "0.25 short of 0.65 to pass cleanly, 0.0000 above the 0.40 line"},
		{0.62, 0.65, -0.03, "0.03 short of 0.65 to pass cleanly, 0.22 above the 0.40 line"},
		{0.65, 0.65, 0, "on the 0.65 line: any gain passes cleanly (0.25 above 0.40)"},
		{0.68, 0.65, 0.03, "0.03 above the 0.65 line"},
		{1, 0.65, 0.35, "0.35 above the 0.65 line"},
	}
	for _, tt := range tests {
		got := NextLineFor(tt.score)
		if got.Line != tt.line || got.Distance != tt.distance || got.Text != tt.text {
			t.Errorf("NextLineFor(%v) = %+v, want {%v %v %q}", tt.score, got, tt.line, tt.distance, tt.text)
		}
	}
}

// Feedback names what to do: a thin, on-topic delivery that is rejected
// names the task terms it lacks and how far it is from 0.40.
func TestThinDeliveryFeedbackNamesMissingTerms(t *testing.T) {
	g := loadGolden(t)["summarization-earnings-stub"]
	r := Score(*g.Task, goldenContent(t, "summarization-earnings-stub"))
	if r.Verdict != VerdictReject {
		t.Fatalf("the stub is %s", r.Verdict)
	}
	rel := criterion(t, r, "relevance")
	named := 0
	for _, m := range r.MissingTerms {
		if strings.Contains(rel.Feedback, `"`+m+`"`) {
			named++
		}
	}
	if len(r.MissingTerms) < 2 || named < 2 {
		t.Errorf("missing terms %q, %d of them in the feedback: %s", r.MissingTerms, named, rel.Feedback)
	}
	for _, m := range r.MissingTerms {
		if strings.Contains(strings.ToLower(goldenContent(t, "summarization-earnings-stub")), strings.ToLower(m)) {
			t.Errorf("%q is reported missing but the delivery uses it", m)
		}
	}
	if r.NextLine.Line != RejectBelow || r.NextLine.Distance >= 0 || !strings.Contains(r.NextLine.Text, "short of 0.40") {
		t.Errorf("next line %+v", r.NextLine)
	}
}
