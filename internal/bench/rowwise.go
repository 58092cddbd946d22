package bench

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
)

// rowwise validates a loaded table the way the Python original did and issue 3 rules
// out: every row scanned out of the database into Go values, every rule checked on
// it in turn. It exists only to measure what the vectorised SQL pass saves, so it
// checks exactly the rules the SQL pass does and must count the same violations; it
// knows the built-in rules and the expressions of pipelines/daily.yaml by name.
func rowwise(ctx context.Context, db *sql.DB, t *spec.TablePlan) (rows int64, broken map[int64][]string, err error) {
	cols := t.Model.Columns
	dests := make([]any, len(cols))
	byName := map[string]any{}
	names := make([]string, len(cols))
	for i, c := range cols {
		switch c.Type.DuckDB() {
		case "BIGINT":
			dests[i] = new(sql.NullInt64)
		case "DOUBLE":
			dests[i] = new(sql.NullFloat64)
		case "TIMESTAMPTZ":
			dests[i] = new(sql.NullTime)
		default:
			dests[i] = new(sql.NullString)
		}
		byName[c.Name] = dests[i]
		names[i] = sqlq.Ident(c.Name)
	}
	type rowCheck struct {
		name   string
		broken func() bool
	}
	var checks []rowCheck
	var uniques []*uniqueCheck
	for _, r := range t.Rules {
		if r.Check == rules.RowCount {
			continue
		}
		if r.Check == rules.Unique {
			u, err := newUniqueCheck(r, byName[r.Column])
			if err != nil {
				return 0, nil, err
			}
			uniques = append(uniques, u)
			continue
		}
		if r.Check == rules.Relationship {
			f, err := rowRelationship(ctx, db, r, byName[r.Column])
			if err != nil {
				return 0, nil, fmt.Errorf("%s: rule %s: %w", t.Name, r.Name, err)
			}
			checks = append(checks, rowCheck{r.Name, f})
			continue
		}
		f, err := rowRule(t.Name, r, byName)
		if err != nil {
			return 0, nil, fmt.Errorf("%s: rule %s: %w", t.Name, r.Name, err)
		}
		checks = append(checks, rowCheck{r.Name, f})
	}

	broken = map[int64][]string{}
	var n int64
	rel := sqlq.Qualified("main", t.Name)
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+rel).Scan(&n); err != nil {
		return 0, nil, err
	}
	// duckdb-go materialises a query's whole result before the first row, so the
	// table is read a slice of rowids at a time (a fresh table's rowids are 0..n-1).
	query := fmt.Sprintf("SELECT %s FROM %s WHERE rowid >= ? AND rowid < ?", strings.Join(names, ", "), rel)
	for from := int64(0); from < n; from += scanSlice {
		res, err := db.QueryContext(ctx, query, from, from+scanSlice)
		if err != nil {
			return rows, nil, err
		}
		for ; res.Next(); rows++ {
			if err := res.Scan(dests...); err != nil {
				res.Close()
				return rows, nil, err
			}
			for _, c := range checks {
				if c.broken() {
					broken[rows] = append(broken[rows], c.name)
				}
			}
			for _, u := range uniques {
				u.see(rows, broken)
			}
		}
		res.Close()
		if err := res.Err(); err != nil {
			return rows, nil, err
		}
	}
	return rows, broken, nil
}

// scanSlice is how many rows rowwise reads per query: a few tens of MB of results.
// A variable so that a test can cross slice boundaries on little data.
var scanSlice int64 = 256 * 1024

// uniqueCheck remembers where each key was first seen. A duplicate breaks the rule
// for every row holding the key, as in SQL, so the first holder is marked late.
type uniqueCheck struct {
	name string
	i64  *sql.NullInt64
	str  *sql.NullString
	// ints and strs map a key to the row first holding it; int32 keeps them at about
	// 12 bytes a key (a table of 2^31 rows is beyond any benchmark here).
	ints map[int64]int32
	strs map[string]int32
}

// marked stands for a first holder already marked broken.
const marked = -1

func newUniqueCheck(r rules.Rule, dest any) (*uniqueCheck, error) {
	u := &uniqueCheck{name: r.Name, ints: map[int64]int32{}, strs: map[string]int32{}}
	switch d := dest.(type) {
	case *sql.NullInt64:
		u.i64 = d
	case *sql.NullString:
		u.str = d
	default:
		return nil, fmt.Errorf("rule %s: unique on a %T column", r.Name, dest)
	}
	return u, nil
}

func (u *uniqueCheck) see(row int64, broken map[int64][]string) {
	if u.i64 != nil {
		if u.i64.Valid {
			seeKey(u.ints, u.i64.Int64, u.name, row, broken)
		}
	} else if u.str.Valid {
		seeKey(u.strs, u.str.String, u.name, row, broken)
	}
}

func seeKey[K comparable](first map[K]int32, k K, rule string, row int64, broken map[int64][]string) {
	at, seen := first[k]
	if !seen {
		first[k] = int32(row)
		return
	}
	if at != marked {
		broken[int64(at)] = append(broken[int64(at)], rule)
		first[k] = marked
	}
	broken[row] = append(broken[row], rule)
}

// rowRule returns a check of one row against a rule: true when the row breaks it.
// As in SQL, a rule on a NULL value holds (but not_null).
func rowRule(table string, r rules.Rule, cols map[string]any) (func() bool, error) {
	if r.Check == rules.Expression {
		build, ok := expressions[table+"."+r.Name]
		if !ok {
			return nil, fmt.Errorf("no row-by-row version of expression %q", r.SQL)
		}
		return build(cols), nil
	}
	dest, ok := cols[r.Column]
	if !ok {
		return nil, fmt.Errorf("no column %q", r.Column)
	}
	switch r.Check {
	case rules.NotNull:
		return func() bool { return !valid(dest) }, nil
	case rules.AcceptedValues:
		switch d := dest.(type) {
		case *sql.NullString:
			set := map[string]bool{}
			for _, v := range r.Values {
				set[fmt.Sprint(v)] = true
			}
			return func() bool { return d.Valid && !set[d.String] }, nil
		case *sql.NullInt64:
			set := map[int64]bool{}
			for _, v := range r.Values {
				f, ok := number(v)
				if !ok {
					return nil, fmt.Errorf("value %v for an integer column", v)
				}
				set[int64(f)] = true
			}
			return func() bool { return d.Valid && !set[d.Int64] }, nil
		}
	case rules.Range:
		lo, hasLo := number(r.Min)
		hi, hasHi := number(r.Max)
		out := func(v float64) bool { return hasLo && v < lo || hasHi && v > hi }
		switch d := dest.(type) {
		case *sql.NullInt64:
			return func() bool { return d.Valid && out(float64(d.Int64)) }, nil
		case *sql.NullFloat64:
			return func() bool { return d.Valid && out(d.Float64) }, nil
		}
	case rules.Pattern:
		re, err := regexp.Compile(`^(?:` + r.Pattern + `)$`)
		if err != nil {
			return nil, err
		}
		if d, ok := dest.(*sql.NullString); ok {
			return func() bool { return d.Valid && !re.MatchString(d.String) }, nil
		}
	}
	return nil, fmt.Errorf("no row-by-row version of %s on a %T column", r.Check, dest)
}

func valid(dest any) bool {
	switch d := dest.(type) {
	case *sql.NullInt64:
		return d.Valid
	case *sql.NullFloat64:
		return d.Valid
	case *sql.NullTime:
		return d.Valid
	case *sql.NullString:
		return d.Valid
	}
	return false
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// rowRelationship reads the referenced column's values into a set, as a row-by-row
// validator would, and tests each row's value against it.
func rowRelationship(ctx context.Context, db *sql.DB, r rules.Rule, dest any) (func() bool, error) {
	table, column, _ := strings.Cut(r.To, ".")
	d, ok := dest.(*sql.NullInt64)
	if !ok {
		return nil, fmt.Errorf("no row-by-row version of relationship on a %T column", dest)
	}
	res, err := db.QueryContext(ctx, fmt.Sprintf("SELECT DISTINCT %s FROM %s WHERE %s IS NOT NULL",
		sqlq.Ident(column), sqlq.Qualified("main", table), sqlq.Ident(column)))
	if err != nil {
		return nil, err
	}
	defer res.Close()
	set := map[int64]bool{}
	for res.Next() {
		var v int64
		if err := res.Scan(&v); err != nil {
			return nil, err
		}
		set[v] = true
	}
	return func() bool { return d.Valid && !set[d.Int64] }, res.Err()
}
