package spec

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// loadShort loads an inline spec and gives its diagnostics as "LINE:COL: message".
func loadShort(t *testing.T, src string) []string {
	t.Helper()
	_, diags := Load("t.yaml", []byte(src), noEnv)
	return short(diags)
}

// TestConditionsBound: where: and expression rules are bound against the model's
// columns in their DuckDB types and run over a row of NULLs, as apply runs them;
// DuckDB's refusal is reported at the condition, without the statement it quotes.
func TestConditionsBound(t *testing.T) {
	const declared = `version: 1
source: {kind: files, dir: in}
warehouse: {path: w.duckdb}
tables:
  - name: customers
    columns:
      - {name: id, type: INT64, required: true}
      - {name: joined, type: DATE}
`
	for _, tc := range []struct {
		name, src string
		want      string // "" for a valid spec
	}{
		{"type mismatch", head + "  - name: orders\n    where: \"status > 5\"\n",
			"6:12: where: Cannot compare values of type VARCHAR and type INTEGER - an explicit cast is required"},
		{"function arguments", head + "  - name: orders\n    where: \"abs(status) > 1\"\n",
			"6:12: where: No function matches the given name and argument types 'abs(VARCHAR)'"},
		{"constant that is no value of its column", head + "  - name: orders\n    where: \"created_at > '2024-13-45'\"\n",
			`6:12: where: timestamp field value out of range: "2024-13-45"`},
		{"not a boolean", head + "  - name: orders\n    where: num_of_item + 1\n",
			"6:12: where: the condition's type is BIGINT, not BOOLEAN"},
		{"fine", head + "  - name: orders\n    where: \"created_at >= '2024-01-01' AND num_of_item > 1.5 AND status = 'Shipped'\"\n", ""},
		{"expression not a boolean", head + "  - name: orders\n    rules:\n      - {check: expression, sql: status}\n",
			"7:34: sql: the condition's type is VARCHAR, not BOOLEAN"},
		{"expression type mismatch", head + "  - name: orders\n    rules:\n      - {check: expression, sql: \"created_at > 5\"}\n",
			"7:34: sql: Cannot compare values of type TIMESTAMP WITH TIME ZONE and type INTEGER"},
		{"declared table", declared + "    where: \"joined > 20240101\"\n",
			"9:12: where: Cannot compare values of type DATE and type INTEGER"},
		{"declared table, fine", declared + "    where: \"joined > DATE '2024-01-01'\"\n", ""},
		// BigQuery runs a bigquery source's where:, and under validate: bigquery its rules.
		{"bigquery where", "version: 1\nsource: {kind: bigquery, project: p}\nwarehouse: {path: w.duckdb}\ntables:\n  - name: orders\n    where: \"status > 5\"\n", ""},
		{"bigquery rules run locally", "version: 1\nsource: {kind: bigquery, project: p}\nwarehouse: {path: w.duckdb}\ntables:\n  - name: orders\n    rules:\n      - {check: expression, sql: \"status > 5\"}\n",
			"7:34: sql: Cannot compare values of type VARCHAR and type INTEGER"},
		{"bigquery rules run in BigQuery", "version: 1\nsource: {kind: bigquery, project: p, validate: bigquery}\nwarehouse: {path: w.duckdb}\ntables:\n  - name: orders\n    rules:\n      - {check: range, column: num_of_item, min: \"abc\"}\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantDiag(t, loadShort(t, tc.src), tc.want)
		})
	}
}

// wantDiag checks that got is one diagnostic starting with want, or none when want is "".
func wantDiag(t *testing.T, got []string, want string) {
	t.Helper()
	if want == "" {
		if len(got) > 0 {
			t.Fatalf("unexpected diagnostics %q", got)
		}
		return
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], want) {
		t.Fatalf("got  %q\nwant one starting %q", got, want)
	}
	if strings.Contains(got[0], "LINE 1") || strings.Contains(got[0], "Binder Error") || strings.Contains(got[0], "_LITERAL") {
		t.Errorf("%q keeps DuckDB's internal noise", got[0])
	}
}

// TestMemoryLimitTried: warehouse.memory_limit is tried as DuckDB's setting, and
// refused at its value when DuckDB refuses it.
func TestMemoryLimitTried(t *testing.T) {
	spec := func(limit string) string {
		return "version: 1\nsource: {kind: thelook}\nwarehouse: {path: w.duckdb, memory_limit: " + limit + "}\ntables:\n  - name: orders\n"
	}
	for _, tc := range []struct{ limit, want string }{
		{"lots", `3:43: memory_limit "lots": DuckDB refuses it: Memory must have a number (e.g. 1GB)`},
		{"80%", `3:43: memory_limit "80%": DuckDB refuses it: Unknown unit for memory: '%'`},
		{"'512'", `3:43: memory_limit "512": DuckDB refuses it: Unknown unit for memory`},
		{"2GiB", ""},
		{"'1.5 GB'", ""},
		{"1KB", ""}, // DuckDB takes it (and the run will want more)
	} {
		t.Run(tc.limit, func(t *testing.T) {
			wantDiag(t, loadShort(t, spec(tc.limit)), tc.want)
		})
	}
}

// TestModelFileRulesBound: a model file's rules are bound too, and reported in the
// model file, with the spec's in the same DuckDB.
func TestModelFileRulesBound(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	models := write("models.yaml", `- name: customers
  columns:
    - {name: id, type: INT64, required: true}
    - {name: joined, type: DATE}
  rules:
    - {check: expression, sql: "joined > 5"}
`)
	spec := write("s.yaml", `version: 1
source: {kind: files, dir: in}
models: [models.yaml]
warehouse: {path: w.duckdb}
tables:
  - name: customers
    where: "id + 0"
`)
	_, diags := LoadFile(spec)
	var got []string
	for _, d := range diags {
		got = append(got, d.Pos.String()+": "+d.Message)
	}
	want := []string{
		models + ":6:32: sql: Cannot compare values of type DATE and type INTEGER - an explicit cast is required",
		spec + ":7:12: where: the condition's type is BIGINT, not BOOLEAN",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestEngineMessage(t *testing.T) {
	for _, tc := range []struct{ err, msg, detail string }{
		{"Binder Error: Cannot compare values of type VARCHAR and type INTEGER_LITERAL - an explicit cast is required\n\nLINE 1: SELECT 1 FROM t WHERE status > 5\n                                     ^",
			"Cannot compare values of type VARCHAR and type INTEGER - an explicit cast is required", ""},
		{"Binder Error: No function matches the given name and argument types 'lower(VARCHAR, INTEGER_LITERAL)'. You might need to add explicit type casts.\n\tCandidate functions:\n\tlower(VARCHAR) -> VARCHAR\n\n\nLINE 1: SELECT ...",
			"No function matches the given name and argument types 'lower(VARCHAR, INTEGER)'. You might need to add explicit type casts.",
			"Candidate functions: lower(VARCHAR) -> VARCHAR"},
		{"Conversion Error: Could not convert string 'abc' to INT64", "Could not convert string 'abc' to INT64", ""},
		{"open DuckDB: no memory", "open DuckDB: no memory", ""},
	} {
		msg, detail := engineMessage(errors.New(tc.err))
		if msg != tc.msg || detail != tc.detail {
			t.Errorf("engineMessage(%q)\n= %q, %q\nwant %q, %q", tc.err, msg, detail, tc.msg, tc.detail)
		}
	}
}
