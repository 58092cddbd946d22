package thelook

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/rules"
)

// expressions are the Go forms of the SQL expression rules of the catalog, by
// "table/rule". A new expression rule without one here fails the test.
var expressions = map[string]func(t *table, i int) bool{
	"orders/timestamps_match_status":      timestampsMatchStatus,
	"orders/timestamps_in_order":          func(t *table, i int) bool { return ordered(t, i, "created_at") },
	"order_items/timestamps_match_status": timestampsMatchStatus,
	"order_items/timestamps_in_order":     func(t *table, i int) bool { return ordered(t, i) },
	"inventory_items/sold_after_created": func(t *table, i int) bool {
		sold := t.time(i, "sold_at")
		return sold == 0 || sold >= t.time(i, "created_at")
	},
}

// timestampsMatchStatus is statusTimestamps: which of shipped, delivered and
// returned are set follows from the status.
func timestampsMatchStatus(t *table, i int) bool {
	set := [3]bool{t.time(i, "shipped_at") != 0, t.time(i, "delivered_at") != 0, t.time(i, "returned_at") != 0}
	switch t.str(i, "status") {
	case "Processing", "Cancelled":
		return set == [3]bool{false, false, false}
	case "Shipped":
		return set == [3]bool{true, false, false}
	case "Complete":
		return set == [3]bool{true, true, false}
	case "Returned":
		return set == [3]bool{true, true, true}
	}
	return true
}

// ordered is timestampsInOrder, led by the columns in first: each set timestamp
// is at or after the set ones before it.
func ordered(t *table, i int, first ...string) bool {
	var last int64
	for _, c := range append(first, "shipped_at", "delivered_at", "returned_at") {
		v := t.time(i, c)
		if v == 0 {
			continue
		}
		if v < last {
			return false
		}
		last = v
	}
	return true
}

// violations evaluates one rule and returns a description of its first few
// failures. Relationship targets are read from tables.
func violations(t *table, r rules.Rule, tables map[string]*table) ([]string, error) {
	var bad []string
	fail := func(i int, v any) {
		if len(bad) < 5 {
			bad = append(bad, fmt.Sprintf("row %d: %v", i, v))
		}
	}
	switch r.Check {
	case rules.NotNull:
		for i := range t.rows {
			if t.get(i, r.Column) == nil {
				fail(i, nil)
			}
		}
	case rules.Unique:
		seen := map[any]bool{}
		for i := range t.rows {
			v := t.get(i, r.Column)
			if v != nil && seen[v] {
				fail(i, v)
			}
			seen[v] = true
		}
	case rules.AcceptedValues:
		ok := map[any]bool{}
		for _, v := range r.Values {
			ok[v] = true
		}
		for i := range t.rows {
			if v := t.get(i, r.Column); v != nil && !ok[v] {
				fail(i, v)
			}
		}
	case rules.Range:
		for i := range t.rows {
			v := t.get(i, r.Column)
			if v != nil && (r.Min != nil && number(v) < number(r.Min) || r.Max != nil && number(v) > number(r.Max)) {
				fail(i, v)
			}
		}
	case rules.Pattern:
		re, err := regexp.Compile(`^(?:` + r.Pattern + `)$`)
		if err != nil {
			return nil, err
		}
		for i := range t.rows {
			if v := t.get(i, r.Column); v != nil && !re.MatchString(v.(string)) {
				fail(i, v)
			}
		}
	case rules.Expression:
		check, ok := expressions[t.name+"/"+r.Name]
		if !ok {
			return nil, fmt.Errorf("no Go form of expression rule %s/%s", t.name, r.Name)
		}
		for i := range t.rows {
			if !check(t, i) {
				fail(i, t.rows[i])
			}
		}
	case rules.Relationship:
		to, col, _ := strings.Cut(r.To, ".")
		target := tables[to]
		keys := map[any]bool{}
		for i := range target.rows {
			keys[target.get(i, col)] = true
		}
		for i := range t.rows {
			if v := t.get(i, r.Column); v != nil && !keys[v] {
				fail(i, v)
			}
		}
	default:
		return nil, fmt.Errorf("no evaluator for %s rules", r.Check)
	}
	return bad, nil
}

func number(v any) float64 {
	switch n := v.(type) {
	case int:
		return float64(n)
	case int64:
		return float64(n)
	case float64:
		return n
	}
	panic(fmt.Sprintf("not a number: %v", v))
}

// TestBuiltinRules evaluates every built-in rule of every model, the optional
// relationships too, on generated data.
func TestBuiltinRules(t *testing.T) {
	tables := map[string]*table{}
	for _, name := range catalog.Tables {
		tables[name] = load(t, name, small)
	}
	for _, name := range catalog.Tables {
		for _, r := range catalog.Lookup(name).Rules {
			t.Run(name+"/"+r.Name, func(t *testing.T) {
				bad, err := violations(tables[name], r, tables)
				if err != nil {
					t.Fatal(err)
				}
				if len(bad) > 0 {
					t.Errorf("violated: %s", strings.Join(bad, "; "))
				}
			})
		}
	}
}

// TestViolations proves the evaluator can fail: each broken copy of a row must be
// caught by the named rule.
func TestViolations(t *testing.T) {
	orders := load(t, "orders", small)
	tables := map[string]*table{"users": load(t, "users", small)}
	for _, tc := range []struct {
		rule   string
		column string
		value  any
	}{
		{"order_id_not_null", "order_id", nil},
		{"order_id_unique", "order_id", orders.rows[0][0]},
		{"status_accepted", "status", "Lost"},
		{"num_of_item_range", "num_of_item", int64(5)},
		{"timestamps_match_status", "status", "Processing"},
		{"timestamps_in_order", "created_at", int64(1) << 62},
		{"user_id_references", "user_id", int64(-1)},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			// The first Returned order has every timestamp, so each change breaks it.
			i := 0
			for orders.str(i, "status") != "Returned" {
				i++
			}
			row := append([]any(nil), orders.rows[i]...)
			row[orders.cols[tc.column]] = tc.value
			broken := &table{name: "orders", cols: orders.cols, rows: append([][]any{row}, orders.rows...)}
			idx := -1
			for j, r := range catalog.Lookup("orders").Rules {
				if r.Name == tc.rule {
					idx = j
				}
			}
			if idx < 0 {
				t.Fatalf("orders has no rule %s", tc.rule)
			}
			rule := catalog.Lookup("orders").Rules[idx]
			if bad, err := violations(orders, rule, tables); err != nil || len(bad) > 0 {
				t.Fatalf("the generated rows fail: %v %v", bad, err)
			}
			bad, err := violations(broken, rule, tables)
			if err != nil {
				t.Fatal(err)
			}
			if len(bad) == 0 {
				t.Fatal("the broken row passed")
			}
		})
	}
}
