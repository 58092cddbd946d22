package engine_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/report"
)

// filesSpec reads distribution_centers (and orders) from in with the files source.
func filesSpec(in, dir, format, extra string) string {
	return fmt.Sprintf(`version: 1
name: files
source: {kind: files, dir: "%s", format: %s%s}
warehouse: {path: "%s/ecom.duckdb"}
tables: [{name: distribution_centers}]
`, in, format, extra, dir)
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func accounting(t *testing.T, tr *report.Table, in, loaded, quarantined int64) {
	t.Helper()
	if tr.RowsIn != in || tr.RowsLoaded != loaded || tr.RowsQuarantined != quarantined || tr.RowsDropped != 0 {
		t.Errorf("%s: in %d loaded %d quarantined %d dropped %d, want %d = %d + %d", tr.Name,
			tr.RowsIn, tr.RowsLoaded, tr.RowsQuarantined, tr.RowsDropped, in, loaded, quarantined)
	}
}

// rowsOf reads a query's rows as text, one string per row ("a|b|c"), NULL as ∅.
func rowsOf(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = "∅"
			if v.Valid {
				parts[i] = v.String
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out
}

func sameRows(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got  %q\n want %q", what, got, want)
	}
}

// hostileCSV is every shape at once: a BOM, CRLF, a first field starting with '#',
// a quoted delimiter, the text null, 60.0 and 9.0, values that are not of their
// type, a ragged row, invalid UTF-8 and an unterminated quote with no final newline.
const hostileCSV = "\xef\xbb\xbfid,name,latitude,longitude,distribution_center_geom\r\n" +
	"1,Memphis TN,35.1174,-89.9711,POINT(-89.9711 35.1174)\r\n" + // line 2: ok
	"#2,Chicago IL,41.8369,-87.6847,\r\n" + // 3: type_id
	"3,\"Houston, TX\",29.7604,-95.3698,\r\n" + // 4: ok
	"1.5,X,1,1,\r\n" + // 5: type_id, never 2
	"5,Y,abc,1,\r\n" + // 6: type_latitude
	"6,Y,2,3\r\n" + // 7: ragged
	"8,null,60.0,1e1,\r\n" + // 8: ok, name is the text null
	"\r\n" + // 9: a blank line, no record
	"9.0,V,1,1,\r\n" + // 10: ok, id 9
	"10,Bad\xff,1,1,\r\n" + // 11: invalid UTF-8
	"11,\"unterminated,1,1," // 12: unterminated quote, no final newline

func TestFilesSourceAccountsForEveryHostileCSVRecord(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	writeFile(t, filepath.Join(in, "distribution_centers.csv"), hostileCSV)
	rep := apply(t, compile(t, dir, filesSpec(in, dir, "csv", "")))
	accounting(t, rep.Tables[0], 10, 4, 6)

	db := query(t, filepath.Join(dir, "ecom.duckdb"))
	sameRows(t, "loaded rows", rowsOf(t, db, "SELECT id, name, latitude, longitude, distribution_center_geom FROM main.distribution_centers ORDER BY id"), []string{
		"1|Memphis TN|35.1174|-89.9711|POINT(-89.9711 35.1174)",
		"3|Houston, TX|29.7604|-95.3698|∅",
		"8|null|60|10|∅",
		"9|V|1|1|∅",
	})
	file := filepath.Join(in, "distribution_centers.csv")
	sameRows(t, "quarantine", rowsOf(t, db, `SELECT id, name, _violations::VARCHAR, _source_file = '`+file+`', _source_line, _source_text, _source_values::VARCHAR
		FROM quarantine.distribution_centers ORDER BY _source_line NULLS FIRST, name`), []string{
		"∅|Chicago IL|[type_id, id_not_null]|true|∅|∅|{id=#2}", // a value that does not convert is also no value
		"∅|X|[type_id, id_not_null]|true|∅|∅|{id=1.5}",
		"5|Y|[type_latitude, latitude_not_null]|true|∅|∅|{latitude=abc}",
		"∅|∅|[malformed_record]|true|7|6,Y,2,3|∅",
		"∅|∅|[malformed_record]|true|11|10,Bad?,1,1,|∅",
		"∅|∅|[malformed_record]|true|12|11,\"unterminated,1,1,|∅",
	})
	tr := rep.Tables[0]
	for rule, want := range map[string]int64{"type_id": 2, "type_latitude": 1, "malformed_record": 3} {
		if got := violationRows(tr, rule); got != want {
			t.Errorf("report counts %d rows for %s, want %d", got, rule, want)
		}
	}
}

func TestFilesSourceOnMalformedFailNamesFileAndLine(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	writeFile(t, filepath.Join(in, "distribution_centers.csv"), hostileCSV)
	_, err := engine.Apply(context.Background(), compile(t, dir, filesSpec(in, dir, "csv", ", on_malformed: fail")), engine.Options{})
	want := filepath.Join(in, "distribution_centers.csv") + ":7: malformed record"
	if err == nil || !strings.Contains(err.Error(), want) || strings.Count(err.Error(), "\n") > 0 {
		t.Fatalf("error %v, want one line naming %s", err, want)
	}
}

func TestFilesSourceReadsRealShapes(t *testing.T) {
	header := "id,name,latitude,longitude,distribution_center_geom"
	for _, c := range []struct {
		name, body, extra string
		in                int64
	}{
		{"empty file", "", "", 0},
		{"header only", header + "\n", "", 0},
		{"every field quoted, no final newline", `"id","name","latitude","longitude","distribution_center_geom"` + "\n" + `"1","A ""quoted"" name","1.5","2",""` + "\n" + `"2","B","3","4","POINT(4 3)"`, "", 2},
		{"semicolons, detected", strings.ReplaceAll(header, ",", ";") + "\n1;A;1,5;2;\n", "", 1},
		{"no geom column (Kaggle)", "id,name,latitude,longitude\n1,A,1,2\n", "", 1},
		{"named dialect", "id|name|latitude|longitude|distribution_center_geom\n1|'A|B'|1|2|\n", `, csv: {delimiter: "|", quote: "'"}`, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in")
			writeFile(t, filepath.Join(in, "distribution_centers.csv"), c.body)
			rep := apply(t, compile(t, dir, filesSpec(in, dir, "csv", c.extra)))
			tr := rep.Tables[0]
			if tr.RowsIn != c.in || tr.RowsIn != tr.RowsLoaded+tr.RowsQuarantined {
				t.Errorf("in %d loaded %d quarantined %d, want %d in", tr.RowsIn, tr.RowsLoaded, tr.RowsQuarantined, c.in)
			}
		})
	}
}

func TestFilesSourceParsesBigQueryTimestampsExactly(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	writeFile(t, filepath.Join(in, "orders.csv"), "order_id,user_id,status,gender,created_at,returned_at,shipped_at,delivered_at,num_of_item\n"+
		"1,1,Processing,F,2024-06-23 23:41:55.000000 UTC,,,,1\n"+
		"2,1,Processing,F,2024-04-14 05:27:33 UTC,,,,1\n"+
		"3,1,Processing,F,2024-04-14T05:27:33Z,,,,1\n"+
		"4,1,Processing,F,2024-04-14T07:27:33+02:00,,,,1\n"+
		"5,1,Processing,F,2024-06-23 23:41:55.250000 UTC,,,,1\n"+
		"6,1,Processing,F,2020-13-45,,,,1\n"+
		"7,1,Processing,F,2024-02-30 00:00:00 UTC,,,,1\n"+
		"8,1,Processing,F,2024-06-23 23:41:55.1234567 UTC,,,,1\n"+
		"9,1,Processing,F,2024-06-23 23:41:55 UTC,,,,2.7\n"+
		"10,1,Processing,F,2024-06-23 23:41:55 UTC UTC,,,,1\n"+
		"11,1,Processing,F,2024-06-23 23:41:55+02 UTC,,,,1\n")
	spec := strings.Replace(filesSpec(in, dir, "csv", ""), "[{name: distribution_centers}]", "[{name: orders}]", 1)
	rep := apply(t, compile(t, dir, spec))
	accounting(t, rep.Tables[0], 11, 5, 6)
	db := query(t, filepath.Join(dir, "ecom.duckdb"))
	sameRows(t, "loaded instants", rowsOf(t, db, "SELECT order_id, epoch_us(created_at) FROM main.orders ORDER BY order_id"), []string{
		"1|1719186115000000", "2|1713072453000000", "3|1713072453000000", "4|1713072453000000", "5|1719186115250000",
	})
	sameRows(t, "quarantined text", rowsOf(t, db, "SELECT order_id, _violations::VARCHAR, _source_values::VARCHAR FROM quarantine.orders ORDER BY order_id"), []string{
		"6|[type_created_at, created_at_not_null]|{created_at=2020-13-45}",
		"7|[type_created_at, created_at_not_null]|{created_at='2024-02-30 00:00:00 UTC'}",
		"8|[type_created_at, created_at_not_null]|{created_at='2024-06-23 23:41:55.1234567 UTC'}",
		"9|[type_num_of_item, num_of_item_not_null]|{num_of_item=2.7}",
		"10|[type_created_at, created_at_not_null]|{created_at='2024-06-23 23:41:55 UTC UTC'}",
		"11|[type_created_at, created_at_not_null]|{created_at='2024-06-23 23:41:55+02 UTC'}",
	})
}

func TestFilesSourceParquetConvertsOnlyExactValues(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// id is DOUBLE in the file, and there is no geom column.
	_, err = db.Exec(fmt.Sprintf(`COPY (SELECT * FROM (VALUES (1.0::DOUBLE, 'A', 1.5, 2.0), (1.5, 'B', 1, 2), (3.0, 'null', 3, 4), (NULL, 'D', 5, 6)) v(id, name, latitude, longitude))
		TO '%s/distribution_centers.parquet' (FORMAT parquet)`, in))
	if err != nil {
		t.Fatal(err)
	}
	rep := apply(t, compile(t, dir, filesSpec(in, dir, "parquet", "")))
	accounting(t, rep.Tables[0], 4, 2, 2)
	wh := query(t, filepath.Join(dir, "ecom.duckdb"))
	sameRows(t, "loaded", rowsOf(t, wh, "SELECT id, name, latitude, longitude, distribution_center_geom FROM main.distribution_centers ORDER BY id"), []string{
		"1|A|1.5|2|∅", "3|null|3|4|∅",
	})
	sameRows(t, "quarantine", rowsOf(t, wh, "SELECT name, _violations::VARCHAR, _source_line, _source_values::VARCHAR FROM quarantine.distribution_centers ORDER BY name"), []string{
		"B|[type_id, id_not_null]|2|{id=1.5}",
		"D|[id_not_null]|∅|∅",
	})
}
