package main

import (
	"fmt"
	"io"
)

// runPDQG is a placeholder until its issue lands.
func runPDQG(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "jtb pdqg: not implemented yet")
	return exitConfig
}
