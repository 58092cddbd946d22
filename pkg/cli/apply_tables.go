package cli

import (
	"fmt"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// subsetPlan cuts the plan down to --tables (and what their relationship rules
// read), saying which tables were added and why. With --full-refresh, only the
// tables named are reset: a table added for a relationship runs as it would anyway.
func subsetPlan(plan *spec.Plan, a applyArgs, s streams) (*spec.Plan, []string, int) {
	if a.tables == "" {
		return plan, nil, ExitOK
	}
	names := strings.Split(a.tables, ",")
	for i := range names {
		names[i] = strings.TrimSpace(names[i])
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
