package bigquery

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"google.golang.org/api/iterator"

	gbq "cloud.google.com/go/bigquery"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlexpr"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
	"github.com/ecomrun/ecomrun/pkg/stages"
	"github.com/ecomrun/ecomrun/pkg/thelook"
)

// Where the rules run (source.validate).
const (
	ValidateLocal    = "local"    // DuckDB, after the read (the default)
	ValidateBigQuery = "bigquery" // inside the extract query
)

// validated is a table's read with its rules compiled into it: the rows query
// (every column, _violations, _reject; without the rejected rows under
// on_invalid: drop) and the one-row COUNTIF query over the same rows.
type validated struct {
	rows, counts tableQuery
	compiled     *rules.GoogleCompiled
}

// validatedQuery wraps the table's read (its where:, bound and limit:) in the
// GoogleSQL rendering of its rules. A relationship looks the value up in the rows
// of the referenced table that a run loads: the table's own validated read less
// its rejected rows, as local validation looks in the loaded table. Where that
// cannot be said in one query (the referenced table is incremental, so the
// warehouse holds rows of earlier runs, or has a limit:, or is not in the plan),
// it looks in the dataset's table as it is.
func (s *Source) validatedQuery(t *spec.TablePlan, b *stages.Bound, drift *schemaRead) (validated, error) {
	q, err := buildQuery(s.dataset, t, b, drift)
	if err != nil {
		return validated{}, err
	}
	cols := make([]rules.Column, len(t.Model.Columns))
	for i, c := range t.Model.Columns {
		cols[i] = rules.Column{Name: c.Name, Type: c.Type.DuckDB()}
	}
	loaded := map[string]string{}
	for _, r := range t.Rules {
		name, _, _ := strings.Cut(r.To, ".")
		ref := t.Other(name)
		if r.Check != rules.Relationship || name == t.Name || ref == nil || ref.Incremental != nil || ref.Limit > 0 {
			continue
		}
		if _, done := loaded[name]; !done {
			v, err := s.validatedQuery(ref, nil, nil) // the spec refuses cycles
			if err != nil {
				return validated{}, err
			}
			loaded[name] = "(SELECT * FROM (" + v.compiled.Verdicts + ") WHERE NOT _reject)"
		}
	}
	gc, err := rules.CompileGoogleSQL(rules.GoogleTarget{
		Relation: "(" + q.sql + ")",
		Columns:  cols,
		Resolve: func(table string) string {
			if rel, ok := loaded[table]; ok {
				return rel
			}
			return quote(s.dataset.project) + "." + quote(s.dataset.dataset) + "." + sqlexpr.GoogleIdent(table)
		},
	}, t.Rules)
	if err != nil {
		return validated{}, fmt.Errorf("table %s: %w", t.Name, err)
	}
	rows := gc.Verdicts
	if t.OnInvalid == spec.OnInvalidDrop {
		rows = "SELECT * FROM (" + gc.Verdicts + ") WHERE NOT _reject" // rejected rows never leave BigQuery
	}
	return validated{
		rows:     tableQuery{sql: rows, params: q.params},
		counts:   tableQuery{sql: gc.Counts, params: q.params},
		compiled: gc,
	}, nil
}

// verdictSchema is the model's columns, then _violations and _reject.
func verdictSchema(m *catalog.Model) *arrow.Schema {
	fields := append(thelook.ArrowSchema(m).Fields(),
		arrow.Field{Name: "_violations", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		arrow.Field{Name: "_reject", Type: arrow.FixedWidthTypes.Boolean, Nullable: true})
	return arrow.NewSchema(fields, nil)
}

// extractValidated reads the table with its verdicts: the rows into relation (the
// model's columns, as a local read stages them) and each broken row's verdict into
// stages.ViolationsRelation, by rowid. Under on_invalid: drop the rejected rows stay
// in BigQuery and a COUNTIF query counts them and every rule's rows for the report.
func (s *Source) extractValidated(ctx context.Context, run *stages.Run, t *spec.TablePlan, relation string, drift *schemaRead) error {
	if len(drift.Changed) > 0 {
		return fmt.Errorf("the dataset types %s otherwise than the model: under validate: bigquery the rules would see the text; validate: local casts value by value (type_changes: cast), or fix the model's types", strings.Join(slices.Sorted(maps.Keys(drift.Changed)), ", "))
	}
	v, err := s.validatedQuery(t, run.Bound(t.Name), drift)
	if err != nil {
		return err
	}
	var verdicts stages.Verdicts
	if t.OnInvalid == spec.OnInvalidDrop {
		c, err := s.count(ctx, t, v)
		if err != nil {
			return err
		}
		verdicts = stages.Verdicts{Dropped: c.Rejected, Counts: map[string]int64{}}
		for _, r := range c.Rules {
			verdicts.Counts[r.Rule] = r.Rows
		}
	}
	reader, err := s.readQuery(ctx, t, v.rows, verdictSchema(t.Model))
	if err != nil {
		return err
	}
	defer reader.Release()
	wide := sqlq.Ident("_ecomrun_bqverdicts_" + t.Name)
	_, err = run.Warehouse.CreateFromArrow(ctx, wide, reader, func(view string) string {
		p := duckdbProjection(t.Model, view)
		from := strings.LastIndex(p, " FROM ")
		return p[:from] + ", CAST(_violations AS VARCHAR[]) AS _violations, coalesce(_reject, FALSE) AS _reject" + p[from:] + stableOrder(t.Model)
	}, false)
	if err != nil {
		return err
	}
	cols := make([]string, len(t.Model.Columns))
	for i, c := range t.Model.Columns {
		cols[i] = sqlq.Ident(c.Name)
	}
	// A table built in rowid order gets the same rowids, so the verdicts point at the staged rows.
	for _, q := range []string{
		fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT %s FROM %s ORDER BY rowid", relation, strings.Join(cols, ", "), wide),
		fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT rowid AS _row, _violations, _reject FROM %s WHERE len(_violations) > 0 ORDER BY rowid",
			stages.ViolationsRelation(t.Name), wide),
		"DROP TABLE " + wide,
	} {
		if err := run.Warehouse.Exec(ctx, q); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.verdicts == nil {
		s.verdicts = map[string]stages.Verdicts{}
	}
	s.verdicts[t.Name] = verdicts
	return nil
}

// Prevalidated says whether Extract ran the table's rules in BigQuery.
func (s *Source) Prevalidated(table string) (stages.Verdicts, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.verdicts[table]
	return v, ok
}

// Counts are the rows a table's rules reject in BigQuery, per rule.
type Counts struct {
	Rows     int64
	Rejected int64
	Rules    []RuleCount
}

// RuleCount is one rule's broken rows.
type RuleCount struct {
	Rule     string
	Check    string
	Severity string
	Rows     int64
}

// count runs a table's COUNTIF query.
func (s *Source) count(ctx context.Context, t *spec.TablePlan, v validated) (Counts, error) {
	it, err := s.query(t, v.counts).Read(ctx)
	if err != nil {
		return Counts{}, fmt.Errorf("count the rules' rows: %w", err)
	}
	var row []gbq.Value
	if err := it.Next(&row); err != nil {
		if err == iterator.Done {
			err = fmt.Errorf("no row")
		}
		return Counts{}, fmt.Errorf("count the rules' rows: %w", err)
	}
	if len(row) != 2+len(v.compiled.Rules) {
		return Counts{}, fmt.Errorf("count the rules' rows: %d values, want %d", len(row), 2+len(v.compiled.Rules))
	}
	n := func(x gbq.Value) int64 { i, _ := x.(int64); return i }
	c := Counts{Rows: n(row[0]), Rejected: n(row[1])}
	for i, r := range v.compiled.Rules {
		c.Rules = append(c.Rules, RuleCount{Rule: r.Name, Check: r.Check, Severity: r.Severity, Rows: n(row[2+i])})
	}
	return c, nil
}
