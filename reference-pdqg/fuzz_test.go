package pdqg

import (
	"strings"
	"testing"
)

func FuzzScore(f *testing.F) {
	f.Add("Summarize Q3", "Summarize revenue and margins.", "summarization", "## Q3\n\nRevenue grew 15% to $4.2B.")
	f.Add("", "", "", "Lorem ipsum dolor sit amet\n\nLorem ipsum dolor sit amet")
	f.Add("t", "d", "coding", "```go\nfunc f() {}\n```\n\n// TODO [insert]")
	f.Add("翻訳", "説明", "translation", "設置は約20分で、ボイラーの95%に対応。")
	f.Add("x", "y", "data", "\xff\xfe\x00 can't 15.5 As an AI language model")
	f.Add("Translate into French", "Source text: Meet Nimbus 2. ```\nx\n``` «a b c d e f» > quoted", "translation", "Voici Nimbus 2, 1 200 foyers…\n\n(to be continued)")
	f.Add("Résumé en français", "Écrivez en français ou en allemand, no other language, 300 mots.", "writing", "l'équipe d'ingénierie dell’energia 29\u202f800 ¥...")
	f.Fuzz(func(t *testing.T, title, desc, cat, content string) {
		task := Task{Title: title, Description: desc, Category: cat}
		r := Score(task, content)
		if !(r.Score >= 0 && r.Score <= 1) || r.Score != Round4(r.Score) {
			t.Fatalf("score %v", r.Score)
		}
		if r.Verdict != VerdictFor(r.Score) {
			t.Fatalf("verdict %s for %v", r.Verdict, r.Score)
		}
		for _, c := range r.Criteria {
			if !(c.Score >= 0 && c.Score <= 1) || !(c.Weight >= 0 && c.Weight <= 1) || c.Feedback == "" {
				t.Fatalf("criterion %+v", c)
			}
		}
		if again := Score(task, content); again.Score != r.Score {
			t.Fatalf("not deterministic: %v then %v", r.Score, again.Score)
		}
		// Adding a lorem ipsum paragraph never raises the score.
		if !strings.Contains(content, "```") && !strings.Contains(content, "~~~") {
			if got := Score(task, content+"\n\n"+loremParagraph); got.Score > r.Score {
				t.Fatalf("lorem raised %v -> %v", r.Score, got.Score)
			}
		}
	})
}
