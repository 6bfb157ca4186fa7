package suites

import (
	"errors"
	"fmt"

	"github.com/jobtobot/jtb/catalogue"
	"github.com/onsi/ginkgo/v2/types"
)

// exploreArea is the area of the clause of jtb check --explore's phase.
const exploreArea = "EXP"

// CheckCoverage keeps catalogue and specs in step, from the specs' names as
// Ginkgo sees them (PreviewSpecs): every spec's text opens with the clause
// it names, every named clause exists, every clause has a spec.
func CheckCoverage(cat *catalogue.Catalogue, report types.Report) error {
	var errs []error
	named := map[string]bool{}
	for _, sr := range report.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		id, ok := catalogue.IDOfText(sr.LeafNodeText)
		if !ok {
			errs = append(errs, fmt.Errorf("spec %q names no clause", sr.FullText()))
			continue
		}
		if _, ok := cat.Clause(id); !ok {
			errs = append(errs, fmt.Errorf("spec %q names %s, which the catalogue does not hold", sr.FullText(), id))
		}
		named[id] = true
	}
	for _, cl := range cat.Clauses {
		// The explore phase's clause has its spec in a run with
		// --explore only (Env.Explore): a run without it does not list it.
		if !named[cl.ID] && cl.Area != exploreArea {
			errs = append(errs, fmt.Errorf("clause %s (%s) has no spec", cl.ID, cl.Title))
		}
	}
	return errors.Join(errs...)
}
