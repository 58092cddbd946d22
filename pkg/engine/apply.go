// Package engine applies a compiled plan: it opens the warehouse, builds a stage
// per plan node, walks the DAG concurrently and returns the run's report.
package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/ecomrun/ecomrun/pkg/dag"
	"github.com/ecomrun/ecomrun/pkg/redact"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

// Options tune a run.
type Options struct {
	// Parallelism bounds the stages running at once; 0 means the number of CPUs.
	Parallelism int
	// RunID names the run in outputs; empty means a fresh time-based id.
	RunID string
	// FullRefresh forgets the stored state of the tables it names (all of them when
	// it names none but is set) and replaces them whole, as in snapshot mode.
	FullRefresh       bool
	FullRefreshTables []string
	// Preflight checks every destination (the warehouse's lock, each sink) before
	// anything is extracted, and stops the run with a *PreflightError when one would fail.
	Preflight bool
	// Prune removes the outputs of tables the warehouse remembers but the spec no
	// longer names, after the run's stages; OnOrphan, when set, hears of each such
	// table (pruned or not).
	Prune    bool
	OnOrphan func(Orphan)
	// OnStage, when set, hears every stage start and end (for progress displays), as
	// they happen: a stage that ran ends from the walker's goroutine, so calls are
	// concurrent; a stage that never ran (skipped, canceled) ends after the walk.
	OnStage func(ev StageEvent)
	// OnRows, when set, hears how many rows a table's extract has streamed in so far,
	// while it runs (sources that stream Arrow batches: thelook, bigquery).
	OnRows func(table string, rows int64)
}

// StageEvent is a stage starting (Status "running") or ending.
type StageEvent struct {
	Stage  spec.Stage
	Status string
	Err    error
	// Rows is what an ended stage handled, read from the report so a progress display
	// needs no second source of counts: extract and validate the rows in, load the
	// rows loaded, a sink the rows it wrote. Zero while running or when it did not end ok.
	Rows int64
	// ReadFrom and Watermark are, for an incremental table, the lower bound its
	// extract read from (set when extract ends ok) and the watermark after its load
	// (set when load ends ok).
	ReadFrom, Watermark string
}

// Apply runs the plan. The report is complete even when the run fails; the error
// then names each failed stage once (stages skipped because of it are not repeated).
func Apply(ctx context.Context, plan *spec.Plan, o Options) (*report.Report, error) {
	if o.Parallelism <= 0 {
		o.Parallelism = runtime.NumCPU()
	}
	if o.RunID == "" {
		o.RunID = NewRunID(time.Now())
	}
	rep := &report.Report{RunID: o.RunID, Pipeline: plan.Spec.Name, Spec: plan.Spec.File, Started: time.Now().UTC()}
	for _, t := range plan.Tables {
		mode := spec.ModeSnapshot
		if t.Incremental != nil {
			mode = spec.ModeIncremental
		}
		rep.Update(t.Name, func(rt *report.Table) { rt.Mode = mode })
	}
	// Cloud clients quote what they were given; no secret leaves through an error.
	red := redact.New(plan.Spec.Secrets()...)
	err := red.Error(apply(ctx, plan, o, rep, red))
	rep.Ended = time.Now().UTC()
	switch {
	case err == nil:
		rep.Status = "ok"
	case ctx.Err() != nil:
		rep.Status = "canceled"
	default:
		rep.Status = "failed"
	}
	if err != nil {
		rep.Errors = append(rep.Errors, err.Error())
	}
	return rep, err
}

func apply(ctx context.Context, plan *spec.Plan, o Options, rep *report.Report, red *redact.Redactor) error {
	wh, err := openWarehouse(ctx, plan, o.Preflight, o.RunID)
	if err != nil {
		return err
	}
	defer wh.Close()
	if o.OnRows != nil {
		wh.OnRows = func(relation string, rows int64) {
			if table, ok := stages.StagedTable(relation); ok {
				o.OnRows(table, rows)
			}
		}
	}
	refresh := func(table string) bool {
		return o.FullRefresh && (len(o.FullRefreshTables) == 0 || slices.Contains(o.FullRefreshTables, table))
	}
	run, err := stages.NewRun(ctx, o.RunID, plan, wh, rep, refresh)
	if err != nil {
		return err
	}
	g, nodes, err := graph(run, plan)
	if err != nil {
		return errors.Join(err, run.Cleanup(context.WithoutCancel(ctx)))
	}
	outcomes := dag.Walk(ctx, g, o.Parallelism, func(ctx context.Context, id string) error {
		n := nodes[id]
		if o.OnStage != nil {
			o.OnStage(StageEvent{Stage: n.spec, Status: "running"})
		}
		started := time.Now()
		err := n.stage.Run(ctx, run)
		if err != nil {
			err = red.Error(fmt.Errorf("%s: %w", id, err))
		}
		n.started, n.ended = started, time.Now()
		if o.OnStage != nil {
			ev := StageEvent{Stage: n.spec, Status: string(endStatus(ctx, err)), Err: err}
			if err == nil {
				ev.Rows = stageRows(rep, n.spec)
				if t := rep.Snapshot(n.spec.Table); t.Mode == spec.ModeIncremental {
					switch n.spec.Kind {
					case spec.StageExtract:
						ev.ReadFrom = t.ReadFrom
					case spec.StageLoad:
						ev.Watermark = t.Watermark
					}
				}
			}
			o.OnStage(ev)
		}
		return err
	})
	succeeded := func(table string) bool {
		for _, s := range plan.Stages {
			if s.Table == table && outcomes[s.ID].Status != dag.Succeeded {
				return false
			}
		}
		return true
	}
	pruneErr := orphans(ctx, run, plan, o)
	cleanupErr := errors.Join(
		run.CommitState(context.WithoutCancel(ctx), succeeded),
		run.Cleanup(context.WithoutCancel(ctx)))

	var errs []error
	order := g.Nodes()
	for _, id := range order {
		n, out := nodes[id], outcomes[id]
		st := &report.Stage{ID: id, Kind: n.spec.Kind, Table: n.spec.Table, Sink: n.spec.Sink, Status: string(out.Status), Cause: out.Cause}
		if !n.started.IsZero() {
			st.Started, st.Ended = n.started.UTC(), n.ended.UTC()
			st.Duration = n.ended.Sub(n.started).Seconds()
		}
		if out.Err != nil {
			st.Error = out.Err.Error()
			if out.Status == dag.Failed {
				errs = append(errs, out.Err)
			}
		}
		rep.AddStage(st)
		if o.OnStage != nil && n.started.IsZero() {
			o.OnStage(StageEvent{Stage: n.spec, Status: string(out.Status), Err: out.Err})
		}
	}
	rep.Sort(order)
	for _, t := range plan.Tables {
		rep.Update(t.Name, func(rt *report.Table) { rt.Status = tableStatus(t.Name, rep.Stages) })
	}
	if ctx.Err() != nil {
		return fmt.Errorf("run interrupted: %w", context.Cause(ctx))
	}
	if pruneErr != nil {
		errs = append(errs, pruneErr)
	}
	if cleanupErr != nil {
		errs = append(errs, fmt.Errorf("clean up: %w", cleanupErr))
	}
	return errors.Join(errs...)
}

// node is a plan stage, its runnable stage and when it ran. Only the walker's
// goroutine for that node writes started and ended; Walk's return orders them before the reads.
type node struct {
	spec           spec.Stage
	stage          stages.Stage
	started, ended time.Time
}

func graph(run *stages.Run, plan *spec.Plan) (*dag.Graph, map[string]*node, error) {
	g := dag.New()
	nodes := map[string]*node{}
	sizes := map[string]int64{} // asked once per table: a files source stats the file
	for _, t := range plan.Tables {
		sizes[t.Name] = run.Size(&t)
	}
	for _, s := range plan.Stages {
		st, err := run.Stage(s)
		if err != nil {
			return nil, nil, err
		}
		g.Add(s.ID)
		g.Weigh(s.ID, sizes[s.Table])
		nodes[s.ID] = &node{spec: s, stage: st}
	}
	for _, s := range plan.Stages {
		for _, d := range s.DependsOn {
			if err := g.Connect(s.ID, d); err != nil {
				return nil, nil, err
			}
		}
	}
	return g, nodes, g.Validate()
}

// endStatus is how the walker will judge a stage's return (see dag.Walk), known
// before the walker settles it so the event can be sent as the stage ends.
func endStatus(ctx context.Context, err error) dag.Status {
	switch {
	case err == nil:
		return dag.Succeeded
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return dag.Canceled
	}
	return dag.Failed
}

// stageRows reads from the report the rows a stage that ended ok handled.
func stageRows(rep *report.Report, s spec.Stage) int64 {
	switch s.Kind {
	case spec.StageExtract, spec.StageValidate:
		return rep.Snapshot(s.Table).RowsIn
	case spec.StageLoad:
		return rep.Snapshot(s.Table).RowsLoaded
	case spec.StageSink:
		return rep.OutputRows(s.Sink, s.Table)
	}
	return 0
}

// tableStatus is the worst status of a table's stages.
func tableStatus(table string, st []*report.Stage) string {
	status := "ok"
	for _, s := range st {
		if s.Table != table || s.Status == "ok" {
			continue
		}
		if status == "ok" || s.Status == "failed" {
			status = s.Status
		}
	}
	return status
}

// NewRunID returns a sortable, unique run id: UTC time and a random suffix.
func NewRunID(now time.Time) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}
