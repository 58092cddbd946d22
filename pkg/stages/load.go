package stages

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
)

// QuarantineSchema holds, per table, the rows that broke an error rule, with the
// rule names (_violations) and the run that set them aside (_run_id).
const QuarantineSchema = "quarantine"

// load acts on validate's verdict in one transaction: rejected rows go to
// quarantine (or are dropped), the rest replace the warehouse table. Readers see the
// old table until the commit, then the new one, never a half.
type load struct{ table *spec.TablePlan }

var _ Stage = (*load)(nil)

func (l *load) Run(ctx context.Context, run *Run) error {
	name := l.table.Name
	state := run.tables[name]
	staged, viol := stagedRelation(name), violationsRelation(name)
	target := sqlq.Qualified("main", name)
	quarantine := sqlq.Qualified(QuarantineSchema, name)
	rejected := fmt.Sprintf("SELECT _row FROM %s WHERE _reject", viol)

	var acct report.Table
	err := run.Warehouse.Tx(ctx, func(tx *sql.Tx) error {
		if l.table.OnInvalid == spec.OnInvalidQuarantine {
			if err := exec(ctx, tx,
				fmt.Sprintf(`CREATE OR REPLACE TABLE %s AS SELECT s.*, v._violations, %s AS _run_id
					FROM %s s JOIN %s v ON s.rowid = v._row WHERE v._reject ORDER BY v._row`,
					quarantine, sqlq.String(run.ID), staged, viol),
			); err != nil {
				return err
			}
		}
		finished := staged
		if state.raw {
			// Text rows become the model's types; a value that does not cast broke a type rule and is gone by now.
			finished = typedRelation(name)
			if err := exec(ctx, tx, fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT %s FROM %s WHERE rowid NOT IN (%s) ORDER BY rowid",
				finished, castColumns(l.table), staged, rejected)); err != nil {
				return err
			}
		} else if state.rejected > 0 {
			if err := exec(ctx, tx, fmt.Sprintf("DELETE FROM %s WHERE rowid IN (%s)", staged, rejected)); err != nil {
				return err
			}
		}
		if err := exec(ctx, tx,
			"DROP TABLE IF EXISTS "+target,
			fmt.Sprintf("ALTER TABLE %s RENAME TO %s", finished, sqlq.Ident(name)),
		); err != nil {
			return err
		}
		acct = report.Table{RowsIn: run.Report.Table(name).RowsIn}
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+target).Scan(&acct.RowsLoaded); err != nil {
			return err
		}
		switch l.table.OnInvalid {
		case spec.OnInvalidQuarantine:
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+quarantine).Scan(&acct.RowsQuarantined); err != nil {
				return err
			}
		case spec.OnInvalidDrop:
			acct.RowsDropped = state.rejected
		}
		// A row unaccounted for is a bug somewhere above: refuse to commit it.
		return CheckAccounting(name, acct)
	})
	if err != nil {
		return err
	}
	run.Report.Update(name, func(t *report.Table) {
		t.RowsLoaded, t.RowsQuarantined, t.RowsDropped = acct.RowsLoaded, acct.RowsQuarantined, acct.RowsDropped
	})
	return nil
}

// CheckAccounting fails unless every row in was loaded, quarantined or dropped.
func CheckAccounting(table string, t report.Table) error {
	if out := t.RowsLoaded + t.RowsQuarantined + t.RowsDropped; out != t.RowsIn {
		return fmt.Errorf("accounting mismatch for %s: %d rows in, but %d loaded + %d quarantined + %d dropped = %d: nothing was committed",
			table, t.RowsIn, t.RowsLoaded, t.RowsQuarantined, t.RowsDropped, out)
	}
	return nil
}

func castColumns(t *spec.TablePlan) string {
	cols := make([]string, len(t.Model.Columns))
	for i, c := range t.Model.Columns {
		q := sqlq.Ident(c.Name)
		cols[i] = fmt.Sprintf("CAST(%s AS %s) AS %s", q, c.Type.DuckDB(), q)
	}
	return strings.Join(cols, ", ")
}

func exec(ctx context.Context, tx *sql.Tx, stmts ...string) error {
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}
