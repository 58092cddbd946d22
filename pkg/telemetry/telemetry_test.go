package telemetry_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/ecomrun/ecomrun/internal/enginetest"
	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/telemetry"
	"github.com/ecomrun/ecomrun/pkg/telemetry/otlptest"
)

func plan(t *testing.T, dir, source string) *spec.Plan {
	return enginetest.Compile(t, filepath.Join(dir, "shop.yaml"), fmt.Sprintf(`version: 1
name: shop
source: %s
warehouse: {path: %s/ecom.duckdb}
tables:
  - name: orders
    rules: [{name: few_items, check: range, column: num_of_item, min: 1, max: 2}]
  - name: users
sinks:
  - {name: files, kind: csv, path: %s/csv}
`, source, dir, dir))
}

func export(t *testing.T, p *spec.Plan, deadline time.Duration) (*report.Report, error, time.Duration) {
	t.Helper()
	ex, err := telemetry.New(context.Background(), telemetry.Options{Version: "v9", Getenv: os.Getenv, Deadline: deadline})
	if err != nil || ex == nil {
		t.Fatalf("telemetry.New: %v, %v", ex, err)
	}
	rep, _ := engine.Apply(context.Background(), p, engine.Options{Parallelism: 2})
	began := time.Now()
	err = ex.Export(context.Background(), p, rep)
	return rep, err, time.Since(began)
}

// TestTraceOfARun: one trace; the run's span is the root, each table's span is
// its child and each stage's span the child of its table's, with the stage's
// rows, bytes and status; a failed stage's span is an error with the error
// recorded. The metrics count each table's rows by outcome.
func TestTraceOfARun(t *testing.T) {
	recv := otlptest.NewReceiver()
	defer recv.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", recv.URL)
	t.Setenv("OTEL_SERVICE_NAME", "nightly-shop")
	dir := t.TempDir()
	p := plan(t, dir, "{kind: thelook, scale: 0.001, seed: 3}")
	rep, err, _ := export(t, p, 0)
	if err != nil {
		t.Fatal(err)
	}
	spans := recv.Spans()
	if want := 1 + len(p.Tables) + len(p.Stages); len(spans) != want {
		t.Fatalf("%d spans, want %d (run, tables, stages)", len(spans), want)
	}
	byName := map[string]otlptest.Span{}
	for _, s := range spans {
		byName[s.Name] = s
	}
	root := byName["apply shop"]
	if root.Span == nil || len(root.ParentSpanId) != 0 || root.Attr("ecomrun.run_id") != rep.RunID || root.Status.GetCode() != tracepb.Status_STATUS_CODE_OK {
		t.Fatalf("run span %+v", root.Span)
	}
	if root.Resource["service.name"] != "nightly-shop" || root.Resource["service.version"] != "v9" {
		t.Errorf("resource %v", root.Resource)
	}
	for _, s := range spans {
		if hex.EncodeToString(s.TraceId) != hex.EncodeToString(root.TraceId) {
			t.Errorf("span %s is in another trace", s.Name)
		}
	}
	for _, tp := range p.Tables {
		ts := byName[tp.Name]
		if ts.Span == nil || string(ts.ParentSpanId) != string(root.SpanId) {
			t.Fatalf("table span %s is not a child of the run's", tp.Name)
		}
		if got, want := ts.IntAttr("ecomrun.rows_loaded"), rep.Snapshot(tp.Name).RowsLoaded; got != want {
			t.Errorf("%s: rows_loaded %d, report %d", tp.Name, got, want)
		}
	}
	for _, st := range rep.Stages {
		s := byName[st.ID]
		if s.Span == nil || string(s.ParentSpanId) != string(byName[st.Table].SpanId) {
			t.Fatalf("stage span %s is not a child of its table's", st.ID)
		}
		if s.Attr("ecomrun.stage.kind") != st.Kind || s.Attr("ecomrun.status") != "ok" || s.Attr("ecomrun.pipeline") != "shop" {
			t.Errorf("%s: attributes %v", st.ID, s.Attributes)
		}
		if got := time.Unix(0, int64(s.StartTimeUnixNano)).UTC(); !got.Equal(st.Started) {
			t.Errorf("%s starts %v, report %v", st.ID, got, st.Started)
		}
		rows := s.IntAttr("ecomrun.rows")
		switch st.Kind {
		case spec.StageLoad:
			if rows != rep.Snapshot(st.Table).RowsLoaded {
				t.Errorf("%s: rows %d", st.ID, rows)
			}
		case spec.StageSink:
			if rows != rep.OutputRows(st.Sink, st.Table) || s.IntAttr("ecomrun.bytes") <= 0 {
				t.Errorf("%s: rows %d bytes %d", st.ID, rows, s.IntAttr("ecomrun.bytes"))
			}
		}
	}

	m := recv.Metrics()
	rows := m["ecomrun.table.rows"]
	if rows == nil || m["ecomrun.stage.duration"] == nil || m["ecomrun.rule.violations"] == nil {
		t.Fatalf("metrics %v", m)
	}
	o := rep.Snapshot("orders")
	for outcome, want := range map[string]int64{"in": o.RowsIn, "loaded": o.RowsLoaded, "quarantined": o.RowsQuarantined, "dropped": o.RowsDropped} {
		if got := otlptest.Sum(rows, map[string]string{"ecomrun.table": "orders", "ecomrun.outcome": outcome}); got != want {
			t.Errorf("orders %s: %d, report %d", outcome, got, want)
		}
	}
	if o.RowsQuarantined == 0 {
		t.Error("no quarantined orders: the test proves less than it says")
	}
	if n := len(m["ecomrun.stage.duration"].GetHistogram().GetDataPoints()); n == 0 {
		t.Error("no stage duration points")
	}
}

// TestTraceOfAFailingRun: the failed stage's span and its table's and the run's
// are errors; the stages it held back are spans that say so.
func TestTraceOfAFailingRun(t *testing.T) {
	recv := otlptest.NewReceiver()
	defer recv.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", recv.URL+"/v1/traces")
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "in"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := plan(t, dir, fmt.Sprintf("{kind: files, dir: %s/in}", dir))
	if _, err, _ := export(t, p, 0); err != nil {
		t.Fatal(err)
	}
	if len(recv.Metrics()) != 0 {
		t.Error("metrics were sent with only a traces endpoint set")
	}
	byName := map[string]otlptest.Span{}
	for _, s := range recv.Spans() {
		byName[s.Name] = s
	}
	ex := byName["extract.orders"]
	if ex.Span == nil || ex.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR || len(ex.Events) == 0 || ex.Events[0].Name != "exception" {
		t.Fatalf("extract.orders: %+v", ex.Span)
	}
	for _, name := range []string{"orders", "apply shop"} {
		if byName[name].Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR {
			t.Errorf("%s span status %v", name, byName[name].Status)
		}
	}
	if v := byName["validate.orders"]; v.Attr("ecomrun.status") != "skipped" || v.Attr("ecomrun.cause") != "extract.orders" {
		t.Errorf("validate.orders: %v", v.Attributes)
	}
}

// TestExportIsBounded: a collector that hangs or refuses costs the run at most
// the deadline, and the failure is one error.
func TestExportIsBounded(t *testing.T) {
	stop := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer hang.Close()
	defer close(stop)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String()
	l.Close()
	dir := t.TempDir()
	p := plan(t, dir, "{kind: thelook, scale: 0.001, seed: 3}")
	for name, url := range map[string]string{"hangs": hang.URL, "refuses": refused} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
			_, err, took := export(t, p, time.Second)
			if err == nil {
				t.Error("no error")
			}
			if took > 1500*time.Millisecond {
				t.Errorf("export took %v, deadline 1s", took)
			}
		})
	}
}

func TestSignals(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	for _, tc := range []struct {
		env             map[string]string
		traces, metrics bool
	}{
		{map[string]string{}, false, false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, true, true},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"}, true, false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}, false, false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_METRICS_EXPORTER": "none"}, true, false},
	} {
		tr, me := telemetry.Signals(env(tc.env))
		if tr != tc.traces || me != tc.metrics {
			t.Errorf("%v: traces %v metrics %v", tc.env, tr, me)
		}
	}
	if ex, err := telemetry.New(context.Background(), telemetry.Options{Getenv: env(nil)}); ex != nil || err != nil {
		t.Errorf("off: %v %v", ex, err)
	}
}
