package spec

import (
	"slices"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/rules"
)

// TestOnDuplicate: keep_first is refused, at on_duplicate, on a table without a
// key, with its key's unique rule disabled, and under validate: bigquery; where it
// is accepted, the key's rule becomes <key>_duplicate and the plan says keep_first.
func TestOnDuplicate(t *testing.T) {
	const files = "version: 1\nsource: {kind: files, dir: in}\nwarehouse: {path: w.duckdb}\ntables:\n"
	const bq = "version: 1\nsource: {kind: bigquery, project: p, validate: bigquery}\nwarehouse: {path: w.duckdb}\ntables:\n"
	const bqLocal = "version: 1\nsource: {kind: bigquery, project: p}\nwarehouse: {path: w.duckdb}\ntables:\n"
	for _, tc := range []struct {
		name, head, body string
		want             []string // LINE:COL: message; nil for a valid spec
		rule             string   // the key's rule in the plan, for a valid spec
	}{
		{"keep_first on a declared key", files, `
  - name: c
    key: id
    on_duplicate: keep_first
    columns: [{name: id, type: INT64}]`, nil, "id_duplicate|duplicate"},
		{"keep_first on a built-in model", files, `
  - name: orders
    on_duplicate: keep_first`, nil, "order_id_duplicate|duplicate"},
		{"quarantine_all written out", files, `
  - name: orders
    on_duplicate: quarantine_all`, nil, "order_id_unique|unique"},
		{"the default", files, `
  - name: orders`, nil, "order_id_unique|unique"},
		{"keep_first under validate: local of a bigquery source", bqLocal, `
  - name: users
    on_duplicate: keep_first`, nil, "id_duplicate|duplicate"},
		{"keep_first without a key", files, `
  - name: c
    on_duplicate: keep_first
    columns: [{name: id, type: INT64}]`, []string{`7:19: on_duplicate: keep_first needs a key, and table c has none`}, ""},
		{"keep_first with the key's rule disabled", files, `
  - name: users
    disable: [id_unique]
    on_duplicate: keep_first`, []string{`8:19: on_duplicate: keep_first acts on rule id_unique, which disable turns off`}, ""},
		{"keep_first under validate: bigquery", bq, `
  - name: users
    on_duplicate: keep_first`, []string{`7:19: on_duplicate: keep_first cannot run under validate: bigquery: a BigQuery table has no order to tell the first copy of a key`}, ""},
		{"an unknown policy", files, `
  - name: users
    on_duplicate: keep_last`, []string{`7:19: on_duplicate: "keep_last" is not one of quarantine_all, keep_first`}, ""},
		{"a spec rule named as the duplicate rule", files, `
  - name: users
    on_duplicate: keep_first
    rules: [{name: id_duplicate, check: not_null, column: email}]`, []string{`8:20: rule "id_duplicate" of table users has the name of a built-in rule`}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, diags := Load("t.yaml", []byte(tc.head+tc.body+"\n"), noEnv)
			got := short(diags)
			if !slices.Equal(got, tc.want) && (len(got) > 0 || len(tc.want) > 0) {
				t.Fatalf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			if tc.want != nil {
				return
			}
			p, diags := Compile(s)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			tp, m := p.Tables[0], p.Tables[0].Model
			var keyRules []string
			for _, r := range tp.Rules {
				if r.Column == m.Key && (r.Check == rules.Unique || r.Check == rules.Duplicate) {
					keyRules = append(keyRules, r.Name+"|"+r.Check)
				}
			}
			if !slices.Equal(keyRules, []string{tc.rule}) {
				t.Fatalf("key rules %v, want [%s]", keyRules, tc.rule)
			}
			if keep := strings.HasSuffix(tc.rule, "|duplicate"); keep != (tp.OnDuplicate == OnDuplicateKeepFirst) {
				t.Fatalf("plan's on_duplicate %q with key rule %s", tp.OnDuplicate, tc.rule)
			}
		})
	}
}
