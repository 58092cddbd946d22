package exact

import (
	"database/sql"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/ecomrun/ecomrun/pkg/catalog"
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
		typ        catalog.Type
		text, want string
	}{
		{catalog.Int64, "42", "42"},
		{catalog.Int64, "-9223372036854775808", "-9223372036854775808"},
		{catalog.Int64, "-0", "0"},
		{catalog.Int64, "007", "7"},
		{catalog.Int64, "+5", "5"},
		{catalog.Int64, "60.0", "60"},
		{catalog.Int64, " -7 ", "-7"},
		{catalog.Int64, "1.5", null},
		{catalog.Int64, "1e3", null},
		{catalog.Int64, "1_000", null},
		{catalog.Int64, "0x1F", null},
		{catalog.Int64, "9223372036854775808", null},
		{catalog.Float64, "0.02", "0.02"},
		{catalog.Float64, "1e400", null},
		{catalog.Float64, "Infinity", "inf"},
		{catalog.Float64, "abc", null},
		{catalog.Numeric, "10.123456789", "10.123456789"},
		{catalog.Numeric, "1.1234567891", null},
		{catalog.Numeric, "1.1234567890", "1.123456789"},
		{catalog.Numeric, "123456789012345678901234567890", null},
		{catalog.Bool, "True", "true"},
		{catalog.Bool, "FALSE", "false"},
		{catalog.Bool, "yes", null},
		{catalog.Bool, "1", null},
		{catalog.Bytes, "aGVsbG8=", "hello"},
		{catalog.Bytes, "!!", null},
		{catalog.Date, "2024-02-29", "2024-02-29"},
		{catalog.Date, "2023-02-29", null},
		{catalog.Date, "2024-1-1", null},
		{catalog.Date, "epoch", null},
		{catalog.Datetime, "2024-01-01T10:00:00.5", "2024-01-01 10:00:00.5"},
		{catalog.Datetime, "2024-01-01 10:00:00+02", null},
		{catalog.Datetime, "2024-01-01T24:00:00", null},
		{catalog.Datetime, "2024-01-01 10:00:00.1234567", null},
		{catalog.Timestamp, "2024-06-23 23:41:55.000000 UTC", "2024-06-23 23:41:55+00"},
		{catalog.Timestamp, "2024-04-14 05:27:33 UTC", "2024-04-14 05:27:33+00"},
		{catalog.Timestamp, "2024-06-23 00:00:00.500000 UTC", "2024-06-23 00:00:00.5+00"},
		{catalog.Timestamp, "2024-01-01 25:00:00 UTC", null},
		{catalog.Timestamp, "2024-01-01 24:00:00 UTC", null},
		{catalog.Timestamp, "2024-02-30 10:00:00 UTC", null},
		{catalog.Timestamp, "2024-01-01 10:00:0a UTC", null},
		{catalog.Timestamp, "9999-12-31 23:59:59 UTC", "9999-12-31 23:59:59+00"},
		{catalog.Timestamp, "2024-01-01 24:00:00.000000 UTC", null},
		{catalog.Timestamp, "2024-01-01 25:00:00.000000 UTC", null},
		{catalog.Timestamp, "2024-01-01 29:59:59.000000 UTC", null},
		{catalog.Timestamp, "2024-02-30 10:00:00.000000 UTC", null},
		{catalog.Timestamp, "2024-13-01 10:00:00.000000 UTC", null},
		{catalog.Timestamp, "2024-00-10 10:00:00.000000 UTC", null},
		{catalog.Timestamp, " 024-01-01 10:00:00.000000 UTC", null},
		{catalog.Timestamp, "+024-01-01 10:00:00.000000 UTC", null},
		{catalog.Timestamp, "2024-01-01 10:00:00.000000 utc", null},
		{catalog.Timestamp, "2024-01-01 10:00:00.000000 UTC ", "2024-01-01 10:00:00+00"},
		{catalog.Timestamp, "0001-01-01 00:00:00.000001 UTC", "0001-01-01 00:00:00.000001+00"},
		{catalog.Timestamp, "2024-04-14T05:27:33Z", "2024-04-14 05:27:33+00"},
		{catalog.Timestamp, "2024-04-14T07:27:33+02:00", "2024-04-14 05:27:33+00"},
		{catalog.Timestamp, "2024-04-14 05:27:33", "2024-04-14 05:27:33+00"},
		{catalog.Timestamp, "epoch", null},
		{catalog.Timestamp, "infinity", null},
		{catalog.Timestamp, "2024-01-01 24:00:00 UTC", null},
		{catalog.Timestamp, "2024-01-01 10:00:00+25:00", null},
		{catalog.Timestamp, "294247-01-01 00:00:00 UTC", null},
		{catalog.Timestamp, "2024-01-01 10:00:00.1234567 UTC", null},
		{catalog.Timestamp, "2024-01-01 10:00:00.1234560 UTC", "2024-01-01 10:00:00.123456+00"},
		{catalog.JSON, `{"a":1}`, `{"a":1}`},
		{catalog.JSON, "nope", null},
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
