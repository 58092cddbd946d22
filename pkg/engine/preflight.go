package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ecomrun/ecomrun/pkg/dag"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

// PreflightTimeout bounds each destination's check: a store that does not answer
// fails it within this time.
var PreflightTimeout = 15 * time.Second

// PreflightError is a run stopped before anything was extracted: one problem per
// destination that would have failed it, the warehouse first, then the sinks in
// spec order.
type PreflightError struct {
	Problems []string
}

func (e *PreflightError) Error() string {
	return fmt.Sprintf("preflight: %d destination(s) would fail, nothing was extracted (--skip-preflight runs anyway):\n  %s",
		len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// openWarehouse opens the plan's warehouse and, when asked, preflights every
// destination before anything runs: apply and replay start the same way.
func openWarehouse(ctx context.Context, plan *spec.Plan, check bool, runID string) (*warehouse.Warehouse, error) {
	wh, err := warehouse.Open(ctx, plan.Spec.Warehouse.Path, warehouse.Options{MemoryLimit: plan.Spec.Warehouse.MemoryLimit})
	if check {
		if perr := preflight(ctx, plan, wh, err, runID); perr != nil {
			if err == nil {
				wh.Close()
			}
			return nil, perr
		}
	}
	return wh, err
}

// preflight checks every destination of the run before any extract: the warehouse
// opened (whErr is why it did not: its lock is held, ...) and every sink that a
// planned table writes to, concurrently, each within PreflightTimeout.
func preflight(ctx context.Context, plan *spec.Plan, wh *warehouse.Warehouse, whErr error, runID string) error {
	var problems []string
	if whErr != nil {
		line := oneLine(whErr)
		if !strings.HasPrefix(line, "warehouse ") {
			line = "warehouse: " + line
		}
		problems = append(problems, line)
		wh = nil
	}
	var used []spec.Sink
	for _, k := range plan.Spec.Sinks {
		if slices.ContainsFunc(plan.Tables, func(t spec.TablePlan) bool { return slices.Contains(t.Sinks, k.Name) }) {
			used = append(used, k)
		}
	}
	lines := make([]string, len(used))
	var wg sync.WaitGroup
	for i, k := range used {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := dag.Safely(func() error { return preflightSink(ctx, plan.Spec, k, wh, runID) }); err != nil {
				lines[i] = fmt.Sprintf("sink %s (%s): %s", k.Name, k.Kind, oneLine(err))
			}
		}()
	}
	wg.Wait()
	for _, l := range lines {
		if l != "" {
			problems = append(problems, l)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return &PreflightError{Problems: problems}
}

func preflightSink(ctx context.Context, sp *spec.Spec, k spec.Sink, wh *warehouse.Warehouse, runID string) error {
	s, err := stages.NewSink(sp, k)
	if err != nil {
		return err
	}
	p, ok := s.(stages.Preflighter)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, PreflightTimeout)
	defer cancel()
	err = p.Preflight(ctx, wh, runID)
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("no answer within %s: %w", PreflightTimeout, err)
	}
	return err
}

// oneLine keeps a problem on its line: the first line of a multi-line error.
func oneLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
