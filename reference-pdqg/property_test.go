package pdqg

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

const loremParagraph = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris."

// propertyInputs are the golden deliveries plus deterministic random
// recombinations of their paragraphs.
func propertyInputs(t *testing.T) []struct {
	task    Task
	content string
} {
	t.Helper()
	var out []struct {
		task    Task
		content string
	}
	var paras []string
	var tasks []Task
	// In name order: the recombinations below index these slices, so a map's
	// order would give other inputs on every run.
	all := loadGolden(t)
	for _, name := range slices.Sorted(maps.Keys(all)) {
		g := all[name]
		task := g.task()
		c := goldenContent(t, name)
		out = append(out, struct {
			task    Task
			content string
		}{task, c})
		tasks = append(tasks, task)
		if !strings.Contains(c, "```") {
			paras = append(paras, strings.Split(c, "\n\n")...)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		n := 1 + rng.IntN(8)
		var parts []string
		for range n {
			parts = append(parts, paras[rng.IntN(len(paras))])
		}
		out = append(out, struct {
			task    Task
			content string
		}{tasks[rng.IntN(len(tasks))], strings.Join(parts, "\n\n")})
	}
	return out
}

func TestScoreInRangeAndVerdictMatches(t *testing.T) {
	for _, in := range propertyInputs(t) {
		r := Score(in.task, in.content)
		if r.Score < 0 || r.Score > 1 || r.Score != Round4(r.Score) {
			t.Errorf("score %v out of [0,1] or not rounded for %.60q", r.Score, in.content)
		}
		if r.Verdict != VerdictFor(r.Score) {
			t.Errorf("verdict %s for score %v", r.Verdict, r.Score)
		}
		if r.Version != Version {
			t.Errorf("version %q", r.Version)
		}
		// JSON readers get an array, never null, and a next line that adds up.
		if r.MissingTerms == nil || len(r.MissingTerms) > 5 {
			t.Errorf("missing terms %#v", r.MissingTerms)
		}
		if r.NextLine != NextLineFor(r.Score) || Round4(r.NextLine.Line+r.NextLine.Distance) != r.Score {
			t.Errorf("next line %+v for score %v", r.NextLine, r.Score)
		}
	}
}

func TestAddingFillerNeverRaisesScore(t *testing.T) {
	for i, in := range propertyInputs(t) {
		base := Score(in.task, in.content)
		paras := strings.Split(strings.TrimSpace(in.content), "\n\n")
		variants := map[string]string{
			"lorem appended":  in.content + "\n\n" + loremParagraph + "\n",
			"lorem prepended": loremParagraph + "\n\n" + in.content,
			"lorem twice":     in.content + "\n\n" + loremParagraph + "\n\n" + loremParagraph + "\n",
		}
		if !strings.Contains(in.content, "```") {
			last := paras[len(paras)-1]
			first := paras[0]
			variants["last paragraph repeated"] = in.content + "\n\n" + last + "\n"
			variants["first paragraph repeated 5 times"] = in.content + strings.Repeat("\n\n"+first, 5) + "\n"
		}
		for what, v := range variants {
			if got := Score(in.task, v); got.Score > base.Score {
				t.Errorf("input %d: %s raised the score %.4f -> %.4f\n%s", i, what, base.Score, got.Score, breakdown(got))
			}
		}
	}
}

func TestVerdictFor(t *testing.T) {
	tests := []struct {
		score float64
		want  string
	}{
		{0, VerdictReject}, {0.3999, VerdictReject}, {0.40, VerdictWarn}, {0.5, VerdictWarn},
		{0.65, VerdictWarn}, {0.6501, VerdictPass}, {1, VerdictPass},
	}
	for _, tt := range tests {
		if got := VerdictFor(tt.score); got != tt.want {
			t.Errorf("VerdictFor(%v) = %s, want %s", tt.score, got, tt.want)
		}
	}
}

func TestRound4(t *testing.T) {
	tests := []struct{ in, want float64 }{
		{0.12345, 0.1235}, {0.12344, 0.1234}, {0.99995, 1}, {0, 0}, {0.00005, 0.0001}, {-0.00005, -0.0001},
	}
	for _, tt := range tests {
		if got := Round4(tt.in); got != tt.want {
			t.Errorf("Round4(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestDeterministic scores the same inputs repeatedly: map iteration order
// changes between runs, the result must not.
func TestDeterministic(t *testing.T) {
	for _, in := range propertyInputs(t)[:40] {
		want := Score(in.task, in.content)
		for range 5 {
			got := Score(in.task, in.content)
			if breakdown(got) != breakdown(want) || got.Score != want.Score {
				t.Fatalf("two runs differ:\n%s\n%s", breakdown(want), breakdown(got))
			}
		}
	}
}

// Score reuses buffers between calls (a sync.Pool); no call may see what an
// earlier one left: the same inputs scored fresh, then in reverse order each
// after a large and an empty input, then all at once, give equal results.
func TestScoreDoesNotDependOnEarlierCalls(t *testing.T) {
	ins := propertyInputs(t)[:60]
	want := make([]string, len(ins))
	for i, in := range ins {
		want[i] = fmt.Sprintf("%+v", Score(in.task, in.content))
	}
	big := strings.Repeat(ins[0].content+"\n\n", 256<<10/(len(ins[0].content)+2)+1)
	for i := len(ins) - 1; i >= 0; i-- {
		Score(ins[(i+1)%len(ins)].task, big)
		Score(Task{}, "")
		if got := fmt.Sprintf("%+v", Score(ins[i].task, ins[i].content)); got != want[i] {
			t.Fatalf("input %d scored after others:\n%s\nwant\n%s", i, got, want[i])
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, len(ins))
	for i, in := range ins {
		wg.Go(func() {
			if got := fmt.Sprintf("%+v", Score(in.task, in.content)); got != want[i] {
				errs <- fmt.Sprintf("input %d scored concurrently:\n%s\nwant\n%s", i, got, want[i])
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestPhrasesFitTheRing: the scanner matches refusal and filler phrases
// against its ring of recent prose words, so a longer phrase never fires.
func TestPhrasesFitTheRing(t *testing.T) {
	ring := len(scanner{}.ring)
	for _, p := range append(slices.Clone(refusalPhrases), fillerPhrases...) {
		if n := len(tokenizeWords(p)); n > ring || n == 0 {
			t.Errorf("phrase %q is %d words; the ring holds %d", p, n, ring)
		}
	}
}
