package version_test

import (
	"fmt"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/jobtobot/jtb"
	"github.com/jobtobot/jtb/catalogue"
	"github.com/jobtobot/jtb/internal/version"
)

func build(main string, settings ...string) *debug.BuildInfo {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/jobtobot/jtb", Version: main}}
	for i := 0; i+1 < len(settings); i += 2 {
		bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
	}
	return bi
}

func TestFromBuild(t *testing.T) {
	const rev = "2b31bce1d2a4f00f1b2c3d4e5f60718293a4b5c6"
	tests := []struct {
		name      string
		bi        *debug.BuildInfo
		short     string
		revisionL string // what the revision line of jtb version says
	}{
		{"go install of a tag", build("v1.2.3"), "v1.2.3", "none stamped"},
		{"a checkout without a VCS stamp", build("(devel)"), "(devel)", "none stamped"},
		{"a clean checkout", build("(devel)", "vcs.revision", rev, "vcs.time", "2026-12-01T10:00:00Z", "vcs.modified", "false"),
			"(devel) 2b31bce1d2a4", rev + " (2026-12-01T10:00:00Z)"},
		{"a dirty checkout", build("(devel)", "vcs.revision", rev, "vcs.modified", "true"),
			"(devel) 2b31bce1d2a4+dirty", rev + " (modified: built with uncommitted changes)"},
		// Go 1.24+ derives a pseudo-version from the checkout; the revision is in it already.
		{"a pseudo-version", build("v0.0.0-20261201100000-2b31bce1d2a4+dirty", "vcs.revision", rev, "vcs.modified", "true"),
			"v0.0.0-20261201100000-2b31bce1d2a4+dirty", rev},
		{"no build info", nil, version.Unknown, "none stamped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := version.FromBuild(tt.bi)
			if got := info.Short(); got != tt.short {
				t.Errorf("Short() = %q, want %q", got, tt.short)
			}
			lines := strings.Join(info.Lines(), "\n")
			if !strings.Contains(lines, "revision   "+tt.revisionL) {
				t.Errorf("jtb version does not say revision %q:\n%s", tt.revisionL, lines)
			}
		})
	}
}

// The catalogue's digest and clause count are those of the embedded
// catalogue.yaml; another catalogue's replace them.
func TestCatalogueDigest(t *testing.T) {
	cat, err := catalogue.Parse(jtb.CatalogueSpec)
	if err != nil {
		t.Fatal(err)
	}
	info := version.FromBuild(nil)
	if info.Catalogue.Clauses != len(cat.Clauses) || info.Catalogue.Clauses == 0 {
		t.Errorf("catalogue clauses = %d, want %d", info.Catalogue.Clauses, len(cat.Clauses))
	}
	if len(info.Catalogue.SHA256) != 12 || info.Catalogue.SHA256 != version.Sum(jtb.CatalogueSpec) {
		t.Errorf("catalogue digest %q", info.Catalogue.SHA256)
	}
	edited := append([]byte("# edited\n"), jtb.CatalogueSpec...)
	other := info.WithCatalogue("mine.yaml", edited, 3)
	if other.Catalogue.SHA256 == info.Catalogue.SHA256 || other.Catalogue.Clauses != 3 || other.Catalogue.File != "mine.yaml" {
		t.Errorf("WithCatalogue: %+v", other.Catalogue)
	}
	if info.AgentAPI.SHA256 == info.ControlAPI.SHA256 {
		t.Error("the two contract documents have one digest")
	}
}

func ExampleSum() {
	fmt.Println(version.Sum([]byte("clauses: []\n")))
	// Output: e340284152ac
}
