package stages

import (
	"context"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// TestDistinctKeysProvesOnlyWhatHolds: a column is proved to hold no value twice
// exactly when count(DISTINCT) says so, NULLs aside; a range too wide for its
// bits, a text column or text staging is left to the rule's own check.
func TestDistinctKeysProvesOnlyWhatHolds(t *testing.T) {
	ctx := context.Background()
	_, wh, _ := filesPlan(t, "csv", "users")
	table := &spec.TablePlan{Name: "k",
		Model: &catalog.Model{Columns: []catalog.Column{{Name: "k", Type: catalog.Int64}, {Name: "s", Type: catalog.String}}},
		Rules: []rules.Rule{{Name: "k_unique", Check: rules.Unique, Column: "k"}, {Name: "k_dup", Check: rules.Duplicate, Column: "k"},
			{Name: "s_unique", Check: rules.Unique, Column: "s"}}}
	for _, tc := range []struct {
		name, rows string
		want       bool
	}{
		{"distinct, NULLs among them", "SELECT CASE WHEN i % 10 = 0 THEN NULL ELSE i * 3 - 5000 END FROM range(100000) r(i)", true},
		{"one value twice", "SELECT i FROM range(100000) r(i) UNION ALL SELECT 77777", false},
		{"the range's two ends twice", "SELECT i FROM range(-1000, 1000) r(i) UNION ALL SELECT -1000 UNION ALL SELECT 999", false},
		{"NULLs only", "SELECT NULL::BIGINT FROM range(10)", true},
		{"no rows", "SELECT 1 WHERE FALSE", true},
		{"one row", "SELECT -9223372036854775808", true},
		{"too wide a range to prove", "SELECT 0 UNION ALL SELECT 1::BIGINT << 40", false},
		{"the extremes", "SELECT -9223372036854775808 UNION ALL SELECT 9223372036854775807", false},
	} {
		if err := wh.Exec(ctx, "CREATE OR REPLACE TABLE k AS SELECT r::BIGINT AS k, r::VARCHAR AS s FROM ("+tc.rows+") t(r)"); err != nil {
			t.Fatal(err)
		}
		var distinct bool
		if err := wh.DB.QueryRowContext(ctx, "SELECT count(k) = count(DISTINCT k) FROM k").Scan(&distinct); err != nil {
			t.Fatal(err)
		}
		proved, err := DistinctKeys(ctx, wh.DB, "k", table, false)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if proved["k"] != tc.want || (proved["k"] && !distinct) || proved["s"] {
			t.Errorf("%s: proved %v (distinct: %v), want k proved %v and s never", tc.name, proved, distinct, tc.want)
		}
		if raw, err := DistinctKeys(ctx, wh.DB, "k", table, true); err != nil || len(raw) != 0 {
			t.Errorf("%s: staged as text, proved %v (%v), want nothing", tc.name, raw, err)
		}
	}
}
