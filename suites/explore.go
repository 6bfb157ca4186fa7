package suites

import (
	"fmt"

	"github.com/jobtobot/jtb/suites/results"
	. "github.com/onsi/ginkgo/v2"
)

// exploreSpecs is the phase of jtb check --explore, one spec in the run's
// order (it creates tasks of its own and moves only their time, so where it
// runs does not matter to the others): the explorer
// (package explore, wired in by the command as Env.Explore) runs random
// programs against the target and the reference model. Without --explore
// the spec is not registered (CheckCoverage knows).
func (s *specs) exploreSpecs() {
	Describe("Exploration", func() {
		s.with("random programs against the reference model", needs(NeedControl, NeedWrites, NeedClock), func() {
			s.it("JTB-EXP-001", "programs drawn at random find no divergence from the reference model", func() {
				out, err := s.env.Explore(s.env.spec.get())
				if err != nil {
					setupFailed("the explorer could not explore the target", nil, s.env.Redactor().String(err.Error()))
				}
				AddReportEntry("jtb-explore", out.Summary, ReportEntryVisibilityAlways)
				if out.Clause == "" {
					return
				}
				// The divergence counts under the clause it breaks too: a
				// MUST one fails the run as a failing spec of it would.
				record(results.Finding{Clause: out.Clause, Reason: "jtb explore (JTB-EXP-001): " + out.What})
				Fail(results.Cut(s.env.Redactor().String(fmt.Sprintf("%s: %s (%s)\n%s", out.Clause, out.What, out.Summary, out.Reproduction)), results.MaxText))
			}, Serial)
		})
	})
}
