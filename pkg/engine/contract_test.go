package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/report"
)

// contractSpec reads table members (id, name, joined) from in/members.<format>
// under the contract given as YAML flow (empty: the defaults), incremental on id
// when incremental is set, with a csv sink.
func contractSpec(in, dir, format, contract string, incremental bool) string {
	table := "  - name: members\n    key: id\n"
	if contract != "" {
		table += "    contract: " + contract + "\n"
	}
	if incremental {
		table += "    mode: incremental\n    cursor: id\n"
	}
	return fmt.Sprintf(`version: 1
name: drift
source: {kind: files, dir: "%s", format: %s}
warehouse: {path: "%s/ecom.duckdb"}
tables:
%s    columns:
      - {name: id, type: INT64, required: true}
      - {name: name, type: STRING}
      - {name: joined, type: DATE}
sinks: [{name: files, kind: csv, path: "%s/csv"}]
`, in, format, dir, table, dir)
}

// applyContract runs the spec and returns the table's record and the run's error.
func applyContract(t *testing.T, dir, body string) (*report.Table, error) {
	t.Helper()
	rep, err := engine.Apply(context.Background(), compile(t, dir, body), engine.Options{Parallelism: 2})
	if rep == nil || len(rep.Tables) != 1 {
		t.Fatalf("no report of the table: %v", err)
	}
	return rep.Tables[0], err
}

func driftOf(tr *report.Table) []string {
	var out []string
	for _, d := range tr.Drift {
		out = append(out, fmt.Sprintf("%s %s %s→%s %s", d.Column, d.Change, d.SourceType, d.ModelType, d.Action))
	}
	return out
}

// A CSV export that gained a column (tier) and lost one (joined), under each
// policy: what loads, what the report names, and that a refusing contract leaves
// the warehouse as the last good run left it.
func TestContractOnDriftedCSV(t *testing.T) {
	good := "id,name,joined\n1,ann,2024-01-02\n2,bob,\n"
	drifted := "id,Tier,name\n1,gold,ann\n2,,bob\n3,silver,cy\n"
	cases := []struct {
		name      string
		contract  string
		fails     string   // words of the error, or "" when it loads
		columns   string   // the warehouse table's columns after the run
		rows      []string // its rows
		drift     []string // the report's drift
		sinkFirst string   // the csv sink's header
	}{
		{name: "default", contract: "", fails: "column joined is missing (contract missing_columns: fail; null loads it as NULL)"},
		{name: "null", contract: "{missing_columns: \"null\"}", columns: "id,name,joined",
			rows:  []string{"1|ann|∅", "2|bob|∅", "3|cy|∅"},
			drift: []string{"joined missing →DATE null", "Tier extra → ignored"}, sinkFirst: "id,name,joined"},
		{name: "null-evolve", contract: "{missing_columns: \"null\", extra_columns: evolve}", columns: "id,name,joined,tier",
			rows:  []string{"1|ann|∅|gold", "2|bob|∅|∅", "3|cy|∅|silver"},
			drift: []string{"joined missing →DATE null", "Tier extra →STRING evolved"}, sinkFirst: "id,name,joined,tier"},
		{name: "null-extra-fail", contract: "{missing_columns: \"null\", extra_columns: fail}", fails: "column Tier is not in the model (contract extra_columns: fail)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in")
			writeFile(t, filepath.Join(in, "members.csv"), good)
			if tr, err := applyContract(t, dir, contractSpec(in, dir, "csv", tc.contract, false)); err != nil || len(tr.Drift) != 0 {
				t.Fatalf("the first run, without drift: %v, drift %v", err, tr.Drift)
			}
			writeFile(t, filepath.Join(in, "members.csv"), drifted)
			tr, err := applyContract(t, dir, contractSpec(in, dir, "csv", tc.contract, false))
			db := query(t, filepath.Join(dir, "ecom.duckdb"))
			if tc.fails != "" {
				if err == nil || !strings.Contains(err.Error(), tc.fails) || !strings.Contains(err.Error(), "nothing was read") {
					t.Fatalf("error %v, want one saying %q", err, tc.fails)
				}
				sameRows(t, "the last good run's rows", rowsOf(t, db, "SELECT id, name, joined FROM members ORDER BY id"),
					[]string{"1|ann|2024-01-02T00:00:00Z", "2|bob|∅"})
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			accounting(t, tr, 3, 3, 0)
			sameRows(t, "drift", driftOf(tr), tc.drift)
			cols := rowsOf(t, db, "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'members' AND table_schema = 'main'")
			sameRows(t, "columns", cols, []string{tc.columns})
			sameRows(t, "rows", rowsOf(t, db, "SELECT * FROM members ORDER BY id"), tc.rows)
			first := rowsOf(t, db, fmt.Sprintf("SELECT Column0 FROM read_csv('%s/csv/members.csv', header = false, delim = '\\t', columns = {'Column0': 'VARCHAR'}) LIMIT 1", dir))
			sameRows(t, "sink header", first, []string{tc.sinkFirst})
		})
	}
}

// A Parquet export whose id became DOUBLE and that gained a typed column: cast
// converts value by value (2.5 is no INT64: quarantined as type_id, its text kept),
// evolve takes the new column on with its type, fail refuses before any row.
func TestContractOnDriftedParquet(t *testing.T) {
	drifted := "SELECT * FROM (VALUES (1.0::DOUBLE, 'ann', DATE '2024-01-02', 7::BIGINT), (2.5, 'bob', NULL, 8), (3.0, 'cy', NULL, NULL)) t(id, name, joined, visits)"
	t.Run("cast-evolve", func(t *testing.T) {
		dir := t.TempDir()
		in := filepath.Join(dir, "in")
		writeParquet(t, filepath.Join(in, "members.parquet"), drifted)
		tr, err := applyContract(t, dir, contractSpec(in, dir, "parquet", "{extra_columns: evolve}", false))
		if err != nil {
			t.Fatal(err)
		}
		accounting(t, tr, 3, 2, 1)
		sameRows(t, "drift", driftOf(tr), []string{"id type DOUBLE→INT64 cast", "visits extra BIGINT→INT64 evolved"})
		db := query(t, filepath.Join(dir, "ecom.duckdb"))
		sameRows(t, "rows", rowsOf(t, db, "SELECT id, name, visits, typeof(visits) FROM members ORDER BY id"),
			[]string{"1|ann|7|BIGINT", "3|cy|∅|BIGINT"})
		sameRows(t, "quarantine", rowsOf(t, db, "SELECT name, _violations::VARCHAR, _source_values::VARCHAR, visits FROM quarantine.members"),
			[]string{"bob|[type_id, id_not_null]|{id=2.5}|8"})
	})
	t.Run("type-fail", func(t *testing.T) {
		dir := t.TempDir()
		in := filepath.Join(dir, "in")
		writeParquet(t, filepath.Join(in, "members.parquet"), drifted)
		_, err := applyContract(t, dir, contractSpec(in, dir, "parquet", "{type_changes: fail}", false))
		if err == nil || !strings.Contains(err.Error(), "column id is DOUBLE, the model says INT64 (contract type_changes: fail)") {
			t.Fatalf("error %v, want the type change named", err)
		}
	})
	t.Run("required-missing", func(t *testing.T) {
		dir := t.TempDir()
		in := filepath.Join(dir, "in")
		writeParquet(t, filepath.Join(in, "members.parquet"), "SELECT 'ann' AS name")
		_, err := applyContract(t, dir, contractSpec(in, dir, "parquet", "{missing_columns: \"null\"}", false))
		if err == nil || !strings.Contains(err.Error(), "column id is missing (it is required)") || strings.Contains(err.Error(), "column joined") {
			t.Fatalf("error %v, want only the required column named", err)
		}
	})
}

// A CSV value that is not of its column's type fails the table under
// type_changes: fail instead of being quarantined.
func TestContractTypeChangesFailOnCSVValue(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	writeFile(t, filepath.Join(in, "members.csv"), "id,name,joined\n1,ann,2024-01-02\n2,bob,last tuesday\n")
	_, err := applyContract(t, dir, contractSpec(in, dir, "csv", "{type_changes: fail}", false))
	if err == nil || !strings.Contains(err.Error(), "1 rows hold a value that is not of its column's type (first: joined = last tuesday)") {
		t.Fatalf("error %v, want the value named", err)
	}
	tr, err := applyContract(t, dir, contractSpec(in, dir, "csv", "", false))
	if err != nil {
		t.Fatal(err)
	}
	accounting(t, tr, 2, 1, 1) // cast, the default, quarantines it
}

// An incremental table whose source gains a column under evolve: the warehouse
// table and the quarantine take the column on, the rows already there hold NULL.
func TestContractEvolvesAnIncrementalTable(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	writeFile(t, filepath.Join(in, "members.csv"), "id,name,joined\n1,ann,2024-01-02\n2,bob,\n")
	body := contractSpec(in, dir, "csv", "{extra_columns: evolve}", true)
	if _, err := applyContract(t, dir, body); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(in, "members.csv"), "id,name,joined,tier\n2,bob,,gold\n3,cy,2024-02-30,silver\n4,dee,,\n")
	tr, err := applyContract(t, dir, body)
	if err != nil {
		t.Fatal(err)
	}
	accounting(t, tr, 3, 2, 1)
	db := query(t, filepath.Join(dir, "ecom.duckdb"))
	sameRows(t, "rows", rowsOf(t, db, "SELECT id, name, tier FROM members ORDER BY id"), []string{"1|ann|∅", "2|bob|gold", "4|dee|∅"})
	sameRows(t, "quarantine", rowsOf(t, db, "SELECT id, tier, _violations::VARCHAR FROM quarantine.members"), []string{"3|silver|[type_joined]"})
}
