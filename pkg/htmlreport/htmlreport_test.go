package htmlreport

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// fixture is a two-table plan where orders' validation waits for users' load, and
// a report in which users ran and orders' validation failed.
func fixture() (*spec.Plan, *report.Report) {
	plan := &spec.Plan{
		Spec:   &spec.Spec{Name: "p"},
		Tables: []spec.TablePlan{{Name: "users", Sinks: []string{"files", "lake"}}, {Name: "orders", Sinks: []string{"files"}}},
		Stages: []spec.Stage{
			{ID: "extract.users", Kind: "extract", Table: "users"},
			{ID: "validate.users", Kind: "validate", Table: "users", DependsOn: []string{"extract.users"}},
			{ID: "load.users", Kind: "load", Table: "users", DependsOn: []string{"validate.users"}},
			{ID: "sink.files.users", Kind: "sink", Table: "users", Sink: "files", DependsOn: []string{"load.users"}},
			{ID: "sink.lake.users", Kind: "sink", Table: "users", Sink: "lake", DependsOn: []string{"load.users"}},
			{ID: "extract.orders", Kind: "extract", Table: "orders"},
			{ID: "validate.orders", Kind: "validate", Table: "orders", DependsOn: []string{"extract.orders", "load.users"}},
			{ID: "load.orders", Kind: "load", Table: "orders", DependsOn: []string{"validate.orders"}},
			{ID: "sink.files.orders", Kind: "sink", Table: "orders", Sink: "files", DependsOn: []string{"load.orders"}},
		},
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	r := &report.Report{RunID: "r1", Pipeline: "p", Spec: "p.yaml", Status: "failed", Started: t0, Ended: at(1000),
		Errors: []string{"validate.orders: <boom> & more"}}
	r.Update("users", func(t *report.Table) {
		t.Status, t.RowsIn, t.RowsLoaded, t.RowsQuarantined = "ok", 10, 8, 2
		t.Violations = []report.Violation{{Rule: "a", Check: "not_null", Severity: "error", Rows: 2}, {Rule: "b", Check: "unique", Severity: "error"}}
		t.Samples = []report.Sample{{Row: map[string]string{"id": "1", "name": "<script>"}, Violations: []string{"a"}}}
	})
	r.Update("orders", func(t *report.Table) { t.Status, t.RowsIn = "failed", 5 })
	stage := func(id, kind, table, status string, from, to int) {
		s := &report.Stage{ID: id, Kind: kind, Table: table, Status: status}
		if from >= 0 {
			s.Started, s.Ended, s.Duration = at(from), at(to), float64(to-from)/1000
		}
		r.AddStage(s)
	}
	stage("extract.users", "extract", "users", "ok", 0, 100)
	stage("validate.users", "validate", "users", "ok", 100, 300)
	stage("load.users", "load", "users", "ok", 300, 400)
	stage("sink.files.users", "sink", "users", "ok", 400, 600)
	stage("sink.lake.users", "sink", "users", "ok", 400, 500)
	stage("extract.orders", "extract", "orders", "ok", 0, 50)
	stage("validate.orders", "validate", "orders", "failed", 400, 1000)
	stage("load.orders", "load", "orders", "skipped", -1, 0)
	stage("sink.files.orders", "sink", "orders", "skipped", -1, 0)
	r.AddOutput(report.Output{Sink: "files", Table: "users", Path: "out/users.csv", Rows: 8, Bytes: 2048, SHA256: strings.Repeat("ab", 32)})
	return plan, r
}

func TestBuildLaysOutTheRun(t *testing.T) {
	plan, r := fixture()
	p := Build(plan, r)

	if got := len(p.DAG.Nodes); got != len(plan.Stages) {
		t.Errorf("DAG nodes = %d, want one per stage (%d)", got, len(plan.Stages))
	}
	var cross, edges int
	for _, s := range plan.Stages {
		edges += len(s.DependsOn)
	}
	for _, e := range p.DAG.Edges {
		if e.Cross {
			cross++
			if e.From != "load.users" || e.To != "validate.orders" {
				t.Errorf("cross edge %s -> %s, want load.users -> validate.orders", e.From, e.To)
			}
		}
	}
	if len(p.DAG.Edges) != edges || cross != 1 {
		t.Errorf("edges = %d (cross %d), want %d (cross 1)", len(p.DAG.Edges), cross, edges)
	}
	status := map[string]string{}
	for _, n := range p.DAG.Nodes {
		status[n.ID] = n.Status
		if n.X+n.W > p.DAG.Width || n.Y+n.H > p.DAG.Height {
			t.Errorf("node %s at (%d,%d) leaves the %dx%d drawing", n.ID, n.X, n.Y, p.DAG.Width, p.DAG.Height)
		}
	}
	if status["validate.orders"] != "failed" || status["load.orders"] != "skipped" || status["load.users"] != "ok" {
		t.Errorf("node statuses: %v", status)
	}

	// Seven stages ran; the two skipped ones have no bar.
	if got := len(p.Timeline.Bars); got != 7 {
		t.Fatalf("timeline bars = %d, want 7", got)
	}
	byStage := map[string]Bar{}
	for _, b := range p.Timeline.Bars {
		byStage[b.Stage] = b
	}
	// validate.orders ran from 40% to 100% of the run: its bar spans that share of the axis.
	v := byStage["validate.orders"]
	if v.X != tlChartX+tlChartW*4/10 || v.X+v.W != tlChartX+tlChartW {
		t.Errorf("validate.orders bar x=%d w=%d, want %d..%d", v.X, v.W, tlChartX+tlChartW*4/10, tlChartX+tlChartW)
	}
	if e := byStage["extract.users"]; e.X != tlChartX || e.W != tlChartW/10 {
		t.Errorf("extract.users bar x=%d w=%d, want %d w %d", e.X, e.W, tlChartX, tlChartW/10)
	}
	if len(p.Timeline.Ticks) < 4 || len(p.Timeline.Ticks) > 11 {
		t.Errorf("ticks = %v, want 4 to 11", p.Timeline.Ticks)
	}

	users := p.Tables[0]
	if users.LoadedPct != 80 || users.QuarantinedPct != 20 || len(users.Broken) != 1 || users.Broken[0].Name != "a" || len(users.Passed) != 1 {
		t.Errorf("users table: %+v", users)
	}
}

// TestRenderIsSelfContained: the page must show offline, so it names nothing
// outside itself, and report values (rule names, sample rows, errors) are escaped.
func TestRenderIsSelfContained(t *testing.T) {
	plan, r := fixture()
	var buf bytes.Buffer
	if err := Render(&buf, Build(plan, r)); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, bad := range []string{"http:", "https:", "<link", "@import", "src=", "<script"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	if got := len(regexp.MustCompile(`class="dag-node `).FindAllString(page, -1)); got != 9 {
		t.Errorf("page has %d DAG nodes, want 9", got)
	}
	if got := len(regexp.MustCompile(`class="timeline-bar `).FindAllString(page, -1)); got != 7 {
		t.Errorf("page has %d timeline bars, want 7", got)
	}
	for _, want := range []string{"&lt;boom&gt; &amp; more", "&lt;script&gt;", "out/users.csv", "2.0 KiB"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestTickStep(t *testing.T) {
	for _, c := range []struct {
		span, want time.Duration
	}{
		{time.Second, 200 * time.Millisecond},
		{83 * time.Millisecond, 20 * time.Millisecond},
		{45 * time.Second, 10 * time.Second},
		{3 * time.Minute, 50 * time.Second},
	} {
		if got := tickStep(c.span); got != c.want {
			t.Errorf("tickStep(%v) = %v, want %v", c.span, got, c.want)
		}
	}
}

// TestRenderNamesEveryDrift: a table whose source drifted from its model says so
// on the page, each column with what its contract did, and the section opens.
func TestRenderNamesEveryDrift(t *testing.T) {
	plan, r := fixture()
	r.Update("users", func(t *report.Table) {
		t.Drift = []report.Drift{
			{Column: "tier", Change: "extra", SourceType: "VARCHAR", ModelType: "STRING", Action: "evolved"},
			{Column: "joined", Change: "missing", ModelType: "DATE", Action: "null"},
		}
	})
	var buf bytes.Buffer
	if err := Render(&buf, Build(plan, r)); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{
		`<details class="table-detail" data-table="users" open>`,
		"<summary>users: schema drift, ",
		"<li>tier: not in the model, added to the table as STRING</li>",
		"<li>joined: missing from the source, loaded as NULL</li>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, `data-table="orders" open`) {
		t.Error("orders, which did not drift nor break a rule, is open")
	}
}
