// Package sqlexpr checks the conditions a spec writes (expression rules, where:
// filters) with DuckDB's own parser and renders them back to SQL itself, in DuckDB's
// dialect or in GoogleSQL (BigQuery's).
//
// The condition language is DuckDB's expression syntax, confined to an allowlist:
// column names of the row, constants, comparisons (IS [NOT] DISTINCT FROM too), AND,
// OR, NOT, arithmetic, ||, IS [NOT] NULL, [NOT] IN lists, [NOT] BETWEEN, [NOT]
// [I]LIKE, CASE, CAST/TRY_CAST to scalar types, INTERVAL n unit, and a short list of
// pure scalar functions (funcs.go). Everything else is refused: statements,
// subqueries, table functions, *, window functions, aggregates, parameters, functions
// that read files, settings or the environment, qualified and unknown names.
//
// What the user wrote never reaches an engine: Parse keeps DuckDB's tree, and SQL
// renders it with every identifier and literal quoted by this package, so comments,
// escapes and quoting tricks of either dialect have nothing to hide in.
package sqlexpr

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" driver, for its parser
)

// Dialect is the SQL a condition is rendered in.
type Dialect int

const (
	// DuckDB renders for the warehouse: rules and where: on local sources.
	DuckDB Dialect = iota
	// GoogleSQL renders for BigQuery: where: pushed into a bigquery source's query.
	GoogleSQL
)

func (d Dialect) String() string {
	if d == GoogleSQL {
		return "BigQuery (GoogleSQL)"
	}
	return "DuckDB"
}

// MaxLength bounds a condition's text; a longer one is refused before parsing.
const MaxLength = 16 << 10

// Cond is a checked condition.
type Cond struct {
	root   *node
	duckdb string
}

// SQL renders the condition in dialect d; an error says what has no translation.
// The DuckDB rendering never fails.
func (c *Cond) SQL(d Dialect) (string, error) {
	if d == DuckDB {
		return c.duckdb, nil
	}
	return render(c.root, d)
}

// DuckDB is the condition in DuckDB's dialect.
func (c *Cond) DuckDB() string { return c.duckdb }

// prefix is what a condition is parsed behind; an error's position is shifted by it.
const prefix = "SELECT 1 WHERE "

// Parser checks conditions with the parser of an in-memory DuckDB, opened on first
// use and shared: it is safe for concurrent use, and one parse costs a fraction of a
// millisecond. The database holds nothing, reads no files (enable_external_access is
// off) and loads no extensions.
type Parser struct {
	once     sync.Once
	db       *sql.DB
	template any // the statement "SELECT 1 WHERE TRUE" without its WHERE clause
	err      error
}

var shared Parser

// Parse checks text against the allowlist and the row's columns with the shared
// parser. Every column reference is resolved to its name in columns.
func Parse(ctx context.Context, text string, columns []string) (*Cond, error) {
	return shared.Parse(ctx, text, columns)
}

func (p *Parser) open(ctx context.Context) error {
	p.once.Do(func() {
		settings := url.Values{
			"autoinstall_known_extensions": {"false"},
			"autoload_known_extensions":    {"false"},
			"enable_external_access":       {"false"},
			"threads":                      {"1"},
			"memory_limit":                 {"64MB"},
			"lock_configuration":           {"true"},
		}
		db, err := sql.Open("duckdb", "?"+settings.Encode())
		if err != nil {
			p.err = fmt.Errorf("open DuckDB for its parser: %w", err)
			return
		}
		db.SetMaxOpenConns(2)
		stmt, _, err := p.statement(ctx, db, "TRUE")
		if err != nil {
			db.Close()
			p.err = fmt.Errorf("DuckDB's parser: %w", err)
			return
		}
		p.db, p.template = db, stmt
	})
	return p.err
}

// Parse checks text (see Parse).
func (p *Parser) Parse(ctx context.Context, text string, columns []string) (*Cond, error) {
	if strings.TrimSpace(text) == "" {
		return nil, errors.New("the condition is empty")
	}
	if len(text) > MaxLength {
		return nil, fmt.Errorf("the condition is longer than %d bytes", MaxLength)
	}
	if err := p.open(ctx); err != nil {
		return nil, err
	}
	root, err := p.parse(ctx, text, columns)
	if err != nil {
		return nil, err
	}
	c := &Cond{root: root}
	if c.duckdb, err = render(root, DuckDB); err != nil {
		return nil, err
	}
	// The rendering must mean what was checked: parsed again, it gives the same tree,
	// hence the same text. (A comment or an escape the renderer missed would show here.)
	again, err := p.parse(ctx, c.duckdb, columns)
	if err != nil {
		return nil, fmt.Errorf("internal error: the condition renders as %s, which does not check: %v", c.duckdb, err)
	}
	if s, _ := render(again, DuckDB); s != c.duckdb {
		return nil, fmt.Errorf("internal error: the condition renders as %s, which reads back as %s", c.duckdb, s)
	}
	return c, nil
}

// parse parses text behind the prefix and converts its WHERE clause.
func (p *Parser) parse(ctx context.Context, text string, columns []string) (*node, error) {
	stmt, where, err := p.statement(ctx, p.db, text)
	if errors.Is(err, errStatements) {
		// Say where: the first ';' before which the text parses is the one.
		for i, r := range text {
			if r == ';' {
				if _, _, e := p.statement(ctx, p.db, text[:i]); e == nil {
					return nil, fmt.Errorf("';' at offset %d ends the condition: an expression is one boolean condition, not statements", i)
				}
			}
		}
	}
	if err != nil {
		return nil, err
	}
	n, err := (&converter{columns: columns}).expr(where, 0)
	if err != nil {
		return nil, err
	}
	if !reflect.DeepEqual(stmt, p.template) {
		return nil, errors.New("the text goes on after the condition (GROUP BY, ORDER BY, LIMIT, UNION, ...): write one boolean condition")
	}
	return n, nil
}

// statement asks DuckDB for the tree of "SELECT 1 WHERE text" and returns the
// statement without its WHERE clause (and without source positions), and the clause.
func (p *Parser) statement(ctx context.Context, db *sql.DB, text string) (any, map[string]any, error) {
	var out string
	if err := db.QueryRowContext(ctx, "SELECT json_serialize_sql(? || ?)::VARCHAR", prefix, text).Scan(&out); err != nil {
		return nil, nil, err
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	var res struct {
		Error      bool             `json:"error"`
		Type       string           `json:"error_type"`
		Message    string           `json:"error_message"`
		Position   string           `json:"position"`
		Statements []map[string]any `json:"statements"`
	}
	if err := dec.Decode(&res); err != nil {
		// DuckDB writes non-JSON for some constants (Infinity, NaN).
		return nil, nil, errors.New("the condition holds a value that cannot be read back (an infinite or NaN number?)")
	}
	switch {
	case res.Error:
		return nil, nil, parseError(res.Type, res.Message, res.Position)
	case len(res.Statements) != 1:
		return nil, nil, errStatements
	}
	stmt := res.Statements[0]
	node, _ := stmt["node"].(map[string]any)
	where, _ := node["where_clause"].(map[string]any)
	if where == nil {
		return nil, nil, errors.New("the condition is empty")
	}
	delete(node, "where_clause")
	return stripLocations(stmt), where, nil
}

var errStatements = errors.New("';' ends the condition: an expression is one boolean condition, not statements")

// parseError explains DuckDB's error about the text, with the offset in the text.
func parseError(typ, msg, pos string) error {
	if strings.Contains(msg, "Only SELECT statements") {
		return errStatements
	}
	if n, err := strconv.Atoi(pos); err == nil && n >= len(prefix) {
		msg += fmt.Sprintf(" (offset %d)", n-len(prefix))
	}
	if typ == "parser" && !strings.HasPrefix(msg, "syntax error") {
		msg = "syntax error: " + msg
	}
	return errors.New(msg)
}

// stripLocations drops the source positions from a tree, so two trees compare by shape.
func stripLocations(v any) any {
	switch x := v.(type) {
	case map[string]any:
		delete(x, "query_location")
		for k, e := range x {
			x[k] = stripLocations(e)
		}
	case []any:
		for i, e := range x {
			x[i] = stripLocations(e)
		}
	}
	return v
}
