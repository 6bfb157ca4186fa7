package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/jobtobot/jtb/internal/version"
)

// runVersion prints what this binary is: its version and VCS revision, the
// Go that built it, and the catalogue and contract it judges by.
func runVersion(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("jtb version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the version as one JSON object")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitConfig
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "jtb version: unexpected arguments: %v\n", fs.Args())
		return exitConfig
	}
	info := version.Read()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(info); err != nil {
			fmt.Fprintf(stderr, "jtb version: %v\n", err)
			return exitConfig
		}
		return exitOK
	}
	fmt.Fprintln(stdout, strings.Join(info.Lines(), "\n"))
	return exitOK
}
