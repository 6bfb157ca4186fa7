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

// golden is NAME.json beside NAME.md.
type golden struct {
	Note    string  `json:"note"`
	Task    *Task   `json:"task,omitempty"`
	Score   float64 `json:"score"`
	Verdict string  `json:"verdict"`
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
			var task Task
			if g.Task != nil {
				task = *g.Task
			}
			got := Score(task, goldenContent(t, name))
			if *update {
				g.Score, g.Verdict = got.Score, got.Verdict
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
		})
	}
}

// TestGoldenCoverage keeps the fixture set honest: every verdict, and every
// gaming pattern named in the issue, must stay covered.
func TestGoldenCoverage(t *testing.T) {
	all := loadGolden(t)
	if len(all) < 20 {
		t.Errorf("%d golden deliveries, want at least 20", len(all))
	}
	verdicts := map[string]int{}
	for _, g := range all {
		verdicts[g.Verdict]++
	}
	for _, v := range []string{VerdictReject, VerdictWarn, VerdictPass} {
		if verdicts[v] == 0 {
			t.Errorf("no golden delivery with verdict %s", v)
		}
	}
	// Gaming patterns never pass; junk and refusals are rejected.
	for name, g := range all {
		for _, pattern := range []string{"lorem", "repeated", "echo", "stuffing", "padding", "offtopic", "junk", "refusal", "todo"} {
			if strings.Contains(name, pattern) && g.Verdict == VerdictPass {
				t.Errorf("%s: gaming pattern %q passes (%.4f)", name, pattern, g.Score)
			}
		}
		if (strings.Contains(name, "junk") || strings.Contains(name, "refusal")) && g.Verdict != VerdictReject {
			t.Errorf("%s: want reject, got %s (%.4f)", name, g.Verdict, g.Score)
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
