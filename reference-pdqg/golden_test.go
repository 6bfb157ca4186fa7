package pdqg

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected score and verdict of the golden deliveries (review the diff by hand)")

const goldenDir = "../fixtures/deliveries"

// golden is NAME.json beside NAME.md. Change says why the expected score
// moved at the last model change (written by hand; -update keeps it);
// Language, when set, is the language the scorer must detect.
type golden struct {
	Note     string  `json:"note"`
	Change   string  `json:"change,omitempty"`
	Task     *Task   `json:"task,omitempty"`
	Language string  `json:"language,omitempty"`
	Score    float64 `json:"score"`
	Verdict  string  `json:"verdict"`
}

// task is the golden's task, the zero Task when it is scored without one.
func (g golden) task() Task {
	if g.Task == nil {
		return Task{}
	}
	return *g.Task
}

func loadGolden(t *testing.T) map[string]golden {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(goldenDir, "*.md"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden deliveries in %s: %v", goldenDir, err)
	}
	out := map[string]golden{}
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".md")
		b, err := os.ReadFile(strings.TrimSuffix(p, ".md") + ".json")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var g golden
		if err := json.Unmarshal(b, &g); err != nil {
			t.Fatalf("%s.json: %v", name, err)
		}
		out[name] = g
	}
	return out
}

func goldenContent(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(goldenDir, name+".md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestGolden(t *testing.T) {
	for name, g := range loadGolden(t) {
		t.Run(name, func(t *testing.T) {
			got := Score(g.task(), goldenContent(t, name))
			if *update {
				g.Score, g.Verdict, g.Language = got.Score, got.Verdict, got.Language
				var buf bytes.Buffer
				enc := json.NewEncoder(&buf)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				if err := enc.Encode(g); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(goldenDir, name+".json"), buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got.Score != g.Score || got.Verdict != g.Verdict {
				t.Errorf("Score = %.4f %s, want %.4f %s\ncriteria:\n%s", got.Score, got.Verdict, g.Score, g.Verdict, breakdown(got))
			}
			if g.Language != "" && got.Language != g.Language {
				t.Errorf("language %q, want %q", got.Language, g.Language)
			}
		})
	}
}

// TestGoldenCoverage keeps the fixture set honest: every verdict, every
// gaming pattern named in the issues, and the languages, must stay covered.
func TestGoldenCoverage(t *testing.T) {
	all := loadGolden(t)
	if len(all) < 45 {
		t.Errorf("%d golden deliveries, want at least 45", len(all))
	}
	verdicts := map[string]int{}
	passing := map[string]int{} // passing deliveries per detected language
	for _, g := range all {
		verdicts[g.Verdict]++
		if g.Verdict == VerdictPass {
			passing[g.Language]++
		}
		if g.Language == "" && g.Verdict == VerdictPass {
			t.Errorf("a passing golden (%q) with no detected language", g.Note)
		}
	}
	for _, v := range []string{VerdictReject, VerdictWarn, VerdictPass} {
		if verdicts[v] == 0 {
			t.Errorf("no golden delivery with verdict %s", v)
		}
	}
	for _, l := range []string{"en", "fr", "de", "es"} {
		if passing[l] < 2 {
			t.Errorf("%d passing golden deliveries in %s, want at least 2", passing[l], l)
		}
	}
	// Gaming patterns and unfinished work never pass; junk, refusals, text
	// under the substance floor, text in a language the task does not allow
	// and bare lists of the task's figures are rejected.
	for name, g := range all {
		for _, pattern := range []string{"lorem", "repeated", "echo", "stuffing", "padding", "offtopic", "junk", "refusal", "todo",
			"unfinished", "notallowed", "essay", "numbers-only", "untranslated", "wrong-language", "page-example", "page-resubmit"} {
			if strings.Contains(name, pattern) && g.Verdict == VerdictPass {
				t.Errorf("%s: gaming pattern %q passes (%.4f)", name, pattern, g.Score)
			}
		}
		for _, pattern := range []string{"junk", "refusal", "page-example", "page-resubmit", "notallowed", "numbers-only", "untranslated", "wrong-language", "stub"} {
			if strings.Contains(name, pattern) && g.Verdict != VerdictReject {
				t.Errorf("%s: want reject, got %s (%.4f)", name, g.Verdict, g.Score)
			}
		}
		if strings.Contains(name, "allowed") && !strings.Contains(name, "notallowed") || strings.HasPrefix(name, "translation-source-") {
			if g.Verdict != VerdictPass {
				t.Errorf("%s: a good delivery the task allows should pass, got %s (%.4f)", name, g.Verdict, g.Score)
			}
		}
	}
}

// TestGoldenOrderings: a better delivery for the same task scores higher.
func TestGoldenOrderings(t *testing.T) {
	all := loadGolden(t)
	score := func(name string) float64 {
		t.Helper()
		g, ok := all[name]
		if !ok {
			t.Fatalf("no golden %s", name)
		}
		return g.Score
	}
	earnings := *all["summarization-earnings"].Task
	empty := Score(earnings, "").Score
	chains := [][]string{
		// good > short > lorem, refusal, empty
		{"summarization-earnings", "summarization-earnings-short", "summarization-earnings-stub", "summarization-lorem"},
		{"coding-dedup", "coding-todo", "coding-refusal"},
		// good > padded, repeated, stuffed, echoed, unfinished
		{"summarization-earnings", "summarization-unfinished"},
		{"summarization-earnings", "summarization-lorem-appended"},
		{"summarization-earnings", "summarization-echo"},
		{"summarization-earnings", "summarization-repeated"},
		{"summarization-earnings", "summarization-stuffing"},
		{"research-heatpumps", "research-padding"},
		{"research-heatpumps", "research-offtopic"},
		{"research-heatpumps", "research-german-notallowed"},
		{"summarization-threshold-above-065", "summarization-threshold-below-065", "summarization-threshold-above-040", "summarization-threshold-below-040"},
		// the page's example task: complete > example, resubmit
		{"summarization-page-complete", "summarization-page-example"},
		{"summarization-page-complete", "summarization-page-resubmit"},
		// translations: faithful > wrong language, off-topic essays, untranslated, bare figures
		{"translation-source-french", "translation-wrong-language", "translation-numbers-only"},
		{"translation-source-french", "translation-offtopic-essay-fr", "translation-offtopic-essay-en"},
		{"translation-source-french", "translation-untranslated"},
		{"writing-remote", "writing-junk"},
	}
	for _, chain := range chains {
		for i := 1; i < len(chain); i++ {
			if a, b := score(chain[i-1]), score(chain[i]); a <= b {
				t.Errorf("%s (%.4f) should score above %s (%.4f)", chain[i-1], a, chain[i], b)
			}
		}
	}
	// Nothing scores below nothing; a short answer scores above it.
	if s := score("summarization-earnings-short"); s <= empty {
		t.Errorf("the short summary (%.4f) does not beat the empty delivery (%.4f)", s, empty)
	}
	for _, name := range []string{"summarization-lorem", "coding-refusal"} {
		if s := score(name); s < empty {
			t.Errorf("%s (%.4f) below the empty delivery (%.4f)", name, s, empty)
		}
	}
}

func breakdown(r Result) string {
	var b strings.Builder
	for _, c := range r.Criteria {
		b.WriteString("  " + c.Name + " " + ftoa(c.Weight) + " " + ftoa(c.Score) + " " + c.Feedback + "\n")
	}
	return b.String()
}

func ftoa(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}
