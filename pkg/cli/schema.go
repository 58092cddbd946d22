package cli

import (
	"context"
	"fmt"

	"github.com/ecomrun/ecomrun/schema"
)

// runSchema prints the embedded JSON Schema, for editors and other tools.
func runSchema(ctx context.Context, args []string, s streams) int {
	fs := newFlags("schema", "", s)
	if _, err := parse(fs, args); err != nil {
		return parseExit(err)
	}
	s.out.Write(schema.Pipeline)
	return ExitOK
}

func runVersion(ctx context.Context, args []string, s streams) int {
	fmt.Fprintln(s.out, "ecomrun", Version)
	return ExitOK
}
