package suites

import (
	"slices"
	"testing"

	"github.com/jobtobot/jtb"
	"github.com/jobtobot/jtb/catalogue"
)

// Each operation of control-api.yaml the suite calls names its CTL clause
// (x-jtb-clause), so a departure of its answers is a finding of that
// clause; each CTL clause is named by one operation. The suite never calls
// reset (a shared staging would lose its state), which has none, nor the
// mock's poster's view.
func TestEveryControlOperationNamesItsClause(t *testing.T) {
	doc, err := jtb.LoadControlAPI()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalogue.Parse(jtb.CatalogueSpec)
	if err != nil {
		t.Fatal(err)
	}
	named := map[string][]string{}
	var without []string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			id, _ := op.Extensions[ClauseExtension].(string)
			if id == "" {
				without = append(without, op.OperationID)
				continue
			}
			cl, ok := cat.Clause(id)
			if !ok || cl.Area != "CTL" || cl.Level != catalogue.Should {
				t.Errorf("%s %s names %s, which is no SHOULD clause of the CTL area", method, path, id)
			}
			named[id] = append(named[id], op.OperationID)
		}
	}
	// Nor does it call the poster's view on the mock (the task list, the
	// traces, the simulated poster, the event stream): a developer's tools.
	notCalled := []string{"getPoster", "getTaskTraces", "listTasks", "reset", "setPoster", "streamEvents"}
	if slices.Sort(without); !slices.Equal(without, notCalled) {
		t.Errorf("operations without %s: %v, want only those the suite never calls, %v", ClauseExtension, without, notCalled)
	}
	for _, cl := range cat.Clauses {
		if cl.Area == "CTL" && len(named[cl.ID]) != 1 {
			t.Errorf("%s is named by the operations %v, want exactly one", cl.ID, named[cl.ID])
		}
	}
}
