package bigquery_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/ecomrun/ecomrun/internal/enginetest"
	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// compile writes a pipeline spec reading tables (all seven when none) from source
// into dir/<name>.duckdb, and compiles it.
func compile(t *testing.T, dir, name, source string, tables ...string) *spec.Plan {
	t.Helper()
	if len(tables) == 0 {
		tables = catalog.Tables
	}
	var b strings.Builder
	for _, tb := range tables {
		fmt.Fprintf(&b, "  - name: %s\n", tb)
	}
	return compileTables(t, dir, name, source, b.String())
}

// compileTables is compile with the spec's tables: block as given.
func compileTables(t *testing.T, dir, name, source, tables string) *spec.Plan {
	t.Helper()
	body := fmt.Sprintf("version: 1\nname: %s\nsource: %s\nwarehouse: {path: %s}\ntables:\n%s",
		name, source, filepath.Join(dir, name+".duckdb"), tables)
	return enginetest.Compile(t, filepath.Join(dir, name+".yaml"), body)
}

func bigquerySource(endpoint, read string) string {
	return fmt.Sprintf("{kind: bigquery, project: %s, dataset: %s.%s, endpoint: %q, read: %s}", testProject, testProject, testDataset, endpoint, read)
}

func generatorSource() string {
	return fmt.Sprintf("{kind: thelook, scale: %g, seed: %d}", testScale, testSeed)
}

var mustApply = enginetest.Apply

// sameTables compares two warehouses table by table: the same number of rows, at
// least one, and no row of one missing from the other (EXCEPT ALL both ways, so
// duplicates count). Every value must be equal, GEOGRAPHY text included: the
// generator's coordinates fit the 15 significant digits BigQuery prints.
func sameTables(t *testing.T, got, want string, tables ...string) {
	t.Helper()
	sameRows(t, got, want, nil, tables...)
}

// sameRows is sameTables against the rows of want that a condition per table keeps
// (none: all).
func sameRows(t *testing.T, got, want string, wantWhere map[string]string, tables ...string) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for alias, path := range map[string]string{"got": got, "want": want} {
		if _, err := db.Exec(fmt.Sprintf("ATTACH '%s' AS %s (READ_ONLY)", path, alias)); err != nil {
			t.Fatal(err)
		}
	}
	if len(tables) == 0 {
		tables = catalog.Tables
	}
	for _, tb := range tables {
		var cols []string
		for _, c := range catalog.Lookup(tb).Columns {
			cols = append(cols, c.Name)
			if c.Type == catalog.Geography {
				var spaced int64
				q := fmt.Sprintf(`SELECT count(*) FROM got.main.%s WHERE %s NOT LIKE 'POINT(%%'`, tb, c.Name)
				if err := db.QueryRow(q).Scan(&spaced); err != nil || spaced != 0 {
					t.Errorf("%s.%s: %d values not in BigQuery's WKT form POINT(lon lat) (%v)", tb, c.Name, spaced, err)
				}
			}
		}
		gotSel := fmt.Sprintf("SELECT %s FROM got.main.%s", strings.Join(cols, ", "), tb)
		wantSel := fmt.Sprintf("SELECT %s FROM want.main.%s", strings.Join(cols, ", "), tb)
		if w := wantWhere[tb]; w != "" {
			wantSel += " WHERE " + w
		}
		var n, m, missing, extra int64
		q := fmt.Sprintf(`SELECT (SELECT count(*) FROM (%[1]s)), (SELECT count(*) FROM (%[2]s)),
			(SELECT count(*) FROM (%[2]s EXCEPT ALL %[1]s)), (SELECT count(*) FROM (%[1]s EXCEPT ALL %[2]s))`, gotSel, wantSel)
		if err := db.QueryRow(q).Scan(&n, &m, &missing, &extra); err != nil {
			t.Fatalf("%s: %v", tb, err)
		}
		if n != m || n == 0 || missing != 0 || extra != 0 {
			t.Errorf("%s: %d rows, want %d; %d rows missing, %d rows extra", tb, n, m, missing, extra)
			showDiff(t, db, tb, gotSel, wantSel)
		}
	}
}

// showDiff logs a few differing rows, to see what a mismatch is about.
func showDiff(t *testing.T, db *sql.DB, table, gotSel, wantSel string) {
	rows, err := db.Query(fmt.Sprintf(`(SELECT 'want' AS side, * FROM (%[2]s EXCEPT ALL %[1]s) LIMIT 3)
		UNION ALL (SELECT 'got', * FROM (%[1]s EXCEPT ALL %[2]s) LIMIT 3)`, gotSel, wantSel))
	if err != nil {
		t.Log(err)
		return
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err == nil {
			t.Logf("%s: %v", table, vals)
		}
	}
}

// The warehouse loaded from the emulator through REST equals the one loaded straight
// from the generator, table by table.
func TestRESTReadEqualsGenerator(t *testing.T) {
	emu := startEmulator(t)
	dir := t.TempDir()
	rep := mustApply(t, compile(t, dir, "bq", bigquerySource(emu.url, "rest")))
	mustApply(t, compile(t, dir, "gen", generatorSource()))
	for _, tr := range rep.Tables {
		if tr.RowsIn == 0 || tr.RowsLoaded != tr.RowsIn {
			t.Errorf("%s: in %d, loaded %d", tr.Name, tr.RowsIn, tr.RowsLoaded)
		}
	}
	sameTables(t, filepath.Join(dir, "bq.duckdb"), filepath.Join(dir, "gen.duckdb"))
}

// where: and limit: are pushed into BigQuery's query: the rows loaded are those the
// same condition keeps of the generator's.
func TestWhereAndLimitArePushedDown(t *testing.T) {
	emu := startEmulator(t)
	dir := t.TempDir()
	const shipped = "status = 'Shipped' AND num_of_item > 1"
	tables := fmt.Sprintf("  - name: orders\n    where: %q\n  - name: products\n    limit: 3\n", shipped)
	rep := mustApply(t, compileTables(t, dir, "bq", bigquerySource(emu.url, "rest"), tables))
	mustApply(t, compile(t, dir, "gen", generatorSource(), "orders"))
	sameRows(t, filepath.Join(dir, "bq.duckdb"), filepath.Join(dir, "gen.duckdb"), map[string]string{"orders": shipped}, "orders")
	for _, tr := range rep.Tables {
		if tr.Name == "products" && tr.RowsLoaded != 3 {
			t.Errorf("products: %d rows loaded, want the limit, 3", tr.RowsLoaded)
		}
	}
}
