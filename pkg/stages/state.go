package stages

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ecomrun/ecomrun/internal/failpoint"
	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

// StateSchema holds what ecomrun remembers between runs, in the warehouse itself
// so that it is committed or lost together with the data it describes.
const StateSchema = "_ecomrun"

var stateTable = sqlq.Qualified(StateSchema, "state")

// State is one table's memory: its watermark (the largest cursor value loaded, as
// text) and how its last run ended.
type State struct {
	Table     string    `json:"table"`
	Mode      string    `json:"mode"`
	Cursor    string    `json:"cursor,omitempty"`
	Watermark string    `json:"watermark,omitempty"`
	LastRunID string    `json:"last_run_id"`
	Status    string    `json:"status"`
	Updated   time.Time `json:"updated"`
}

func createStateTable(ctx context.Context, wh *warehouse.Warehouse) error {
	return wh.Exec(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (
		table_name VARCHAR PRIMARY KEY, mode VARCHAR, cursor VARCHAR, watermark VARCHAR,
		last_run_id VARCHAR, status VARCHAR, updated TIMESTAMPTZ)`, stateTable))
}

// ReadState returns the stored state of every table, in table order.
func ReadState(ctx context.Context, db *sql.DB) ([]State, error) {
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT table_name, mode, coalesce(cursor, ''), coalesce(watermark, ''),
		last_run_id, status, updated FROM %s ORDER BY table_name`, stateTable))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []State
	for rows.Next() {
		var s State
		if err := rows.Scan(&s.Table, &s.Mode, &s.Cursor, &s.Watermark, &s.LastRunID, &s.Status, &s.Updated); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Bound is the lower bound of an incremental read: rows whose Column is at least
// Literal (already less the lookback) are read.
type Bound struct {
	Column  string
	Type    catalog.Type
	Literal string // a SQL literal both DuckDB and BigQuery read: TIMESTAMP '...' or an integer
}

// Condition is the bound as a condition on a column expression (quoted, or cast).
func (b Bound) Condition(column string) string { return column + " >= " + b.Literal }

// loadBounds reads the watermarks of the run's incremental tables, except those
// being fully refreshed, whose state is forgotten instead.
func (r *Run) loadBounds(ctx context.Context, fullRefresh func(table string) bool) error {
	for _, t := range r.Plan.Tables {
		if fullRefresh(t.Name) {
			if err := r.Warehouse.Exec(ctx, "DELETE FROM "+stateTable+" WHERE table_name = ?", t.Name); err != nil {
				return err
			}
			continue
		}
		inc := t.Incremental
		if inc == nil {
			continue
		}
		var watermark sql.NullString
		err := r.Warehouse.DB.QueryRowContext(ctx,
			"SELECT watermark FROM "+stateTable+" WHERE table_name = ? AND cursor = ?", t.Name, inc.Cursor).Scan(&watermark)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !watermark.Valid {
			continue // first run: read everything
		}
		if err != nil {
			return err
		}
		b, err := WatermarkBound(&t, watermark.String)
		if err != nil {
			return fmt.Errorf("table %s: stored watermark %q: %w (reset it with apply --full-refresh --tables %s)", t.Name, watermark.String, err, t.Name)
		}
		r.tables[t.Name].bound = &b
	}
	return nil
}

// watermarkLayout is how DuckDB prints a TIMESTAMPTZ in UTC.
const watermarkLayout = "2006-01-02 15:04:05.999999-07"

// WatermarkBound is the lower bound of an incremental table's read from its stored
// watermark: the watermark less the lookback. apply reads from it and plan --predict
// counts from it.
func WatermarkBound(t *spec.TablePlan, watermark string) (Bound, error) {
	inc := t.Incremental
	col, _ := t.Model.Column(inc.Cursor)
	return bound(inc, col.Type, watermark)
}

func bound(inc *spec.Incremental, typ catalog.Type, watermark string) (Bound, error) {
	b := Bound{Column: inc.Cursor, Type: typ}
	if typ == catalog.Int64 {
		n, err := strconv.ParseInt(watermark, 10, 64)
		if err != nil {
			return b, err
		}
		b.Literal = strconv.FormatInt(n-inc.Units, 10)
		return b, nil
	}
	ts, err := time.Parse(watermarkLayout, watermark)
	if err != nil {
		return b, err
	}
	b.Literal = "TIMESTAMP " + sqlq.String(ts.Add(-inc.Duration).UTC().Format("2006-01-02 15:04:05.999999+00"))
	return b, nil
}

// Bound returns the lower bound of a table's read, or nil to read everything.
func (r *Run) Bound(table string) *Bound { return r.tables[table].bound }

// CommitState records how each table's run ended. The watermark advances only for
// a table whose load and every sink succeeded; otherwise the next run reads the
// same rows again, which the merge on the primary key makes harmless.
func (r *Run) CommitState(ctx context.Context, succeeded func(table string) bool) error {
	for _, t := range r.Plan.Tables {
		st := r.tables[t.Name]
		mode, cursor := spec.ModeSnapshot, ""
		if t.Incremental != nil {
			mode, cursor = spec.ModeIncremental, t.Incremental.Cursor
		}
		status, watermark := "failed", any(nil)
		if succeeded(t.Name) {
			status = "ok"
			if st.watermark != "" {
				watermark = st.watermark
			}
		}
		err := r.Warehouse.Exec(ctx, fmt.Sprintf(`INSERT INTO %s VALUES (?, ?, ?, ?, ?, ?, now())
			ON CONFLICT (table_name) DO UPDATE SET mode = excluded.mode, cursor = excluded.cursor,
			watermark = CASE WHEN excluded.status = 'ok' THEN excluded.watermark
				WHEN excluded.cursor IS NOT DISTINCT FROM cursor THEN watermark END,
			last_run_id = excluded.last_run_id, status = excluded.status, updated = excluded.updated`, stateTable),
			t.Name, mode, nullIfEmpty(cursor), watermark, r.ID, status)
		if err != nil {
			return fmt.Errorf("record state of %s: %w", t.Name, err)
		}
		failpoint.Hit("state." + t.Name)
	}
	return nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
