package cli

import (
	"flag"
	"fmt"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// subsetPlan cuts the plan down to --tables (and what their relationship rules
// read), saying which tables were added and why. With --full-refresh, only the
// tables named are reset: a table added for a relationship runs as it would anyway.
func subsetPlan(plan *spec.Plan, a applyArgs, s streams) (*spec.Plan, []string, int) {
	names := a.tableNames
	if names == nil {
		return plan, nil, ExitOK
	}
	sub, needed, err := engine.Subset(plan, names)
	if err != nil {
		fmt.Fprintf(s.err, "ecomrun apply: --tables: %v\n", err)
		return nil, nil, ExitUsage
	}
	for _, n := range needed {
		fmt.Fprintf(s.err, "ecomrun apply: also running %s: %s.%s reads it\n", n.Table, n.By, n.Rule)
	}
	return sub, names, ExitOK
}

// tablesFlag reads a --tables value: nil when the flag is not given, an error when
// it is given but names no table (an empty --tables is a mistake, not "all").
func tablesFlag(fs *flag.FlagSet, value string) ([]string, error) {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "tables" })
	if !given {
		return nil, nil
	}
	var names []string
	for _, n := range strings.Split(value, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("--tables names no table: name some, e.g. --tables orders,users, or leave the flag out for every table")
	}
	return names, nil
}
