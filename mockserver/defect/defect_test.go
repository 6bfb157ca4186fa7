package defect

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jobtobot/jtb"
	"github.com/jobtobot/jtb/catalogue"
)

// TestDocIsGenerated fails when docs/DEFECTS.md is not what the registry
// generates, so the doc cannot drift from the code.
func TestDocIsGenerated(t *testing.T) {
	got, err := os.ReadFile("../../docs/DEFECTS.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, Markdown()) {
		t.Fatal("docs/DEFECTS.md is stale: run go generate ./mockserver/defect")
	}
}

var namePattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)+$`)

// TestRegistry checks each row: a unique kebab-case name, a one-line
// description, and clauses that the catalogue holds, of the defect's area.
func TestRegistry(t *testing.T) {
	cat, err := catalogue.Parse(jtb.CatalogueSpec)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, d := range All() {
		switch {
		case !namePattern.MatchString(d.Name):
			t.Errorf("%q: not a kebab-case name", d.Name)
		case seen[d.Name]:
			t.Errorf("%s: listed twice", d.Name)
		case d.Description == "" || strings.ContainsAny(d.Description, "|\n"):
			t.Errorf("%s: the description must be one line without |", d.Name)
		case len(d.Clauses) == 0:
			t.Errorf("%s: no clause is named to catch it", d.Name)
		}
		seen[d.Name] = true
		for _, id := range d.Clauses {
			cl, ok := cat.Clause(id)
			switch {
			case !ok:
				t.Errorf("%s: clause %s is not in catalogue.yaml", d.Name, id)
			case cl.AreaLabel() != d.Area:
				t.Errorf("%s: area %s, but clause %s is of %s", d.Name, d.Area, id, cl.AreaLabel())
			}
		}
	}
}

func TestParse(t *testing.T) {
	var names []string
	for _, d := range All() {
		names = append(names, d.Name)
	}
	set, err := Parse(names)
	if err != nil || len(set) != len(names) {
		t.Fatalf("Parse(every name) = %d defects, %v", len(set), err)
	}
	for _, tc := range []struct {
		names []string
		want  string // "" means no error
	}{
		{nil, ""},
		{[]string{PagOldestFirst, PagOldestFirst}, ""},
		{[]string{"nope"}, `unknown defect "nope"`},
		{[]string{PagOldestFirst, "Pag-Oldest-First"}, `unknown defect "Pag-Oldest-First"`},
	} {
		set, err := Parse(tc.names)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("Parse(%q): %v", tc.names, err)
		case tc.want == "" && len(tc.names) > 0 && !set.Has(tc.names[0]):
			t.Errorf("Parse(%q) lacks %s", tc.names, tc.names[0])
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("Parse(%q): error %v, want %q", tc.names, err, tc.want)
		}
	}
	if Set(nil).Has(PagOldestFirst) {
		t.Error("a nil set has a defect on")
	}
}
