// Package version says what a jtb binary is: its module version and VCS
// revision from the build info, the Go that built it, and digests of the
// catalogue and the contract it embeds. `jtb version` prints it and every
// report of `jtb check` records it, so a result can be traced to the exact
// rules it was judged by.
package version

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/jobtobot/jtb"
	"github.com/jobtobot/jtb/catalogue"
)

// Info is what a binary is.
type Info struct {
	Module string `json:"module"` // github.com/jobtobot/jtb
	// Version is the module version: a tag (go install ...@v1.2.3), a
	// pseudo-version the go command derived from the checkout, or (devel).
	Version string `json:"version"`
	// Revision, RevisionTime and Modified are the VCS stamp of a binary built
	// in a git clone (go build -buildvcs=true); empty when none was stamped.
	Revision     string `json:"revision,omitempty"`
	RevisionTime string `json:"revisionTime,omitempty"`
	Modified     bool   `json:"modified,omitempty"`
	Go           string `json:"go"`       // go1.26.8
	Platform     string `json:"platform"` // linux/amd64
	// Catalogue is the clause catalogue a run judges by; a run with
	// --catalogue FILE records that file instead of the embedded one.
	Catalogue  Digest `json:"catalogue"`
	AgentAPI   Digest `json:"agentApi"`
	ControlAPI Digest `json:"controlApi"`
}

// Digest names a document and a short hash of its bytes.
type Digest struct {
	File    string `json:"file"`
	SHA256  string `json:"sha256"`            // the first 12 hex digits
	Clauses int    `json:"clauses,omitempty"` // the catalogue's only
}

// Unknown is the version of a binary without build info.
const Unknown = "(unknown)"

// Read is the running binary's Info, with the embedded documents.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return FromBuild(bi)
}

// FromBuild is the Info of a binary with this build info (nil: none), with
// the embedded documents.
func FromBuild(bi *debug.BuildInfo) Info {
	info := Info{Module: "github.com/jobtobot/jtb", Version: Unknown, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		if bi.Main.Path != "" {
			info.Module = bi.Main.Path
		}
		if bi.Main.Version != "" {
			info.Version = bi.Main.Version
		}
		if bi.GoVersion != "" {
			info.Go = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Revision = s.Value
			case "vcs.time":
				info.RevisionTime = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	n := 0
	if cat, err := catalogue.Parse(jtb.CatalogueSpec); err == nil {
		n = len(cat.Clauses)
	}
	info.Catalogue = Digest{File: "catalogue.yaml", SHA256: Sum(jtb.CatalogueSpec), Clauses: n}
	info.AgentAPI = Digest{File: "openapi.yaml", SHA256: Sum(jtb.AgentAPISpec())}
	info.ControlAPI = Digest{File: "control-api.yaml", SHA256: Sum(jtb.ControlAPISpec())}
	return info
}

// WithCatalogue is info judging by another catalogue: its file, bytes and
// number of clauses.
func (info Info) WithCatalogue(file string, data []byte, clauses int) Info {
	info.Catalogue = Digest{File: file, SHA256: Sum(data), Clauses: clauses}
	return info
}

// Sum is the short hash of a document: the first 12 hex digits of its
// SHA-256, as a git short hash is, enough to tell versions apart.
func Sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])[:12]
}

// Short is the version in one phrase: "(devel) 2b31bce1d2a4+dirty", "v1.2.3".
func (info Info) Short() string {
	s := info.Version
	if info.Revision != "" && !strings.Contains(info.Version, shortRev(info.Revision)) {
		s += " " + shortRev(info.Revision)
		if info.Modified {
			s += "+dirty"
		}
	}
	return s
}

func shortRev(rev string) string { return rev[:min(12, len(rev))] }

// String is the whole Info on one line, as reports head their text.
func (info Info) String() string {
	return fmt.Sprintf("jtb %s, %s %s, %s", info.Short(), info.Go, info.Platform, info.Catalogue)
}

func (d Digest) String() string {
	if d.Clauses > 0 {
		return fmt.Sprintf("%s %d clauses sha256:%s", d.File, d.Clauses, d.SHA256)
	}
	return fmt.Sprintf("%s sha256:%s", d.File, d.SHA256)
}

// Lines is what `jtb version` prints.
func (info Info) Lines() []string {
	rev := "none stamped (build in a git clone with go build -buildvcs=true, or go install " + info.Module + "/cmd/jtb@VERSION)"
	if info.Revision != "" {
		rev = info.Revision
		var notes []string
		if info.RevisionTime != "" {
			notes = append(notes, info.RevisionTime)
		}
		if info.Modified {
			notes = append(notes, "modified: built with uncommitted changes")
		}
		if len(notes) > 0 {
			rev += " (" + strings.Join(notes, ", ") + ")"
		}
	}
	return []string{
		"jtb " + info.Version,
		"module     " + info.Module,
		"revision   " + rev,
		"go         " + info.Go + " " + info.Platform,
		fmt.Sprintf("catalogue  %d clauses, sha256:%s (%s)", info.Catalogue.Clauses, info.Catalogue.SHA256, info.Catalogue.File),
		fmt.Sprintf("contract   %s sha256:%s, %s sha256:%s", info.AgentAPI.File, info.AgentAPI.SHA256, info.ControlAPI.File, info.ControlAPI.SHA256),
	}
}
