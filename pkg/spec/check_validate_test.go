package spec

import (
	"strings"
	"testing"
)

// Under validate: bigquery a pattern rule runs as REGEXP_CONTAINS over CAST(x AS
// STRING), whose text of a FLOAT64 or TIMESTAMP is not DuckDB's: such a rule is
// refused at its column, with why; STRING and INT64 columns, or validate: local, pass.
func TestPatternRulesUnderValidateBigQuery(t *testing.T) {
	const bq = "version: 1\nsource: {kind: bigquery, project: p, validate: bigquery}\nwarehouse: {path: w.duckdb}\ntables:\n"
	const local = "version: 1\nsource: {kind: bigquery, project: p}\nwarehouse: {path: w.duckdb}\ntables:\n"
	rule := func(table, column string) string {
		return "  - name: " + table + "\n    rules:\n      - {check: pattern, column: " + column + ", pattern: \"[0-9.]+\"}\n"
	}
	for _, tc := range []struct {
		name, src, want string // want: "" for a valid spec
	}{
		{"FLOAT64", bq + rule("users", "latitude"),
			"7:34: error: rule pattern_latitude: a pattern on FLOAT64 column latitude cannot run in BigQuery, which writes its values as other text than DuckDB"},
		{"TIMESTAMP", bq + rule("orders", "created_at"), "7:34: error: rule pattern_created_at: a pattern on TIMESTAMP column created_at cannot run in BigQuery"},
		{"INT64", bq + rule("users", "age"), ""},
		{"STRING", bq + rule("users", "email"), ""},
		{"FLOAT64 under validate: local", local + rule("users", "latitude"), ""},
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
			if !strings.Contains(got, tc.want) || !strings.Contains(got, "12.0 is '12' in BigQuery") {
				t.Fatalf("diagnostics\n%s\nwant one with %q and why", got, tc.want)
			}
		})
	}
}
