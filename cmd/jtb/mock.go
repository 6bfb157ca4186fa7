package main

import (
	"context"
	"fmt"
	"io"
)

// runMock is a placeholder until its issue lands.
func runMock(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "jtb mock: not implemented yet")
	return exitConfig
}
