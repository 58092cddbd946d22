package rules

import (
	"fmt"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/sqlexpr"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
)

// GoogleTarget is what a table's rules are evaluated over inside BigQuery.
type GoogleTarget struct {
	// Relation is a GoogleSQL relation holding the rows: a quoted table path, or a
	// parenthesised query (the source's read, with its where: and limit:).
	Relation string
	// Columns are the model's columns with their DuckDB types, as in Target.
	Columns []Column
	// Raw means the columns hold STRING: each is SAFE_CAST to its model type, and a
	// value that does not cast breaks the column's "type" rule.
	Raw bool
	// Resolve gives the quoted GoogleSQL table a relationship rule's "table" refers to.
	Resolve func(table string) string
	// Carry are further columns of Relation passed through unchecked (a test's row key).
	Carry []string
}

// GoogleCompiled is a table's rules as GoogleSQL. The rules, their order and their
// names are those Compile gives for the same rules (type rules first), so a row's
// _violations list is the same list in both engines.
type GoogleCompiled struct {
	Rules      []Rule
	TableRules []Rule
	// Flags selects every row: the model's columns (typed), the carried columns, and
	// one BOOL _f<i> per rule, true when the row breaks Rules[i] (never NULL).
	Flags string
	// Verdicts selects every row's columns, _violations (ARRAY<STRING>: the names of the
	// rules it breaks, in rule order) and _reject (it breaks an error rule).
	Verdicts string
	// Counts selects one row: _rows, _rejected, then _n<i>, the rows breaking Rules[i].
	Counts string
}

// googleTypes maps the DuckDB types of the models' columns to BigQuery's.
var googleTypes = map[string]string{
	"BIGINT": "INT64", "DOUBLE": "FLOAT64", "VARCHAR": "STRING", "TIMESTAMPTZ": "TIMESTAMP",
	"BOOLEAN": "BOOL", "DATE": "DATE",
}

// CompileGoogleSQL turns rules into one GoogleSQL pass over the target, rule for rule
// the meaning of Compile's DuckDB pass: a NULL condition passes; unique counts the
// other rows with the same non-NULL value (a window, so the table is scanned once);
// relationship looks the value up in the referenced table.
func CompileGoogleSQL(t GoogleTarget, rs []Rule) (*GoogleCompiled, error) {
	c := &GoogleCompiled{}
	var typedCols, flags, out []string
	for _, col := range t.Columns {
		q := sqlexpr.GoogleIdent(col.Name)
		out = append(out, q)
		gt := googleTypes[col.Type]
		if gt == "" {
			return nil, fmt.Errorf("column %s: type %s has no BigQuery counterpart", col.Name, col.Type)
		}
		if !t.Raw || col.Type == "VARCHAR" {
			typedCols = append(typedCols, q)
			continue
		}
		cast := fmt.Sprintf("SAFE_CAST(%s AS %s)", q, gt)
		if gt == "INT64" {
			// DuckDB reads '12.5' as 13 and ' 7 ' as 7; BigQuery refuses both as INT64.
			// Decimal text goes through FLOAT64, exact up to 2^53.
			cast = fmt.Sprintf(`COALESCE(%s, IF(REGEXP_CONTAINS(%s, %s), SAFE_CAST(ROUND(SAFE_CAST(TRIM(%s) AS FLOAT64)) AS INT64), NULL))`,
				cast, q, sqlexpr.GoogleString(`^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$`), q)
		}
		rule := Rule{Name: TypeRuleName(col.Name), Check: TypeCheck, Column: col.Name, Severity: SeverityError}
		flag := sqlexpr.GoogleIdent("_flag_" + rule.Name)
		typedCols = append(typedCols, cast+" AS "+q, fmt.Sprintf("(%s IS NOT NULL AND %s IS NULL) AS %s", q, cast, flag))
		c.Rules = append(c.Rules, rule)
		flags = append(flags, flag)
	}
	for _, name := range t.Carry {
		q := sqlexpr.GoogleIdent(name)
		typedCols, out = append(typedCols, q), append(out, q)
	}
	for _, r := range rs {
		if r.Check == RowCount {
			c.TableRules = append(c.TableRules, r)
			continue
		}
		cond, err := brokenGoogle(t, r)
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.Name, err)
		}
		c.Rules = append(c.Rules, r)
		flags = append(flags, fmt.Sprintf("COALESCE(%s, FALSE)", cond))
	}

	sel := make([]string, 0, len(out)+len(flags))
	sel = append(sel, out...)
	var cases, rejects, counts []string
	for i, r := range c.Rules {
		f := fmt.Sprintf("_f%d", i)
		sel = append(sel, fmt.Sprintf("%s AS %s", flags[i], f))
		cases = append(cases, fmt.Sprintf("IF(%s, [%s], ARRAY<STRING>[])", f, sqlexpr.GoogleString(r.Name)))
		counts = append(counts, fmt.Sprintf("COUNTIF(%s) AS _n%d", f, i))
		if !r.IsWarn() {
			rejects = append(rejects, f)
		}
	}
	violations, reject := "ARRAY<STRING>[]", "FALSE"
	if len(cases) > 0 {
		violations = "ARRAY_CONCAT(" + strings.Join(cases, ", ") + ")"
	}
	if len(rejects) > 0 {
		reject = "(" + strings.Join(rejects, " OR ") + ")"
	}
	c.Flags = fmt.Sprintf("SELECT %s FROM (SELECT %s FROM %s) AS typed",
		strings.Join(sel, ", "), strings.Join(typedCols, ", "), t.Relation)
	c.Verdicts = fmt.Sprintf("SELECT %s, %s AS _violations, %s AS _reject FROM (%s) AS flags",
		strings.Join(out, ", "), violations, reject, c.Flags)
	c.Counts = fmt.Sprintf("SELECT COUNT(*) AS _rows, COUNTIF(%s) AS _rejected%s FROM (%s) AS flags",
		reject, strings.Join(append([]string{""}, counts...), ", "), c.Flags)
	return c, nil
}

// brokenGoogle is broken in GoogleSQL: its kind's GoogleSQL rendering (Kinds), a
// condition over the typed row, true when the row breaks the rule.
func brokenGoogle(t GoogleTarget, r Rule) (string, error) {
	if k, ok := Kind(r.Check); ok && k.GoogleSQL != nil {
		return k.GoogleSQL(t, r)
	}
	return "", fmt.Errorf("unknown check %q", r.Check)
}

// googleLiteral writes a rule's value in GoogleSQL; a string compared with a
// timestamp column is a TIMESTAMP literal (DuckDB casts it implicitly).
func googleLiteral(v any, colType string) (string, error) {
	x, ok := v.(string)
	switch {
	case !ok:
		return sqlq.Literal(v) // numbers and booleans are written alike in both dialects
	case colType == "TIMESTAMPTZ":
		return "TIMESTAMP " + sqlexpr.GoogleString(x), nil
	}
	return sqlexpr.GoogleString(x), nil
}

// columnType is the DuckDB type of a column of the target ("" when unknown).
func (t GoogleTarget) columnType(name string) string {
	for _, c := range t.Columns {
		if c.Name == name {
			return c.Type
		}
	}
	return ""
}

// literal writes a rule's values for a column in GoogleSQL (googleLiteral).
func (t GoogleTarget) literal(column string) func(any) (string, error) {
	colType := t.columnType(column)
	return func(v any) (string, error) { return googleLiteral(v, colType) }
}
