package stages

import (
	"context"
	"fmt"
	"strings"

	"github.com/ecomrun/ecomrun/internal/failpoint"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlexpr"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
)

// extract stages a table's source rows in the warehouse and counts them in.
type extract struct{ table *spec.TablePlan }

var _ Stage = (*extract)(nil)

func (e *extract) Run(ctx context.Context, run *Run) error {
	staged := stagedRelation(e.table.Name)
	raw, err := run.source.Extract(ctx, run, e.table, staged)
	if err != nil {
		return err
	}
	n, err := run.Warehouse.Count(ctx, staged)
	if err != nil {
		return err
	}
	if pre, ok := run.prevalidated(e.table.Name); ok {
		n += pre.Dropped // read at the source, dropped there
	}
	run.tables[e.table.Name].raw = raw
	failpoint.Hit("extract." + e.table.Name)
	run.Report.Update(e.table.Name, func(t *report.Table) {
		t.RowsIn = n
		if b := run.Bound(e.table.Name); b != nil {
			t.ReadFrom = b.Literal
		}
	})
	return nil
}

// projection selects the model's columns of a table from a relation, with the
// spec's filter, the incremental bound b (nil: none) and the limit: never SELECT *, so a source's
// extra columns stay out. raw sources hold text, so the bound compares the cast
// cursor, and a cursor that does not cast is read (validation sets it aside).
func projection(t *spec.TablePlan, from string, raw bool, b *Bound) (string, error) {
	cols := make([]string, len(t.Model.Columns))
	for i, c := range t.Model.Columns {
		cols[i] = sqlq.Ident(c.Name)
	}
	q := fmt.Sprintf("SELECT %s FROM %s", strings.Join(cols, ", "), from)
	var where []string
	if w, err := t.WhereSQL(sqlexpr.DuckDB); err != nil { // as rendered, never as written
		return "", err
	} else if w != "" {
		where = append(where, w)
	}
	if b != nil {
		col := sqlq.Ident(b.Column)
		if raw {
			cast := fmt.Sprintf("TRY_CAST(%s AS %s)", col, b.Type.DuckDB())
			where = append(where, fmt.Sprintf("(%s IS NULL OR %s)", cast, b.Condition(cast)))
		} else {
			where = append(where, b.Condition(col))
		}
	}
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if t.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", t.Limit)
	}
	return q, nil
}
