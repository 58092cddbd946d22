package bigquery_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

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
