package explore

import (
	"testing"

	"github.com/jobtobot/jtb/mockserver"
)

func TestDefectsQuick(t *testing.T) {
	for _, d := range mockserver.Defects() {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			for _, strict := range []bool{true, false} {
				res := runBuiltin(t, []string{d.Name}, func(o *Options) { o.Strict = strict; o.Steps = 20000 })
				if res.Divergence == nil {
					t.Logf("%-30s strict=%v: NOT FOUND in %d steps", d.Name, strict, res.Steps)
					continue
				}
				t.Logf("%-30s strict=%v: %s after %d steps %.2fs, %d-step reproduction: %s", d.Name, strict, res.Divergence.Clause, res.FirstDivergence.Steps, res.FirstDivergence.Seconds, len(res.Divergence.Steps), res.Divergence.What)
			}
		})
	}
}
