package cli

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vbauerster/mpb/v8"

	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// twoTables is a plan of orders (two sinks) and users (one).
func twoTables() *spec.Plan {
	p := &spec.Plan{Spec: &spec.Spec{Name: "t"}, Tables: []spec.TablePlan{
		{Name: "orders", Sinks: []string{"files", "lake"}}, {Name: "users", Sinks: []string{"files"}},
	}}
	for _, t := range p.Tables {
		for _, k := range []string{"extract", "validate", "load"} {
			p.Stages = append(p.Stages, spec.Stage{ID: k + "." + t.Name, Kind: k, Table: t.Name})
		}
		for _, s := range t.Sinks {
			p.Stages = append(p.Stages, spec.Stage{ID: "sink." + s + "." + t.Name, Kind: "sink", Table: t.Name, Sink: s})
		}
	}
	return p
}

// events replays a run: every stage runs and ends ok, but validate.users fails
// with a two-line error and what follows it is skipped.
func events(p *spec.Plan) []engine.StageEvent {
	var evs []engine.StageEvent
	for _, s := range p.Stages {
		switch {
		case s.ID == "validate.users":
			evs = append(evs, engine.StageEvent{Stage: s, Status: "running"},
				engine.StageEvent{Stage: s, Status: "failed", Err: errors.New("validate.users: boom\non two lines")})
		case s.Table == "users" && s.Kind != "extract":
			evs = append(evs, engine.StageEvent{Stage: s, Status: "skipped"})
		default:
			evs = append(evs, engine.StageEvent{Stage: s, Status: "running"}, engine.StageEvent{Stage: s, Status: "ok", Rows: 1234})
		}
	}
	return evs
}

func TestLogLinesText(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(streams{err: &buf}, twoTables(), false, "text", nil)
	for _, ev := range events(twoTables()) {
		p.stage(ev)
	}
	p.done()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	// Six stages ended ok, one failed; the skipped ones never ran and are left to the closing report.
	if len(lines) != 7 {
		t.Fatalf("%d lines, want 7:\n%s", len(lines), buf.String())
	}
	ok := regexp.MustCompile(`^\d\d:\d\d:\d\d ok       [a-z.]+ rows=1234 took=\S+$`)
	failed := regexp.MustCompile(`^\d\d:\d\d:\d\d failed   validate\.users error="validate\.users: boom\\non two lines"$`)
	for _, l := range lines {
		if !ok.MatchString(l) && !failed.MatchString(l) {
			t.Errorf("unexpected line %q", l)
		}
	}
	if !failed.MatchString(lines[len(lines)-1]) {
		t.Errorf("last line %q is not the failure", lines[len(lines)-1])
	}
}

func TestLogLinesJSON(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(streams{err: &buf, errTTY: true}, twoTables(), false, "json", nil)
	if _, bars := p.(*barProgress); bars {
		t.Fatal("--log-format json drew bars on a terminal; it must stay machine-readable")
	}
	for _, ev := range events(twoTables()) {
		p.stage(ev)
	}
	p.done()
	want := regexp.MustCompile(`^\{"time":"[^"]+Z","level":"(INFO|ERROR)","msg":"(ok|failed)","stage":"[a-z.]+",("rows":1234,"took_seconds":[0-9.e-]+|"error":"[^"]+")\}$`)
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	for _, l := range lines {
		if !want.MatchString(l) {
			t.Errorf("line %q", l)
		}
	}
	if len(lines) != 7 {
		t.Errorf("%d lines, want 7", len(lines))
	}
}

func TestQuietPrintsNothing(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(streams{err: &buf, errTTY: true}, twoTables(), true, "text", nil)
	for _, ev := range events(twoTables()) {
		p.stage(ev)
	}
	p.done()
	if buf.Len() > 0 {
		t.Errorf("--quiet printed %q", buf.String())
	}
}

// TestBars drives the terminal bars into a buffer (mpb told to draw anyway):
// the last frame names each table with its state and rows, and done returns even
// though a bar can never complete (its table failed).
func TestBars(t *testing.T) {
	var buf bytes.Buffer
	plan := twoTables()
	p := newBarProgress(&buf, plan, mpb.WithAutoRefresh(), mpb.WithWidth(120))
	for _, ev := range events(plan) {
		p.stage(ev)
	}
	p.done()
	out := buf.String()
	lastFrame := out[strings.LastIndex(out, "orders"):]
	for _, want := range []string{"orders", "done", "1,234 rows", "rows/s", "users", "failed: validate"} {
		if !strings.Contains(lastFrame, want) {
			t.Errorf("last frame lacks %q:\n%q", want, lastFrame)
		}
	}

	// A run that fails before any stage (the warehouse does not open) sends no
	// events at all: done must still return.
	p = newBarProgress(&bytes.Buffer{}, plan, mpb.WithAutoRefresh())
	p.done()
}

func TestPickProgress(t *testing.T) {
	var buf bytes.Buffer
	if _, ok := newProgress(streams{err: &buf, errTTY: true}, twoTables(), false, "text", nil).(*barProgress); !ok {
		t.Error("a terminal with the text format gets no bars")
	}
	if _, ok := newProgress(streams{err: &buf}, twoTables(), false, "text", nil).(*logProgress); !ok {
		t.Error("a pipe with the text format gets no log lines")
	}
	if isTerminal(&buf) {
		t.Error("a buffer is a terminal")
	}
}

func TestSummaryAligns(t *testing.T) {
	r := &report.Report{RunID: "r", Pipeline: "p", Status: "ok", Started: time.Unix(0, 0), Ended: time.Unix(1, 0)}
	r.Update("distribution_centers", func(t *report.Table) { t.Status, t.RowsIn, t.RowsLoaded = "ok", 10, 10 })
	r.Update("events", func(t *report.Table) {
		t.Status, t.RowsIn, t.RowsLoaded, t.RowsQuarantined = "ok", 24051, 24000, 51
	})
	var buf bytes.Buffer
	printSummary(&buf, r)
	want := `
Run r of "p": ok in 1s

TABLE                 STATUS  ROWS IN  LOADED  QUARANTINED  DROPPED
distribution_centers  ok           10      10            0        0
events                ok        24051   24000           51        0
`
	if buf.String() != want {
		t.Errorf("summary:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestGroupDigits(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}
