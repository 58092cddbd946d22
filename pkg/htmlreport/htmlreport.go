// Package htmlreport turns a run's report into one self-contained HTML page: the
// DAG and a timeline drawn as inline SVG, each table's accounting and broken
// rules, each sink's outputs. The page loads nothing (no scripts, fonts or styles
// from elsewhere), so it can be mailed, attached to a CI run or opened offline.
// Build lays the page out from the plan and the report; Render fills the embedded
// template. Writing the file is the caller's business.
package htmlreport

import (
	"cmp"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

//go:embed report.html.tmpl
var pageTemplate string

var tmpl = template.Must(template.New("report").Funcs(template.FuncMap{"digits": groupDigits, "plural": plural}).Parse(pageTemplate))

// Page is everything the template shows, laid out already: the template only
// places values, so the geometry is tested in Go.
type Page struct {
	Pipeline, RunID, Spec, Status string
	Started                       string
	Took                          string
	Errors                        []string
	DAG                           DAG
	Timeline                      Timeline
	Tables                        []Table
	Outputs                       []Output
}

// Table is one table's accounting, with the shares of the bar that shows it.
type Table struct {
	Name, Status                         string
	RowsIn, Loaded, Quarantined, Dropped int64
	// Percentages of RowsIn, for the stacked bar.
	LoadedPct, QuarantinedPct, DroppedPct float64
	// Broken are the rules rows broke, most rows first; Passed names the others,
	// briefly, since a table has a dozen built-in rules and most hold.
	Broken  []Rule
	Passed  []string
	Samples []Sample
	// Drift says, column by column, how the source differed from the model.
	Drift []string
}

// Rule is one rule and the rows that broke it.
type Rule struct {
	Name, Check, Severity string
	Rows                  int64
}

// Sample is one offending row, its cells in column order.
type Sample struct {
	Broke []string
	Cells []Cell
}

// Cell is one column's value of a sample row.
type Cell struct{ Column, Value string }

// Output is one file or object a sink wrote.
type Output struct {
	Sink, Table, Path string
	Rows              int64
	Size              string
	SHA256, ShortSum  string
}

// Build lays out the page of a run. The plan gives the DAG's edges and the
// stages that never ran; the report gives what happened.
func Build(plan *spec.Plan, r *report.Report) *Page {
	p := &Page{
		Pipeline: r.Pipeline, RunID: r.RunID, Spec: r.Spec, Status: r.Status,
		Started: r.Started.UTC().Format(time.RFC3339),
		Took:    r.Ended.Sub(r.Started).Round(time.Millisecond).String(),
		Errors:  r.Errors,
	}
	p.DAG = layoutDAG(plan, r)
	p.Timeline = layoutTimeline(r)
	for _, t := range r.Tables {
		var cols []string
		if tp := plan.Table(t.Name); tp != nil && tp.Model != nil {
			for _, c := range tp.Model.Columns {
				cols = append(cols, c.Name)
			}
		}
		p.Tables = append(p.Tables, table(t, cols))
	}
	for _, o := range r.Outputs {
		short := o.SHA256
		if len(short) > 12 {
			short = short[:12]
		}
		p.Outputs = append(p.Outputs, Output{Sink: o.Sink, Table: o.Table, Path: o.Path, Rows: o.Rows,
			Size: report.Bytes(o.Bytes), SHA256: o.SHA256, ShortSum: short})
	}
	return p
}

// table lays out one table's record; cols is the model's column order, in which
// sample rows read as they do in the warehouse.
func table(t *report.Table, cols []string) Table {
	out := Table{Name: t.Name, Status: t.Status, RowsIn: t.RowsIn, Loaded: t.RowsLoaded,
		Quarantined: t.RowsQuarantined, Dropped: t.RowsDropped}
	if t.RowsIn > 0 {
		pct := func(n int64) float64 { return float64(n) * 100 / float64(t.RowsIn) }
		out.LoadedPct, out.QuarantinedPct, out.DroppedPct = pct(t.RowsLoaded), pct(t.RowsQuarantined), pct(t.RowsDropped)
	}
	for _, v := range t.Violations {
		if v.Rows > 0 {
			out.Broken = append(out.Broken, Rule{Name: v.Rule, Check: v.Check, Severity: v.Severity, Rows: v.Rows})
		} else {
			out.Passed = append(out.Passed, v.Rule)
		}
	}
	slices.SortStableFunc(out.Broken, func(a, b Rule) int { return cmp.Compare(b.Rows, a.Rows) })
	for _, d := range t.Drift {
		out.Drift = append(out.Drift, d.String())
	}
	for _, s := range t.Samples {
		smp := Sample{Broke: s.Violations}
		for _, k := range sampleColumns(s.Row, cols) {
			smp.Cells = append(smp.Cells, Cell{Column: k, Value: s.Row[k]})
		}
		out.Samples = append(out.Samples, smp)
	}
	return out
}

// sampleColumns orders a sample's columns as the model does, then any others by name.
func sampleColumns(row map[string]string, model []string) []string {
	var out []string
	for _, c := range model {
		if _, ok := row[c]; ok {
			out = append(out, c)
		}
	}
	for _, c := range slices.Sorted(maps.Keys(row)) {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// Render writes the page as HTML.
func Render(w io.Writer, p *Page) error {
	return tmpl.Execute(w, p)
}

// plural writes a count with its noun: "1 rule", "3 rules".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
