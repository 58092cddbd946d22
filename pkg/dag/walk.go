package dag

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
)

// Status is how a node ended.
type Status string

const (
	Succeeded Status = "ok"
	Failed    Status = "failed"
	// Skipped nodes did not run because a node they depend on failed.
	Skipped Status = "skipped"
	// Canceled nodes were stopped or never started because the walk's context ended.
	Canceled Status = "canceled"
)

// Outcome is a node's end.
type Outcome struct {
	Status Status
	Err    error
	// Cause names the failed node a skipped node waited for, so a failure is
	// reported once and not again by everything downstream of it.
	Cause string
}

// Walk runs every node once all its dependencies succeeded, at most parallelism at
// a time (values below 1 mean 1), the ready node heading the heaviest chain first
// (Weigh). A failed node skips only what depends on it; the rest of the graph goes
// on. When ctx ends, running nodes see it and nodes not yet started are marked
// Canceled. The graph must be valid (see Validate).
func Walk(ctx context.Context, g *Graph, parallelism int, run func(ctx context.Context, id string) error) map[string]Outcome {
	parallelism = max(parallelism, 1)
	waiting := map[string]int{}
	for _, id := range g.order {
		waiting[id] = len(g.deps[id])
	}
	dependents := g.dependents()

	type done struct {
		id  string
		err error
	}
	finished := make(chan done, len(g.order))
	outcomes := make(map[string]Outcome, len(g.order))
	var ready []string
	for _, id := range g.order {
		if waiting[id] == 0 {
			ready = append(ready, id)
		}
	}

	// settle records a node's end and frees or skips what waits for it.
	var settle func(id string, o Outcome)
	settle = func(id string, o Outcome) {
		outcomes[id] = o
		for _, next := range dependents[id] {
			if _, ended := outcomes[next]; ended {
				continue
			}
			switch o.Status {
			case Succeeded:
				if waiting[next]--; waiting[next] == 0 {
					ready = append(ready, next)
				}
			case Failed:
				settle(next, Outcome{Status: Skipped, Cause: id})
			default:
				settle(next, Outcome{Status: o.Status, Cause: o.Cause})
			}
		}
	}

	chain := g.chains(dependents)
	running := 0
	for len(outcomes) < len(g.order) {
		for len(ready) > 0 && running < parallelism && ctx.Err() == nil {
			next := 0 // the heaviest chain; the first of equals, so insertion order breaks ties
			for i, id := range ready {
				if chain[id] > chain[ready[next]] {
					next = i
				}
			}
			id := ready[next]
			ready = slices.Delete(ready, next, next+1)
			running++
			go func() { finished <- done{id, runSafely(ctx, id, run)} }()
		}
		if running == 0 {
			// Nothing runs and nothing can start: the context ended.
			for _, id := range g.order {
				if _, ended := outcomes[id]; !ended {
					settle(id, Outcome{Status: Canceled, Err: context.Cause(ctx)})
				}
			}
			break
		}
		d := <-finished
		running--
		switch {
		case d.err == nil:
			settle(d.id, Outcome{Status: Succeeded})
		case ctx.Err() != nil && errors.Is(d.err, ctx.Err()):
			settle(d.id, Outcome{Status: Canceled, Err: d.err})
		default:
			settle(d.id, Outcome{Status: Failed, Err: d.err})
		}
	}
	return outcomes
}

// runSafely runs a node and turns a panic into the node's error, so that a bug in
// one stage fails that stage (and skips what depends on it) while the rest of the
// run ends cleanly, its outputs committed or rolled back as usual.
func runSafely(ctx context.Context, id string, run func(ctx context.Context, id string) error) error {
	return Safely(func() error { return run(ctx, id) })
}

// Safely runs f and turns a panic into an internal error naming the bug's place in
// one line, so a stage's own goroutines end a run as cleanly as the stage would.
func Safely(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error (a bug, please report it): %v [at %s]", p, panicSite(debug.Stack()))
		}
	}()
	return f()
}

// panicSite is the innermost frame of a panic's stack outside the runtime and this
// package: one line that names the bug's place, not the whole trace.
func panicSite(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	for i := 1; i+1 < len(lines); i += 2 {
		fn, file := strings.TrimSpace(lines[i]), strings.TrimSpace(lines[i+1])
		if strings.HasPrefix(fn, "runtime") || strings.HasPrefix(fn, "panic(") || strings.Contains(file, "/pkg/dag/walk.go") {
			continue
		}
		if j := strings.LastIndex(file, " +0x"); j > 0 {
			file = file[:j]
		}
		return file
	}
	return "unknown"
}
