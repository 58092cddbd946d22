package bench

import "database/sql"

// expressions are Go versions, per row, of the expression rules the default
// pipeline runs: the built-in models' (catalog/thelook.yaml) and the ones
// pipelines/daily.yaml adds, keyed "table.rule". Each returns true when the row
// breaks the rule; as in SQL, a comparison with a NULL holds.
var expressions = map[string]func(cols map[string]any) func() bool{
	"orders.timestamps_match_status":      statusMatches,
	"order_items.timestamps_match_status": statusMatches,
	"orders.timestamps_in_order": func(c map[string]any) func() bool {
		created, shipped, delivered, returned := ts(c, "created_at"), ts(c, "shipped_at"), ts(c, "delivered_at"), ts(c, "returned_at")
		return func() bool {
			return after(created, shipped) || after(shipped, delivered) || after(delivered, returned)
		}
	},
	"order_items.timestamps_in_order": func(c map[string]any) func() bool {
		shipped, delivered, returned := ts(c, "shipped_at"), ts(c, "delivered_at"), ts(c, "returned_at")
		return func() bool { return after(shipped, delivered) || after(delivered, returned) }
	},
	"inventory_items.sold_after_created": func(c map[string]any) func() bool {
		created, sold := ts(c, "created_at"), ts(c, "sold_at")
		return func() bool { return after(created, sold) }
	},
	"orders.shipped_after_created": func(c map[string]any) func() bool {
		created, shipped := ts(c, "created_at"), ts(c, "shipped_at")
		return func() bool { return after(created, shipped) }
	},
}

func ts(cols map[string]any, name string) *sql.NullTime { return cols[name].(*sql.NullTime) }

// after reports whether both times are set and a is later than b.
func after(a, b *sql.NullTime) bool { return a.Valid && b.Valid && a.Time.After(b.Time) }

// statusMatches is the status/timestamp consistency of orders and order_items:
// which of shipped_at, delivered_at and returned_at a status sets.
func statusMatches(c map[string]any) func() bool {
	status := c["status"].(*sql.NullString)
	shipped, delivered, returned := ts(c, "shipped_at"), ts(c, "delivered_at"), ts(c, "returned_at")
	want := map[string][3]bool{
		"Processing": {false, false, false},
		"Cancelled":  {false, false, false},
		"Shipped":    {true, false, false},
		"Complete":   {true, true, false},
		"Returned":   {true, true, true},
	}
	return func() bool {
		w, ok := want[status.String]
		if !status.Valid || !ok {
			return false
		}
		return shipped.Valid != w[0] || delivered.Valid != w[1] || returned.Valid != w[2]
	}
}
