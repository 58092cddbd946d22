// Package bench measures ecomrun against the limits it is held to: the generator
// alone, the validation pass alone (and a row-by-row Go validation of the same
// rows), apply of the default pipeline with and without validation, and bare DuckDB
// doing the same loads and writes; and the files source (CSV and Parquet in the
// shape of thelook's exports) read by apply and by bare DuckDB. Each measurement runs in a child process of its
// own, so the peak RSS the kernel reports for it is that measurement's alone.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"slices"
	"syscall"
	"time"

	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
	"github.com/ecomrun/ecomrun/pkg/thelook"
)

// Kinds of measurement.
const (
	KindGenerate = "generate"      // the generator alone, the seven tables on one goroutine
	KindValidate = "validate"      // the rules' SQL pass over loaded tables, and row-by-row Go
	KindBaseline = "baseline"      // bare DuckDB: the same rows loaded and copied to CSV and Parquet
	KindApply    = "apply"         // ecomrun apply of the spec
	KindNoRules  = "apply-norules" // the same apply with every table's rules removed
)

// GeneratorKinds are the measurements of the generator's path, in the order they run.
var GeneratorKinds = []string{KindGenerate, KindValidate, KindBaseline, KindNoRules, KindApply}

// FilesKinds are the measurements of the files source's path, in the order they run.
var FilesKinds = []string{KindFilesCSVScript, KindFilesCSVBaseline, KindFilesCSVApply, KindFilesParquetScript, KindFilesParquetBaseline, KindFilesParquetApply}

// Kinds lists every measurement in the order they run and print.
var Kinds = append(slices.Clone(GeneratorKinds), FilesKinds...)

// childEnv carries a Job to a child process. An environment variable rather than
// arguments, so a test binary can be its own child without its flags getting in the way.
const childEnv = "ECOMRUN_BENCH_JOB"

// Job is one measurement for a child process to make.
type Job struct {
	Kind  string  `json:"kind"`
	Scale float64 `json:"scale"`
	// Spec is the pipeline spec file whose shape apply runs (pipelines/daily.yaml).
	Spec string `json:"spec"`
	// Dir is an empty folder for the warehouse and files, removed by the parent.
	Dir string `json:"dir"`
	// Input is the scale's folder of input files (csv/, parquet/): files-prepare
	// writes it, the files measurements read it.
	Input string `json:"input,omitempty"`
	// CPUProfile, when set, is where the child writes a CPU profile of its timed work.
	CPUProfile string `json:"cpuprofile,omitempty"`
}

// Result is what one child measured.
type Result struct {
	Kind    string  `json:"kind"`
	Scale   float64 `json:"scale"`
	Rows    int64   `json:"rows"`
	Seconds float64 `json:"seconds"`
	// CPUSeconds is the process's CPU time (user and system, every thread) over the
	// timed work: on a machine shared with other work it varies less than Seconds.
	CPUSeconds float64 `json:"cpu_seconds"`
	// PeakRSS is the child's peak resident set in bytes, set by the parent from rusage.
	PeakRSS int64 `json:"peak_rss"`
	// Stages are apply's per-stage-kind figures, from its report.
	Stages []StageFigure `json:"stages,omitempty"`
	// Quarantined counts apply's quarantined rows: zero on clean generated data.
	Quarantined int64 `json:"quarantined,omitempty"`
	// RowwiseSeconds and RowwiseCPUSeconds are validate's row-by-row Go pass over the same rows.
	RowwiseSeconds    float64 `json:"rowwise_seconds,omitempty"`
	RowwiseCPUSeconds float64 `json:"rowwise_cpu_seconds,omitempty"`
	// Violations counts validate's broken rules, a row once per rule it breaks, by
	// the SQL pass (the row-by-row pass must count the same).
	Violations int64 `json:"violations"`
}

// StageFigure is one stage kind's rows and busy seconds, summed over its stages.
// Stages of different tables overlap in time, so rows/Seconds is the throughput of
// one such stage while it runs, not a share of the wall time.
type StageFigure struct {
	Kind    string  `json:"kind"`
	Rows    int64   `json:"rows"`
	Seconds float64 `json:"seconds"`
}

// ChildJob returns the job this process was started to do, if it is a child.
func ChildJob() (Job, bool) {
	s, ok := os.LookupEnv(childEnv)
	if !ok {
		return Job{}, false
	}
	var j Job
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		j.Kind = "invalid job: " + err.Error()
	}
	return j, true
}

// RunChild makes one measurement and writes its Result as JSON to stdout; it
// returns the process's exit code.
func RunChild(ctx context.Context, j Job, stdout, stderr io.Writer) int {
	r, err := measure(ctx, j)
	if err != nil {
		fmt.Fprintf(stderr, "%s at scale %g: %v\n", j.Kind, j.Scale, err)
		return 1
	}
	r.Kind, r.Scale = j.Kind, j.Scale
	if err := json.NewEncoder(stdout).Encode(r); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

func measure(ctx context.Context, j Job) (Result, error) {
	plan, err := loadPlan(j)
	if err != nil {
		return Result{}, err
	}
	var timed func() (Result, error)
	switch j.Kind {
	case KindGenerate:
		timed = func() (Result, error) { return generate(plan) }
	case KindValidate:
		return validation(ctx, j, plan)
	case KindBaseline:
		timed = func() (Result, error) { return baseline(ctx, j.Dir, plan) }
	case KindApply:
		timed = func() (Result, error) { return apply(ctx, plan) }
	case kindPrepareFiles:
		return prepareFiles(ctx, j, plan)
	case KindFilesCSVBaseline, KindFilesParquetBaseline:
		timed = func() (Result, error) { return filesBaseline(ctx, j, plan) }
	case KindFilesCSVScript, KindFilesParquetScript:
		timed = func() (Result, error) { return filesScript(ctx, j, plan) }
	case KindFilesCSVApply, KindFilesParquetApply:
		timed = func() (Result, error) { return apply(ctx, plan) }
	case KindNoRules:
		// Validation off, without an engine switch users could reach: with no rules
		// the validate stage compiles an empty pass, and load, quarantine and the
		// accounting check run as always, so the difference is the rules alone.
		for i := range plan.Tables {
			plan.Tables[i].Rules = nil
		}
		timed = func() (Result, error) { return apply(ctx, plan) }
	default:
		return Result{}, fmt.Errorf("unknown measurement %q", j.Kind)
	}
	stop, err := startProfile(j.CPUProfile)
	if err != nil {
		return Result{}, err
	}
	clock := startClock()
	r, err := timed()
	r.Seconds, r.CPUSeconds = clock()
	stop()
	return r, err
}

// startClock starts timing; the function it returns gives the wall and CPU seconds since.
func startClock() func() (wall, cpu float64) {
	start, cpu0 := time.Now(), cpuSeconds()
	return func() (float64, float64) { return time.Since(start).Seconds(), cpuSeconds() - cpu0 }
}

// cpuSeconds is the CPU time this process has used, in every thread (DuckDB's too).
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// loadPlan compiles the spec's shape at the job's scale, with every output under
// the job's folder whatever paths the spec names.
func loadPlan(j Job) (*spec.Plan, error) {
	src, err := os.ReadFile(j.Spec)
	if err != nil {
		return nil, err
	}
	s, diags := spec.Load(j.Spec, src, os.LookupEnv)
	if diags.HasErrors() {
		return nil, diags
	}
	gen, ok := s.Source.Config.(*stages.TheLookConfig)
	if !ok {
		return nil, fmt.Errorf("%s: the benchmark needs the thelook source, not %q", j.Spec, s.Source.Kind)
	}
	gen.Scale = j.Scale
	// Clean rows: every kind of run measured must handle the generator's rows, and
	// bare DuckDB quarantines nothing (the spec's defects show quarantine at work).
	gen.Defects = 0
	if format := filesFormat(j.Kind); format != "" {
		// The files measurements read the generator's rows from the files
		// files-prepare wrote; everything else of the spec stays.
		if j.Input == "" {
			return nil, fmt.Errorf("%s: no input folder (files-prepare writes it)", j.Kind)
		}
		s.Source = filesSource(j.Input, format, s.Source)
	}
	s.Warehouse.Path = j.Dir + "/ecom.duckdb"
	for i := range s.Sinks {
		k := &s.Sinks[i]
		if k.Kind != "csv" && k.Kind != "parquet" {
			return nil, fmt.Errorf("%s: sink %s: the benchmark writes csv and parquet sinks only, not %q", j.Spec, k.Name, k.Kind)
		}
		k.Config = &stages.FolderConfig{Path: j.Dir + "/" + k.Name}
	}
	p, diags := spec.Compile(s)
	if diags.HasErrors() {
		return nil, diags
	}
	return p, nil
}

// generate drains every table of the plan on one goroutine.
func generate(plan *spec.Plan) (Result, error) {
	var r Result
	for _, t := range plan.Tables {
		rr, err := thelook.Generate(t.Name, sourceOptions(plan))
		if err != nil {
			return r, err
		}
		for rr.Next() {
			r.Rows += rr.RecordBatch().NumRows()
		}
		rr.Release()
	}
	return r, nil
}

func sourceOptions(plan *spec.Plan) thelook.Options {
	gen := plan.Spec.Source.Config.(*stages.TheLookConfig) // buildPlan refuses any other source; only files measurements swap it, and they do not generate
	return thelook.Options{Scale: gen.Scale, Seed: gen.Seed}
}

// apply runs the plan through the engine, as `ecomrun apply` does, and sums its
// report per stage kind (sinks per sink kind).
func apply(ctx context.Context, plan *spec.Plan) (Result, error) {
	rep, err := engine.Apply(ctx, plan, engine.Options{})
	if err != nil {
		return Result{}, err
	}
	return fromReport(plan, rep), nil
}

func fromReport(plan *spec.Plan, rep *report.Report) Result {
	var r Result
	for _, t := range rep.Tables {
		r.Rows += t.RowsIn
		r.Quarantined += t.RowsQuarantined
	}
	figures := map[string]*StageFigure{}
	var order []string
	for _, st := range rep.Stages {
		kind, rows := st.Kind, int64(0)
		t := rep.Snapshot(st.Table)
		switch st.Kind {
		case spec.StageExtract, spec.StageValidate:
			rows = t.RowsIn
		case spec.StageLoad:
			rows = t.RowsLoaded
		case spec.StageSink:
			kind = "sink " + plan.Sink(st.Sink).Kind
			rows = rep.OutputRows(st.Sink, st.Table)
		}
		f, ok := figures[kind]
		if !ok {
			f = &StageFigure{Kind: kind}
			figures[kind] = f
			order = append(order, kind)
		}
		f.Rows += rows
		f.Seconds += st.Duration
	}
	for _, k := range order {
		r.Stages = append(r.Stages, *figures[k])
	}
	return r
}

// startProfile starts a CPU profile into path, if set. Samples cover the Go code
// and the cgo calls into DuckDB; DuckDB's own worker threads show as external code.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
