package results

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/jobtobot/jtb/catalogue"
	"github.com/onsi/ginkgo/v2/types"
)

// Selection is what a run selects of the suite, in the terms Ginkgo's
// SuiteConfig takes: a label filter and focus regular expressions.
type Selection struct {
	// Suite is the description the suite runs under: Ginkgo matches the
	// focus against it and the spec's text together.
	Suite       string
	LabelFilter string   // a Ginkgo label filter; "" selects every spec
	Focus       []string // regular expressions, any of which may match; none: every spec
}

// ParseFocus reads a --focus expression: terms separated by commas, each
// either a clause ID (JTB-PAG-002: exactly that clause's specs; the
// catalogue must hold it) or a regular expression over the spec's full
// text, containers included ("cursor", "JTB-PAG" for a whole area, "(?i)idempotent").
// It returns the regular expressions Ginkgo's FocusStrings take.
func ParseFocus(expr string, cat *catalogue.Catalogue) ([]string, error) {
	var out []string
	for _, term := range strings.Split(expr, ",") {
		term = strings.TrimSpace(term)
		switch {
		case term == "":
			continue
		case clauseID.MatchString(term):
			if _, ok := cat.Clause(term); !ok {
				return nil, fmt.Errorf("--focus %s: the catalogue holds no such clause", term)
			}
			// The ID in brackets opens the leaf text of the clause's specs
			// only; bare, it could be the mention of a clause in another's.
			out = append(out, regexp.QuoteMeta("["+term+"]"))
		default:
			if _, err := regexp.Compile(term); err != nil {
				return nil, fmt.Errorf("--focus %q is neither a clause ID nor a regular expression: %v", term, err)
			}
			out = append(out, term)
		}
	}
	if len(out) == 0 && strings.TrimSpace(expr) != "" {
		return nil, fmt.Errorf("--focus %q names nothing", expr)
	}
	return out, nil
}

var clauseID = regexp.MustCompile(`^JTB-[A-Z]+-[0-9]{3}$`)

// Apply sets the selection on a Ginkgo suite configuration.
func (s Selection) Apply(cfg *types.SuiteConfig) {
	cfg.LabelFilter = s.LabelFilter
	cfg.FocusStrings = s.Focus
}

// Reasons returns a function that says why the selection leaves a spec
// out ("not selected by --label-filter", "... by --focus"), or "" when it
// selects the spec. It decides as Ginkgo does: the label filter over the
// spec's labels, the focus over the suite's description and the spec's
// full text. A filter that does not parse selects everything (the run
// refuses it before it gets here).
func (s Selection) Reasons() func(types.SpecReport) string {
	keep := func([]string) bool { return true }
	if s.LabelFilter != "" {
		if f, err := types.ParseLabelFilter(s.LabelFilter); err == nil {
			keep = f
		}
	}
	var focus *regexp.Regexp
	if len(s.Focus) > 0 {
		focus, _ = regexp.Compile(strings.Join(s.Focus, "|"))
	}
	return func(sr types.SpecReport) string {
		switch {
		case !keep(sr.Labels()):
			return "not selected by --label-filter"
		case focus != nil && !focus.MatchString(s.Suite+" "+sr.FullText()):
			return "not selected by --focus"
		}
		return ""
	}
}
