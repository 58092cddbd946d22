package engine

import (
	"context"
	"errors"

	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

// Orphan is a table the warehouse remembers (_ecomrun.state) that the spec no
// longer names: its outputs remain until a run with Prune removes them.
type Orphan struct {
	Table  string
	Pruned bool
	Err    error
}

// orphans tells o.OnOrphan of every table the spec dropped and, with o.Prune,
// removes each from every sink and then the warehouse (stages.Run.Prune), one
// table at a time. Nothing is pruned after an interrupt.
func orphans(ctx context.Context, run *stages.Run, plan *spec.Plan, o Options) error {
	if ctx.Err() != nil || !o.Prune && o.OnOrphan == nil {
		return nil
	}
	tables, err := stages.Orphans(ctx, run.Warehouse.DB, plan.Spec)
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range tables {
		ev := Orphan{Table: t}
		if o.Prune {
			ev.Err = run.Prune(ctx, t)
			ev.Pruned = ev.Err == nil
			errs = append(errs, ev.Err)
		}
		if o.OnOrphan != nil {
			o.OnOrphan(ev)
		}
	}
	return errors.Join(errs...)
}
