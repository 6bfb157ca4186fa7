package explore

import (
	"slices"
	"strings"

	"github.com/jobtobot/jtb/catalogue"
)

// coverage counts which cells of the task state × operation table the
// programs reached (the model's state of the step's task just before it) and
// which clauses their answers were judged under.
type coverage struct {
	cells     map[string]int // "state op"
	clauses   map[string]int
	off       bool // trial orders of a group are not counted
	shrinking bool // nor the re-runs of shrinking
}

func newCoverage() *coverage {
	return &coverage{cells: map[string]int{}, clauses: map[string]int{}}
}

func (c *coverage) hit(state, op string) {
	if !c.off && !c.shrinking {
		c.cells[state+" "+op]++
	}
}

func (c *coverage) clause(id string) {
	if !c.off && !c.shrinking && id != "" {
		c.clauses[id]++
	}
}

// add counts what another worker's programs reached.
func (c *coverage) add(o *coverage) {
	for k, n := range o.cells {
		c.cells[k] += n
	}
	for k, n := range o.clauses {
		c.clauses[k] += n
	}
}

// Coverage is the summary of what the programs reached.
type Coverage struct {
	States     []string       `json:"states"`
	Operations []string       `json:"operations"`
	Cells      map[string]int `json:"cells"` // "state op" → steps
	Reached    int            `json:"cellsReached"`
	Total      int            `json:"cellsTotal"`
	Clauses    map[string]int `json:"clauses"` // clause → steps judged under it
	Missing    []string       `json:"clausesNotReached"`
	AllClauses int            `json:"clausesTotal"`
}

// The rows and columns of the table.
var (
	coverStates = []string{"none", "open", "claimed", "delivered", "pdqg_failed", "pdqg_final_fail"}
	coverOps    = []string{OpTask, OpBid, OpAccept, OpReject, OpDeliver, OpResubmit, OpProgress, OpTraces, OpBid + "@group", OpDeliver + "@group"}
)

func (c *coverage) summary(cat *catalogue.Catalogue) Coverage {
	out := Coverage{States: coverStates, Operations: coverOps, Cells: map[string]int{}, Clauses: map[string]int{}}
	for _, st := range coverStates {
		for _, op := range coverOps {
			if cellPossible(st, op) {
				out.Total++
				if n := c.cells[st+" "+op]; n > 0 {
					out.Cells[st+" "+op] = n
					out.Reached++
				}
			}
		}
	}
	for id, n := range c.clauses {
		out.Clauses[id] = n
	}
	for _, cl := range cat.Clauses {
		out.AllClauses++
		if c.clauses[cl.ID] == 0 {
			out.Missing = append(out.Missing, cl.ID)
		}
	}
	slices.Sort(out.Missing)
	return out
}

// cellPossible leaves out the cells no program can reach: an operation on
// no task is only the creation of one, and a task is created only once.
func cellPossible(state, op string) bool {
	if op == OpTask {
		return state == "none"
	}
	if state == "none" {
		return !strings.Contains(op, "@") && op != OpAccept && op != OpReject
	}
	if op == OpAccept || op == OpReject || strings.HasPrefix(op, OpBid+"@") {
		return state == "open"
	}
	if op == OpDeliver+"@group" {
		return state == "claimed"
	}
	return true
}
