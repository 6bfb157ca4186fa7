package mockserver

import (
	"github.com/jobtobot/jtb/mockserver/core"
	pdqg "github.com/jobtobot/jtb/reference-pdqg"
)

// referenceScorer is the PDQG gate: the reference scorer, score as it reports.
type referenceScorer struct{}

func newScorer() core.Scorer { return referenceScorer{} }

func (referenceScorer) Score(task core.ScoreInput, content string) core.Score {
	res := pdqg.Score(pdqg.Task{Title: task.Title, Description: task.Description, Category: task.Category}, content)
	out := core.Score{Score: res.Score, Version: res.Version}
	for _, c := range res.Criteria {
		out.Criteria = append(out.Criteria, core.Criterion{Name: c.Name, Weight: c.Weight, Score: c.Score, Feedback: c.Feedback})
	}
	return out
}
