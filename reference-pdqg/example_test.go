package pdqg_test

import (
	"fmt"

	pdqg "github.com/jobtobot/jtb/reference-pdqg"
)

func ExampleScore() {
	task := pdqg.Task{
		Title:       "Summarize Q3 2025 earnings report",
		Description: "Summarize revenue, margins and guidance from the 10-Q filing.",
		Category:    "summarization",
	}
	delivery := "## Q3 2025\n\nRevenue was $4.21B, up 15% year over year; gross margin rose to 61.2%.\n\n" +
		"## Guidance\n\nManagement guides Q4 revenue to $4.35B-$4.45B.\n\nTODO: add segment table.\n"
	r := pdqg.Score(task, delivery)
	fmt.Printf("%.4f %s\n", r.Score, r.Verdict)
	for _, c := range r.Criteria {
		if c.Score < 1 && c.Weight > 0 {
			fmt.Printf("%-11s w=%.2f s=%.2f %s\n", c.Name, c.Weight, c.Score, c.Feedback)
		}
	}
	// Output:
	// 0.5167 warn
	// relevance   w=0.25 s=0.87 the delivery covers 50% of the task's key terms: address the parts of the task it leaves out
	// substance   w=0.25 s=0.50 27 words of original content, short for a summarization task (about 150 expected): add the missing substance
	// structure   w=0.15 s=0.49 short enough to need no sections (partial credit: the delivery is too short to judge this fully)
	// specificity w=0.20 s=0.62 concrete: names, numbers and examples (partial credit: the delivery is too short to judge this fully)
	// variety     w=0.15 s=0.62 varied wording (partial credit: the delivery is too short to judge this fully)
	// placeholder w=0.60 s=0.70 resolve the 1 placeholder marker(s) (TODO, TBD, [insert ...])
}
