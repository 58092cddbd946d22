package stages

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/ecomrun/ecomrun/internal/failpoint"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
)

// QuarantineSchema holds, per table, the rows that broke an error rule, with the
// rule names (_violations) and the run that set them aside (_run_id).
const QuarantineSchema = "quarantine"

// load acts on validate's verdict in one transaction: rejected rows go to
// quarantine (or are dropped), the rest replace the warehouse table (snapshot) or
// are merged into it on the primary key (incremental, once a watermark exists).
// Readers see the old table until the commit, then the new one, never a half.
type load struct{ table *spec.TablePlan }

var _ Stage = (*load)(nil)

func (l *load) Run(ctx context.Context, run *Run) error {
	name := l.table.Name
	state := run.tables[name]
	target := sqlq.Qualified("main", name)
	exists, err := run.Warehouse.Exists(ctx, "", "main", name)
	if err != nil {
		return err
	}
	merge := state.bound != nil && exists
	finished, err := l.prepare(ctx, run, state)
	if err != nil {
		return err
	}

	var acct report.Table
	err = run.Warehouse.Tx(ctx, func(tx *sql.Tx) error {
		if l.table.OnInvalid == spec.OnInvalidQuarantine {
			if err := l.quarantine(ctx, tx, run, finished, merge); err != nil {
				return err
			}
		}
		acct = report.Table{RowsIn: run.Report.Table(name).RowsIn}
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+finished).Scan(&acct.RowsLoaded); err != nil {
			return err
		}
		if merge {
			pk := sqlq.Ident(l.table.Incremental.PrimaryKey)
			err = widen(ctx, tx, target, finished)
			if err == nil {
				err = exec(ctx, tx,
					fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT DISTINCT %s FROM %s", changedRelation(name), pk, finished),
					fmt.Sprintf("DELETE FROM %s WHERE %s IN (SELECT %s FROM %s)", target, pk, pk, finished),
					fmt.Sprintf("INSERT INTO %s BY NAME SELECT * FROM %s ORDER BY rowid", target, finished),
					"DROP TABLE "+finished)
			}
		} else {
			err = exec(ctx, tx, "DROP TABLE IF EXISTS "+target, fmt.Sprintf("ALTER TABLE %s RENAME TO %s", finished, sqlq.Ident(name)))
		}
		if err != nil {
			return err
		}
		state.merged = merge
		switch l.table.OnInvalid {
		case spec.OnInvalidQuarantine:
			err := tx.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM %s WHERE _run_id = ?", sqlq.Qualified(QuarantineSchema, name)), run.ID).
				Scan(&acct.RowsQuarantined)
			if err != nil {
				return err
			}
		case spec.OnInvalidDrop:
			acct.RowsDropped = state.rejected
		}
		if inc := l.table.Incremental; inc != nil {
			var wm sql.NullString
			if err := tx.QueryRowContext(ctx, fmt.Sprintf("SELECT max(%s)::VARCHAR FROM %s", sqlq.Ident(inc.Cursor), target)).Scan(&wm); err != nil {
				return err
			}
			state.watermark = wm.String
		}
		failpoint.Hit("load." + name)
		// A row unaccounted for is a bug somewhere above: refuse to commit it.
		return CheckAccounting(name, acct)
	})
	if err != nil {
		return err
	}
	failpoint.Hit("load." + name + ".committed")
	run.Report.Update(name, func(t *report.Table) {
		t.RowsLoaded, t.RowsQuarantined, t.RowsDropped = acct.RowsLoaded, acct.RowsQuarantined, acct.RowsDropped
		t.Watermark = state.watermark
	})
	return nil
}

// prepare splits the staged rows, before the load's transaction, into the working
// relations it publishes: the rejected rows with the rules they broke
// (rejectsRelation, when they are quarantined) and the rest, typed as the model
// says, whose name it returns: the staged table itself (its rejects deleted) when
// the source typed it, else a cast copy.
//
// The delete runs in a transaction of its own, never in the one that renames the
// table: DuckDB 1.5 writes a WAL it cannot replay ("Conflict on tuple deletion") for
// a transaction that deletes rows from a table and renames it, so a kill after that
// commit and before the next checkpoint would leave a warehouse no run can open.
// The staged table is the run's own: a kill here only loses work the rerun redoes.
func (l *load) prepare(ctx context.Context, run *Run, state *tableState) (string, error) {
	name := l.table.Name
	staged, viol := stagedRelation(name), violationsRelation(name)
	wh := run.Warehouse
	if l.table.OnInvalid == spec.OnInvalidQuarantine {
		extra, join := asideColumns(state, name)
		err := wh.Exec(ctx, fmt.Sprintf(`CREATE OR REPLACE TABLE %s AS SELECT s.*, v._violations, %s AS _run_id%s
			FROM %s s JOIN %s v ON s.rowid = v._row%s WHERE v._reject ORDER BY v._row`,
			rejectsRelation(name), sqlq.String(run.ID), extra, staged, viol, join))
		if err != nil {
			return "", err
		}
	}
	rejected := fmt.Sprintf("SELECT _row FROM %s WHERE _reject", viol)
	if state.raw {
		// A value that does not cast broke a type rule, and its row is among the rejected.
		typed := typedRelation(name)
		return typed, wh.Exec(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT %s FROM %s WHERE rowid NOT IN (%s) ORDER BY rowid",
			typed, castColumns(l.table), staged, rejected))
	}
	if state.rejected > 0 {
		return staged, wh.Exec(ctx, fmt.Sprintf("DELETE FROM %s WHERE rowid IN (%s)", staged, rejected))
	}
	return staged, nil
}

// quarantine publishes this run's rejected rows with the rules they broke. A
// snapshot replaces the quarantine; a merge replaces only the rows read again
// (those now valid and those rejected again).
func (l *load) quarantine(ctx context.Context, tx *sql.Tx, run *Run, valid string, merge bool) error {
	name := l.table.Name
	rejects, q := rejectsRelation(name), sqlq.Qualified(QuarantineSchema, name)
	if !merge {
		return exec(ctx, tx, fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT * FROM %s ORDER BY rowid", q, rejects))
	}
	pk := sqlq.Ident(l.table.Incremental.PrimaryKey)
	if err := exec(ctx, tx, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s AS SELECT * FROM %s LIMIT 0", q, rejects)); err != nil {
		return err
	}
	if err := widen(ctx, tx, q, rejects); err != nil {
		return err
	}
	return exec(ctx, tx,
		fmt.Sprintf("DELETE FROM %s WHERE %s::VARCHAR IN (SELECT %s::VARCHAR FROM %s UNION ALL SELECT %s::VARCHAR FROM %s)", q, pk, pk, valid, pk, rejects),
		fmt.Sprintf("INSERT INTO %s BY NAME SELECT * FROM %s ORDER BY rowid", q, rejects))
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

// widen adds to table each column of from it lacks (a column the contract's
// extra_columns: evolve took on since the table was made), typed as in from, so
// that from's rows merge in by name. Rows already there hold NULL in it.
func widen(ctx context.Context, tx *sql.Tx, table, from string) error {
	columns := func(rel string) ([][2]string, error) {
		rows, err := tx.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+rel+")")
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var cols [][2]string
		for rows.Next() {
			var c [2]string
			if err := rows.Scan(&c[0], &c[1]); err != nil {
				return nil, err
			}
			cols = append(cols, c)
		}
		return cols, rows.Err()
	}
	have, err := columns(table)
	if err != nil {
		return err
	}
	want, err := columns(from)
	if err != nil {
		return err
	}
	for _, c := range want {
		if !slices.ContainsFunc(have, func(h [2]string) bool { return strings.EqualFold(h[0], c[0]) }) {
			if err := exec(ctx, tx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", table, sqlq.Ident(c[0]), c[1])); err != nil {
				return err
			}
		}
	}
	return nil
}
