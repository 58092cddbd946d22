package stages

import (
	"context"
	"fmt"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
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
	run.tables[e.table.Name].raw = raw
	run.Report.Update(e.table.Name, func(t *report.Table) { t.RowsIn = n })
	return nil
}

// projection selects the model's columns of a table from a relation, with the
// spec's filter and limit: never SELECT *, so a source's extra columns stay out.
func projection(t *spec.TablePlan, from string) string {
	cols := make([]string, len(t.Model.Columns))
	for i, c := range t.Model.Columns {
		cols[i] = sqlq.Ident(c.Name)
	}
	q := fmt.Sprintf("SELECT %s FROM %s", strings.Join(cols, ", "), from)
	if t.Where != "" {
		q += " WHERE (" + t.Where + ")"
	}
	if t.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", t.Limit)
	}
	return q
}
