package bigquery_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/ecomrun/ecomrun/internal/enginetest"
)

// A table of the user's own, declared in the spec, read from BigQuery under
// another name (table:), with a column of each type: the values arrive as BigQuery
// holds them, rules and quarantine work as for thelook's tables.
func TestDeclaredTableLoadsFromBigQuery(t *testing.T) {
	emu := startEmulatorWith(t, dataset{ID: "crm", Tables: []table{{
		ID: "customers_v2",
		Columns: []column{{"customer_id", "INT64"}, {"email", "STRING"}, {"signed_up_at", "TIMESTAMP"}, {"lifetime_value", "FLOAT64"},
			{"active", "BOOL"}, {"birthday", "DATE"}, {"balance", "NUMERIC"}, {"avatar", "BYTES"}, {"last_seen", "DATETIME"}, {"prefs", "JSON"}},
		// The emulator's loader keeps a BYTES value's string as its bytes.
		Data: []map[string]any{
			{"customer_id": 1, "email": "a@x.com", "signed_up_at": "2024-06-23T23:41:55Z", "lifetime_value": 12.5, "active": true,
				"birthday": "1990-01-02", "balance": "10.25", "avatar": "hello", "last_seen": "2024-01-01T10:00:00", "prefs": `{"a":1}`},
			{"customer_id": 2, "email": nil, "signed_up_at": nil, "lifetime_value": nil, "active": false,
				"birthday": nil, "balance": nil, "avatar": nil, "last_seen": nil, "prefs": nil},
			{"customer_id": 3, "email": "c@x.com", "signed_up_at": nil, "lifetime_value": -1.0, "active": nil,
				"birthday": "2000-12-31", "balance": "-3.5", "avatar": nil, "last_seen": nil, "prefs": nil},
			{"customer_id": 3, "email": "d@x.com", "signed_up_at": nil, "lifetime_value": nil, "active": nil,
				"birthday": nil, "balance": nil, "avatar": nil, "last_seen": nil, "prefs": nil},
		},
	}}})
	dir := t.TempDir() // read: rest, as the Storage Read API cannot follow an endpoint
	source := fmt.Sprintf("{kind: bigquery, project: %s, dataset: %s.crm, endpoint: %q, read: rest}", testProject, testProject, emu.url)
	plan := compileTables(t, dir, "own", source, "  - name: customers\n    table: customers_v2\n"+enginetest.CustomerColumns+
		"    rules:\n      - {check: range, column: lifetime_value, min: 0}\n")
	rep := mustApply(t, plan)
	tr := rep.Tables[0]
	if tr.RowsIn != 4 || tr.RowsLoaded != 2 || tr.RowsQuarantined != 2 {
		t.Fatalf("in %d loaded %d quarantined %d, want 4 = 2 + 2", tr.RowsIn, tr.RowsLoaded, tr.RowsQuarantined)
	}
	db := enginetest.OpenReadOnly(t, filepath.Join(dir, "own.duckdb"))
	got := enginetest.Scalar[string](t, db, `SELECT string_agg(concat_ws('|', customer_id, email, epoch_us(signed_up_at), lifetime_value, active,
				birthday, balance, decode(avatar), last_seen, prefs), '/' ORDER BY customer_id) FROM main.customers`)
	if want := "1|a@x.com|1719186115000000|12.5|true|1990-01-02|10.250000000|hello|2024-01-01 10:00:00|{\"a\":1}/2|false"; got != want {
		t.Errorf("loaded rows:\n got  %s\n want %s", got, want)
	}
	got = enginetest.Scalar[string](t, db, `SELECT string_agg(concat_ws('|', customer_id, email, active, birthday, balance, _violations::VARCHAR), '/' ORDER BY email)
				FROM quarantine.customers`)
	if want := "3|c@x.com|2000-12-31|-3.500000000|[customer_id_unique, range_lifetime_value]/3|d@x.com|[customer_id_unique]"; got != want {
		t.Errorf("quarantine:\n got  %s\n want %s", got, want)
	}
}
