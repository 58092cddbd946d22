package engine_test

import (
	"context"
	"sync"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// TestStageEvents: every stage is heard starting and then ending, as it ends
// (before Apply returns), with the rows the report records for it, so a progress
// display and the closing summary never disagree.
func TestStageEvents(t *testing.T) {
	dir := t.TempDir()
	plan := compile(t, dir, generatedSpec(dir, 0.001))
	var (
		mu     sync.Mutex
		seen   = map[string][]engine.StageEvent{}
		during = true // set false once Apply returned
		late   []string
	)
	rep, err := engine.Apply(context.Background(), plan, engine.Options{Parallelism: 3, OnStage: func(ev engine.StageEvent) {
		mu.Lock()
		defer mu.Unlock()
		if !during {
			late = append(late, ev.Stage.ID)
		}
		seen[ev.Stage.ID] = append(seen[ev.Stage.ID], ev)
	}})
	mu.Lock()
	during = false
	mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if len(late) > 0 {
		t.Errorf("events after Apply returned: %v", late)
	}
	for _, s := range plan.Stages {
		evs := seen[s.ID]
		if len(evs) != 2 || evs[0].Status != "running" || evs[1].Status != "ok" {
			t.Errorf("%s: events %+v, want running then ok", s.ID, evs)
			continue
		}
		if want := reportRows(rep, s); evs[1].Rows != want || want == 0 {
			t.Errorf("%s: event rows %d, report says %d", s.ID, evs[1].Rows, want)
		}
	}
}

// reportRows is what the report says a stage handled.
func reportRows(r *report.Report, s spec.Stage) int64 {
	t := r.Snapshot(s.Table)
	switch s.Kind {
	case spec.StageLoad:
		return t.RowsLoaded
	case spec.StageSink:
		return r.OutputRows(s.Sink, s.Table)
	}
	return t.RowsIn
}

// TestSkippedStagesEndOnce: a failing stage is heard failing; the stages it
// held back are heard once, skipped, and never as running.
func TestSkippedStagesEndOnce(t *testing.T) {
	dir := t.TempDir()
	plan := compile(t, dir, `version: 1
name: fail
source: {kind: thelook, scale: 0.001, seed: 7}
warehouse: {path: `+dir+`/w.duckdb}
tables:
  - name: orders
    on_invalid: fail
    rules:
      - {check: range, column: num_of_item, max: 1}
sinks:
  - {name: files, kind: csv, path: `+dir+`/csv}
`)
	var mu sync.Mutex
	seen := map[string][]string{}
	_, err := engine.Apply(context.Background(), plan, engine.Options{OnStage: func(ev engine.StageEvent) {
		mu.Lock()
		defer mu.Unlock()
		seen[ev.Stage.ID] = append(seen[ev.Stage.ID], ev.Status)
	}})
	if err == nil {
		t.Fatal("apply succeeded; the rule should fail the run")
	}
	want := map[string][]string{
		"extract.orders":    {"running", "ok"},
		"validate.orders":   {"running", "failed"},
		"load.orders":       {"skipped"},
		"sink.files.orders": {"skipped"},
	}
	for id, w := range want {
		if got := seen[id]; len(got) != len(w) || got[0] != w[0] || got[len(got)-1] != w[len(w)-1] {
			t.Errorf("%s: %v, want %v", id, got, w)
		}
	}
}
