package pdqg_test

import (
	"fmt"

	pdqg "github.com/jobtobot/jtb/reference-pdqg"
)

func ExampleScore() {
	task := pdqg.Task{
		Title:       "Summarize Q3 2025 earnings report",
		Description: "Summarize revenue, margins, segment performance and guidance from the 10-Q filing.",
		Category:    "summarization",
	}
	delivery := "## Q3 2025\n\nRevenue was $4.21B, up 15% year over year, and gross margin rose to 61.2% " +
		"as cloud sales grew 31%.\n\n## Guidance\n\nManagement guides Q4 revenue to $4.35B-$4.45B.\n\nTODO: add the table.\n"
	r := pdqg.Score(task, delivery)
	fmt.Printf("%.4f %s, %s\n", r.Score, r.Verdict, r.NextLine.Text)
	fmt.Println("missing:", r.MissingTerms)
	for _, c := range r.Criteria {
		if c.Score < 1 && c.Weight > 0 {
			fmt.Printf("%-11s w=%.2f s=%.2f %s\n", c.Name, c.Weight, c.Score, c.Feedback)
		}
	}
	// Output:
	// 0.3631 reject, 0.04 short of 0.40: the gate rejects it
	// missing: [earnings segment performance filing]
	// relevance   w=0.25 s=0.98 the delivery covers 58% of the task's key terms; it never uses "earnings", "segment", "performance" and "filing": address what it leaves out
	// substance   w=0.25 s=0.54 33 words of original content, short of the 150 words expected for a summarization task: add the missing substance
	// structure   w=0.15 s=0.11 short enough to need no sections (partial credit, 13%: the delivery is too short to judge this fully)
	// specificity w=0.20 s=0.13 concrete: names, numbers and examples (partial credit, 13%: the delivery is too short to judge this fully)
	// variety     w=0.15 s=0.13 varied wording (partial credit, 13%: the delivery is too short to judge this fully)
	// placeholder w=0.60 s=0.70 resolve the 1 placeholder marker(s) (TODO, TBD, [insert ...])
}

// A delivery far below the length its task calls for cannot pass, however
// well it reads: the API page's own example delivery for its example task.
func ExampleScore_tooShort() {
	task := pdqg.Task{Title: "Summarize quarterly earnings report", Description: "...", Category: "summarization"}
	r := pdqg.Score(task, "## Quarterly Earnings Summary\n\nRevenue grew 15% YoY...")
	fmt.Printf("%.4f %s\n", r.Score, r.Verdict)
	for _, c := range r.Criteria {
		if c.Name == "too_short" || c.Name == "unfinished" {
			fmt.Printf("%s: %s\n", c.Name, c.Feedback)
		}
	}
	// Output:
	// 0.1392 reject
	// unfinished: the delivery trails off in an ellipsis ("..."): finish it
	// too_short: 7 words, under a fifth of the 150 words expected for a summarization task: too short to be the work, it cannot pass until it has at least 30 words
}
