package rules

import (
	"context"

	"github.com/ecomrun/ecomrun/pkg/sqlexpr"
)

// CheckExpression confines an expression rule (or a where filter) to one boolean
// condition over the row's own columns, as DuckDB's parser reads it: see package
// sqlexpr for what is allowed. A spec from a pull request cannot make the engine do
// more than test values; what runs is sqlexpr's rendering, never the text.
func CheckExpression(expr string, columns []string) error {
	_, err := sqlexpr.Parse(context.Background(), expr, columns)
	return err
}

// CheckCondition is CheckExpression for a condition that also runs in dialect d
// (GoogleSQL for a where: pushed into BigQuery): it is refused when it has no
// translation there.
func CheckCondition(expr string, columns []string, d sqlexpr.Dialect) error {
	c, err := sqlexpr.Parse(context.Background(), expr, columns)
	if err != nil {
		return err
	}
	_, err = c.SQL(d)
	return err
}
