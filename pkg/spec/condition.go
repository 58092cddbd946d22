package spec

import (
	"context"
	"fmt"

	"github.com/ecomrun/ecomrun/pkg/sqlexpr"
)

// WhereSQL is the table's where: as sqlexpr renders it in dialect d, "" when there is
// none: checked by DuckDB's parser against the model's columns, every name and
// literal quoted by sqlexpr, so what the user wrote never reaches an engine as text.
// Every compound expression is parenthesised, so the result stands beside AND as is.
func (t *TablePlan) WhereSQL(d sqlexpr.Dialect) (string, error) {
	if t.Where == "" {
		return "", nil
	}
	if t.Model == nil {
		return "", fmt.Errorf("table %s has no model", t.Name)
	}
	cond, err := sqlexpr.Parse(context.Background(), t.Where, t.Model.ColumnNames())
	if err == nil {
		var s string
		if s, err = cond.SQL(d); err == nil {
			return s, nil
		}
	}
	return "", fmt.Errorf("table %s: where: %w", t.Name, err)
}
