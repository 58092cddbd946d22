package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/ecomrun/ecomrun/pkg/lineage/lineagetest"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/telemetry/otlptest"
)

const observedSpec = `version: 1
name: observed
source: ${SOURCE}
warehouse: {path: out/ecom.duckdb}
tables:
  - name: orders
    rules: [{name: few_items, check: range, column: num_of_item, min: 1, max: 2}]
  - name: users
sinks:
  - {name: files, kind: csv, path: out/csv}
lineage: {file: run.lineage.ndjson, namespace: team}
`

type observedRun struct {
	code        int
	stderr      string
	took        time.Duration
	events      []lineagetest.Event
	fileRaw     [][]byte
	spans       map[string]otlptest.Span
	rep         report.Report
	lineage     *lineagetest.Receiver
	otlp        *otlptest.Receiver
	dir         string
	interrupted bool
}

// applyObserved runs ecomrun apply as a process, with lineage and telemetry
// pointed at receivers on loopback (or at lineageURL and otlpURL when given), and
// interrupts it after interruptAfter when that is not zero.
func applyObserved(t *testing.T, source, lineageURL, otlpURL string, interruptAfter time.Duration) *observedRun {
	t.Helper()
	r := &observedRun{dir: t.TempDir(), lineage: lineagetest.NewReceiver(), otlp: otlptest.NewReceiver()}
	t.Cleanup(r.lineage.Close)
	t.Cleanup(r.otlp.Close)
	if lineageURL == "" {
		lineageURL = r.lineage.URL
	}
	if otlpURL == "" {
		otlpURL = r.otlp.URL
	}
	if err := os.WriteFile(filepath.Join(r.dir, "spec.yaml"), []byte(strings.Replace(observedSpec, "${SOURCE}", source, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := cliCommand(r.dir, []string{
		"OPENLINEAGE_URL=" + lineageURL, "OPENLINEAGE_API_KEY=ol-key-0123456789",
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + otlpURL, "OTEL_SERVICE_NAME=shop-nightly",
	}, "apply", "spec.yaml", "--report", "report.json")
	cmd.Stderr = &stderr
	began := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if interruptAfter > 0 {
		time.Sleep(interruptAfter)
		cmd.Process.Signal(syscall.SIGINT)
	}
	cmd.Wait()
	r.took, r.code, r.stderr = time.Since(began), cmd.ProcessState.ExitCode(), stderr.String()
	if b, err := os.ReadFile(filepath.Join(r.dir, "report.json")); err == nil {
		json.Unmarshal(b, &r.rep)
	}
	v, err := lineagetest.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	raw := r.lineage.Events()
	for i, b := range raw {
		if err := v.Validate(b); err != nil {
			t.Errorf("event %d is not valid OpenLineage: %v\n%s", i, err, b)
		}
		if strings.Contains(string(b), "ol-key-0123456789") {
			t.Errorf("event %d carries the API key", i)
		}
	}
	if r.events, err = lineagetest.Decode(raw); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(r.dir, "run.lineage.ndjson")); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			r.fileRaw = append(r.fileRaw, []byte(line))
		}
	}
	r.spans = map[string]otlptest.Span{}
	for _, s := range r.otlp.Spans() {
		r.spans[s.Name] = s
	}
	return r
}

// end returns the last event of a job.
func (r *observedRun) end(job string) *lineagetest.Event {
	var last *lineagetest.Event
	for i := range r.events {
		if r.events[i].Job.Name == job {
			last = &r.events[i]
		}
	}
	return last
}

// checkShape checks what every run has: a START first and an end last for the
// pipeline, a START and an end for each table whose parent is the pipeline's run,
// and a trace whose spans hang from the run's span (tables) and their table's (stages).
func (r *observedRun) checkShape(t *testing.T, wantEnd string) {
	t.Helper()
	if len(r.events) != 6 {
		t.Fatalf("%d events, want 6; stderr:\n%s", len(r.events), r.stderr)
	}
	first, last := r.events[0], r.events[5]
	if first.Job.Name != "observed" || first.EventType != "START" || last.Job.Name != "observed" || last.EventType != wantEnd {
		t.Fatalf("pipeline events %s %s ... %s %s, want START ... %s", first.Job.Name, first.EventType, last.Job.Name, last.EventType, wantEnd)
	}
	if first.Job.Namespace != "team" {
		t.Errorf("namespace %q, want the spec's", first.Job.Namespace)
	}
	for _, table := range []string{"orders", "users"} {
		var parent struct{ Run struct{ RunID string } }
		ev := r.end("observed." + table)
		if ev == nil {
			t.Fatalf("no events for table %s", table)
		}
		json.Unmarshal(ev.Run.Facets["parent"], &parent)
		if parent.Run.RunID != first.Run.RunID {
			t.Errorf("table %s: parent run %q, want %q", table, parent.Run.RunID, first.Run.RunID)
		}
	}
	if len(r.fileRaw) != len(r.events) {
		t.Errorf("the spec's lineage file has %d events, the receiver %d", len(r.fileRaw), len(r.events))
	}

	root := r.spans["apply observed"]
	if root.Span == nil || len(root.ParentSpanId) != 0 || root.Resource["service.name"] != "shop-nightly" {
		t.Fatalf("no root span for the run (spans %d); stderr:\n%s", len(r.spans), r.stderr)
	}
	for _, s := range r.spans {
		switch {
		case s.Name == root.Name:
		case s.Attr("ecomrun.stage") == "":
			if string(s.ParentSpanId) != string(root.SpanId) {
				t.Errorf("table span %s is not under the run's", s.Name)
			}
		default:
			if string(s.ParentSpanId) != string(r.spans[s.Attr("ecomrun.table")].SpanId) {
				t.Errorf("stage span %s is not under its table's", s.Name)
			}
		}
	}
	if want := 1 + 2 + 8; len(r.spans) != want {
		t.Errorf("%d spans, want %d", len(r.spans), want)
	}
}

// TestApplyTellsThePlatform runs apply against an OpenLineage receiver and an
// OTLP/HTTP receiver on loopback, for a run that succeeds, one that fails and
// one interrupted by SIGINT.
func TestApplyTellsThePlatform(t *testing.T) {
	t.Run("succeeds", func(t *testing.T) {
		r := applyObserved(t, "{kind: thelook, scale: 0.002, seed: 5}", "", "", 0)
		if r.code != 0 {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		r.checkShape(t, "COMPLETE")
		if strings.Contains(r.stderr, "warning") {
			t.Errorf("warnings:\n%s", r.stderr)
		}
		_, auth := r.lineage.Requests()
		if auth[0] != "Bearer ol-key-0123456789" {
			t.Errorf("Authorization %q", auth[0])
		}
		var ecomrun struct{ RunID string }
		json.Unmarshal(r.events[0].Run.Facets["ecomrun"], &ecomrun)
		if ecomrun.RunID != r.rep.RunID || r.rep.RunID == "" || r.spans["apply observed"].Attr("ecomrun.run_id") != r.rep.RunID {
			t.Errorf("run ids: event %q, span %q, report %q", ecomrun.RunID, r.spans["apply observed"].Attr("ecomrun.run_id"), r.rep.RunID)
		}
		for _, rt := range r.rep.Tables {
			ev := r.end("observed." + rt.Name)
			if ev.EventType != "COMPLETE" {
				t.Errorf("%s ended %s", rt.Name, ev.EventType)
			}
			counts := map[string]int64{}
			for _, o := range ev.Outputs {
				var st struct{ RowCount int64 }
				json.Unmarshal(o.OutputFacets["outputStatistics"], &st)
				counts[o.Name] = st.RowCount
			}
			if counts["main."+rt.Name] != rt.RowsLoaded || counts["quarantine."+rt.Name] != rt.RowsQuarantined {
				t.Errorf("%s: outputs %v, report loaded %d quarantined %d", rt.Name, counts, rt.RowsLoaded, rt.RowsQuarantined)
			}
			csv := filepath.Join(r.dir, "out", "csv", rt.Name+".csv")
			if resolved, err := filepath.EvalSymlinks(filepath.Dir(csv)); err == nil {
				csv = filepath.Join(resolved, rt.Name+".csv")
			}
			found := false
			for _, o := range ev.Outputs {
				found = found || (o.Namespace == "file" && strings.HasSuffix(o.Name, "/out/csv/"+rt.Name+".csv"))
			}
			if !found {
				t.Errorf("%s: no file dataset for %s among the outputs", rt.Name, csv)
			}
			span := r.spans["load."+rt.Name]
			if span.IntAttr("ecomrun.rows") != rt.RowsLoaded {
				t.Errorf("load.%s span rows %d, report %d", rt.Name, span.IntAttr("ecomrun.rows"), rt.RowsLoaded)
			}
		}
		if m := r.otlp.Metrics()["ecomrun.table.rows"]; m == nil || otlptest.Sum(m, map[string]string{"ecomrun.outcome": "in", "ecomrun.table": "orders"}) != r.rep.Tables[0].RowsIn {
			t.Errorf("metric ecomrun.table.rows does not count the orders read")
		}
	})

	t.Run("fails", func(t *testing.T) {
		r := applyObserved(t, "{kind: files, dir: missing}", "", "", 0)
		if r.code != 1 {
			t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
		}
		r.checkShape(t, "FAIL")
		var msg struct{ Message string }
		json.Unmarshal(r.end("observed.orders").Run.Facets["errorMessage"], &msg)
		if !strings.Contains(msg.Message, "extract.orders") {
			t.Errorf("errorMessage %q", msg.Message)
		}
		if s := r.spans["extract.orders"]; s.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR || len(s.Events) == 0 {
			t.Errorf("extract.orders span: status %v, events %d", s.Status, len(s.Events))
		}
	})

	t.Run("interrupted", func(t *testing.T) {
		r := applyObserved(t, "{kind: thelook, scale: 10, seed: 5}", "", "", 1200*time.Millisecond)
		if r.code != 130 {
			t.Fatalf("exit %d, want 130\n%s", r.code, r.stderr)
		}
		r.checkShape(t, "ABORT")
		if root := r.spans["apply observed"]; root.Attr("ecomrun.status") != "canceled" || root.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR {
			t.Errorf("run span: status %v, ecomrun.status %q", root.Status, root.Attr("ecomrun.status"))
		}
	})
}

// TestApplyIsNotHeldUpByItsReceivers: receivers that hang or refuse cost a run
// at most the deadline (5 s), and each says so in one warning line.
func TestApplyIsNotHeldUpByItsReceivers(t *testing.T) {
	const source = "{kind: thelook, scale: 0.002, seed: 5}"
	base := applyObserved(t, source, "", "", 0)
	if base.code != 0 {
		t.Fatalf("exit %d\n%s", base.code, base.stderr)
	}
	stop := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(stop) })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String()
	l.Close()
	for name, url := range map[string]string{"hang": hang.URL, "refuse": refused} {
		t.Run(name, func(t *testing.T) {
			r := applyObserved(t, source, url, url, 0)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			if extra := r.took - base.took; extra > 7*time.Second {
				t.Errorf("the run took %v, %v more than with receivers that answer", r.took, extra)
			}
			var warnings []string
			for _, line := range strings.Split(r.stderr, "\n") {
				if strings.Contains(line, "warning") {
					warnings = append(warnings, line)
				}
			}
			if len(warnings) != 2 || !strings.Contains(warnings[0]+warnings[1], "lineage:") || !strings.Contains(warnings[0]+warnings[1], "telemetry:") {
				t.Errorf("want one warning for lineage and one for telemetry, got:\n%s", r.stderr)
			}
			if len(r.fileRaw) != 6 {
				t.Errorf("the lineage file got %d events while the receiver %s", len(r.fileRaw), name)
			}
			t.Logf("took %v (baseline %v): %s", r.took, base.took, strings.Join(warnings, " | "))
		})
	}
}
