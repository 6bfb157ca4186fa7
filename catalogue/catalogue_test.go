package catalogue_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jobtobot/jtb"
	"github.com/jobtobot/jtb/catalogue"
)

func TestShippedCatalogueParses(t *testing.T) {
	c, err := catalogue.Parse(jtb.CatalogueSpec)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Clauses) < 40 {
		t.Errorf("got %d clauses, want the whole seed covered (>= 40)", len(c.Clauses))
	}
	for _, cl := range c.Clauses {
		if got, ok := c.Clause(cl.ID); !ok || got.ID != cl.ID {
			t.Errorf("Clause(%q) = %v, %v", cl.ID, got, ok)
		}
	}
}

// The seed quotes must be the seed's own words, so a reader can find them.
func TestSeedQuotesAreExact(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "seeds", "000_18f36165ed16d56d.txt")
	seed, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("seed page not beside the checkout (%v)", err)
	}
	c, err := catalogue.Parse(jtb.CatalogueSpec)
	if err != nil {
		t.Fatal(err)
	}
	for _, cl := range c.Clauses {
		for _, q := range cl.Seed {
			if !strings.Contains(string(seed), q) {
				t.Errorf("%s quotes %q, which is not in the seed", cl.ID, q)
			}
		}
	}
}

func TestParseRejectsBrokenCatalogues(t *testing.T) {
	const good = `  - id: JTB-PAG-001
    level: MUST
    area: PAG
    title: t
    seed: ["s"]
`
	tests := []struct {
		name, yaml string
	}{
		{"bad id", "clauses:\n  - {id: PAG-1, level: MUST, area: PAG, title: t, seed: [s]}\n"},
		{"area mismatch", "clauses:\n  - {id: JTB-PAG-001, level: MUST, area: BID, title: t, seed: [s]}\n"},
		{"unknown area", "clauses:\n  - {id: JTB-ZZZ-001, level: MUST, area: ZZZ, title: t, seed: [s]}\n"},
		{"bad level", "clauses:\n  - {id: JTB-PAG-001, level: MAY, area: PAG, title: t, seed: [s]}\n"},
		{"no level", "clauses:\n  - {id: JTB-PAG-001, area: PAG, title: t, seed: [s]}\n"},
		{"no title", "clauses:\n  - {id: JTB-PAG-001, level: MUST, area: PAG, seed: [s]}\n"},
		{"must without seed", "clauses:\n  - {id: JTB-PAG-001, level: MUST, area: PAG, title: t, reason: r}\n"},
		{"should without reason", "clauses:\n  - {id: JTB-PAG-001, level: SHOULD, area: PAG, title: t}\n"},
		{"duplicate", "clauses:\n" + good + good},
		{"unknown field", "clauses:\n  - {id: JTB-PAG-001, level: MUST, area: PAG, title: t, seed: [s], sede: x}\n"},
		{"empty", "clauses: []\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := catalogue.Parse([]byte(tt.yaml)); err == nil {
				t.Errorf("Parse accepted a catalogue with %s", tt.name)
			}
		})
	}
	if _, err := catalogue.Parse([]byte("clauses:\n" + good)); err != nil {
		t.Errorf("Parse refused a good catalogue: %v", err)
	}
}
