// Command gendoc writes docs/DEFECTS.md from the defect registry; go
// generate runs it (see markdown.go).
package main

import (
	"fmt"
	"os"

	"github.com/jobtobot/jtb/mockserver/defect"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gendoc FILE")
		os.Exit(2)
	}
	if err := os.WriteFile(os.Args[1], defect.Markdown(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gendoc:", err)
		os.Exit(1)
	}
}
