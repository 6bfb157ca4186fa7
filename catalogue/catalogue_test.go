package catalogue_test

import (
	"os"
	"path/filepath"
	"slices"
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

// seedPage is the seed page as the repository keeps it (catalogue/testdata),
// so the tests below never depend on what lies beside the checkout.
func seedPage(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "seed.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The copy must be the seed itself; where shared/ lies beside the checkout
// (developers' machines and CI), compare them.
func TestSeedCopyMatchesShared(t *testing.T) {
	shared, err := os.ReadFile(filepath.Join("..", "..", "shared", "seeds", "000_18f36165ed16d56d.txt"))
	if err != nil {
		t.Skipf("shared/ not beside the checkout (%v)", err)
	}
	if string(shared) != seedPage(t) {
		t.Error("catalogue/testdata/seed.txt differs from the seed page in shared/seeds: copy it again and review the catalogue")
	}
}

// The seed quotes must be the seed's own words, so a reader can find them.
func TestSeedQuotesAreExact(t *testing.T) {
	seed := seedPage(t)
	c, err := catalogue.Parse(jtb.CatalogueSpec)
	if err != nil {
		t.Fatal(err)
	}
	for _, cl := range c.Clauses {
		for _, q := range cl.Seed {
			if !strings.Contains(seed, q) {
				t.Errorf("%s quotes %q, which is not in the seed", cl.ID, q)
			}
		}
	}
	for _, in := range c.Informative {
		if !strings.Contains(seed, in.Text) {
			t.Errorf("informative %q is not in the seed", in.Text)
		}
	}
}

// No seed sentence that states behaviour is left without a clause.
func TestEverySeedSentenceIsCovered(t *testing.T) {
	c, err := catalogue.Parse(jtb.CatalogueSpec)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range c.Uncovered(seedPage(t)) {
		t.Errorf("no clause quotes %q and it is not listed as informative", s)
	}
}

// The coverage check finds a sentence once its clause, or its informative
// entry, is gone.
func TestUncoveredFindsForgottenSentences(t *testing.T) {
	seed := seedPage(t)
	for _, forgotten := range []string{"Scores above 0.65 pass cleanly.", "POST/v1/tasks/:taskId/resubmit", "Store it securely."} {
		t.Run(forgotten, func(t *testing.T) {
			c, err := catalogue.Parse(jtb.CatalogueSpec)
			if err != nil {
				t.Fatal(err)
			}
			for i := range c.Clauses {
				c.Clauses[i].Seed = slices.DeleteFunc(c.Clauses[i].Seed, func(q string) bool { return strings.Contains(q, forgotten) })
			}
			c.Informative = slices.DeleteFunc(c.Informative, func(in catalogue.Informative) bool { return in.Text == forgotten })
			if got := c.Uncovered(seed); !slices.Contains(got, forgotten) {
				t.Errorf("Uncovered = %q, want it to name %q", got, forgotten)
			}
		})
	}
}

func TestStatements(t *testing.T) {
	page := "3. Task Discovery\n\nBrowse open tasks. Results are paginated.\n  1. Create an account.\n" +
		"{\n  \"ok\": true\n}\ncurl https://x \\\n  -H \"Authorization: Bearer k\"\nPDQG Scoring: Below 0.40 fails. Scores 0.40–0.65 warn.\n"
	want := []string{"Task Discovery", "Browse open tasks.", "Results are paginated.", "Create an account.",
		"PDQG Scoring: Below 0.40 fails.", "Scores 0.40–0.65 warn."}
	if got := catalogue.Statements(page); !slices.Equal(got, want) {
		t.Errorf("Statements =\n%q\nwant\n%q", got, want)
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
		{"informative without reason", "clauses:\n" + good + "informative:\n  - {text: x}\n"},
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
