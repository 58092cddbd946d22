package bigquery_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/internal/enginetest"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// TestCheckRefusesWhatABuildWould: what the source's build refused at apply
// time, validate refuses at its place: a missing or malformed project, a dataset
// that is no id, an endpoint that is no URL, read: storage beside an endpoint.
func TestCheckRefusesWhatABuildWould(t *testing.T) {
	for _, tc := range []struct {
		name, source string // the source's flow mapping, on line 2
		want         []string
	}{
		{"defaults", "{kind: bigquery, project: my-project}", nil},
		{"no project", "{kind: bigquery, dataset: a.b}", []string{`2:9: missing required key "project" when kind is bigquery`}},
		{"bad project", `{kind: bigquery, project: "my project"}`, []string{`2:35: project "my project" is not a project id`}},
		{"bad dataset", `{kind: bigquery, project: p, dataset: "a.b-c"}`, []string{`2:47: dataset "a.b-c": "b-c" is not a dataset id (letters, digits and underscores)`}},
		{"bad read", "{kind: bigquery, project: p, read: avro}", []string{`2:44: read: "avro" is not one of storage, rest, auto`}},
		{"bad endpoint", `{kind: bigquery, project: p, endpoint: "127.0.0.1:9050"}`,
			[]string{`2:48: endpoint "127.0.0.1:9050": want an http(s) URL such as http://127.0.0.1:9050`}},
		{"storage beside an endpoint", `{kind: bigquery, project: p, endpoint: "http://127.0.0.1:9050", read: storage}`,
			[]string{`2:79: read: storage cannot follow endpoint: (the Storage Read API is a separate gRPC service); use read: rest`}},
		{"auto beside an endpoint", `{kind: bigquery, project: p, endpoint: "http://127.0.0.1:9050"}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got := enginetest.Load("version: 1\nsource: " + tc.source + "\nwarehouse: {path: w.duckdb}\ntables: [{name: users}]\n")
			if !slices.Equal(got, tc.want) && (len(got) > 0 || len(tc.want) > 0) {
				t.Fatalf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

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
			_, diags := spec.Load("s.yaml", []byte(tc.src), nil)
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
