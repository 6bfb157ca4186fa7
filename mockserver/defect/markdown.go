package defect

import (
	"bytes"
	"fmt"
	"strings"
)

//go:generate go run ./internal/gendoc ../../docs/DEFECTS.md

// Markdown is docs/DEFECTS.md: the registry as a table, with the words
// around it. The file is generated from it, never edited by hand
// (TestDocIsGenerated).
func Markdown() []byte {
	var b bytes.Buffer
	b.WriteString(`# The mock's defect switchboard

<!-- Generated from mockserver/defect by "go generate ./mockserver/defect"; edit the registry, not this file. -->

` + "`jtb mock --defect NAME`" + ` (repeatable) and ` + "`jtb check --defect NAME`" + ` (in-process mock) make the
reference mock break exactly one rule on purpose. They exist to prove the suite catches each one:
` + "`go test ./...`" + ` runs the whole suite against the mock once per defect and asserts that at least one
spec of a clause in the last column fails. ` + "`jtb mock --defect list`" + ` prints this table.

| defect | area | what the broken mock does | caught by |
| --- | --- | --- | --- |
`)
	for _, d := range All() {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", d.Name, d.Area, d.Description, strings.Join(d.Clauses, ", "))
	}
	return b.Bytes()
}
