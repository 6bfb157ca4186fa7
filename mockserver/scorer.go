package mockserver

import (
	"math"
	"strings"

	"github.com/jobtobot/jtb/mockserver/core"
)

// lengthScorer stands in for reference-pdqg until that package lands: it
// scores by length and structure only, deterministically.
type lengthScorer struct{}

func newScorer() core.Scorer { return lengthScorer{} }

func (lengthScorer) Score(task core.ScoreInput, content string) core.Score {
	words := len(strings.Fields(content))
	length := math.Min(float64(words)/150, 1)
	structure := 0.0
	if strings.Contains(content, "#") {
		structure += 0.5
	}
	if strings.Contains(content, "\n- ") || strings.Contains(content, "\n* ") {
		structure += 0.5
	}
	score := math.Round((0.7*length+0.3*structure)*100) / 100
	return core.Score{Score: score, Version: "stand-in-0", Criteria: []core.Criterion{
		{Name: "length", Weight: 0.7, Score: math.Round(length*100) / 100, Feedback: "longer, substantive answers score higher"},
		{Name: "structure", Weight: 0.3, Score: structure, Feedback: "headings and lists score higher"},
	}}
}
