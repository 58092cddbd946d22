package scaffold

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/catalog"
)

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"in": "in", "data/exports": "data/exports", "true": `"true"`, "12": `"12"`, "a b": `"a b"`,
		"$HOME/x": `"$$HOME/x"`, "http://127.0.0.1:9050": "http://127.0.0.1:9050", "#x": `"#x"`, "": `""`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestKeyCandidates(t *testing.T) {
	for table, want := range map[string][]string{
		"customers":  {"id", "customers_id", "customer_id"},
		"categories": {"id", "categories_id", "category_id"},
		"boxes":      {"id", "boxes_id", "box_id"},
		"stock":      {"id", "stock_id"},
	} {
		if got := keyCandidates(table); !slices.Equal(got, want) {
			t.Errorf("keyCandidates(%s) = %v, want %v", table, got, want)
		}
	}
}

// A Parquet file's own types map to BigQuery's: TIMESTAMPTZ is TIMESTAMP, a
// TIMESTAMP DATETIME, DECIMAL NUMERIC, BLOB BYTES, and text of '... UTC'
// timestamps TIMESTAMP; a file not named <name>.csv gets its path.
func TestParquetTypes(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.Exec(`COPY (SELECT i AS item_id, i * 1.5::DOUBLE AS price, (i * 2)::DECIMAL(12,2) AS amount, i % 2 = 0 AS even,
		DATE '2024-01-01' + i::INTEGER AS day, TIMESTAMP '2024-01-01 10:00:00' + to_hours(i) AS seen,
		TIMESTAMPTZ '2024-01-01 10:00:00+00' AS at, 'x'::BLOB AS raw, '2024-06-23 23:41:55 UTC' AS exported, TIME '10:00' AS t
		FROM range(3) r(i)) TO '` + filepath.Join(dir, "items.parquet") + `' (FORMAT parquet)`)
	if err != nil {
		t.Fatal(err)
	}
	src, err := FromFiles(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	tb := src.Tables[0]
	if tb.Name != "items" || tb.Path != "items.parquet" || tb.Key != "item_id" {
		t.Errorf("table %s path %s key %s, want items, items.parquet, item_id", tb.Name, tb.Path, tb.Key)
	}
	want := []catalog.Type{catalog.Int64, catalog.Float64, catalog.Numeric, catalog.Bool, catalog.Date, catalog.Datetime,
		catalog.Timestamp, catalog.Bytes, catalog.Timestamp, catalog.String}
	var got []catalog.Type
	for _, c := range tb.Columns {
		got = append(got, c.Type)
	}
	if !slices.Equal(got, want) {
		t.Errorf("types %v, want %v", got, want)
	}
}
