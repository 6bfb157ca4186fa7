package pdqg

import (
	"strings"
	"testing"
)

func TestTaskTerms(t *testing.T) {
	lx := loadLexicon()
	task := Task{
		Title:       "Summarize Q3 2025 earnings report (#012)",
		Description: "Read the attached 10-Q filing and write a 300-word summary of sales in Norway, Sweden and Finland, in English or French. The CSV has 1,200 rows.",
	}
	tl := parseTaskLangs(lx, task, false)
	tt := newTaskTerms(lx, task, tl.srcText, tl.stated)
	got := map[string]bool{} // term -> anchor
	for i, text := range tt.text {
		if tt.weights[i] > 0 {
			got[text] = tt.anchor[i]
		}
	}
	want := map[string]bool{
		"Q3": true, "2025": true, "earnings": false, "filing": false, "sales": false,
		"Norway": true, "Sweden": true, "Finland": true, "CSV": true, "1,200": true, "rows": false,
	}
	for term, anchor := range want {
		if a, ok := got[term]; !ok || a != anchor {
			t.Errorf("term %q: present %v anchor %v, want anchor %v", term, ok, a, anchor)
		}
	}
	// Instructions, language names, the stated length, "#012" and "10-Q"
	// are not what the task is about.
	for _, not := range []string{"summarize", "report", "read", "attached", "write", "summary", "300", "word", "012", "10", "English", "French", "english", "french"} {
		if _, ok := got[not]; ok {
			t.Errorf("%q is a task term", not)
		}
	}
	if len(got) != len(want) {
		t.Errorf("terms %v, want %v", got, want)
	}
}

// The lexicon matches a task term across languages only when the delivery
// is in another language: a French delivery covers "revenue" with
// "revenus" and "guidance" with "prévisions"; an English one does not cover
// "revenue" with "sales".
func TestCrossLanguageMatchingOnlyAcrossLanguages(t *testing.T) {
	task := Task{Title: "Summarize the revenue and margins", Description: "Summarize revenue, margins and guidance for the quarter in English or French.", Category: "summarization"}
	fr := "Les revenus du trimestre ont progressé de 12 % et la marge brute atteint 61 %, tandis que les prévisions pour le trimestre suivant restent prudentes selon la direction, qui cite la hausse des coûts."
	en := "Sales for the three months rose 12% and gross profit reached 61%, while the outlook for the period ahead stays cautious according to management, which cites rising costs."
	rf, re := Score(task, fr), Score(task, en)
	if rf.Language != "fr" || re.Language != "en" {
		t.Fatalf("languages %q %q", rf.Language, re.Language)
	}
	if len(rf.MissingTerms) != 0 {
		t.Errorf("French delivery: missing %q", rf.MissingTerms)
	}
	if !strings.Contains(strings.Join(re.MissingTerms, " "), "revenue") {
		t.Errorf("English synonyms counted as the task's terms: missing only %q", re.MissingTerms)
	}
}
