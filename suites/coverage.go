package suites

import (
	"errors"
	"fmt"

	"github.com/jobtobot/jtb/catalogue"
	"github.com/onsi/ginkgo/v2/types"
)

// CheckCoverage keeps catalogue and specs in step, from the specs' names as
// Ginkgo sees them (PreviewSpecs): every spec names a clause, every named
// clause exists, every clause has a spec.
func CheckCoverage(cat *catalogue.Catalogue, report types.Report) error {
	var errs []error
	named := map[string]bool{}
	for _, sr := range report.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		ids := catalogue.IDInText.FindAllStringSubmatch(sr.FullText(), -1)
		if len(ids) == 0 {
			errs = append(errs, fmt.Errorf("spec %q names no clause", sr.FullText()))
		}
		for _, m := range ids {
			if _, ok := cat.Clause(m[1]); !ok {
				errs = append(errs, fmt.Errorf("spec %q names %s, which the catalogue does not hold", sr.FullText(), m[1]))
			}
			named[m[1]] = true
		}
	}
	for _, cl := range cat.Clauses {
		if !named[cl.ID] {
			errs = append(errs, fmt.Errorf("clause %s (%s) has no spec", cl.ID, cl.Title))
		}
	}
	return errors.Join(errs...)
}
