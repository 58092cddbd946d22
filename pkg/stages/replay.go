package stages

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/ecomrun/ecomrun/internal/failpoint"
	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

var replayTable = sqlq.Qualified(StateSchema, "replays")

// NewSinkRun builds a run that only publishes what the warehouse holds: the plan's
// sinks and no source (replay and prune write through the sinks without reading).
func NewSinkRun(ctx context.Context, id string, plan *spec.Plan, wh *warehouse.Warehouse, rep *report.Report) (*Run, error) {
	run := &Run{ID: id, Plan: plan, Warehouse: wh, Report: rep, sinks: map[string]Sink{}, tables: map[string]*tableState{}}
	for _, s := range plan.Spec.Sinks {
		sink, err := NewSink(plan.Spec, s)
		if err != nil {
			return nil, fmt.Errorf("sink %s: %w", s.Name, err)
		}
		run.sinks[s.Name] = sink
	}
	for _, t := range plan.Tables {
		run.tables[t.Name] = &tableState{}
	}
	for _, schema := range []string{QuarantineSchema, StateSchema} {
		if err := wh.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+sqlq.Ident(schema)); err != nil {
			return nil, err
		}
	}
	if err := createStateTable(ctx, wh); err != nil {
		return nil, err
	}
	return run, wh.Exec(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (
		run_id VARCHAR, table_name VARCHAR, quarantined BIGINT, moved BIGINT, kept BIGINT, replayed_at TIMESTAMPTZ,
		published BOOLEAN)`, replayTable))
}

// Replayed is what a replay did to one table's quarantine: Quarantined = Moved + Kept.
type Replayed struct {
	Table       string `json:"table"`
	Quarantined int64  `json:"quarantined"`
	Moved       int64  `json:"moved"`
	Kept        int64  `json:"kept"`
	// Rules counts, per rule, the kept rows that break it under the current rules.
	Rules map[string]int64 `json:"rules,omitempty"`
	// Present says the table has a quarantine (and a table) to replay.
	Present bool `json:"-"`
	// Unpublished says an earlier replay moved rows that its sinks may not have: it
	// stopped between its commit and the end of the table's publish.
	Unpublished bool `json:"-"`
}

// Replay checks a table's quarantined rows against the plan's current rules, in one
// transaction: the rows that now pass are merged into the table (on the primary key
// for an incremental table, appended to a snapshot), the rest stay in quarantine
// with the rules they break now (_violations), the run that set them aside
// (_run_id) and every other column the quarantine has. Rules that look at the whole
// table (unique) see the table's rows and the quarantined ones together. A table with an empty quarantine, or none, is left alone.
//
// Like load, it never DELETEs from a table it renames in the same transaction: the
// quarantine is replaced whole with CREATE OR REPLACE.
func (r *Run) Replay(ctx context.Context, t *spec.TablePlan) (Replayed, error) {
	out := Replayed{Table: t.Name}
	q, target := sqlq.Qualified(QuarantineSchema, t.Name), sqlq.Qualified("main", t.Name)
	for _, rel := range [][2]string{{QuarantineSchema, t.Name}, {"main", t.Name}} {
		if ok, err := r.Warehouse.Exists(ctx, "", rel[0], rel[1]); err != nil || !ok {
			return out, err
		}
	}
	if n, err := r.Warehouse.Count(ctx, q); err != nil || n == 0 {
		if err == nil {
			var left int64
			err = r.Warehouse.DB.QueryRowContext(ctx, "SELECT count(*) FROM "+replayTable+" WHERE table_name = ? AND NOT published", t.Name).Scan(&left)
			out.Unpublished = left > 0
		}
		return out, err // nothing set aside: nothing to move, and to publish only what an earlier replay did not
	}
	out.Present = true
	qcols, raw, err := r.quarantineColumns(ctx, t)
	if err != nil {
		return out, err
	}
	work, viol, verdict := sqlq.Ident("_ecomrun_replay_"+t.Name), sqlq.Ident("_ecomrun_replay_violations_"+t.Name), sqlq.Ident("_ecomrun_replay_verdict_"+t.Name)
	defer func() {
		for _, rel := range []string{work, viol, verdict} {
			_ = r.Warehouse.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+rel)
		}
	}()
	// The table's rows first (as text when the quarantine holds text), then the
	// quarantined rows, by their place in the quarantine and with every column it has
	// (a files source adds where each row came from). The order is the source order
	// the rules see: under on_duplicate: keep_first a key the table holds comes first,
	// so a quarantined copy of it stays <key>_duplicate and never moves in beside it.
	mainCols := make([]string, len(t.Model.Columns))
	for i, c := range t.Model.Columns {
		mainCols[i] = sqlq.Ident(c.Name)
		if raw {
			mainCols[i] = fmt.Sprintf("CAST(%s AS VARCHAR) AS %s", mainCols[i], mainCols[i])
		}
	}
	err = r.Warehouse.Exec(ctx, fmt.Sprintf(`CREATE OR REPLACE TABLE %s AS SELECT * EXCLUDE (_part, _n) FROM (
		SELECT *, TRUE AS _q, 1 AS _part, rowid AS _n FROM %s
		UNION ALL BY NAME SELECT %s, FALSE AS _q, 0 AS _part, rowid AS _n FROM %s) ORDER BY _part, _n`,
		work, q, strings.Join(mainCols, ", "), target))
	if err != nil {
		return out, fmt.Errorf("replay %s: %w", t.Name, err)
	}
	compiled, err := rules.Compile(rules.Target{
		Relation: work, Columns: modelColumns(t), Raw: raw,
		Resolve: func(table string) string { return sqlq.Qualified("main", table) },
	}, t.Rules)
	if err != nil {
		return out, err
	}
	if err := r.Warehouse.Exec(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s AS %s", viol, compiled.Violations)); err != nil {
		return out, fmt.Errorf("replay %s: evaluate rules: %w", t.Name, err)
	}
	// A reason the source gave (a value that did not convert, a record that did not
	// parse) cannot be checked again: the rules see the converted row, not the text.
	// Such a row stays, with that reason first (once) and the rules it breaks now after it.
	names := []string{}
	for _, rule := range compiled.Rules {
		names = append(names, sqlq.String(rule.Name))
	}
	err = r.Warehouse.Exec(ctx, fmt.Sprintf(`CREATE OR REPLACE TABLE %s AS SELECT w.rowid AS _row,
		list_filter(coalesce(w._violations, []::VARCHAR[]), lambda x, i: (starts_with(x, 'type_') OR x = 'malformed_record')
			AND NOT list_contains([%s]::VARCHAR[], x) AND list_position(w._violations, x) = i) AS _sticky,
		coalesce(v._violations, []::VARCHAR[]) AS _now, coalesce(v._reject, FALSE) AS _reject
		FROM %s w LEFT JOIN %s v ON w.rowid = v._row WHERE w._q`, verdict, strings.Join(names, ", "), work, viol))
	if err != nil {
		return out, fmt.Errorf("replay %s: %w", t.Name, err)
	}

	values := prefixed("w.", quoted(t))
	if raw {
		values = castColumns(t)
	}
	kept := "(d._reject OR len(d._sticky) > 0)"
	keptCols := make([]string, len(qcols))
	for i, c := range qcols {
		keptCols[i] = "w." + sqlq.Ident(c)
		if c == "_violations" {
			keptCols[i] = "list_concat(d._sticky, list_filter(d._now, lambda x: NOT list_contains(d._sticky, x))) AS _violations"
		}
	}
	moved := sqlq.Ident("_ecomrun_replay_moved_" + t.Name)
	err = r.Warehouse.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+q).Scan(&out.Quarantined); err != nil {
			return err
		}
		stmts := []string{fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT %s FROM %s w JOIN %s d ON w.rowid = d._row WHERE NOT %s ORDER BY w.rowid",
			moved, values, work, verdict, kept)}
		if inc := t.Incremental; inc != nil {
			pk := sqlq.Ident(inc.PrimaryKey)
			stmts = append(stmts, fmt.Sprintf("DELETE FROM %s WHERE %s IN (SELECT %s FROM %s)", target, pk, pk, moved))
		}
		stmts = append(stmts,
			fmt.Sprintf("INSERT INTO %s SELECT * FROM %s ORDER BY rowid", target, moved),
			fmt.Sprintf(`CREATE OR REPLACE TABLE %s AS SELECT %s FROM %s w JOIN %s d ON w.rowid = d._row WHERE %s ORDER BY w.rowid`,
				q, strings.Join(keptCols, ", "), work, verdict, kept))
		if err := exec(ctx, tx, stmts...); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+moved).Scan(&out.Moved); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+q).Scan(&out.Kept); err != nil {
			return err
		}
		if out.Moved+out.Kept != out.Quarantined {
			return fmt.Errorf("accounting mismatch replaying %s: %d quarantined, but %d moved + %d kept: nothing was committed", t.Name, out.Quarantined, out.Moved, out.Kept)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+replayTable+" VALUES (?, ?, ?, ?, ?, now(), FALSE)", r.ID, t.Name, out.Quarantined, out.Moved, out.Kept); err != nil {
			return err
		}
		failpoint.Hit("replay." + t.Name)
		return exec(ctx, tx, "DROP TABLE "+moved)
	})
	if err != nil {
		return out, fmt.Errorf("replay %s: %w", t.Name, err)
	}
	failpoint.Hit("replay." + t.Name + ".committed")
	counts, err := ruleCounts(ctx, r.Warehouse.DB, q)
	if err != nil {
		return out, err
	}
	if len(counts) > 0 {
		out.Rules = counts
	}
	return out, nil
}

// quarantineColumns returns the columns of a table's quarantine in order, and
// whether it holds text as the source gave it (a raw source stages every column as
// text) rather than values of the model's types.
func (r *Run) quarantineColumns(ctx context.Context, t *spec.TablePlan) ([]string, bool, error) {
	have, err := r.Warehouse.Columns(ctx, QuarantineSchema, t.Name)
	if err != nil {
		return nil, false, err
	}
	var cols []string
	types := map[string]string{}
	for _, c := range have {
		cols = append(cols, c.Name)
		types[c.Name] = c.Type
	}
	raw := false
	for _, c := range append(t.Model.Columns, catalog.Column{Name: "_violations"}, catalog.Column{Name: "_run_id"}) {
		typ, ok := types[c.Name]
		if !ok {
			return nil, false, fmt.Errorf("quarantine.%s has no column %s: it was written for another model", t.Name, c.Name)
		}
		if strings.HasPrefix(c.Name, "_") {
			continue
		}
		if typ == "VARCHAR" && c.Type.DuckDB() != "VARCHAR" {
			raw = true
		}
	}
	return cols, raw, nil
}

func quoted(t *spec.TablePlan) []string {
	cols := make([]string, len(t.Model.Columns))
	for i, c := range t.Model.Columns {
		cols[i] = sqlq.Ident(c.Name)
	}
	return cols
}

// Publish writes a table through each of its sinks, as the sink stages of a run
// do, and once every one has, records its replays as published.
func (r *Run) Publish(ctx context.Context, t *spec.TablePlan) []error {
	var errs []error
	for _, name := range t.Sinks {
		if err := r.sinks[name].Write(ctx, r, t); err != nil {
			errs = append(errs, fmt.Errorf("sink.%s.%s: %w", name, t.Name, err))
		}
	}
	if len(errs) == 0 {
		if err := r.Warehouse.Exec(ctx, "UPDATE "+replayTable+" SET published = TRUE WHERE table_name = ? AND NOT published", t.Name); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func prefixed(p string, cols []string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = p + c
	}
	return strings.Join(out, ", ")
}
