package exact

import (
	"database/sql"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/ecomrun/ecomrun/pkg/thelook"
)

// TestFromText: each text converts to its type's value exactly, or to NULL (the
// row is then quarantined under type_<column>), as DuckDB runs the conversion.
func TestFromText(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	const null = "∅"
	for _, tc := range []struct {
		typ        thelook.Type
		text, want string
	}{
		{thelook.Int64, "60.0", "60"},
		{thelook.Int64, " -7 ", "-7"},
		{thelook.Int64, "1.5", null},
		{thelook.Int64, "1e3", null},
		{thelook.Int64, "1_000", null},
		{thelook.Int64, "0x1F", null},
		{thelook.Int64, "9223372036854775808", null},
		{thelook.Float64, "0.02", "0.02"},
		{thelook.Float64, "1e400", null},
		{thelook.Float64, "Infinity", "inf"},
		{thelook.Float64, "abc", null},
		{thelook.Numeric, "10.123456789", "10.123456789"},
		{thelook.Numeric, "1.1234567891", null},
		{thelook.Numeric, "1.1234567890", "1.123456789"},
		{thelook.Numeric, "123456789012345678901234567890", null},
		{thelook.Bool, "True", "true"},
		{thelook.Bool, "FALSE", "false"},
		{thelook.Bool, "yes", null},
		{thelook.Bool, "1", null},
		{thelook.Bytes, "aGVsbG8=", "hello"},
		{thelook.Bytes, "!!", null},
		{thelook.Date, "2024-02-29", "2024-02-29"},
		{thelook.Date, "2023-02-29", null},
		{thelook.Date, "2024-1-1", null},
		{thelook.Date, "epoch", null},
		{thelook.Datetime, "2024-01-01T10:00:00.5", "2024-01-01 10:00:00.5"},
		{thelook.Datetime, "2024-01-01 10:00:00+02", null},
		{thelook.Datetime, "2024-01-01T24:00:00", null},
		{thelook.Datetime, "2024-01-01 10:00:00.1234567", null},
		{thelook.Timestamp, "2024-06-23 23:41:55.000000 UTC", "2024-06-23 23:41:55+00"},
		{thelook.Timestamp, "2024-04-14 05:27:33 UTC", "2024-04-14 05:27:33+00"},
		{thelook.Timestamp, "2024-04-14T05:27:33Z", "2024-04-14 05:27:33+00"},
		{thelook.Timestamp, "2024-04-14T07:27:33+02:00", "2024-04-14 05:27:33+00"},
		{thelook.Timestamp, "2024-04-14 05:27:33", "2024-04-14 05:27:33+00"},
		{thelook.Timestamp, "epoch", null},
		{thelook.Timestamp, "infinity", null},
		{thelook.Timestamp, "2024-01-01 24:00:00 UTC", null},
		{thelook.Timestamp, "2024-01-01 10:00:00+25:00", null},
		{thelook.Timestamp, "294247-01-01 00:00:00 UTC", null},
		{thelook.Timestamp, "2024-01-01 10:00:00.1234567 UTC", null},
		{thelook.Timestamp, "2024-01-01 10:00:00.1234560 UTC", "2024-01-01 10:00:00.123456+00"},
		{thelook.JSON, `{"a":1}`, `{"a":1}`},
		{thelook.JSON, "nope", null},
	} {
		var got sql.NullString
		q := "SELECT (" + FromText("v", tc.typ) + ")::VARCHAR FROM (SELECT ?::VARCHAR AS v)"
		if err := db.QueryRow(q, tc.text).Scan(&got); err != nil {
			t.Fatalf("%s %q: %v", tc.typ, tc.text, err)
		}
		g := null
		if got.Valid {
			g = got.String
		}
		if g != tc.want {
			t.Errorf("%s %q = %s, want %s", tc.typ, tc.text, g, tc.want)
		}
	}
}
