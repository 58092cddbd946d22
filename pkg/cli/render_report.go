package cli

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/ecomrun/ecomrun/pkg/report"
)

// printSummary closes apply's output: per table the accounting, the rules broken
// with a few offending rows, and what each sink wrote.
func printSummary(w io.Writer, r *report.Report) {
	fmt.Fprintf(w, "\nRun %s of %q: %s in %s\n\n", r.RunID, r.Pipeline, r.Status, r.Ended.Sub(r.Started).Round(1e6))
	tt := textTable{right: []bool{false, false, true, true, true, true}}
	tt.add("TABLE", "STATUS", "ROWS IN", "LOADED", "QUARANTINED", "DROPPED")
	for _, t := range r.Tables {
		tt.add(t.Name, t.Status, fmt.Sprint(t.RowsIn), fmt.Sprint(t.RowsLoaded), fmt.Sprint(t.RowsQuarantined), fmt.Sprint(t.RowsDropped))
	}
	tt.write(w)

	var broken []string
	for _, t := range r.Tables {
		for _, v := range t.Violations {
			if v.Rows > 0 {
				broken = append(broken, fmt.Sprintf("  %s.%s (%s, %s): %d rows", t.Name, v.Rule, v.Check, v.Severity, v.Rows))
			}
		}
		for _, s := range t.Samples {
			broken = append(broken, fmt.Sprintf("    e.g. %s broke %s", sampleRow(s.Row), strings.Join(s.Violations, ", ")))
		}
	}
	if len(broken) > 0 {
		fmt.Fprintf(w, "\nRules broken:\n%s\n", strings.Join(broken, "\n"))
	}
	printDrift(w, r)
	if len(r.Outputs) > 0 {
		fmt.Fprintln(w, "\nOutputs:")
		printOutputs(w, r.Outputs)
	}
}

// printRunErrors names every failed stage once, and what it held back.
func printRunErrors(w io.Writer, r *report.Report) {
	skipped := map[string][]string{}
	for _, s := range r.Stages {
		if s.Status == "skipped" {
			skipped[s.Cause] = append(skipped[s.Cause], s.ID)
		}
	}
	for _, s := range r.Stages {
		if s.Status != "failed" {
			continue
		}
		fmt.Fprintf(w, "error: %s\n", s.Error)
		if held := skipped[s.ID]; len(held) > 0 {
			fmt.Fprintf(w, "  not run because of it: %s\n", strings.Join(held, ", "))
		}
	}
	// Errors outside any stage (the warehouse would not open, ...) have no stage to name them.
	if !anyStageFailed(r) {
		for _, e := range r.Errors {
			fmt.Fprintf(w, "error: %s\n", e)
		}
	}
}

func anyStageFailed(r *report.Report) bool {
	return slices.ContainsFunc(r.Stages, func(s *report.Stage) bool { return s.Status == "failed" })
}

// sampleRow shows a row as {col: value, ...} in column-name order, briefly.
func sampleRow(row map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(row)) {
		v := row[k]
		if strings.ContainsFunc(v, unicode.IsControl) {
			v = strconv.Quote(v) // a value with a newline or escape must not break the summary's lines
		}
		if len(v) > 40 {
			v = v[:37] + "..."
		}
		parts = append(parts, k+": "+v)
	}
	s := "{" + strings.Join(parts, ", ") + "}"
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return s
}

// printDrift names every column on which a source drifted from its model, and
// what the table's contract did about it.
func printDrift(w io.Writer, r *report.Report) {
	var lines []string
	for _, t := range r.Tables {
		for _, d := range t.Drift {
			lines = append(lines, "  "+t.Name+"."+d.String())
		}
	}
	if len(lines) > 0 {
		fmt.Fprintf(w, "\nSchema drift (the tables' contracts):\n%s\n", strings.Join(lines, "\n"))
	}
}
