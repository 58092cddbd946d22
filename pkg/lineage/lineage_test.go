package lineage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/ecomrun/ecomrun/internal/enginetest"
	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/lineage"
	"github.com/ecomrun/ecomrun/pkg/lineage/lineagetest"
	"github.com/ecomrun/ecomrun/pkg/redact"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

func specText(dir string) string {
	return fmt.Sprintf(`version: 1
name: shop
source: {kind: thelook, scale: 0.001, seed: 3}
warehouse: {path: %s/ecom.duckdb}
tables:
  - name: orders
    rules:
      - {name: few_items, check: range, column: num_of_item, min: 1, max: 2}
  - name: users
sinks:
  - {name: files, kind: csv, path: %s/csv}
`, dir, dir)
}

// run applies the plan with lineage on, as the CLI does.
func run(t *testing.T, ctx context.Context, plan *spec.Plan, c lineage.Config, red *redact.Redactor) (*report.Report, error) {
	t.Helper()
	em := lineage.New(plan, lineage.Options{Config: c, Version: "v0.0.0-test", RunID: "run-1", Redactor: red})
	rep, _ := engine.Apply(ctx, plan, engine.Options{Parallelism: 2, RunID: "run-1", OnStage: em.Stage})
	return rep, em.Finish(ctx, rep)
}

func validated(t *testing.T, raw [][]byte) []lineagetest.Event {
	t.Helper()
	v, err := lineagetest.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range raw {
		if err := v.Validate(b); err != nil {
			t.Errorf("event %d is not valid OpenLineage: %v\n%s", i, err, b)
		}
	}
	evs, err := lineagetest.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func facet[T any](t *testing.T, m map[string]json.RawMessage, name string) T {
	t.Helper()
	var v T
	raw, ok := m[name]
	if !ok {
		t.Fatalf("no %s facet", name)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func dataset(t *testing.T, ds []lineagetest.Dataset, namespace, name string) lineagetest.Dataset {
	t.Helper()
	for _, d := range ds {
		if d.Namespace == namespace && d.Name == name {
			return d
		}
	}
	t.Fatalf("no dataset %s %s among %v", namespace, name, ds)
	return lineagetest.Dataset{}
}

// TestEventsOfASucceedingRun: a START and a COMPLETE for the pipeline and for each
// table (whose runs name the pipeline's as parent), valid against the
// specification's schemas, with datasets named by the conventions and counts that
// match the report and the warehouse.
func TestEventsOfASucceedingRun(t *testing.T) {
	dir := t.TempDir()
	plan := enginetest.Compile(t, filepath.Join(dir, "shop.yaml"), specText(dir))
	recv := lineagetest.NewReceiver()
	defer recv.Close()
	rep, err := run(t, context.Background(), plan, lineage.Config{URL: recv.URL, Endpoint: lineage.DefaultEndpoint, Namespace: "team", APIKey: "key-123456789"}, nil)
	if err != nil {
		t.Fatalf("delivery: %v", err)
	}
	if rep.Status != "ok" {
		t.Fatalf("run %s: %v", rep.Status, rep.Errors)
	}
	evs := validated(t, recv.Events())
	if len(evs) != 6 {
		t.Fatalf("%d events, want 6 (START and COMPLETE for the pipeline and two tables)", len(evs))
	}
	paths, auth := recv.Requests()
	for i := range paths {
		if paths[i] != "/api/v1/lineage" || auth[i] != "Bearer key-123456789" {
			t.Errorf("event %d posted to %s with Authorization %q", i, paths[i], auth[i])
		}
		if strings.Contains(string(evs[i].Raw), "key-123456789") {
			t.Errorf("event %d carries the API key", i)
		}
	}
	first, last := evs[0], evs[len(evs)-1]
	if first.EventType != "START" || first.Job.Name != "shop" || last.EventType != "COMPLETE" || last.Job.Name != "shop" {
		t.Fatalf("the pipeline's events are not first and last: %s %s ... %s %s", first.EventType, first.Job.Name, last.EventType, last.Job.Name)
	}
	if first.Run.RunID != last.Run.RunID || first.Job.Namespace != "team" {
		t.Errorf("pipeline run ids %s and %s, namespace %s", first.Run.RunID, last.Run.RunID, first.Job.Namespace)
	}
	pe := facet[struct{ Name, Version, DuckdbVersion string }](t, first.Run.Facets, "processing_engine")
	if pe.Name != "ecomrun" || pe.Version != "v0.0.0-test" || !strings.HasPrefix(pe.DuckdbVersion, "v1.") {
		t.Errorf("processing_engine %+v", pe)
	}
	jt := facet[struct{ ProcessingType string }](t, first.Job.Facets, "jobType")
	if jt.ProcessingType != "BATCH" {
		t.Errorf("jobType %+v", jt)
	}

	db := enginetest.OpenReadOnly(t, filepath.Join(dir, "ecom.duckdb"))
	whNS := "duckdb://" + filepath.Join(dir, "ecom.duckdb")
	for _, table := range []string{"orders", "users"} {
		var start, end *lineagetest.Event
		for i := range evs {
			if evs[i].Job.Name == "shop."+table {
				if evs[i].EventType == "START" {
					start = &evs[i]
				} else {
					end = &evs[i]
				}
			}
		}
		if start == nil || end == nil || end.EventType != "COMPLETE" || start.Run.RunID != end.Run.RunID {
			t.Fatalf("table %s: want a START and a COMPLETE of one run", table)
		}
		parent := facet[struct {
			Run struct{ RunID string }
			Job struct{ Namespace, Name string }
		}](t, end.Run.Facets, "parent")
		if parent.Run.RunID != first.Run.RunID || parent.Job.Name != "shop" || parent.Job.Namespace != "team" {
			t.Errorf("table %s: parent %+v", table, parent)
		}
		rt := rep.Snapshot(table)

		in := dataset(t, end.Inputs, "thelook", "seed=3/scale=0.001/"+table)
		schema := facet[struct{ Fields []struct{ Name, Type string } }](t, in.Facets, "schema")
		if len(schema.Fields) != len(plan.Table(table).Model.Columns) || schema.Fields[0].Name != plan.Table(table).Model.Columns[0].Name || schema.Fields[0].Type != "INT64" {
			t.Errorf("table %s: input schema %+v", table, schema.Fields)
		}
		inMetrics := facet[struct{ RowCount int64 }](t, in.InputFacets, "dataQualityMetrics")
		if inMetrics.RowCount != rt.RowsIn {
			t.Errorf("table %s: input rowCount %d, report rows_in %d", table, inMetrics.RowCount, rt.RowsIn)
		}

		out := dataset(t, end.Outputs, whNS, "main."+table)
		stats := facet[struct{ RowCount int64 }](t, out.OutputFacets, "outputStatistics")
		if stats.RowCount != rt.RowsLoaded || stats.RowCount == 0 {
			t.Errorf("table %s: outputStatistics rowCount %d, report rows_loaded %d", table, stats.RowCount, rt.RowsLoaded)
		}
		metrics := facet[struct {
			RowCount      int64
			ColumnMetrics map[string]struct{ NullCount int64 }
		}](t, out.Facets, "dataQualityMetrics")
		if want := enginetest.Scalar[int64](t, db, "SELECT count(*) FROM main."+table); metrics.RowCount != want {
			t.Errorf("table %s: dataQualityMetrics rowCount %d, warehouse %d", table, metrics.RowCount, want)
		}
		column := map[string]string{"orders": "returned_at", "users": "state"}[table]
		want := enginetest.Scalar[int64](t, db, fmt.Sprintf("SELECT count(*) FROM main.%s WHERE %s IS NULL", table, column))
		if got, ok := metrics.ColumnMetrics[column]; !ok || got.NullCount != want {
			t.Errorf("table %s: nullCount of %s %+v, warehouse %d", table, column, got, want)
		}
		q := dataset(t, end.Outputs, whNS, "quarantine."+table)
		if qs := facet[struct{ RowCount int64 }](t, q.OutputFacets, "outputStatistics"); qs.RowCount != rt.RowsQuarantined {
			t.Errorf("table %s: quarantine rowCount %d, report %d", table, qs.RowCount, rt.RowsQuarantined)
		}

		assertions := facet[struct {
			Assertions []struct {
				Assertion, Name, Column, Actual string
				Success                         bool
			}
		}](t, out.Facets, "dataQualityAssertions")
		if len(assertions.Assertions) != len(rt.Violations) {
			t.Errorf("table %s: %d assertions, %d rules in the report", table, len(assertions.Assertions), len(rt.Violations))
		}
		for _, a := range assertions.Assertions {
			for _, v := range rt.Violations {
				if v.Rule == a.Name && (a.Success != (v.Rows == 0) || a.Actual != fmt.Sprint(v.Rows) || a.Assertion != v.Check) {
					t.Errorf("table %s: assertion %+v, report %+v", table, a, v)
				}
			}
			if a.Name == "few_items" && (a.Success || a.Column != "num_of_item") {
				t.Errorf("few_items must have failed on num_of_item: %+v", a)
			}
		}

		for _, o := range rep.Outputs {
			if o.Table != table {
				continue
			}
			d := dataset(t, end.Outputs, "file", o.Path)
			s := facet[struct{ RowCount, Size, FileCount int64 }](t, d.OutputFacets, "outputStatistics")
			if s.RowCount != o.Rows || s.Size != o.Bytes || s.FileCount != 1 {
				t.Errorf("%s: outputStatistics %+v, report %+v", o.Path, s, o)
			}
		}
	}
	if rep.Snapshot("orders").RowsQuarantined == 0 {
		t.Error("the test spec quarantined no orders: the assertions above prove little")
	}
}

// TestEventsOfAFailingRun: a table whose source is missing FAILs with the
// stage's error; the pipeline FAILs with the run's.
func TestEventsOfAFailingRun(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "in"), 0o755); err != nil {
		t.Fatal(err)
	}
	plan := enginetest.Compile(t, filepath.Join(dir, "f.yaml"), fmt.Sprintf(`version: 1
name: broken
source: {kind: files, dir: %s/in}
warehouse: {path: %s/ecom.duckdb}
tables: [{name: users}]
`, dir, dir))
	file := filepath.Join(dir, "events.ndjson")
	rep, err := run(t, context.Background(), plan, lineage.Config{File: file, Namespace: "ecomrun"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != "failed" {
		t.Fatalf("run %s, want failed", rep.Status)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var raw [][]byte
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		raw = append(raw, []byte(line))
	}
	evs := validated(t, raw)
	if len(evs) != 4 {
		t.Fatalf("%d events, want 4", len(evs))
	}
	for _, ev := range evs[2:] {
		if ev.EventType != "FAIL" {
			t.Errorf("%s ended %s, want FAIL", ev.Job.Name, ev.EventType)
		}
		msg := facet[struct{ Message, ProgrammingLanguage string }](t, ev.Run.Facets, "errorMessage")
		if !strings.Contains(msg.Message, "users") || msg.ProgrammingLanguage != "Go" {
			t.Errorf("%s: errorMessage %+v", ev.Job.Name, msg)
		}
	}
	in := dataset(t, evs[2].Inputs, "file", filepath.Join(dir, "in", "users.csv"))
	if _, ok := in.InputFacets["dataQualityAssertions"]; ok {
		t.Error("a table that was never validated has assertions")
	}
}

// TestInterruptedRunAborts: a run canceled while it goes ends in ABORT events.
func TestInterruptedRunAborts(t *testing.T) {
	dir := t.TempDir()
	plan := enginetest.Compile(t, filepath.Join(dir, "shop.yaml"), strings.Replace(specText(dir), "scale: 0.001", "scale: 0.5", 1))
	recv := lineagetest.NewReceiver()
	defer recv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	rep, err := run(t, ctx, plan, lineage.Config{URL: recv.URL, Endpoint: "v1/lineage"}, nil)
	if err != nil {
		t.Fatalf("delivery after the interruption: %v", err)
	}
	if rep.Status != "canceled" {
		t.Skipf("the run ended %s before it was interrupted", rep.Status)
	}
	evs := validated(t, recv.Events())
	last := evs[len(evs)-1]
	if last.Job.Name != "shop" || last.EventType != "ABORT" {
		t.Fatalf("last event %s %s, want the pipeline's ABORT", last.Job.Name, last.EventType)
	}
	if msg := facet[struct{ Message string }](t, last.Run.Facets, "errorMessage"); !strings.Contains(msg.Message, "interrupted") {
		t.Errorf("errorMessage %q", msg.Message)
	}
	if len(evs) != 6 {
		t.Errorf("%d events, want 6", len(evs))
	}
}

// TestDeliveryIsBounded: a receiver that hangs, refuses connections or fails
// costs Finish at most its deadline, and says so in one error; one that fails
// twice and then answers gets every event.
func TestDeliveryIsBounded(t *testing.T) {
	dir := t.TempDir()
	plan := enginetest.Compile(t, filepath.Join(dir, "shop.yaml"), specText(dir))

	stop := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the server sees the client leave only once the body is read
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer hang.Close()
	defer close(stop)
	refused := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return "http://" + l.Addr().String()
	}()
	var calls atomic.Int32
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer flaky.Close()
	denied := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(100)
		http.Error(w, "no", http.StatusUnauthorized)
	}))
	defer denied.Close()

	for _, tc := range []struct {
		name, url, wantErr string
	}{
		{"hangs", hang.URL, "no answer before the deadline"},
		{"refuses", refused, "connection refused"},
		{"denies", denied.URL, "401"},
		{"recovers", flaky.URL, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls.Store(0)
			em := lineage.New(plan, lineage.Options{Config: lineage.Config{URL: tc.url, Deadline: time.Second}, Version: "dev", RunID: "r"})
			rep, _ := engine.Apply(context.Background(), plan, engine.Options{Parallelism: 2, OnStage: em.Stage})
			began := time.Now()
			err := em.Finish(context.Background(), rep)
			took := time.Since(began)
			if took > 1500*time.Millisecond {
				t.Errorf("Finish took %v, deadline 1s", took)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Errorf("error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "events not delivered") {
				t.Errorf("error %v, want one saying %q", err, tc.wantErr)
			}
			if tc.name == "denies" && calls.Load() != 100 {
				t.Errorf("a 401 was tried %d times, and the rest sent after it", calls.Load()/100)
			}
		})
	}
}

// TestEventsCarryNoSecret: a secret of the spec that shows in a dataset's name is masked.
func TestEventsCarryNoSecret(t *testing.T) {
	const secret = "hunter2-very-secret"
	dir := filepath.Join(t.TempDir(), secret)
	plan := enginetest.Compile(t, filepath.Join(dir, "shop.yaml"), specText(dir))
	recv := lineagetest.NewReceiver()
	defer recv.Close()
	if _, err := run(t, context.Background(), plan, lineage.Config{URL: recv.URL}, redact.New(secret)); err != nil {
		t.Fatal(err)
	}
	evs := validated(t, recv.Events())
	for _, ev := range evs {
		if strings.Contains(string(ev.Raw), secret) {
			t.Fatalf("%s %s carries the secret", ev.Job.Name, ev.EventType)
		}
	}
	if !strings.Contains(string(evs[len(evs)-2].Raw), redact.Mask) {
		t.Error("no mask in the events: the secret was not where the test put it")
	}
}

func TestConfigFrom(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, tc := range []struct {
		name     string
		block    *spec.Lineage
		env      func(string) string
		on       bool
		url, ns  string
		endpoint string
		err      bool
	}{
		{name: "nothing", env: env(), on: false},
		{name: "env", env: env("OPENLINEAGE_URL", "http://m:5000", "OPENLINEAGE_API_KEY", "k"), on: true, url: "http://m:5000", ns: "ecomrun", endpoint: "api/v1/lineage"},
		{name: "spec", block: &spec.Lineage{URL: "http://a", Namespace: "n", Endpoint: "e"}, env: env(), on: true, url: "http://a", ns: "n", endpoint: "e"},
		{name: "env wins", block: &spec.Lineage{URL: "http://a", Namespace: "n"}, env: env("OPENLINEAGE_URL", "http://b", "OPENLINEAGE_ENDPOINT", "x", "OPENLINEAGE_NAMESPACE", "m"), on: true, url: "http://b", ns: "m", endpoint: "x"},
		{name: "disabled", block: &spec.Lineage{URL: "http://a"}, env: env("OPENLINEAGE_DISABLED", "true"), on: false, url: "http://a"},
		{name: "bad url", env: env("OPENLINEAGE_URL", "localhost:5000"), on: false, err: true, url: "localhost:5000"},
		{name: "file", block: &spec.Lineage{File: "x.ndjson"}, env: env(), on: true, ns: "ecomrun", endpoint: "api/v1/lineage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, on, err := lineage.ConfigFrom(tc.block, tc.env)
			if on != tc.on || (err != nil) != tc.err || c.URL != tc.url {
				t.Fatalf("on=%v err=%v url=%q", on, err, c.URL)
			}
			if on && (c.Namespace != tc.ns || c.Endpoint != tc.endpoint) {
				t.Errorf("namespace %q endpoint %q", c.Namespace, c.Endpoint)
			}
		})
	}
}

// TestEventsOfARunThatNeverStarted: a run stopped before any stage (its
// warehouse cannot be opened) still closes every run it started: the tables
// ABORT, the pipeline FAILs.
func TestEventsOfARunThatNeverStarted(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "blocker"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	plan := enginetest.Compile(t, filepath.Join(dir, "shop.yaml"), strings.Replace(specText(dir), dir+"/ecom.duckdb", dir+"/blocker/ecom.duckdb", 1))
	recv := lineagetest.NewReceiver()
	defer recv.Close()
	rep, err := run(t, context.Background(), plan, lineage.Config{URL: recv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != "failed" || len(rep.Stages) != 0 {
		t.Fatalf("run %s with %d stages, want failed before any stage", rep.Status, len(rep.Stages))
	}
	evs := validated(t, recv.Events())
	want := map[string]string{"shop": "FAIL", "shop.orders": "ABORT", "shop.users": "ABORT"}
	ends := map[string]string{}
	for _, ev := range evs {
		if ev.EventType != "START" {
			ends[ev.Job.Name] = ev.EventType
		}
	}
	if len(evs) != 6 || fmt.Sprint(ends) != fmt.Sprint(want) {
		t.Errorf("%d events ending %v, want 6 ending %v", len(evs), ends, want)
	}
}
