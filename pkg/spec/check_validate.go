package spec

import (
	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/sqlexpr"
)

// validatedInBigQuery checks, for a bigquery source with validate: bigquery, that
// each expression rule of the table (built-in or the spec's) has a GoogleSQL
// translation, and that each pattern rule is on a column whose text is the same in
// both engines: those rules run inside BigQuery's query.
func (c *checker) validatedInBigQuery(i int, t *Table, m *catalog.Model) {
	if c.s.Source.Kind != "bigquery" || c.s.Source.Validate != "bigquery" {
		return
	}
	const detail = "validate: bigquery runs every rule inside BigQuery; use validate: local for DuckDB-only conditions"
	for _, r := range builtinRules(*t, m) {
		if r.Check == rules.Pattern {
			if typ, ok := patternTextDiffers(m, r.Column); ok {
				c.report(t.Pos, []any{"tables", i}, patternDetail, "built-in rule %s of table %s: a pattern on %s column %s cannot run in BigQuery, which writes its values as other text than DuckDB",
					r.Name, t.Name, typ, r.Column)
			}
		}
		if r.Check != rules.Expression {
			continue
		}
		if err := rules.CheckCondition(r.SQL, m.ColumnNames(), sqlexpr.GoogleSQL); err != nil {
			c.report(t.Pos, []any{"tables", i}, detail, "built-in rule %s of table %s: %v", r.Name, t.Name, err)
		}
	}
	for j, r := range t.Rules {
		if r.Check == rules.Pattern {
			if typ, ok := patternTextDiffers(m, r.Column); ok {
				c.report(r.Pos, []any{"tables", i, "rules", j, "column"}, patternDetail,
					"rule %s: a pattern on %s column %s cannot run in BigQuery, which writes its values as other text than DuckDB", withDefaults(r, j+1).Name, typ, r.Column)
			}
		}
		if r.Check != rules.Expression || r.SQL == "" {
			continue
		}
		if err := rules.CheckCondition(r.SQL, m.ColumnNames(), sqlexpr.GoogleSQL); err != nil {
			c.report(r.Pos, []any{"tables", i, "rules", j, "sql"}, detail, "rule %s: %v", withDefaults(r, j+1).Name, err)
		}
	}
}

const patternDetail = "a pattern matches the value as text, and BigQuery's text of a value that is not a STRING or INT64 is not " +
	"always DuckDB's (12.0 is '12' in BigQuery, '12.0' in DuckDB): the verdicts would differ. Use validate: local, or a pattern on a STRING or INT64 column"

// patternTextDiffers says whether a pattern rule on the column would match other
// text in BigQuery (CAST AS STRING) than in DuckDB (::VARCHAR), and the column's
// type: only STRING (GEOGRAPHY arrives as WKT text) and INT64 read the same.
func patternTextDiffers(m *catalog.Model, column string) (catalog.Type, bool) {
	col, ok := m.Column(column)
	if !ok {
		return "", false // an unknown column is reported once, by rule
	}
	switch col.Type {
	case catalog.String, catalog.Geography, catalog.Int64:
		return col.Type, false
	}
	return col.Type, true
}
