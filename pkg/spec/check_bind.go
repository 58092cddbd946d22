package spec

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/diag"
	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/sqlexpr"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
)

// binder puts what a spec hands DuckDB (where: conditions, expression, range,
// accepted_values and pattern rules, warehouse settings) before DuckDB as apply
// would, in an in-memory database of its own, so that validate refuses what the
// run would. Each model is a table of its columns in their DuckDB types holding one
// row of NULLs: binding finds unknown functions, wrong argument counts and types
// that do not compare; running the statement over the NULL row casts its constants
// ('2024-13-45' to a TIMESTAMP), which DuckDB does only when a row comes, without
// reading any data. The database is opened on first use, so a spec that hands
// DuckDB nothing costs nothing; close ends it.
type binder struct {
	conn   *sql.Conn
	db     *sql.DB
	err    error
	opened bool
	// tables maps a model's column list to the table that holds its NULL row.
	tables map[string]string
}

func (b *binder) open() error {
	if b.opened {
		return b.err
	}
	b.opened = true
	settings := url.Values{
		"autoinstall_known_extensions": {"false"},
		"autoload_known_extensions":    {"false"},
		"enable_external_access":       {"false"},
		"threads":                      {"1"},
	}
	ctx := context.Background()
	db, err := sql.Open("duckdb", "?"+settings.Encode())
	if err == nil {
		// One connection, which holds the tables and the time zone.
		var conn *sql.Conn
		if conn, err = db.Conn(ctx); err == nil {
			// As the warehouse: TIMESTAMP columns compare in UTC.
			if _, err = conn.ExecContext(ctx, "SET TimeZone = 'UTC'"); err == nil {
				b.db, b.conn, b.tables = db, conn, map[string]string{}
				return nil
			}
			conn.Close()
		}
		db.Close()
	}
	b.err = fmt.Errorf("open DuckDB to check the spec: %w", err)
	return b.err
}

func (b *binder) close() {
	if b.conn != nil {
		b.conn.Close()
		b.db.Close()
	}
}

// table is the quoted table holding m's NULL row, created on first use.
func (b *binder) table(m *catalog.Model) (string, error) {
	if err := b.open(); err != nil {
		return "", err
	}
	cols := make([]string, len(m.Columns))
	for i, c := range m.Columns {
		cols[i] = sqlq.Ident(c.Name) + " " + c.Type.DuckDB()
	}
	key := strings.Join(cols, ", ")
	if name, ok := b.tables[key]; ok {
		return name, nil
	}
	name := sqlq.Ident(fmt.Sprintf("%s_%d", m.Table, len(b.tables)))
	if err := b.exec(fmt.Sprintf("CREATE TABLE %s (%s); INSERT INTO %s DEFAULT VALUES", name, key, name)); err != nil {
		return "", fmt.Errorf("internal error: a table for the model of %s: %w", m.Table, err)
	}
	b.tables[key] = name
	return name, nil
}

// exec runs a statement and reads every row it returns.
func (b *binder) exec(query string) error {
	rows, err := b.conn.QueryContext(context.Background(), query)
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	return rows.Close()
}

// errNotBoolean is a condition that binds, but not as a boolean: DuckDB would cast
// it, reading any number but 0 as true, and failing on text.
type errNotBoolean struct{ typ string }

func (e errNotBoolean) Error() string {
	return fmt.Sprintf("the condition's type is %s, not BOOLEAN", e.typ)
}

// condition binds cond, a condition in DuckDB's SQL over m's columns, and runs it
// over the NULL row, as a source's filter runs.
func (b *binder) condition(m *catalog.Model, cond string) error {
	t, err := b.table(m)
	if err != nil {
		return err
	}
	var typ string
	q := fmt.Sprintf("SELECT typeof((%s)) FROM %s", cond, t)
	if err := b.conn.QueryRowContext(context.Background(), q).Scan(&typ); err != nil {
		return err
	}
	if typ != "BOOLEAN" {
		return errNotBoolean{strings.Trim(typ, `"`)}
	}
	return b.exec(fmt.Sprintf("SELECT count(*) FROM %s WHERE %s", t, cond))
}

// rule compiles r over m's columns, as validation does, and runs it over the NULL row.
func (b *binder) rule(m *catalog.Model, r rules.Rule) error {
	t, err := b.table(m)
	if err != nil {
		return err
	}
	cols := make([]rules.Column, len(m.Columns))
	for i, c := range m.Columns {
		cols[i] = rules.Column{Name: c.Name, Type: c.Type.DuckDB()}
	}
	compiled, err := rules.Compile(rules.Target{Relation: t, Columns: cols}, []rules.Rule{r})
	if err != nil {
		return err
	}
	return b.exec(compiled.Violations)
}

// greater reports whether a is above b as values of the DuckDB type typ.
func (b *binder) greater(a, c any, typ string) (bool, error) {
	if err := b.open(); err != nil {
		return false, err
	}
	x, err := sqlq.Literal(a)
	if err != nil {
		return false, err
	}
	y, err := sqlq.Literal(c)
	if err != nil {
		return false, err
	}
	var gt bool
	err = b.conn.QueryRowContext(context.Background(), fmt.Sprintf("SELECT CAST(%s AS %s) > CAST(%s AS %s)", x, typ, y, typ)).Scan(&gt)
	return gt, err
}

// set tries a setting as the warehouse's DuckDB would take it, then puts it back.
// A refusal for want of memory speaks of this database, not of the value: it is
// not one.
func (b *binder) set(name, value string) error {
	if err := b.open(); err != nil {
		return err
	}
	ctx := context.Background()
	_, err := b.conn.ExecContext(ctx, fmt.Sprintf("SET %s = %s", name, sqlq.String(value)))
	if _, e := b.conn.ExecContext(ctx, "RESET "+name); err == nil {
		err = e
	}
	if err != nil && strings.HasPrefix(err.Error(), "Out of Memory Error") {
		return nil
	}
	return err
}

// engineMessage is DuckDB's error without what speaks of the statement rather than
// of the spec: the error's kind ("Binder Error: "), the statement quoted with a
// caret ("LINE 1: ..."), and DuckDB's names for the types of bare constants
// (INTEGER_LITERAL). Lines after the first (candidate functions) make the detail.
func engineMessage(err error) (msg, detail string) {
	s := err.Error()
	if i := strings.Index(s, "\nLINE "); i >= 0 {
		s = s[:i]
	}
	if kind, rest, ok := strings.Cut(s, ": "); ok && strings.HasSuffix(kind, " Error") && !strings.Contains(kind, "\n") {
		s = rest
	}
	s = strings.NewReplacer("INTEGER_LITERAL", "INTEGER", "STRING_LITERAL", "VARCHAR").Replace(s)
	lines := strings.Split(strings.TrimSpace(s), "\n")
	var more []string
	for _, l := range lines[1:] {
		if l = strings.TrimSpace(l); l != "" {
			more = append(more, l)
		}
	}
	return strings.TrimSpace(lines[0]), strings.Join(more, " ")
}

// bindable says whether m can be put before DuckDB: it has columns, each of a known
// type and a name of its own. A model that cannot has been reported.
func bindable(m *catalog.Model) bool {
	seen := map[string]bool{}
	for _, c := range m.Columns {
		if c.Name == "" || seen[c.Name] || reservedColumn(c.Name) || !slices.Contains(catalog.Types, c.Type) {
			return false
		}
		seen[c.Name] = true
	}
	return len(m.Columns) > 0
}

// bindCondition binds text, a condition sqlexpr has accepted over m's columns, as
// sqlexpr renders it for DuckDB, and reports DuckDB's refusal at path, the value of key.
func (c *checker) bindCondition(m *catalog.Model, text string, fallback diag.Pos, path []any, key string) {
	if c.bind == nil || !bindable(m) {
		return
	}
	cond, err := sqlexpr.Parse(context.Background(), text, m.ColumnNames())
	if err != nil {
		return // reported by the caller
	}
	err = c.bind.condition(m, cond.DuckDB())
	var nb errNotBoolean
	switch {
	case err == nil:
	case errors.As(err, &nb):
		c.report(fallback, path, "a condition is true, false or NULL for each row: compare the value, e.g. x > 0 or x IS NOT NULL",
			"%s: %v", key, err)
	default:
		msg, detail := engineMessage(err)
		if detail == "" {
			detail = columnTypes(m)
		}
		c.report(fallback, path, detail, "%s: %s", key, msg)
	}
}

// columnTypes lists m's columns with their DuckDB types, the names DuckDB's
// messages use, for a type mismatch's detail.
func columnTypes(m *catalog.Model) string {
	cols := make([]string, len(m.Columns))
	for i, col := range m.Columns {
		cols[i] = col.Name + " " + col.Type.DuckDB()
	}
	return "the columns of " + m.Table + " in DuckDB: " + strings.Join(cols, ", ")
}

// rulesInDuckDB says whether the spec's rules run in DuckDB (they do unless a
// bigquery source runs them inside BigQuery), and are bound here.
func (c *checker) rulesInDuckDB() bool {
	if r, ok := c.sourceConfig.(RulesElsewhere); ok && r.RulesInSource() {
		return false
	}
	return c.bind != nil
}

// settings tries the warehouse's DuckDB settings.
func (c *checker) settings() {
	if c.bind == nil || c.s.Warehouse.MemoryLimit == "" {
		return
	}
	if err := c.bind.set("memory_limit", c.s.Warehouse.MemoryLimit); err != nil {
		msg, _ := engineMessage(err)
		c.report(c.s.Warehouse.Pos, []any{"warehouse", "memory_limit"}, "", "memory_limit %q: DuckDB refuses it: %s", c.s.Warehouse.MemoryLimit, msg)
	}
}
