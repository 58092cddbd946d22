package spec

import (
	"slices"
	"strings"
	"testing"
)

// head is the first four lines of every inline spec.
const head = `version: 1
source: {kind: thelook}
warehouse: {path: w.duckdb}
tables:
`

func TestSemanticChecks(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string   // from line 5 on
		want []string // LINE:COL: message
	}{
		{"duplicate table", `
  - name: orders
  - name: orders`, []string{`7:11: duplicate table "orders"`}},
		{"duplicate sink", `
  - name: orders
sinks:
  - {name: out, kind: csv, path: a}
  - {name: out, kind: parquet, path: b}`, []string{`9:12: duplicate sink "out"`}},
		{"duplicate rule name after deriving", `
  - name: orders
    rules:
      - {check: not_null, column: gender}
      - check: not_null
        column: gender`, []string{`9:9: duplicate rule "not_null_gender" in table orders`}},
		{"duplicate written rule name", `
  - name: orders
    rules:
      - {name: twice, check: not_null, column: gender}
      - {name: twice, check: unique, column: gender}`, []string{`9:16: duplicate rule "twice" in table orders`}},
		{"rule named like a built-in rule", `
  - name: orders
    rules:
      - {name: status_accepted, check: not_null, column: status}`, []string{`8:16: rule "status_accepted" of table orders has the name of a built-in rule`}},
		{"rule named like a disabled built-in rule is fine", `
  - name: orders
    disable: [status_accepted]
    rules:
      - {name: status_accepted, check: accepted_values, column: status, values: [Shipped]}`, nil},
		{"unknown table", `
  - name: order`, []string{`6:11: unknown table "order" (did you mean "orders"?)`}},
		{"sink path climbing out", `
  - name: orders
sinks:
  - {name: out, kind: csv, path: ../../etc/ecomrun}`, []string{`8:34: sink out path "../../etc/ecomrun" leaves the working folder through ".."`}},
		{"sink folder holding the warehouse", `
  - name: orders
sinks:
  - {name: out, kind: csv, path: .}`, []string{`8:34: sink out (.) overlaps the warehouse (w.duckdb)`}},
		{"sink folder on the warehouse's spill folder", `
  - name: orders
sinks:
  - {name: out, kind: csv, path: w.duckdb.tmp}`, []string{`8:34: sink out and the warehouse both write w.duckdb.tmp`}},
		{"two sinks in one folder", `
  - name: orders
sinks:
  - {name: a, kind: csv, path: out/x}
  - {name: b, kind: parquet, path: out/x/y}
  - {name: c, kind: duckdb, path: out/x/c.duckdb}`, []string{`9:36: sink b (out/x/y) overlaps sink a (out/x)`, `10:35: sink c (out/x/c.duckdb) overlaps sink a (out/x)`}},
		{"limit on an incremental table", `
  - name: orders
    mode: incremental
    cursor: created_at
    limit: 10`, []string{`9:12: limit would skip rows of an incremental table for good (the watermark moves past the rows it left out): remove it, or use mode: snapshot while developing`}},
		{"unknown table far from any", `
  - name: invoices`, []string{`6:11: unknown table "invoices"`}},
		{"unknown column", `
  - name: orders
    rules:
      - {check: unique, column: order_idd}`, []string{`8:33: unknown column "order_idd" in table orders (did you mean "order_id"?)`}},
		{"unknown column of a relationship", `
  - name: users
  - name: orders
    rules:
      - {check: relationship, column: userid, to: users.id}`, []string{`9:39: unknown column "userid" in table orders (did you mean "user_id"?)`}},
		{"disable names no built-in rule", `
  - name: orders
    disable: [status_acepted]`, []string{`7:15: table orders has no built-in rule "status_acepted" (did you mean "status_accepted"?)`}},
		{"enable names no built-in rule", `
  - name: orders
    enable: [user_references]`, []string{`7:14: table orders has no built-in rule "user_references" (did you mean "user_id_references"?)`}},
		{"enable names a rule that is always on", `
  - name: orders
    enable: [status_accepted]`, []string{`7:14: built-in rule "status_accepted" of table orders is always on; enable switches on optional rules only`}},
		{"enabled relationship to a table not in the spec", `
  - name: orders
    enable: [user_id_references]`, []string{`7:14: rule "user_id_references" references table users, which is not in this pipeline`}},
		{"enabled relationship to a table in the spec", `
  - name: users
  - name: orders
    enable: [user_id_references]`, nil},
		{"relationship to a table not in the spec", `
  - name: orders
    rules:
      - {check: relationship, column: user_id, to: user.id}`, []string{`8:52: relationship to "user.id": table user is not in this pipeline`}},
		{"relationship to a table with a typo", `
  - name: users
  - name: orders
    rules:
      - {check: relationship, column: user_id, to: user.id}`, []string{`9:52: relationship to "user.id": table user is not in this pipeline (did you mean "users"?)`}},
		{"relationship to an unknown column", `
  - name: users
  - name: orders
    rules:
      - {check: relationship, column: user_id, to: users.user_id}`, []string{`9:52: relationship to "users.user_id": unknown column "user_id" in table users`}},
		{"sink names a table not in the spec", `
  - name: orders
sinks:
  - {name: out, kind: csv, path: a, tables: [orders, user]}`, []string{`8:54: sink "out" names table "user", which is not in this pipeline`}},
		{"pattern that does not compile", `
  - name: users
    rules:
      - {check: pattern, column: email, pattern: "[z-a]"}`, []string{"8:50: pattern does not compile: invalid character class range: `z-a`"}},
		{"pattern with RE2 syntax compiles", `
  - name: users
    rules:
      - {check: pattern, column: email, pattern: '^[^@]+@[a-z.]+$'}`, nil},
		{"range min above max", `
  - name: users
    rules:
      - {check: range, column: age, min: 70, max: 12.5}`, []string{"8:42: min 70 is greater than max 12.5"}},
		{"range of timestamps min above max", `
  - name: users
    rules:
      - {check: range, column: created_at, min: 2030-01-01, max: "2020-01-01 00:00:00"}`, []string{`8:49: min "2030-01-01" is greater than max "2020-01-01 00:00:00"`}},
		{"range with one bound", `
  - name: users
    rules:
      - {check: range, column: age, max: 99}`, nil},
		{"row_count min above max", `
  - name: users
    rules:
      - {check: row_count, min: 10, max: 1}`, []string{"8:33: min 10 is greater than max 1"}},
		{"expression with a semicolon", `
  - name: users
    rules:
      - {check: expression, sql: "age > 0; DROP TABLE users"}`, []string{`8:34: sql: ';' at offset 7 ends the condition: an expression is one boolean condition, not statements`}},
		{"where with a semicolon", `
  - name: users
    where: "age > 0; DROP TABLE users"`, []string{`7:12: where: ';' at offset 7 ends the condition: an expression is one boolean condition, not statements`}},
		{"relationship cycle", `
  - name: users
    rules:
      - {check: relationship, column: id, to: orders.user_id}
  - name: orders
    enable: [user_id_references]`, []string{"10:14: relationship cycle: users -> orders -> users"}},
		{"relationship to its own table is no cycle", `
  - name: users
    rules:
      - {check: relationship, column: id, to: users.id}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The body starts with a newline, so its first line is line 6.
			s, diags := Load("t.yaml", []byte(head+tc.body+"\n"), noEnv)
			if got := short(diags); !slices.Equal(got, tc.want) && (len(got) > 0 || len(tc.want) > 0) {
				t.Fatalf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			if tc.want == nil && s == nil {
				t.Fatal("no spec without errors")
			}
		})
	}
}

// TestUnknownKeys: a key the schema does not know is an error at every level, and so
// is a known key that does not apply to the object's kind or check.
func TestUnknownKeys(t *testing.T) {
	for _, tc := range []struct {
		name, spec, want string
	}{
		{"top level", "nam: x\n" + head + "  - name: users\n",
			`1:1: unknown key "nam" in pipeline (did you mean "name"?)`},
		{"source", "version: 1\nsource: {kind: thelook, sead: 1}\nwarehouse: {path: w}\ntables: [{name: users}]\n",
			`2:25: unknown key "sead" in source (did you mean "read" or "seed"?)`},
		{"source key of another kind", "version: 1\nsource: {kind: thelook, dir: in}\nwarehouse: {path: w}\ntables: [{name: users}]\n",
			`2:25: key "dir" does not apply when kind is thelook`},
		{"files source", "version: 1\nsource: {kind: files, dir: in, scale: 1}\nwarehouse: {path: w}\ntables: [{name: users}]\n",
			`2:32: key "scale" does not apply when kind is files`},
		{"bigquery source", "version: 1\nsource: {kind: bigquery, projct: p}\nwarehouse: {path: w}\ntables: [{name: users}]\n",
			`2:26: unknown key "projct" in source (did you mean "project"?)`},
		{"warehouse", "version: 1\nsource: {kind: thelook}\nwarehouse: {path: w, memory_limt: 1GB}\ntables: [{name: users}]\n",
			`3:22: unknown key "memory_limt" in warehouse (did you mean "memory_limit"?)`},
		{"table", head + "  - name: users\n    rule: []\n",
			`6:5: unknown key "rule" in table (did you mean "rules"?)`},
		{"rule", head + "  - name: users\n    rules:\n      - {check: not_null, colum: id}\n",
			`7:27: unknown key "colum" in rule (did you mean "column"?)`},
		{"rule key of another check", head + "  - name: users\n    rules:\n      - {check: not_null, column: id, values: [1]}\n",
			`7:39: key "values" does not apply when check is not_null`},
		{"rule key of a one-of-two requirement", head + "  - name: users\n    rules:\n      - {check: range, column: age, mn: 1}\n",
			`7:37: unknown key "mn" in rule (did you mean "min"?)`},
		{"sink", head + "  - name: users\nsinks:\n  - {name: out, kind: csv, path: p, tabels: [users]}\n",
			`7:37: unknown key "tabels" in sink (did you mean "tables"?)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := Load("t.yaml", []byte(tc.spec), noEnv)
			if got := short(diags); !slices.Equal(got, []string{tc.want}) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	for _, tc := range []struct {
		name       string
		candidates []string
		want       string
	}{
		{"order", []string{"orders", "order_items", "users"}, ` (did you mean "orders"?)`},
		{"id", []string{"ids", "is", "xyz"}, ` (did you mean "ids" or "is"?)`},
		{"Orders", []string{"orders"}, ` (did you mean "orders"?)`},
		{"a", []string{"b", "ab"}, ""},
		{"invoices", []string{"orders", "users"}, ""},
		{"orders", []string{"orders"}, ""},
	} {
		if got := DidYouMean(tc.name, tc.candidates); got != tc.want {
			t.Errorf("DidYouMean(%q, %q) = %q, want %q", tc.name, tc.candidates, got, tc.want)
		}
	}
}
