package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ecomrun/ecomrun/pkg/redact"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

// ReplayOptions tune a replay.
type ReplayOptions struct {
	// Tables limits the replay to these tables; empty means every table of the plan.
	Tables []string
	// RunID names the replay in the warehouse's records and the sinks' manifests.
	RunID string
	// Preflight checks the warehouse and the sinks before anything changes.
	Preflight bool
}

// ReplayResult is what a replay moved, table by table, and what the sinks wrote.
type ReplayResult struct {
	RunID  string            `json:"run_id"`
	Tables []stages.Replayed `json:"tables"`
	// Report holds the sinks' outputs, as a run's report does.
	Report *report.Report `json:"report"`
}

// Replay re-checks the quarantined rows of the plan's tables against the plan's
// current rules: rows that pass now are merged into their table and every sink of
// the table is written again; the others stay quarantined with their current
// reasons. Each table's move is one warehouse transaction, recorded with its counts
// in _ecomrun.replays. A table whose earlier replay stopped before its sinks were
// all written is written again, even when nothing is left to move.
func Replay(ctx context.Context, plan *spec.Plan, o ReplayOptions) (*ReplayResult, error) {
	if o.RunID == "" {
		o.RunID = NewRunID(time.Now())
	}
	sub := &spec.Plan{Spec: plan.Spec}
	for _, t := range plan.Tables {
		if len(o.Tables) == 0 || slices.Contains(o.Tables, t.Name) {
			sub.Tables = append(sub.Tables, t)
		}
	}
	for _, name := range o.Tables {
		if plan.Table(name) == nil {
			return nil, fmt.Errorf("%q is not a table of this spec (it has %s)", name, strings.Join(tableNames(plan), ", "))
		}
	}
	rep := &report.Report{RunID: o.RunID, Pipeline: plan.Spec.Name, Spec: plan.Spec.File, Started: time.Now().UTC()}
	res := &ReplayResult{RunID: o.RunID, Report: rep}
	red := redact.New(plan.Spec.Secrets()...)
	err := red.Error(replay(ctx, sub, o, res))
	rep.Ended = time.Now().UTC()
	rep.Status = "ok"
	if err != nil {
		rep.Status = "failed"
		rep.Errors = append(rep.Errors, err.Error())
	}
	return res, err
}

func replay(ctx context.Context, plan *spec.Plan, o ReplayOptions, res *ReplayResult) error {
	wh, err := openWarehouse(ctx, plan, o.Preflight, o.RunID)
	if err != nil {
		return err
	}
	defer wh.Close()
	run, err := stages.NewSinkRun(ctx, o.RunID, plan, wh, res.Report)
	if err != nil {
		return err
	}
	var errs []error
	for i := range plan.Tables {
		t := &plan.Tables[i]
		r, err := run.Replay(ctx, t)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if r.Present {
			res.Tables = append(res.Tables, r)
		}
		if r.Present || r.Unpublished {
			errs = append(errs, run.Publish(ctx, t)...)
		}
	}
	if err := run.Cleanup(context.WithoutCancel(ctx)); err != nil {
		errs = append(errs, fmt.Errorf("clean up: %w", err))
	}
	return errors.Join(errs...)
}
