// Package dag is a small directed acyclic graph of named nodes and a concurrent
// walker over it: a node runs once everything it depends on has succeeded.
package dag

import (
	"fmt"
	"slices"
	"strings"
)

// Graph is a set of nodes and their dependencies, in insertion order.
type Graph struct {
	order  []string
	deps   map[string][]string
	weight map[string]int64
}

// New returns an empty graph.
func New() *Graph { return &Graph{deps: map[string][]string{}, weight: map[string]int64{}} }

// Weigh gives a node a weight, the work it stands for (0 unless set). Of the
// nodes ready to run, Walk starts first the one heading the heaviest chain of
// nodes still to come (its weight plus the heaviest of its dependents' chains);
// equals in insertion order. So the longest chain starts at once instead of last.
func (g *Graph) Weigh(id string, weight int64) { g.weight[id] = weight }

// Add adds a node; adding it again is a no-op.
func (g *Graph) Add(id string) {
	if _, ok := g.deps[id]; !ok {
		g.deps[id] = nil
		g.order = append(g.order, id)
	}
}

// Connect makes node wait for dependency; both must have been added.
func (g *Graph) Connect(node, dependency string) error {
	for _, id := range []string{node, dependency} {
		if _, ok := g.deps[id]; !ok {
			return fmt.Errorf("dag: unknown node %q", id)
		}
	}
	if !slices.Contains(g.deps[node], dependency) {
		g.deps[node] = append(g.deps[node], dependency)
	}
	return nil
}

// dependents lists, per node, the nodes that wait for it, in insertion order.
func (g *Graph) dependents() map[string][]string {
	dependents := map[string][]string{}
	for _, id := range g.order {
		for _, d := range g.deps[id] {
			dependents[d] = append(dependents[d], id)
		}
	}
	return dependents
}

// chains is each node's weight plus the heaviest chain of the nodes that wait for
// it (dependents, as g.dependents gives them).
func (g *Graph) chains(dependents map[string][]string) map[string]int64 {
	chain := map[string]int64{}
	var walk func(id string) int64
	walk = func(id string) int64 {
		if c, ok := chain[id]; ok {
			return c
		}
		var longest int64
		for _, next := range dependents[id] {
			longest = max(longest, walk(next))
		}
		chain[id] = g.weight[id] + longest
		return chain[id]
	}
	for _, id := range g.order {
		walk(id)
	}
	return chain
}

// Nodes lists the nodes in insertion order.
func (g *Graph) Nodes() []string { return slices.Clone(g.order) }

// DependsOn lists what a node waits for.
func (g *Graph) DependsOn(id string) []string { return slices.Clone(g.deps[id]) }

// Validate reports the first cycle, found deterministically in insertion order, as
// "a -> b -> a".
func (g *Graph) Validate() error {
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(id string) error
	visit = func(id string) error {
		switch state[id] {
		case onPath:
			start := slices.Index(path, id)
			return fmt.Errorf("dag: cycle: %s", strings.Join(append(slices.Clone(path[start:]), id), " -> "))
		case done:
			return nil
		}
		state[id] = onPath
		path = append(path, id)
		for _, d := range g.deps[id] {
			if err := visit(d); err != nil {
				return err
			}
		}
		path = path[:len(path)-1]
		state[id] = done
		return nil
	}
	for _, id := range g.order {
		if err := visit(id); err != nil {
			return err
		}
	}
	return nil
}
