package mockserver

import "github.com/jobtobot/jtb/mockserver/defect"

// Defect is one rule the mock can break on purpose; the registry is package
// defect, and docs/DEFECTS.md is generated from it.
type Defect = defect.Defect

// Defects is the registry in its order: what Options.Defects accepts.
func Defects() []Defect { return defect.All() }
