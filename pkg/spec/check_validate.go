package spec

import (
	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/sqlexpr"
	"github.com/ecomrun/ecomrun/pkg/thelook"
)

// validatedInBigQuery checks, for a bigquery source with validate: bigquery, that
// each expression rule of the table (built-in or the spec's) has a GoogleSQL
// translation: those rules run inside BigQuery's query.
func (c *checker) validatedInBigQuery(i int, t *Table, m *thelook.Model) {
	if c.s.Source.Kind != "bigquery" || c.s.Source.Validate != "bigquery" {
		return
	}
	const detail = "validate: bigquery runs every rule inside BigQuery; use validate: local for DuckDB-only conditions"
	for _, r := range builtinRules(*t, m) {
		if r.Check != rules.Expression {
			continue
		}
		if err := rules.CheckCondition(r.SQL, m.ColumnNames(), sqlexpr.GoogleSQL); err != nil {
			c.report(t.Pos, []any{"tables", i}, detail, "built-in rule %s of table %s: %v", r.Name, t.Name, err)
		}
	}
	for j, r := range t.Rules {
		if r.Check != rules.Expression || r.SQL == "" {
			continue
		}
		if err := rules.CheckCondition(r.SQL, m.ColumnNames(), sqlexpr.GoogleSQL); err != nil {
			c.report(r.Pos, []any{"tables", i, "rules", j, "sql"}, detail, "rule %s: %v", withDefaults(r, j+1).Name, err)
		}
	}
}
