package bigquery_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	gbq "cloud.google.com/go/bigquery"
	"google.golang.org/api/option"

	"github.com/ecomrun/ecomrun/internal/enginetest"
	"github.com/ecomrun/ecomrun/pkg/engine"
)

// A dataset table that drifted from the spec's model: id became STRING, joined is
// gone and tier is new. Each contract policy, checked against the table's schema
// before the query runs, on the emulator.
func TestContractOnDriftedBigQueryTable(t *testing.T) {
	emu := startEmulatorWith(t, dataset{ID: "crm", Tables: []table{{
		ID:      "members",
		Columns: []column{{"id", "STRING"}, {"name", "STRING"}, {"tier", "STRING"}},
		Data: []map[string]any{
			{"id": "1", "name": "ann", "tier": "gold"},
			{"id": "2.5", "name": "bob", "tier": nil},
			{"id": "3", "name": "cy", "tier": "silver"},
		},
	}}})
	source := fmt.Sprintf("{kind: bigquery, project: %s, dataset: %s.crm, endpoint: %q, read: rest}", testProject, testProject, emu.url)
	tables := func(contract string) string {
		return "  - name: members\n    key: id\n    contract: " + contract + "\n    columns:\n" +
			"      - {name: id, type: INT64, required: true}\n      - {name: name, type: STRING}\n      - {name: joined, type: DATE}\n"
	}
	for _, tc := range []struct{ name, contract, fails string }{
		{"missing-fail", "{}", "column joined is missing (contract missing_columns: fail"},
		{"type-fail", `{missing_columns: "null", type_changes: fail}`, "column id is STRING, the model says INT64 (contract type_changes: fail)"},
		{"extra-fail", `{missing_columns: "null", extra_columns: fail}`, "column tier is not in the model (contract extra_columns: fail)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := compileTables(t, t.TempDir(), "drift", source, tables(tc.contract))
			_, err := engine.Apply(context.Background(), plan, engine.Options{Parallelism: 2})
			if err == nil || !strings.Contains(err.Error(), tc.fails) || !strings.Contains(err.Error(), "crm.members breaks the schema contract of table members, nothing was read") {
				t.Fatalf("error %v, want one saying %q", err, tc.fails)
			}
		})
	}
	t.Run("null-cast-evolve", func(t *testing.T) {
		dir := t.TempDir()
		rep := mustApply(t, compileTables(t, dir, "drift", source, tables(`{missing_columns: "null", extra_columns: evolve}`)))
		tr := rep.Tables[0]
		if tr.RowsIn != 3 || tr.RowsLoaded != 2 || tr.RowsQuarantined != 1 {
			t.Fatalf("in %d loaded %d quarantined %d, want 3 = 2 + 1", tr.RowsIn, tr.RowsLoaded, tr.RowsQuarantined)
		}
		var drift []string
		for _, d := range tr.Drift {
			drift = append(drift, fmt.Sprintf("%s %s %s→%s %s", d.Column, d.Change, d.SourceType, d.ModelType, d.Action))
		}
		if got, want := strings.Join(drift, "; "), "id type STRING→INT64 cast; joined missing →DATE null; tier extra STRING→STRING evolved"; got != want {
			t.Errorf("drift\n got  %s\n want %s", got, want)
		}
		db := enginetest.OpenReadOnly(t, filepath.Join(dir, "drift.duckdb"))
		got := enginetest.Scalar[string](t, db, `SELECT string_agg(concat_ws('|', id, typeof(id), name, coalesce(joined::VARCHAR, '∅'), tier), '/' ORDER BY id) FROM main.members`)
		if want := "1|BIGINT|ann|∅|gold/3|BIGINT|cy|∅|silver"; got != want {
			t.Errorf("loaded rows:\n got  %s\n want %s", got, want)
		}
		got = enginetest.Scalar[string](t, db, `SELECT string_agg(concat_ws('|', name, _violations::VARCHAR, _source_values::VARCHAR, _source_file), '/') FROM quarantine.members`)
		if want := "bob|[type_id, id_not_null]|{id=2.5}|" + testProject + ".crm.members"; got != want {
			t.Errorf("quarantine:\n got  %s\n want %s", got, want)
		}
	})
}

// A dataset table with a RECORD and an ARRAY the model lacks, and a RECORD where
// the model says JSON: under extra_columns: evolve the new columns load as their
// JSON text, and the JSON column converts from the RECORD's; a NULL RECORD stays
// NULL, an empty ARRAY is []. Before, the query read them as they are and failed.
func TestContractReadsNestedBigQueryColumnsAsJSON(t *testing.T) {
	emu := startEmulatorWith(t, dataset{ID: "crm", Tables: []table{{ID: "seed", Columns: []column{{"id", "INT64"}}, Data: []map[string]any{{"id": 1}}}}})
	client, err := gbq.NewClient(context.Background(), testProject, option.WithEndpoint(emu.url), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	bqRows(t, client, fmt.Sprintf("CREATE TABLE `%s.crm.people` AS "+
		"SELECT 1 AS id, STRUCT('gold' AS level, 3 AS years) AS tier, [1, 2] AS tags, STRUCT(7 AS a) AS extra "+
		"UNION ALL SELECT 2, NULL, [], NULL", testProject))
	dir := t.TempDir()
	source := fmt.Sprintf("{kind: bigquery, project: %s, dataset: %s.crm, endpoint: %q, read: rest}", testProject, testProject, emu.url)
	rep := mustApply(t, compileTables(t, dir, "nested", source, "  - name: people\n    key: id\n    contract: {extra_columns: evolve}\n    columns:\n"+
		"      - {name: id, type: INT64, required: true}\n      - {name: extra, type: JSON}\n"))
	if tr := rep.Tables[0]; tr.RowsIn != 2 || tr.RowsLoaded != 2 {
		t.Fatalf("in %d loaded %d quarantined %d, want 2 loaded", tr.RowsIn, tr.RowsLoaded, tr.RowsQuarantined)
	}
	db := enginetest.OpenReadOnly(t, filepath.Join(dir, "nested.duckdb"))
	got := enginetest.Scalar[string](t, db, `SELECT string_agg(concat_ws('|', id, typeof(extra), coalesce(extra::VARCHAR, '∅'),
		typeof(tier), coalesce(tier, '∅'), tags), '/' ORDER BY id) FROM main.people`)
	if want := `1|JSON|{"a":7}|VARCHAR|{"level":"gold","years":3}|[1,2]/2|JSON|∅|VARCHAR|∅|[]`; got != want {
		t.Errorf("loaded rows:\n got  %s\n want %s", got, want)
	}
}
