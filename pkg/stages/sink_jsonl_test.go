package stages_test

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/internal/enginetest"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

// An apply with a jsonl sink writes each table, and its quarantine, as one JSON
// object per line, listed in the folder's manifest with its rows and sha256.
// DuckDB's read_json reads every file back, with the warehouse's column types, to
// exactly the rows the warehouse holds (a quarantine without its _run_id, which
// the manifest holds); a rerun writes the same bytes.
func TestJSONLSinkWritesTheWarehouseRows(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "lines")
	plan := enginetest.Compile(t, filepath.Join(dir, "spec.yaml"), fmt.Sprintf(`version: 1
name: jsonl
source: {kind: thelook, scale: 0.002, seed: 7, defects: 0.02}
warehouse: {path: %s/ecom.duckdb}
tables:
  - name: users
  - name: orders
  - name: events
    mode: incremental
    cursor: created_at
sinks:
  - {name: lines, kind: jsonl, path: %s}
`, dir, out))
	enginetest.Apply(t, plan)
	first, err := stages.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Tables) != 6 || first.Format != "jsonl" {
		t.Fatalf("manifest lists %d files as %q, want a table and its quarantine for each of 3 tables, as jsonl", len(first.Tables), first.Format)
	}
	db := enginetest.OpenReadOnly(t, filepath.Join(dir, "ecom.duckdb"))
	quarantined := int64(0)
	for _, e := range first.Tables {
		path := filepath.Join(out, e.File)
		quarantine := strings.HasSuffix(e.File, ".quarantine.jsonl")
		if quarantine {
			quarantined += e.Rows
		}
		relation := "(" + stages.SinkRows(plan.Table(e.Table), quarantine) + ")"
		if n := objectLines(t, path); n != e.Rows {
			t.Errorf("%s: %d lines of one JSON object, manifest says %d rows", e.File, n, e.Rows)
		}
		if size, sum, err := stages.FileDigest(path); err != nil || size != e.Bytes || sum != e.SHA256 {
			t.Errorf("%s: %d bytes sha256 %s (%v), manifest says %d %s", e.File, size, sum, err, e.Bytes, e.SHA256)
		}
		read := fmt.Sprintf("read_json(%s, format = 'newline_delimited', columns = %s)", sqlq.String(path), columnTypes(t, db, relation))
		if n := enginetest.Scalar[int64](t, db, "SELECT count(*) FROM "+read); n != e.Rows || n != enginetest.Scalar[int64](t, db, "SELECT count(*) FROM "+relation) {
			t.Errorf("%s: read_json reads %d rows, manifest says %d, the warehouse has a different count", e.File, n, e.Rows)
		}
		for _, q := range []string{
			fmt.Sprintf("SELECT count(*) FROM (SELECT * FROM %s EXCEPT ALL SELECT * FROM %s)", relation, read),
			fmt.Sprintf("SELECT count(*) FROM (SELECT * FROM %s EXCEPT ALL SELECT * FROM %s)", read, relation),
		} {
			if n := enginetest.Scalar[int64](t, db, q); n != 0 {
				t.Errorf("%s: %d rows differ from the warehouse's (%s)", e.File, n, q)
			}
		}
	}
	if quarantined == 0 {
		t.Error("no row was quarantined: the quarantine files were not put to the test")
	}
	db.Close()

	enginetest.Apply(t, plan)
	second, err := stages.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range second.Tables {
		if was := first.Tables[i]; e.File != was.File || e.SHA256 != was.SHA256 {
			t.Errorf("the rerun wrote %s with sha256 %s, the first run %s %s", e.File, e.SHA256, was.File, was.SHA256)
		}
	}
}

// objectLines counts the file's lines, failing on one that is not a JSON object.
func objectLines(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var n int64
	lines := bufio.NewScanner(f)
	lines.Buffer(nil, 1<<20)
	for lines.Scan() {
		var obj map[string]any
		if err := json.Unmarshal(lines.Bytes(), &obj); err != nil {
			t.Fatalf("%s line %d is not a JSON object: %v", path, n+1, err)
		}
		n++
	}
	if err := lines.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// columnTypes is read_json's columns argument for a query's columns and types.
func columnTypes(t *testing.T, db *sql.DB, relation string) string {
	t.Helper()
	rows, err := db.Query("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM " + relation + ")")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, sqlq.String(name)+": "+sqlq.String(typ))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return "{" + strings.Join(cols, ", ") + "}"
}
