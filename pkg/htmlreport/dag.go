package htmlreport

import (
	"fmt"
	"time"

	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// DAG is the plan's graph drawn as a grid: a column per stage kind (extract,
// validate, load, sink), a row band per table, a table's sinks stacked in its
// band. A grid rather than a general graph layout because every plan has this
// shape, and a reader finds a table by its row and a step by its column.
type DAG struct {
	Width, Height int
	Columns       []Label
	Rows          []Label
	Nodes         []Node
	Edges         []Edge
}

// Label is a column or row heading at (X, Y).
type Label struct {
	X, Y int
	Text string
}

// Node is one stage's box.
type Node struct {
	ID, Kind, Label, Status string
	// Detail is the second line: rows and duration, or that it did not run;
	// Title, the tooltip, says why.
	Detail, Title string
	X, Y, W, H    int
	TextX         int
}

// Edge is one dependency, drawn as a path. Cross marks an edge between tables
// (a relationship rule waits for the referenced table's load).
type Edge struct {
	From, To string
	Path     string
	Cross    bool
}

// Grid measures, in CSS pixels.
const (
	dagLeft    = 170 // room for the table names
	dagTop     = 36  // room for the column headings
	nodeW      = 150
	nodeH      = 40
	colGap     = 60
	nodeGap    = 8 // between a table's stacked sinks
	bandMargin = 14
)

func layoutDAG(plan *spec.Plan, r *report.Report) DAG {
	status := map[string]*report.Stage{}
	for _, s := range r.Stages {
		status[s.ID] = s
	}
	kinds := []string{spec.StageExtract, spec.StageValidate, spec.StageLoad, spec.StageSink}
	colX := map[string]int{}
	var d DAG
	for i, k := range kinds {
		colX[k] = dagLeft + i*(nodeW+colGap)
		d.Columns = append(d.Columns, Label{X: colX[k] + nodeW/2, Y: 20, Text: k})
	}
	d.Width = dagLeft + len(kinds)*(nodeW+colGap) - colGap + 20

	pos := map[string]Node{}
	y := dagTop
	for _, t := range plan.Tables {
		stacked := max(1, len(t.Sinks))
		band := stacked*nodeH + (stacked-1)*nodeGap + 2*bandMargin
		mid := y + band/2
		d.Rows = append(d.Rows, Label{X: 12, Y: mid + 5, Text: t.Name})
		sinkIndex := 0
		for _, s := range plan.Stages {
			if s.Table != t.Name {
				continue
			}
			n := Node{ID: s.ID, Kind: s.Kind, Label: s.Kind, X: colX[s.Kind], Y: mid - nodeH/2, W: nodeW, H: nodeH}
			if s.Kind == spec.StageSink {
				n.Label = "sink " + s.Sink
				n.Y = y + bandMargin + sinkIndex*(nodeH+nodeGap)
				sinkIndex++
			}
			n.TextX = n.X + nodeW/2
			n.Status, n.Detail, n.Title = nodeState(s, status[s.ID], r)
			d.Nodes = append(d.Nodes, n)
			pos[s.ID] = n
		}
		y += band
	}
	d.Height = y + 10

	for _, s := range plan.Stages {
		to := pos[s.ID]
		for _, dep := range s.DependsOn {
			from := pos[dep]
			d.Edges = append(d.Edges, edge(from, to))
		}
	}
	return d
}

// nodeState is a stage's status, its box's second line and its tooltip.
func nodeState(s spec.Stage, rs *report.Stage, r *report.Report) (status, detail, title string) {
	if rs == nil {
		return "pending", "did not end", s.ID + ": did not end"
	}
	switch rs.Status {
	case "ok":
		detail = fmt.Sprintf("%s rows · %s", groupDigits(stageRows(s, r)), seconds(rs.Duration))
		return "ok", detail, s.ID + ": " + detail
	case "skipped":
		return "skipped", "skipped", s.ID + ": skipped because " + rs.Cause + " failed"
	case "failed":
		return "failed", "failed after " + seconds(rs.Duration), s.ID + ": " + rs.Error
	}
	return rs.Status, rs.Status, s.ID + ": " + rs.Status
}

// edge draws a dependency: within a table, from the right side of one box to the
// left of the next; between tables, a dashed curve from the load it waits for,
// leaving from the top or bottom edge so it does not run through the boxes between.
func edge(from, to Node) Edge {
	e := Edge{From: from.ID, To: to.ID}
	if from.Y+from.H/2 != to.Y+to.H/2 && from.X < to.X {
		// A load fanning out to stacked sinks.
		x1, y1 := from.X+from.W, from.Y+from.H/2
		x2, y2 := to.X, to.Y+to.H/2
		e.Path = fmt.Sprintf("M%d %d C%d %d %d %d %d %d", x1, y1, x1+colGap/2, y1, x2-colGap/2, y2, x2-4, y2)
		return e
	}
	if from.X < to.X {
		y := from.Y + from.H/2
		e.Path = fmt.Sprintf("M%d %d L%d %d", from.X+from.W, y, to.X-4, y)
		return e
	}
	e.Cross = true
	x1, x2 := from.X+from.W/2, to.X+to.W/2+20
	y1, y2 := from.Y, to.Y+to.H+4
	bend := -40
	if from.Y < to.Y {
		y1, y2 = from.Y+from.H, to.Y-4
		bend = 40
	}
	e.Path = fmt.Sprintf("M%d %d C%d %d %d %d %d %d", x1, y1, x1, y1+bend, x2, y2-bend, x2, y2)
	return e
}

// stageRows is what an ended stage handled: the rows in for extract and validate,
// the rows loaded for load, the rows a sink wrote for a sink.
func stageRows(s spec.Stage, r *report.Report) int64 {
	switch s.Kind {
	case spec.StageSink:
		var n int64
		for _, o := range r.Outputs {
			if o.Sink == s.Sink && o.Table == s.Table {
				n += o.Rows
			}
		}
		return n
	case spec.StageLoad:
		return r.Snapshot(s.Table).RowsLoaded
	}
	return r.Snapshot(s.Table).RowsIn
}

func seconds(s float64) string {
	d := time.Duration(s * float64(time.Second))
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// groupDigits writes 1234567 as 1,234,567.
func groupDigits(n int64) string {
	if n < 0 {
		return "-" + groupDigits(-n)
	}
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
