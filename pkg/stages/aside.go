package stages

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/exact"
	"github.com/ecomrun/ecomrun/pkg/spec"

	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
)

// A source sets rows aside while it reads: the files source a value that does not
// convert exactly or a record that does not parse, the bigquery source a value of a
// column whose type changed that does not convert. It stages them like every row,
// so they count in, and lists them in the aside relation: the staged row, the rules
// broken (type_<column>, or malformed_record alone), where in the file and the
// original text. Validate adds them to its verdict; load quarantines them with that
// text.

func asideRelation(table string) string { return sqlq.Ident("_ecomrun_aside_" + table) }

// withAside adds the set-aside rows to a compiled violations query: their reasons
// first, then the rules the row also breaks, except for a malformed record, whose
// NULLs break nothing but its being malformed.
func withAside(violations, table string) string {
	return fmt.Sprintf(`WITH v AS (%s), a AS (SELECT _row, _violations, _malformed FROM %s)
SELECT coalesce(a._row, v._row) AS _row,
	CASE WHEN a._malformed THEN a._violations ELSE list_concat(coalesce(a._violations, []::VARCHAR[]), coalesce(v._violations, []::VARCHAR[])) END AS _violations,
	coalesce(v._reject, FALSE) OR a._row IS NOT NULL AS _reject
FROM v FULL OUTER JOIN a ON v._row = a._row`, violations, asideRelation(table))
}

// asideViolations lists, for the report, the reasons counted that no compiled rule
// names (type_<column>, malformed_record), in name order.
func asideViolations(counts map[string]int64, compiled []rules.Rule) []report.Violation {
	var names []string
	for name := range counts {
		if !slices.ContainsFunc(compiled, func(r rules.Rule) bool { return r.Name == name }) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var out []report.Violation
	for _, name := range names {
		check := rules.TypeCheck
		if name == malformedRule {
			check = malformedRule
		}
		out = append(out, report.Violation{Rule: name, Check: check, Severity: rules.SeverityError, Rows: counts[name]})
	}
	return out
}

// asideColumns are the columns quarantine.<table> gets from the files source, and
// the join that fills them (both empty for other sources).
func asideColumns(state *tableState, table string) (columns, join string) {
	if state.files == nil {
		return "", ""
	}
	return fmt.Sprintf(", %s AS _source_file, a._source_line, a._source_text, a._source_values", sqlq.String(state.files.file)),
		fmt.Sprintf(" LEFT JOIN %s a ON a._row = s.rowid", asideRelation(table))
}

// ConvertQuery selects each column of model from relation from, converted exactly
// from the source's type srcType(col) ("" when the source lacks the column: NULL),
// with the values that do not convert in _ecomrun_aside (column -> original text),
// for harvestStatements. rowExpr, when set, is kept as _ecomrun_pos (a row's place in
// its file).
func ConvertQuery(model *catalog.Model, from string, srcType func(catalog.Column) string, rowExpr string) string {
	var inner, outer, bad, entries []string
	for i, col := range model.Columns {
		q := sqlq.Ident(col.Name)
		st := srcType(col)
		if st == "" {
			inner = append(inner, fmt.Sprintf("NULL::%s AS %s", col.Type.DuckDB(), q))
			outer = append(outer, q)
			continue
		}
		conv, lossless := exact.Convert(q, st, col.Type)
		if lossless {
			inner = append(inner, conv+" AS "+q)
			outer = append(outer, q)
			continue
		}
		text := sqlq.Ident(fmt.Sprintf("_ecomrun_src_%d", i))
		inner = append(inner, conv+" AS "+q, q+" AS "+text)
		outer = append(outer, q)
		b := fmt.Sprintf("(%s IS NOT NULL AND %s IS NULL)", text, q)
		bad = append(bad, b)
		entries = append(entries, fmt.Sprintf("CASE WHEN %s THEN {'k': %s, 'v': %s::VARCHAR} END", b, sqlq.String(col.Name), text))
	}
	if rowExpr != "" {
		inner = append(inner, rowExpr+" AS _ecomrun_pos")
	}
	aside := "NULL::MAP(VARCHAR, VARCHAR)"
	if len(bad) > 0 {
		aside = fmt.Sprintf("CASE WHEN %s THEN map_from_entries(list_filter([%s], e -> e IS NOT NULL)) END",
			strings.Join(bad, " OR "), strings.Join(entries, ", "))
	}
	outer = append(outer, aside+" AS _ecomrun_aside")
	if rowExpr != "" {
		outer = append(outer, "_ecomrun_pos")
	}
	return fmt.Sprintf("SELECT %s FROM (SELECT %s FROM %s)", strings.Join(outer, ", "), strings.Join(inner, ", "), from)
}

// harvestStatements move the set-aside values out of staged (a ConvertQuery
// result) into the aside relation, keyed by the staged row, and drop the helper
// columns. pos is the SQL of a row's position in its file ("NULL" when unknown).
func harvestStatements(staged, aside, pos string) []string {
	stmts := []string{
		fmt.Sprintf(`CREATE OR REPLACE TABLE %s AS SELECT rowid AS _row,
			list_transform(map_keys(_ecomrun_aside), k -> 'type_' || k) AS _violations, FALSE AS _malformed,
			%s::BIGINT AS _source_line, NULL::VARCHAR AS _source_text, _ecomrun_aside AS _source_values
			FROM %s WHERE _ecomrun_aside IS NOT NULL ORDER BY rowid`, aside, pos, staged),
		fmt.Sprintf("ALTER TABLE %s DROP COLUMN _ecomrun_aside", staged),
	}
	if pos != "NULL" {
		stmts = append(stmts, fmt.Sprintf("ALTER TABLE %s DROP COLUMN _ecomrun_pos", staged))
	}
	return stmts
}

// SetAside is, for a source other than files, what the files source does as it
// reads: staged holds a ConvertQuery result, whose values that did not convert are
// set aside as type_<column>, and quarantined with source (where the rows came
// from) in _source_file.
func (run *Run) SetAside(ctx context.Context, t *spec.TablePlan, staged, source string) error {
	for _, q := range harvestStatements(staged, asideRelation(t.Name), "NULL") {
		if err := run.Warehouse.Exec(ctx, q); err != nil {
			return err
		}
	}
	run.tables[t.Name].files = &filesState{file: source}
	return nil
}
