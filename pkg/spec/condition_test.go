package spec

import (
	"strings"
	"testing"
)

// Conditions are checked by DuckDB's parser at load time, at their own position; a
// where: of a bigquery source must also have a GoogleSQL translation.
func TestConditionsAreCheckedByTheParser(t *testing.T) {
	const bq = "version: 1\nsource: {kind: bigquery, project: p, dataset: d}\nwarehouse: {path: w.duckdb}\ntables:\n"
	for _, tc := range []struct {
		name, src, want string // want: "" for a valid spec
	}{
		{"where with IS DISTINCT FROM", head + "  - name: orders\n    where: \"shipped_at IS DISTINCT FROM delivered_at\"\n", ""},
		{"where with EXTRACT", head + "  - name: orders\n    where: \"EXTRACT(year FROM created_at) >= 2020\"\n", ""},
		{"bigquery where with TIMESTAMP_SUB", bq + "  - name: orders\n    where: \"created_at > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 3 DAY)\"\n", ""},
		{"bigquery where with a comment", bq + "  - name: orders\n    where: \"status = 'x' -- comment\"\n", ""},
		{"bigquery where without a translation", bq + "  - name: orders\n    where: \"date_diff('day', created_at, shipped_at) < 3\"\n",
			"6:12: error: where: function date_diff has no BigQuery translation"},
		{"date_diff is fine locally", head + "  - name: orders\n    where: \"date_diff('day', created_at, shipped_at) < 3\"\n", ""},
		{"bigquery smuggling", bq + "  - name: orders\n    where: \"status = 'a\\\\'' OR EXISTS(SELECT 1 FROM `other.secret.t`) OR status = '\\\\''\"\n",
			"6:12: error: where: syntax error"},
		{"hash comment", bq + "  - name: orders\n    where: \"status = 'x' # LIMIT is gone\"\n", `6:12: error: where: syntax error at or near "#"`},
		{"subquery in a rule", head + "  - name: orders\n    rules:\n      - {check: expression, sql: \"EXISTS (SELECT 1)\"}\n", "7:34: error: sql: a subquery"},
		{"qualified column in a rule", head + "  - name: orders\n    rules:\n      - {check: expression, sql: \"o.status = 'x'\"}\n", "7:34: error: sql: qualified name o.status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := Load("s.yaml", []byte(tc.src), nil)
			got := diags.Error()
			if tc.want == "" {
				if diags.HasErrors() {
					t.Fatalf("unexpected errors: %s", got)
				}
				return
			}
			if !strings.Contains(got, tc.want) {
				t.Fatalf("diagnostics\n%s\nwant one with %q", got, tc.want)
			}
		})
	}
}
