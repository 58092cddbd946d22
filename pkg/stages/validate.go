package stages

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
)

// sampleRows is how many offending rows a table's report keeps for the summary.
const sampleRows = 3

// validate evaluates a table's rules over its staged rows in one DuckDB pass and
// records which rows break which rules. It changes no data: load acts on its verdict.
type validate struct{ table *spec.TablePlan }

var _ Stage = (*validate)(nil)

func (v *validate) Run(ctx context.Context, run *Run) error {
	name := v.table.Name
	state := run.tables[name]
	staged, viol := stagedRelation(name), violationsRelation(name)
	pre, remote := run.prevalidated(name) // the source evaluated the rules: take its verdicts
	distinct := map[string]bool{}
	if !remote {
		var err error
		if distinct, err = DistinctKeys(ctx, run.Warehouse.DB, staged, v.table, state.raw); err != nil {
			return fmt.Errorf("evaluate rules: %w", err)
		}
	}
	compiled, err := rules.Compile(rules.Target{
		Relation: staged,
		Columns:  modelColumns(v.table),
		Raw:      state.raw,
		Resolve:  func(table string) string { return sqlq.Qualified("main", table) },
		Distinct: func(column string) bool { return distinct[column] },
	}, v.table.Rules)
	if err != nil {
		return err
	}
	if !remote {
		if state.files != nil {
			compiled.Violations = withAside(compiled.Violations, name)
		}
		if err := run.Warehouse.Exec(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s AS %s", viol, compiled.Violations)); err != nil {
			return fmt.Errorf("evaluate rules: %w", err)
		}
	}
	counts := pre.Counts
	if counts == nil {
		if counts, err = ruleCounts(ctx, run.Warehouse.DB, viol); err != nil {
			return err
		}
	}
	rejected, err := run.Warehouse.Count(ctx, viol+" WHERE _reject")
	if err != nil {
		return err
	}
	rejected += pre.Dropped
	state.rejected = rejected

	rowsIn := run.Report.Table(name).RowsIn
	var violations []report.Violation
	var failures []string
	for _, r := range compiled.Rules {
		violations = append(violations, report.Violation{Rule: r.Name, Check: r.Check, Severity: r.Severity, Rows: counts[r.Name]})
		if counts[r.Name] > 0 && !r.IsWarn() {
			failures = append(failures, fmt.Sprintf("%s (%d rows)", r.Name, counts[r.Name]))
		}
	}
	for _, v := range asideViolations(counts, compiled.Rules) {
		violations = append(violations, v)
		failures = append(failures, fmt.Sprintf("%s (%d rows)", v.Rule, v.Rows))
	}
	var tableErrs []string
	for _, r := range compiled.TableRules {
		if msg := checkRowCount(r, rowsIn); msg != "" {
			violations = append(violations, report.Violation{Rule: r.Name, Check: r.Check, Severity: r.Severity, Rows: rowsIn})
			if !r.IsWarn() {
				tableErrs = append(tableErrs, r.Name+": "+msg)
			}
		} else {
			violations = append(violations, report.Violation{Rule: r.Name, Check: r.Check, Severity: r.Severity})
		}
	}
	samples, err := offendingSamples(ctx, run.Warehouse.DB, staged, viol)
	if err != nil {
		return err
	}
	run.Report.Update(name, func(t *report.Table) {
		t.Violations = violations
		t.Samples = samples
	})
	if len(tableErrs) > 0 {
		return fmt.Errorf("table rule broken: %s", strings.Join(tableErrs, "; "))
	}
	if v.table.OnInvalid == spec.OnInvalidFail && rejected > 0 {
		return fmt.Errorf("%d invalid rows and on_invalid is fail: %s", rejected, strings.Join(failures, ", "))
	}
	return nil
}

func modelColumns(t *spec.TablePlan) []rules.Column {
	cols := make([]rules.Column, len(t.Model.Columns))
	for i, c := range t.Model.Columns {
		cols[i] = rules.Column{Name: c.Name, Type: c.Type.DuckDB()}
	}
	return cols
}

// ruleCounts counts the rows that broke each rule.
func ruleCounts(ctx context.Context, db *sql.DB, viol string) (map[string]int64, error) {
	rows, err := db.QueryContext(ctx, "SELECT rule, count(*) FROM (SELECT unnest(_violations) AS rule FROM "+viol+") GROUP BY rule")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[string]int64{}
	for rows.Next() {
		var rule string
		var n int64
		if err := rows.Scan(&rule, &n); err != nil {
			return nil, err
		}
		counts[rule] = n
	}
	return counts, rows.Err()
}

func checkRowCount(r rules.Rule, n int64) string {
	if min, ok := asInt(r.Min); ok && n < min {
		return fmt.Sprintf("%d rows, want at least %d", n, min)
	}
	if max, ok := asInt(r.Max); ok && n > max {
		return fmt.Sprintf("%d rows, want at most %d", n, max)
	}
	return ""
}

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case uint64:
		return int64(x), true
	case float64:
		return int64(x), true
	}
	return 0, false
}

// offendingSamples reads a few broken rows as text, first by position in the source.
// DuckDB casts every value to text (a DECIMAL or JSON value does not scan as one).
func offendingSamples(ctx context.Context, db *sql.DB, staged, viol string) ([]report.Sample, error) {
	rows, err := db.QueryContext(ctx, fmt.Sprintf(
		"SELECT v._violations::VARCHAR, COLUMNS(s.*)::VARCHAR FROM %s s JOIN %s v ON s.rowid = v._row ORDER BY v._row LIMIT %d",
		staged, viol, sampleRows))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var samples []report.Sample
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		s := report.Sample{Row: map[string]string{}, Violations: parseList(vals[0].String)}
		for i, c := range cols[1:] {
			if vals[i+1].Valid {
				s.Row[c] = vals[i+1].String
			}
		}
		samples = append(samples, s)
	}
	return samples, rows.Err()
}

// parseList reads DuckDB's text form of a VARCHAR list, "[a, b]". Rule names are
// plain identifiers, so splitting on ", " is exact.
func parseList(s string) []string {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if s == "" {
		return nil
	}
	return strings.Split(s, ", ")
}
