package stages

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
)

// TestTextRowsWriteTimestampsAsDuckDB: timestampText gives DuckDB's own text of
// every TIMESTAMPTZ, in and out of its fast range: two million random instants of
// the years 1 to 9999 at random microseconds, the range's ends and the instants
// beside them, the epoch, BC, past 9999, the infinities and NULL.
func TestTextRowsWriteTimestampsAsDuckDB(t *testing.T) {
	ctx := context.Background()
	_, wh, _ := filesPlan(t, "csv", "users")
	const first, last = -62135596800000000, 253402300799999999 // 0001-01-01 and 9999-12-31 23:59:59.999999, in µs
	edges := []int64{first, first - 1, last, last + 1, 0, 1, -1, 500000, 123456, 951782400000000, -63524880000000000, 315537897600000000}
	values := make([]string, len(edges))
	for i, us := range edges {
		values[i] = fmt.Sprintf("(make_timestamp(%d::BIGINT)::TIMESTAMPTZ)", us)
	}
	for _, q := range []string{
		"CREATE TABLE ts (c TIMESTAMPTZ)",
		fmt.Sprintf("INSERT INTO ts SELECT make_timestamp((%d + random() * %d)::BIGINT)::TIMESTAMPTZ FROM range(2000000)", first, last-first),
		"INSERT INTO ts VALUES " + strings.Join(values, ", ") + ", ('infinity'), ('-infinity'), (NULL)",
	} {
		if err := wh.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var n, differ int64
	var example string
	err := wh.DB.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*), count(*) FILTER (WHERE c::VARCHAR IS DISTINCT FROM %s),
		coalesce(min(c::VARCHAR || ' written as ' || %s) FILTER (WHERE c::VARCHAR IS DISTINCT FROM %s), '') FROM ts`,
		timestampText("c"), timestampText("c"), timestampText("c"))).Scan(&n, &differ, &example)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2000000+int64(len(edges))+3 || differ != 0 {
		t.Errorf("%d values, %d written otherwise than DuckDB writes them (%s)", n, differ, example)
	}
}

// TestTextRowsWriteTheSameBytes: a CSV and a JSON file written from TextRows are
// byte for byte those written from SinkRows, for an incremental table (its rows
// sorted) and for a quarantine that holds its timestamps as raw text, which is
// left as it is.
func TestTextRowsWriteTheSameBytes(t *testing.T) {
	ctx := context.Background()
	plan, wh, in := filesPlan(t, "csv", "users")
	run, err := NewRun(ctx, "r1", plan, wh, nil, func(string) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	defer run.Cleanup(ctx)
	for _, q := range []string{
		"CREATE SCHEMA IF NOT EXISTS " + QuarantineSchema,
		`CREATE TABLE main.t AS SELECT (1000 - i) AS id, make_timestamp(1700000000000000 + i * 1234567)::TIMESTAMPTZ AS seen,
			CASE WHEN i % 7 = 0 THEN NULL ELSE make_timestamp(i * 1000001)::TIMESTAMPTZ END AS "Odd name", 'x' || i AS note FROM range(1000) r(i)`,
		"INSERT INTO main.t VALUES (-1, 'infinity', '-infinity', 'edge'), (-2, '0001-01-01 00:00:00+00', NULL, 'first')",
		`CREATE TABLE quarantine.t AS SELECT id, seen::VARCHAR AS seen, "Odd name", note, ['r'] AS _violations, 'r1' AS _run_id FROM main.t`,
	} {
		if err := wh.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	table := &spec.TablePlan{Name: "t", Incremental: &spec.Incremental{PrimaryKey: "id", Cursor: "seen"}}
	for _, quarantine := range []bool{false, true} {
		text, err := TextRows(ctx, run, table, quarantine)
		if err != nil {
			t.Fatal(err)
		}
		if fast := strings.Count(text, "make_timestamp"); fast != map[bool]int{false: 2, true: 1}[quarantine] {
			t.Errorf("quarantine %v: %d columns written without ICU, want the TIMESTAMPTZ ones only: %s", quarantine, fast, text)
		}
		for _, options := range []string{"FORMAT csv, HEADER true", "FORMAT json"} {
			var files [2][]byte
			for i, q := range []string{SinkRows(table, quarantine), text} {
				path := filepath.Join(in, fmt.Sprintf("out%d", i))
				if err := wh.Exec(ctx, fmt.Sprintf("COPY (%s) TO %s (%s)", q, sqlq.String(path), options)); err != nil {
					t.Fatal(err)
				}
				if files[i], err = os.ReadFile(path); err != nil {
					t.Fatal(err)
				}
			}
			if lines := bytes.Count(files[0], []byte("\n")); lines < 1002 || !bytes.Equal(files[0], files[1]) {
				t.Errorf("quarantine %v, %s: %d lines; the files differ: %v", quarantine, options, lines, !bytes.Equal(files[0], files[1]))
			}
		}
	}
}
