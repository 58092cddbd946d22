package rules

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/ecomrun/ecomrun/pkg/sqlexpr"
)

// FuzzCheckExpression uses DuckDB's parser as the oracle: any text ends in acceptance
// or an error, never a panic; whatever is accepted, rendered and run as
// SELECT count(*) FROM t WHERE <rendered> over a table with the orders columns,
// parses (no syntax error: the rendering is valid SQL) to one statement reading t
// alone, whose condition holds only allowed nodes: no subquery, no other table, no
// function outside the allowlist, no name but the row's columns.
func FuzzCheckExpression(f *testing.F) {
	for _, seed := range []string{
		"shipped_at IS NULL OR shipped_at >= created_at",
		"status IN ('a', 'b') AND num_of_item BETWEEN 1 AND 4",
		"1 = 1; DROP TABLE orders",
		"(SELECT 1) = 1",
		"read_csv('/etc/passwd') IS NULL",
		`"status" = 'it''s'`,
		"status = 'x' -- c",
		"status = 'x' # c",
		"CASE WHEN status = 'x' THEN TRUE ELSE FALSE END",
		`status = 'a\'' OR EXISTS(SELECT 1 FROM ` + "`other.secret.t`" + `) OR status = '\''`,
		`status = 'a\'' OR EXISTS(SELECT 1 FROM secret) OR TRUE #'`,
		"status = 'x' /* /* nested */ OR TRUE */",
		"created_at > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 3 DAY)",
		"EXTRACT(year FROM created_at) = 2020 AND status IS DISTINCT FROM gender",
		"getenv('HOME') = '' OR current_setting('threads') = 1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		c, err := sqlexpr.Parse(context.Background(), expr, orderColumns)
		if err != nil {
			return
		}
		rendered := c.DuckDB()
		db := oracleDB(t)
		var tree string
		if err := db.QueryRow("SELECT json_serialize_sql('SELECT count(*) FROM t WHERE ' || ?)::VARCHAR", rendered).Scan(&tree); err != nil {
			t.Fatal(err)
		}
		var res struct {
			Error      bool             `json:"error"`
			Message    string           `json:"error_message"`
			Statements []map[string]any `json:"statements"`
		}
		if err := json.Unmarshal([]byte(tree), &res); err != nil || res.Error || len(res.Statements) != 1 {
			t.Fatalf("accepted %q renders as %s, which does not parse as one statement: %v %s", expr, rendered, err, res.Message)
		}
		node, _ := res.Statements[0]["node"].(map[string]any)
		from, _ := node["from_table"].(map[string]any)
		if from["type"] != "BASE_TABLE" || from["table_name"] != "t" {
			t.Fatalf("accepted %q: the query reads %v", expr, from)
		}
		where, _ := node["where_clause"].(map[string]any)
		if bad := disallowed(where); bad != "" {
			t.Fatalf("accepted %q renders as %s, which holds %s", expr, rendered, bad)
		}
		var n int64
		if err := db.QueryRow("SELECT count(*) FROM t WHERE " + rendered).Scan(&n); err != nil && strings.Contains(err.Error(), "Parser Error") {
			t.Fatalf("accepted %q renders as %s, which DuckDB cannot parse: %v", expr, rendered, err)
		}
	})
}

var oracle struct {
	once sync.Once
	db   *sql.DB
	err  error
}

// oracleDB is an in-memory DuckDB with a small orders table t, and a table secret
// that no accepted condition may read.
func oracleDB(t *testing.T) *sql.DB {
	oracle.once.Do(func() {
		db, err := sql.Open("duckdb", "?autoinstall_known_extensions=false&autoload_known_extensions=false&enable_external_access=false")
		if err == nil {
			_, err = db.Exec(`CREATE TABLE t (order_id BIGINT, user_id BIGINT, status VARCHAR, gender VARCHAR,
  created_at TIMESTAMPTZ, returned_at TIMESTAMPTZ, shipped_at TIMESTAMPTZ, delivered_at TIMESTAMPTZ, num_of_item BIGINT);
INSERT INTO t VALUES (1, 1, 'Shipped', 'F', '2024-01-01', NULL, '2024-01-02', NULL, 2),
  (2, 1, 'it''s', 'M', '2020-05-01', '2020-05-09', '2020-05-02', '2020-05-03', 1);
CREATE TABLE secret (x INTEGER)`)
		}
		oracle.db, oracle.err = db, err
	})
	if oracle.err != nil {
		t.Fatal(oracle.err)
	}
	return oracle.db
}

// disallowed walks DuckDB's own tree of a condition, independently of sqlexpr's
// converter, and names the first node outside the allowlist ("" when none).
func disallowed(v any) string {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if bad := disallowed(e); bad != "" {
				return bad
			}
		}
	case map[string]any:
		switch class, _ := x["class"].(string); class {
		case "SUBQUERY", "STAR", "WINDOW", "PARAMETER", "LAMBDA", "COLLATE", "POSITIONAL_REFERENCE":
			return class
		case "COLUMN_REF":
			names, _ := x["column_names"].([]any)
			if len(names) != 1 || !slices.Contains(orderColumns, names[0].(string)) {
				return "column " + toString(names)
			}
		case "FUNCTION":
			name, _ := x["function_name"].(string)
			if !oracleFunctions[name] && !slices.Contains(sqlexpr.FunctionNames(), name) {
				return "function " + name
			}
		}
		for k, e := range x {
			if k != "value" { // a constant's value is data, not a node
				if bad := disallowed(e); bad != "" {
					return bad
				}
			}
		}
	}
	return ""
}

func toString(v any) string { b, _ := json.Marshal(v); return string(b) }

// oracleFunctions are the function names DuckDB's parser itself writes for operators,
// LIKE, EXTRACT and INTERVAL.
var oracleFunctions = map[string]bool{
	"+": true, "-": true, "*": true, "/": true, "//": true, "%": true, "||": true, "^": true,
	"~~": true, "!~~": true, "~~*": true, "!~~*": true, "~~~": true,
	"to_microseconds": true, "to_milliseconds": true, "to_seconds": true, "to_minutes": true, "to_hours": true,
	"to_days": true, "to_weeks": true, "to_months": true, "to_quarters": true, "to_years": true,
}
