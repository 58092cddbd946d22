// Package report is the record of one run: per table the row accounting and rule
// violations, per stage its timing and status, per sink output what was written.
// The CLI renders it as JSON (apply --report) and as the closing summary.
package report

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Report is what a run did. Stages update it concurrently through its methods.
type Report struct {
	mu       sync.Mutex
	RunID    string    `json:"run_id"`
	Pipeline string    `json:"pipeline"`
	Spec     string    `json:"spec"`
	Status   string    `json:"status"` // ok | failed | canceled
	Started  time.Time `json:"started"`
	Ended    time.Time `json:"ended"`
	Tables   []*Table  `json:"tables"`
	Stages   []*Stage  `json:"stages"`
	Outputs  []Output  `json:"outputs"`
	Errors   []string  `json:"errors,omitempty"`
}

// Table is one table's accounting: RowsIn = RowsLoaded + RowsQuarantined + RowsDropped.
type Table struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	// Mode is snapshot or incremental; an incremental read started at ReadFrom (the
	// watermark less the lookback) and left the table at Watermark.
	Mode            string      `json:"mode"`
	ReadFrom        string      `json:"read_from,omitempty"`
	Watermark       string      `json:"watermark,omitempty"`
	RowsIn          int64       `json:"rows_in"`
	RowsLoaded      int64       `json:"rows_loaded"`
	RowsQuarantined int64       `json:"rows_quarantined"`
	RowsDropped     int64       `json:"rows_dropped"`
	Violations      []Violation `json:"violations"`
	// Drift is how the source's columns differed from the model, and what the
	// table's contract did about each (see catalog.Contract).
	Drift []Drift `json:"drift,omitempty"`
	// Samples are a few offending rows, for the human summary.
	Samples []Sample `json:"samples,omitempty"`
}

// Drift is one column on which the source and the model disagree.
type Drift struct {
	Column string `json:"column"`
	// Change is extra (the source has it, the model does not), missing (the other
	// way round) or type (the source types it otherwise).
	Change string `json:"change"`
	// SourceType and ModelType are the two types, as each side names them.
	SourceType string `json:"source_type,omitempty"`
	ModelType  string `json:"model_type,omitempty"`
	// Action is what the contract did: ignored, evolved (added to the table), null
	// (loaded as NULL) or cast (converted value by value).
	Action string `json:"action"`
}

// String is the drift in words, after its table's name and a dot.
func (d Drift) String() string {
	switch d.Change {
	case "missing":
		return fmt.Sprintf("%s: missing from the source, loaded as NULL", d.Column)
	case "type":
		return fmt.Sprintf("%s: %s in the source, %s in the model: cast value by value", d.Column, d.SourceType, d.ModelType)
	case "extra":
		if d.Action == "evolved" {
			return fmt.Sprintf("%s: not in the model, added to the table as %s", d.Column, d.ModelType)
		}
		return fmt.Sprintf("%s: not in the model, not loaded", d.Column)
	}
	return fmt.Sprintf("%s: %s, %s", d.Column, d.Change, d.Action)
}

// Violation counts the rows that broke one rule.
type Violation struct {
	Rule     string `json:"rule"`
	Check    string `json:"check"`
	Severity string `json:"severity"`
	Rows     int64  `json:"rows"`
}

// Sample is one offending row: its values as text and the rules it broke.
type Sample struct {
	Row        map[string]string `json:"row"`
	Violations []string          `json:"violations"`
}

// Stage is one DAG node's run.
type Stage struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`
	Table    string    `json:"table"`
	Sink     string    `json:"sink,omitempty"`
	Status   string    `json:"status"` // ok | failed | skipped | canceled
	Started  time.Time `json:"started,omitzero"`
	Ended    time.Time `json:"ended,omitzero"`
	Duration float64   `json:"duration_seconds"`
	Error    string    `json:"error,omitempty"`
	// Cause names the failed stage a skipped stage waited for.
	Cause string `json:"cause,omitempty"`
}

// Output is one file or object a sink wrote.
type Output struct {
	Sink   string `json:"sink"`
	Table  string `json:"table"`
	Path   string `json:"path"`
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256,omitempty"`
}

// Table returns the named table's record, adding it on first use.
func (r *Report) Table(name string) *Table {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := slices.IndexFunc(r.Tables, func(t *Table) bool { return t.Name == name })
	if i >= 0 {
		return r.Tables[i]
	}
	t := &Table{Name: name, Violations: []Violation{}}
	r.Tables = append(r.Tables, t)
	return t
}

// Update changes a table's record under the report's lock.
func (r *Report) Update(table string, fn func(t *Table)) {
	t := r.Table(table)
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(t)
}

// Snapshot returns a copy of a table's record taken under the lock, for readers
// such as progress displays while other stages still update the report.
func (r *Report) Snapshot(table string) Table {
	t := r.Table(table)
	r.mu.Lock()
	defer r.mu.Unlock()
	return *t
}

// OutputRows sums the rows a sink has written so far for a table (its files, and
// a quarantine file where there is one).
func (r *Report) OutputRows(sink, table string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var n int64
	for _, o := range r.Outputs {
		if o.Sink == sink && o.Table == table {
			n += o.Rows
		}
	}
	return n
}

// AddOutput records a written output.
func (r *Report) AddOutput(o Output) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Outputs = append(r.Outputs, o)
}

// AddStage records a stage's end.
func (r *Report) AddStage(s *Stage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Stages = append(r.Stages, s)
}

// Sort orders stages and outputs the same way every run, so reports diff cleanly.
func (r *Report) Sort(stageOrder []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	slices.SortStableFunc(r.Stages, func(a, b *Stage) int {
		return slices.Index(stageOrder, a.ID) - slices.Index(stageOrder, b.ID)
	})
	slices.SortStableFunc(r.Outputs, func(a, b Output) int {
		return cmp.Or(cmp.Compare(a.Sink, b.Sink), cmp.Compare(a.Path, b.Path))
	})
}
