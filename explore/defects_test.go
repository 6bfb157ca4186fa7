package explore

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/jobtobot/jtb"
	"github.com/jobtobot/jtb/catalogue"
	"github.com/jobtobot/jtb/mockserver"
)

// defectClauses is, for each defect of the mock, the clauses a divergence
// found by exploring it may name (the first is the one it usually names):
// explore finds a defect where a program first trips on it, which is not
// always the clause the suite's spec is written for (a blank delivery by an
// agent that is not the assignee trips the check order first). A defect
// missing here fails the test.
var defectClauses = map[string][]string{
	"auth-accept-any-key":          {"JTB-AUTH-002"},
	"auth-missing-is-403":          {"JTB-AUTH-002"},
	"auth-no-www-authenticate":     {"JTB-AUTH-003"},
	"envelope-no-ok":               {"JTB-ENV-001"},
	"envelope-text-errors":         {"JTB-ENV-001", "JTB-ENV-003"},
	"error-code-lowercase":         {"JTB-ENV-004"},
	"order-400-before-404":         {"JTB-ENV-005"},
	"body-limit-missing":           {"JTB-ENV-006"},
	"pag-limit-unbounded":          {"JTB-PAG-005"},
	"pag-default-limit-50":         {"JTB-PAG-004"},
	"pag-offset-cursor":            {"JTB-PAG-010", "JTB-PAG-002"},
	"pag-next-cursor-on-last-page": {"JTB-PAG-008"},
	"pag-lists-claimed":            {"JTB-PAG-001"},
	"pag-oldest-first":             {"JTB-PAG-006"},
	"pag-category-first-page-only": {"JTB-PAG-003"},
	"pag-bad-cursor-restarts":      {"JTB-PAG-007"},
	"price-as-number":              {"JTB-PAG-011"},
	"bid-double-allowed":           {"JTB-BID-003"},
	"bid-on-claimed-allowed":       {"JTB-BID-003"},
	"bid-nonpositive-price":        {"JTB-BID-004", "JTB-ENV-005"},
	"bid-returns-200":              {"JTB-BID-002"},
	"bid-race-double":              {"JTB-BID-003"},
	"idem-ignored":                 {"JTB-IDEM-001", "JTB-IDEM-005"},
	"idem-no-replay-header":        {"JTB-IDEM-002"},
	"idem-reuse-allowed":           {"JTB-IDEM-003"},
	"idem-global-scope":            {"JTB-IDEM-004"},
	"pdqg-040-rejected":            {"JTB-DLV-002", "JTB-DLV-009", "JTB-DLV-010"},
	"pdqg-065-pass":                {"JTB-DLV-003", "JTB-DLV-009"},
	"deliver-twice-allowed":        {"JTB-DLV-007"},
	"deliver-by-other-agent":       {"JTB-DLV-006"},
	"deliver-empty-scored":         {"JTB-DLV-008", "JTB-ENV-005"},
	"resubmit-twice":               {"JTB-RSB-002"},
	"resubmit-no-deadline":         {"JTB-RSB-003", "JTB-PRG-003"},
	"resubmit-fail-stays-failed":   {"JTB-RSB-004"},
	"resubmit-no-deadline-field":   {"JTB-RSB-006"},
	"traces-newest-first":          {"JTB-TRC-002"},
	"traces-metadata-dropped":      {"JTB-PRG-001", "JTB-TRC-001"},
	"traces-visible-to-others":     {"JTB-TRC-003"},
	"progress-after-delivery":      {"JTB-PRG-003"},
	"progress-by-other-agent":      {"JTB-PRG-006"},
}

// mustToo are the SHOULD defects that break a MUST clause as well, so that
// exploring them without --strict may diverge: the key reused with another
// body replaces the stored answer, and the first body's replay then acts
// again (JTB-IDEM-001).
var mustToo = map[string]string{"idem-reuse-allowed": "JTB-IDEM-001"}

// handful is the most steps a reproduction of one broken rule may take: a
// task, a bid, its acceptance, a delivery, the clock, the resubmit. Telling
// two bands apart without --strict takes two deliveries, so a band clash
// gets twoBands.
const (
	handful  = 7
	twoBands = 10
)

// TestEveryDefectIsFound explores the mock once per defect, seed 1, with a
// step budget: with --strict each defect diverges under one of its clauses
// and shrinks to a handful of steps; without it, a defect of a MUST clause
// diverges too and one of a SHOULD clause leaves only warnings. -short runs
// the --strict form alone. The log is docs/EXPLORE.md's table.
func TestEveryDefectIsFound(t *testing.T) {
	cat, err := catalogue.Parse(jtb.CatalogueSpec)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range mockserver.Defects() {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			clauses, ok := defectClauses[d.Name]
			if !ok {
				t.Fatalf("no clauses for %s in defectClauses: explore it and add its row", d.Name)
			}
			cl, _ := cat.Clause(clauses[0])
			strict := runBuiltin(t, []string{d.Name}, func(o *Options) { o.Strict, o.Steps = true, 5000 })
			row := check(t, d.Name, clauses, strict, handful)
			if testing.Short() || strict.Divergence == nil {
				t.Log(row)
				return
			}
			if cl.Level == catalogue.Must {
				plain := runBuiltin(t, []string{d.Name}, func(o *Options) { o.Steps = 5000 })
				t.Log(row + " | " + check(t, d.Name, clauses, plain, twoBands))
				return
			}
			// A SHOULD defect: as far again as --strict needed to trip on
			// it, and it is only ever a warning.
			plain := runBuiltin(t, []string{d.Name}, func(o *Options) { o.Steps = max(500, 2*strict.FirstDivergence.Steps) })
			warned := slices.ContainsFunc(plain.Warnings, func(w Warning) bool { return w.Clause == strict.Divergence.Clause })
			switch {
			case plain.Divergence != nil && plain.Divergence.Clause == mustToo[d.Name]:
			case plain.Divergence != nil:
				t.Errorf("%s breaks a SHOULD clause, yet diverged without --strict: %s %s", d.Name, plain.Divergence.Clause, plain.Divergence.What)
			case !warned:
				t.Errorf("%s: no warning of %s without --strict: %+v", d.Name, strict.Divergence.Clause, plain.Warnings)
			}
			t.Log(row + " | warnings only")
		})
	}
}

func check(t *testing.T, name string, clauses []string, res *Result, most int) string {
	t.Helper()
	d := res.Divergence
	switch {
	case d == nil:
		t.Errorf("%s: no divergence in %d steps (strict %v)", name, res.Steps, res.Strict)
		return "not found"
	case !slices.Contains(clauses, d.Clause):
		t.Errorf("%s: diverged under %s (%s), want one of %v\n%s", name, d.Clause, d.What, clauses, printed(res))
	case len(d.Steps) > most && (!slices.Contains([]string{"JTB-DLV-002", "JTB-DLV-003", "JTB-DLV-004"}, d.Clause) || len(d.Steps) > twoBands):
		t.Errorf("%s: a reproduction of %d steps, more than a handful (%d)\n%s", name, len(d.Steps), most, printed(res))
	}
	return fmt.Sprintf("%s | %s | %d | %.2f | %d", name, d.Clause, res.FirstDivergence.Steps, res.FirstDivergence.Seconds, len(d.Steps))
}

// The table in docs/EXPLORE.md lists every defect.
func TestDocListsEveryDefect(t *testing.T) {
	doc := readDoc(t)
	for _, d := range mockserver.Defects() {
		if !strings.Contains(doc, "| `"+d.Name+"` |") {
			t.Errorf("docs/EXPLORE.md has no row for %s", d.Name)
		}
	}
}

func readDoc(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../docs/EXPLORE.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// The race of bid-race-double shows only when two bids of one agent arrive
// together: the concurrent groups find it (and the reproduction keeps its
// group), and with them turned off nothing diverges.
func TestRaceIsFoundByConcurrentGroupsOnly(t *testing.T) {
	res := runBuiltin(t, []string{"bid-race-double"}, func(o *Options) { o.Steps = 3000 })
	if res.Divergence == nil || res.Divergence.Clause != "JTB-BID-003" {
		t.Fatalf("the race was not found: %+v\n%s", res.Divergence, printed(res))
	}
	if !slices.ContainsFunc(res.Divergence.Program.Steps, func(s Step) bool { return s.Op == OpGroup && s.Race == "bids" }) {
		t.Errorf("the reproduction has no group of racing bids:\n%s", printed(res))
	}
	serial := runBuiltin(t, []string{"bid-race-double"}, func(o *Options) { o.Steps, o.Serial = 1000, true })
	if serial.Divergence != nil {
		t.Fatalf("with no concurrent groups the race diverged:\n%s", printed(serial))
	}
	if bids := serial.Coverage.Cells["open bid"]; bids < 50 {
		t.Errorf("the serial run placed only %d bids on open tasks: not a fair try", bids)
	}
}
