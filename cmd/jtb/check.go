package main

import (
	"context"
	"fmt"
	"io"
)

// runCheck is a placeholder until its issue lands.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "jtb check: not implemented yet")
	return exitConfig
}
