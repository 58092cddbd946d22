package rules

import (
	"context"
	"fmt"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/sqlexpr"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
)

// Each check kind's SQL, in DuckDB's dialect over the typed rows ("typed", which
// has _row) and in GoogleSQL over the typed row (validate: bigquery): a condition
// true when a row breaks the rule. Kinds names them.

func duckNotNull(_ Target, r Rule) (string, error) { return sqlq.Ident(r.Column) + " IS NULL", nil }

func googleNotNull(_ GoogleTarget, r Rule) (string, error) {
	return sqlexpr.GoogleIdent(r.Column) + " IS NULL", nil
}

func duckUnique(t Target, r Rule) (string, error) {
	if t.distinct(r.Column) {
		return "FALSE", nil
	}
	col := sqlq.Ident(r.Column)
	return fmt.Sprintf("%s IN (SELECT %s FROM typed WHERE %s IS NOT NULL GROUP BY ALL HAVING count(*) > 1)", col, col, col), nil
}

func googleUnique(t GoogleTarget, r Rule) (string, error) {
	col := sqlexpr.GoogleIdent(r.Column)
	key := col
	if t.columnType(r.Column) == "DOUBLE" { // BigQuery cannot partition by FLOAT64: compared as text
		key = "CAST(" + col + " AS STRING)"
	}
	return fmt.Sprintf("(%s IS NOT NULL AND COUNT(*) OVER (PARTITION BY %s) > 1)", col, key), nil
}

func duckAcceptedValues(_ Target, r Rule) (string, error) {
	return notIn(sqlq.Ident(r.Column), r.Values, sqlq.Literal)
}

func googleAcceptedValues(t GoogleTarget, r Rule) (string, error) {
	return notIn(sqlexpr.GoogleIdent(r.Column), r.Values, t.literal(r.Column))
}

func duckRange(_ Target, r Rule) (string, error) {
	return outOfRange(sqlq.Ident(r.Column), r.Min, r.Max, sqlq.Literal)
}

func googleRange(t GoogleTarget, r Rule) (string, error) {
	cond, err := outOfRange(sqlexpr.GoogleIdent(r.Column), r.Min, r.Max, t.literal(r.Column))
	if err != nil {
		return "", err
	}
	return "(" + cond + ")", nil
}

func duckPattern(_ Target, r Rule) (string, error) {
	return fmt.Sprintf("NOT regexp_full_match(%s::VARCHAR, %s)", sqlq.Ident(r.Column), sqlq.String(r.Pattern)), nil
}

// googlePattern: regexp_full_match is REGEXP_CONTAINS anchored at both ends (both are RE2).
func googlePattern(_ GoogleTarget, r Rule) (string, error) {
	return fmt.Sprintf("NOT REGEXP_CONTAINS(CAST(%s AS STRING), %s)", sqlexpr.GoogleIdent(r.Column),
		sqlexpr.GoogleString("^(?:"+r.Pattern+")$")), nil
}

// duckExpression runs the condition as sqlexpr renders it, never as written.
func duckExpression(t Target, r Rule) (string, error) {
	cond, err := parseOver(t.Columns, r.SQL)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("NOT (%s)", cond.DuckDB()), nil
}

func googleExpression(t GoogleTarget, r Rule) (string, error) {
	cond, err := parseOver(t.Columns, r.SQL)
	if err != nil {
		return "", err
	}
	s, err := cond.SQL(sqlexpr.GoogleSQL)
	if err != nil {
		return "", err
	}
	return "NOT (" + s + ")", nil
}

// parseOver parses an expression rule's condition over the row's own columns.
func parseOver(columns []Column, sql string) (*sqlexpr.Cond, error) {
	names := make([]string, len(columns))
	for i, c := range columns {
		names[i] = c.Name
	}
	return sqlexpr.Parse(context.Background(), sql, names)
}

func duckRelationship(t Target, r Rule) (string, error) {
	table, column, ok := strings.Cut(r.To, ".")
	if !ok || t.Resolve == nil {
		return "", fmt.Errorf("relationship needs to: table.column")
	}
	return fmt.Sprintf("%s NOT IN (SELECT %s FROM %s WHERE %s IS NOT NULL)",
		sqlq.Ident(r.Column), sqlq.Ident(column), t.Resolve(table), sqlq.Ident(column)), nil
}

func googleRelationship(t GoogleTarget, r Rule) (string, error) {
	table, column, ok := strings.Cut(r.To, ".")
	if !ok || t.Resolve == nil {
		return "", fmt.Errorf("relationship needs to: table.column")
	}
	c := sqlexpr.GoogleIdent(column)
	return fmt.Sprintf("%s NOT IN (SELECT %s FROM %s WHERE %s IS NOT NULL)", sqlexpr.GoogleIdent(r.Column), c, t.Resolve(table), c), nil
}
