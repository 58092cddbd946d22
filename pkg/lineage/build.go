package lineage

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

// builder makes a run's events from its plan and, at the end, its report. A run
// is one job (<pipeline>) and a child job per table (<pipeline>.<table>) whose
// runs name the pipeline's run as their parent.
type builder struct {
	plan          *spec.Plan
	namespace     string
	producer      string
	version       string
	duckdbVersion string
	runID         string            // ecomrun's run id
	runUUID       string            // the pipeline run's OpenLineage id
	tableUUIDs    map[string]string // each table run's OpenLineage id
}

func (b *builder) event(eventType string, at time.Time, run Run, job Job) RunEvent {
	return RunEvent{
		EventType: eventType, EventTime: at.UTC(), Producer: b.producer, SchemaURL: specURL,
		Run: run, Job: job, Inputs: []Dataset{}, Outputs: []Dataset{},
	}
}

func (b *builder) job(name, jobType string) Job {
	return Job{Namespace: b.namespace, Name: name, Facets: map[string]any{
		"jobType": jobTypeFacet{facet: b.facet("2-0-4", "JobTypeJobFacet"), ProcessingType: "BATCH", Integration: "ECOMRUN", JobType: jobType},
	}}
}

func (b *builder) runFacets() map[string]any {
	return map[string]any{
		"processing_engine": processingEngineFacet{
			facet: b.facet("1-1-1", "ProcessingEngineRunFacet"), Name: "ecomrun", Version: b.version,
			OpenlineageAdapterVersion: b.version, DuckDBVersion: b.duckdbVersion,
		},
		"ecomrun": ecomrunFacet{
			facet: facet{Producer: b.producer, SchemaURL: "https://github.com/ecomrun/ecomrun/blob/main/README.md#lineage-and-telemetry"},
			RunID: b.runID, Spec: b.plan.Spec.File,
		},
	}
}

// pipelineEvent is the pipeline run's START or end; errMsg goes with FAIL and ABORT.
func (b *builder) pipelineEvent(eventType string, at time.Time, errMsg string) RunEvent {
	run := Run{RunID: b.runUUID, Facets: b.runFacets()}
	b.addError(run.Facets, errMsg)
	return b.event(eventType, at, run, b.job(b.plan.Spec.Name, "JOB"))
}

func (b *builder) addError(facets map[string]any, msg string) {
	if msg != "" {
		facets["errorMessage"] = errorMessageFacet{facet: b.facet("1-0-1", "ErrorMessageRunFacet"), Message: msg, ProgrammingLanguage: "Go"}
	}
}

func (b *builder) tableRun(table string) Run {
	parent := parentJob{Namespace: b.namespace, Name: b.plan.Spec.Name}
	facets := b.runFacets()
	facets["parent"] = parentFacet{
		facet: b.facet("1-2-0", "ParentRunFacet"),
		Run:   parentRun{RunID: b.runUUID}, Job: parent,
		Root: &root{Run: parentRun{RunID: b.runUUID}, Job: parent},
	}
	return Run{RunID: b.tableUUIDs[table], Facets: facets}
}

// tableStart is a table run's START: what it reads and the warehouse tables it writes.
func (b *builder) tableStart(t *spec.TablePlan, at time.Time) RunEvent {
	ev := b.event(Start, at, b.tableRun(t.Name), b.job(b.plan.Spec.Name+"."+t.Name, "TASK"))
	ev.Inputs = []Dataset{b.input(t)}
	ev.Outputs = b.warehouseOutputs(t)
	return ev
}

// tableStats is what the warehouse holds of a loaded table after the run.
type tableStats struct {
	rows  int64
	nulls map[string]int64
}

// tableEnd is a table run's end, with every dataset's facets and counts. A table
// whose stages all succeeded COMPLETEs, one with a failed stage FAILs, and one
// stopped (interrupted, or waiting on another table that failed) ABORTs.
func (b *builder) tableEnd(t *spec.TablePlan, rep *report.Report, stats *tableStats, at time.Time) RunEvent {
	rt := rep.Snapshot(t.Name)
	eventType, errMsg := Complete, ""
	var errs []string
	validated, loaded, ran := false, false, 0
	for _, s := range rep.Stages {
		if s.Table != t.Name {
			continue
		}
		ran++
		switch {
		case s.Status == "ok" && s.Kind == spec.StageValidate:
			validated = true
		case s.Status == "ok" && s.Kind == spec.StageLoad:
			loaded = true
		case s.Status == "failed":
			eventType = Fail
			errs = append(errs, s.Error)
		case s.Status == "skipped" && eventType == Complete:
			eventType, errMsg = Abort, s.ID+" did not run: "+s.Cause+" failed"
		case s.Status == "canceled" && eventType != Fail:
			eventType, errMsg = Abort, "run interrupted"
		}
	}
	if len(errs) > 0 {
		errMsg = strings.Join(errs, "\n")
	}
	if ran == 0 {
		// The run stopped before it built its stages (the warehouse would not open, a preflight check failed).
		eventType, errMsg = Abort, "the table did not run: "+strings.Join(rep.Errors, "\n")
	}
	run := b.tableRun(t.Name)
	b.addError(run.Facets, errMsg)
	ev := b.event(eventType, at, run, b.job(b.plan.Spec.Name+"."+t.Name, "TASK"))

	in := b.input(t)
	var assertions *dataQualityAssertionsFacet
	if validated {
		assertions = b.assertions(t, rt.Violations)
		in.InputFacets = map[string]any{
			"dataQualityMetrics": dataQualityMetricsFacet{
				facet: b.facet("1-0-3", "DataQualityMetricsInputDatasetFacet"), RowCount: rt.RowsIn, ColumnMetrics: map[string]ColumnMetrics{},
			},
			"dataQualityAssertions": assertions,
		}
	}
	ev.Inputs = []Dataset{in}

	outs := b.warehouseOutputs(t)
	if loaded {
		main := &outs[0]
		main.OutputFacets = map[string]any{"outputStatistics": outputStatisticsFacet{facet: b.facet("1-0-2", "OutputStatisticsOutputDatasetFacet"), RowCount: rt.RowsLoaded}}
		if stats != nil {
			m := dataQualityMetricsFacet{facet: b.facet("1-0-0", "DataQualityMetricsDatasetFacet"), RowCount: stats.rows, ColumnMetrics: map[string]ColumnMetrics{}}
			for c, n := range stats.nulls {
				m.ColumnMetrics[c] = ColumnMetrics{NullCount: n}
			}
			main.Facets["dataQualityMetrics"] = m
		}
		if assertions != nil {
			main.Facets["dataQualityAssertions"] = assertions
		}
		if len(outs) > 1 {
			outs[1].OutputFacets = map[string]any{"outputStatistics": outputStatisticsFacet{facet: b.facet("1-0-2", "OutputStatisticsOutputDatasetFacet"), RowCount: rt.RowsQuarantined}}
		}
	}
	ev.Outputs = append(outs, b.sinkOutputs(t, rep)...)
	return ev
}

func (b *builder) schema(fields []Field) schemaFacet {
	return schemaFacet{facet: b.facet("1-2-0", "SchemaDatasetFacet"), Fields: fields}
}

// fields lists a model's columns, typed as the source (BigQuery types) or the
// warehouse (DuckDB types) holds them.
func fields(m *catalog.Model, duckdb bool) []Field {
	out := make([]Field, len(m.Columns))
	for i, c := range m.Columns {
		typ := string(c.Type)
		if duckdb {
			typ = c.Type.DuckDB()
		}
		out[i] = Field{Name: c.Name, Type: typ, OrdinalPosition: i + 1}
	}
	return out
}

// quarantineFields are the quarantine table's columns: the model's, the rules
// each row broke and the run that set it aside.
func quarantineFields(m *catalog.Model) []Field {
	f := fields(m, true)
	return append(f, Field{Name: "_violations", Type: "VARCHAR[]", OrdinalPosition: len(f) + 1},
		Field{Name: "_run_id", Type: "VARCHAR", OrdinalPosition: len(f) + 2})
}

func (b *builder) input(t *spec.TablePlan) Dataset {
	ns, name := sourceDataset(b.plan.Spec.Source, t)
	// A file has no types of its own: its columns are what DuckDB reads, in DuckDB's
	// types; a table elsewhere (BigQuery, the generator) has the model's.
	return Dataset{Namespace: ns, Name: name, Facets: map[string]any{"schema": b.schema(fields(t.Model, ns == "file"))}}
}

// warehouseOutputs are the warehouse table and, when rows are quarantined, its quarantine table.
func (b *builder) warehouseOutputs(t *spec.TablePlan) []Dataset {
	ns := duckdbNamespace(b.plan.Spec.Warehouse.Path)
	outs := []Dataset{{Namespace: ns, Name: "main." + t.Name, Facets: map[string]any{"schema": b.schema(fields(t.Model, true))}}}
	if t.OnInvalid == spec.OnInvalidQuarantine {
		outs = append(outs, Dataset{Namespace: ns, Name: stages.QuarantineSchema + "." + t.Name, Facets: map[string]any{"schema": b.schema(quarantineFields(t.Model))}})
	}
	return outs
}

// sinkOutputs are the files and objects the table's sinks wrote, one dataset each.
func (b *builder) sinkOutputs(t *spec.TablePlan, rep *report.Report) []Dataset {
	var outs []Dataset
	for _, o := range rep.Outputs {
		if o.Table != t.Name {
			continue
		}
		ns, name := outputDataset(o.Path)
		f := fields(t.Model, true)
		if strings.HasPrefix(filepath.Base(name), t.Name+".quarantine.") {
			f = quarantineFields(t.Model)[:len(t.Model.Columns)+1] // the files leave out _run_id
		}
		stat := outputStatisticsFacet{facet: b.facet("1-0-2", "OutputStatisticsOutputDatasetFacet"), RowCount: o.Rows}
		if o.Bytes > 0 {
			size, files := o.Bytes, int64(1)
			stat.Size, stat.FileCount = &size, &files
		}
		outs = append(outs, Dataset{Namespace: ns, Name: name,
			Facets:       map[string]any{"schema": b.schema(f)},
			OutputFacets: map[string]any{"outputStatistics": stat}})
	}
	return outs
}

// assertions are the table's rules, each with whether every row kept it; a rule
// the report counts but the plan does not list (a type_<column> rule of a source
// read as text) is named as the report names it.
func (b *builder) assertions(t *spec.TablePlan, vs []report.Violation) *dataQualityAssertionsFacet {
	f := &dataQualityAssertionsFacet{facet: b.facet("1-1-0", "DataQualityAssertionsDatasetFacet"), Assertions: []Assertion{}}
	for _, v := range vs {
		a := Assertion{Assertion: v.Check, Name: v.Rule, Severity: v.Severity, Success: v.Rows == 0, Expected: "0", Actual: strconv.FormatInt(v.Rows, 10)}
		if i := slices.IndexFunc(t.Rules, func(r rules.Rule) bool { return r.Name == v.Rule }); i >= 0 {
			r := t.Rules[i]
			a.Column = r.Column
			if r.SQL != "" {
				a.Content, a.ContentType = r.SQL, "expression"
			}
		} else if col, ok := strings.CutPrefix(v.Rule, "type_"); ok {
			a.Column = col
		}
		if a.Assertion == "" {
			a.Assertion = v.Rule
		}
		f.Assertions = append(f.Assertions, a)
	}
	return f
}
