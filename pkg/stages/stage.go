// Package stages holds the four kinds of DAG node a plan compiles to (extract,
// validate, load, sink) behind one Stage interface, and the registries through
// which source and sink kinds plug in by name.
package stages

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

// Stage is one node of a run's DAG.
type Stage interface {
	Run(ctx context.Context, run *Run) error
}

// Source stages a table's rows in the warehouse, however suits it (an Arrow stream,
// a DuckDB file reader, ...).
type Source interface {
	// Extract creates relation with the table's model columns, in model order, and
	// reports whether they are raw (any type, cast during validation) rather than
	// already of the model's types.
	Extract(ctx context.Context, run *Run, table *spec.TablePlan, relation string) (raw bool, err error)
}

// Sink writes a loaded table somewhere.
type Sink interface {
	Write(ctx context.Context, run *Run, table *spec.TablePlan) error
}

// Finisher is a sink that holds something across tables (an attached database)
// and lets it go once the run's stages are done.
type Finisher interface {
	Finish(ctx context.Context, run *Run) error
}

// sources and sinks build a source or sink of each kind from a block whose config
// is of the kind's type.
var (
	sources = map[string]func(s spec.Source) (Source, error){}
	sinks   = map[string]func(k spec.Sink) (Sink, error){}
)

// RegisterSource makes a source kind available, in one call from the kind's file:
// spec learns its name, doc and config type C (a pointer to a struct whose tags say
// its keys, defaults and schema; see spec.RegisterSource), and a run builds its
// source with build, from a block its kind's Check has passed, its defaults filled.
// A duplicate kind is a programming error.
func RegisterSource[C spec.SourceConfig](kind, doc string, build func(s spec.Source, c C) (Source, error)) {
	var zero C
	spec.RegisterSource(kind, doc, zero)
	sources[kind] = builder(kind, func(s spec.Source) any { return s.Config }, build)
}

// RegisterSink makes a sink kind available; see RegisterSource.
func RegisterSink[C spec.SinkConfig](kind, doc string, build func(k spec.Sink, c C) (Sink, error)) {
	var zero C
	spec.RegisterSink(kind, doc, zero)
	sinks[kind] = builder(kind, func(k spec.Sink) any { return k.Config }, build)
}

// builder is a kind's build from its block B: the block's config must be of the
// kind's type C, and build sees it with its defaults filled.
func builder[B, C, S any](kind string, config func(B) any, build func(B, C) (S, error)) func(B) (S, error) {
	return func(b B) (S, error) {
		cfg := config(b)
		c, ok := cfg.(C)
		if !ok && cfg != nil {
			var none S
			return none, fmt.Errorf("config %T is not kind %s's %T", cfg, kind, c)
		}
		return build(b, spec.WithDefaults(c))
	}
}

// Run is what the stages of one apply share.
type Run struct {
	ID        string
	Plan      *spec.Plan
	Warehouse *warehouse.Warehouse
	Report    *report.Report

	source Source
	sinks  map[string]Sink
	// tables carries what one stage of a table hands the next; the DAG orders them.
	tables map[string]*tableState
	// locks serialise writers of a shared file, such as a sink's manifest.
	locks sync.Map
}

// tableState is a table's progress through extract -> validate -> load.
type tableState struct {
	// bound limits an incremental read to what is new; nil reads everything.
	bound *Bound
	raw   bool
	// rejected counts the rows an error-severity rule rejected.
	rejected int64
	// watermark is the largest cursor value after the load, for incremental tables.
	watermark string
	// merged says the load merged rows into the table rather than replacing it.
	merged bool
	// files is set when the files source set rows aside (asideRelation) as it read.
	files *filesState
}

// NewRun builds the source and sinks a plan names, drops the Arrow copies a killed
// run left (Warehouse.DropArrowCopies), creates the warehouse schemas
// the stages share (once, here: concurrent creates conflict in DuckDB's catalog) and
// reads the incremental tables' watermarks, forgetting those of the tables
// fullRefresh names. It fails on a kind no package registered.
func NewRun(ctx context.Context, id string, plan *spec.Plan, wh *warehouse.Warehouse, rep *report.Report, fullRefresh func(table string) bool) (*Run, error) {
	src, err := NewSource(plan.Spec)
	if err != nil {
		return nil, err
	}
	run := &Run{ID: id, Plan: plan, Warehouse: wh, Report: rep, source: src,
		sinks: map[string]Sink{}, tables: map[string]*tableState{}}
	for _, s := range plan.Spec.Sinks {
		if run.sinks[s.Name], err = NewSink(plan.Spec, s); err != nil {
			return nil, fmt.Errorf("sink %s: %w", s.Name, err)
		}
	}
	for _, t := range plan.Tables {
		run.tables[t.Name] = &tableState{}
	}
	// A run killed in a filtered ingest leaves its Arrow copy table behind, which no
	// later cleanup would name; the working tables of this plan's tables are dropped
	// by Cleanup, when this run ends.
	if err := wh.DropArrowCopies(ctx); err != nil {
		return nil, err
	}
	for _, schema := range []string{QuarantineSchema, StateSchema} {
		if err := wh.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+sqlq.Ident(schema)); err != nil {
			return nil, err
		}
	}
	if err := createStateTable(ctx, wh); err != nil {
		return nil, err
	}
	if err := run.loadBounds(ctx, fullRefresh); err != nil {
		return nil, err
	}
	if err := run.open(ctx); err != nil {
		return nil, err
	}
	return run, nil
}

// Stage returns the node that runs a plan stage.
func (r *Run) Stage(s spec.Stage) (Stage, error) {
	t := r.Plan.Table(s.Table)
	if t == nil {
		return nil, fmt.Errorf("stage %s: no table %q in the plan", s.ID, s.Table)
	}
	switch s.Kind {
	case spec.StageExtract:
		return &extract{table: t}, nil
	case spec.StageValidate:
		return &validate{table: t}, nil
	case spec.StageLoad:
		return &load{table: t}, nil
	case spec.StageSink:
		sink, ok := r.sinks[s.Sink]
		if !ok {
			return nil, fmt.Errorf("stage %s: no sink %q", s.ID, s.Sink)
		}
		return &sinkStage{table: t, sink: sink}, nil
	}
	return nil, fmt.Errorf("stage %s: unknown kind %q", s.ID, s.Kind)
}

// lock returns the mutex guarding a shared resource, such as a manifest path.
func (r *Run) lock(key string) *sync.Mutex {
	m, _ := r.locks.LoadOrStore(key, &sync.Mutex{})
	return m.(*sync.Mutex)
}

// Working relations a run keeps in the warehouse between stages; Cleanup drops them.
func stagedRelation(table string) string     { return sqlq.Ident("_ecomrun_stage_" + table) }
func violationsRelation(table string) string { return sqlq.Ident("_ecomrun_violations_" + table) }
func typedRelation(table string) string      { return sqlq.Ident("_ecomrun_typed_" + table) }
func changedRelation(table string) string    { return sqlq.Ident("_ecomrun_changed_" + table) }
func rejectsRelation(table string) string    { return sqlq.Ident("_ecomrun_rejects_" + table) }

// Changed returns the relation holding the primary keys this run merged into a
// table, so a sink can upsert just those; ok is false when the table was replaced
// whole (snapshot mode, a first or a full-refresh run).
func (r *Run) Changed(table string) (relation string, ok bool) {
	return changedRelation(table), r.tables[table].merged
}

// Cleanup lets every sink finish and drops the working relations of every table.
func (r *Run) Cleanup(ctx context.Context) error {
	var errs []error
	for name, s := range r.sinks {
		if f, ok := s.(Finisher); ok {
			if err := f.Finish(ctx, r); err != nil {
				errs = append(errs, fmt.Errorf("sink %s: %w", name, err))
			}
		}
	}
	if err := r.dropWorkingTables(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := r.closeSource(); err != nil {
		errs = append(errs, fmt.Errorf("source: %w", err))
	}
	return errors.Join(errs...)
}

func (r *Run) dropWorkingTables(ctx context.Context) error {
	for _, t := range r.Plan.Tables {
		for _, rel := range []string{stagedRelation(t.Name), violationsRelation(t.Name), typedRelation(t.Name), changedRelation(t.Name), rejectsRelation(t.Name), asideRelation(t.Name)} {
			if err := r.Warehouse.Exec(ctx, "DROP TABLE IF EXISTS "+rel); err != nil {
				return err
			}
		}
	}
	return nil
}

func kinds[F any](m map[string]F) []string { return slices.Sorted(maps.Keys(m)) }
