package stages

// Prevalidator is a source that can evaluate a table's rules where the data lives
// (bigquery with validate: bigquery): its Extract leaves, beside the staged rows,
// every broken row's verdict in ViolationsRelation(table) (_row, the staged row's
// rowid; _violations; _reject), and the validate stage takes those verdicts instead
// of evaluating the rules in DuckDB. Quarantine, accounting and the report then
// follow exactly as for verdicts DuckDB reached.
type Prevalidator interface {
	// Prevalidated returns what Extract found about the table, and false when the
	// table's rules were not evaluated by the source.
	Prevalidated(table string) (Verdicts, bool)
}

// Verdicts summarise the rules a source evaluated for a table.
type Verdicts struct {
	// Dropped counts the rows that broke an error rule and were left at the source
	// (on_invalid: drop): they were read and dropped, never transferred.
	Dropped int64
	// Counts are the rows breaking each rule, dropped rows included; nil means count
	// the verdicts in ViolationsRelation (every row arrived).
	Counts map[string]int64
}

// ViolationsRelation is the warehouse relation validate's verdicts of a table are in.
func ViolationsRelation(table string) string { return violationsRelation(table) }

// prevalidated asks the run's source for the table's verdicts.
func (r *Run) prevalidated(table string) (Verdicts, bool) {
	if p, ok := r.source.(Prevalidator); ok {
		return p.Prevalidated(table)
	}
	return Verdicts{}, false
}
