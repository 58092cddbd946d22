package engine_test

import (
	"path/filepath"
	"testing"
)

// A malformed record's _source_line is the line of the file it starts on, also
// after quoted fields that hold line breaks (DuckDB's reader counts those as none),
// CRLF line ends and blank lines.
func TestMalformedRecordNamesItsPhysicalLine(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	writeFile(t, filepath.Join(in, "distribution_centers.csv"),
		"id,name,latitude,longitude,distribution_center_geom\r\n"+ // 1
			"1,\"Memphis\r\nTN\",35.1,-89.9,\r\n"+ // 2-3
			"\r\n"+ // 4: blank
			"2,\"Chicago\nIL\nUS\",41.8,-87.6,\r\n"+ // 5-7
			"3,Y,2,3\r\n"+ // 8: ragged
			"4,Z,1,1,\r\n"+ // 9
			"5,\"W\",1\r\n") // 10: ragged
	rep := apply(t, compile(t, dir, filesSpec(in, dir, "csv", "")))
	accounting(t, rep.Tables[0], 5, 3, 2)
	db := query(t, filepath.Join(dir, "ecom.duckdb"))
	sameRows(t, "malformed records", rowsOf(t, db, `SELECT _source_line, _source_text FROM quarantine.distribution_centers ORDER BY _source_line`), []string{
		"8|3,Y,2,3",
		"10|5,\"W\",1",
	})
}
