package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// Needed is a table a subset run adds because a chosen table's relationship rule
// reads it, and the rule that does.
type Needed struct {
	Table, By, Rule string
}

// Subset returns the plan cut down to the named tables and, transitively, the tables
// their enabled relationship rules read (a relationship is checked against the
// referenced table as this run loads it). Stages keep their ids and edges; the
// stages of the other tables are left out, so the run reads, writes and records
// nothing of them: their warehouse tables, quarantine, state and sink outputs stay
// as they are. The spec itself is shared, not copied.
func Subset(plan *spec.Plan, names []string) (*spec.Plan, []Needed, error) {
	keep := map[string]bool{}
	var needed []Needed
	queue := []string{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if plan.Table(n) == nil {
			return nil, nil, fmt.Errorf("%q is not a table of this spec (it has %s)", n, strings.Join(tableNames(plan), ", "))
		}
		if !keep[n] {
			keep[n] = true
			queue = append(queue, n)
		}
	}
	for len(queue) > 0 {
		t := plan.Table(queue[0])
		queue = queue[1:]
		for _, r := range t.Rules {
			to, _, _ := strings.Cut(r.To, ".")
			if r.Check != rules.Relationship || to == t.Name || keep[to] || plan.Table(to) == nil {
				continue
			}
			keep[to] = true
			needed = append(needed, Needed{Table: to, By: t.Name, Rule: r.Name})
			queue = append(queue, to)
		}
	}
	sub := &spec.Plan{Spec: plan.Spec}
	for _, t := range plan.Tables {
		if keep[t.Name] {
			sub.Tables = append(sub.Tables, t)
		}
	}
	for _, s := range plan.Stages {
		if keep[s.Table] {
			s.DependsOn = slices.Clone(s.DependsOn)
			sub.Stages = append(sub.Stages, s)
		}
	}
	return sub, needed, nil
}

func tableNames(plan *spec.Plan) []string {
	names := make([]string, len(plan.Tables))
	for i, t := range plan.Tables {
		names[i] = t.Name
	}
	return names
}
