package cli

import (
	"context"
	"fmt"

	"github.com/ecomrun/ecomrun/pkg/spec"
)

// runSchema prints the spec's JSON Schema (spec.Schema: the embedded file with
// the registered kinds' parts), for editors and other tools.
func runSchema(ctx context.Context, args []string, s streams) int {
	fs := newFlags("schema", "", s)
	rest, err := parse(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if len(rest) > 0 {
		fmt.Fprintf(s.err, "ecomrun schema: takes no arguments (got %q)\n", rest[0])
		return ExitUsage
	}
	s.out.Write(spec.Schema())
	return ExitOK
}

func runVersion(ctx context.Context, args []string, s streams) int {
	fmt.Fprintln(s.out, "ecomrun", Version)
	return ExitOK
}
