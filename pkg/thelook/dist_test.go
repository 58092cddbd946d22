package thelook

import (
	"fmt"
	"testing"
)

// counts streams one column of a table and counts each value.
func counts(t *testing.T, name, col string, opt Options) map[any]int {
	t.Helper()
	rr, err := Generate(name, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	n := map[any]int{}
	for rr.Next() {
		rec := rr.RecordBatch()
		c := rec.Column(rec.Schema().FieldIndices(col)[0])
		for i := range c.Len() {
			n[value(c, i)]++
		}
	}
	return n
}

// shares turns counts into shares of total.
func shares(n map[any]int, total int) map[any]float64 {
	s := map[any]float64{}
	for v, k := range n {
		s[v] = float64(k) / float64(total)
	}
	return s
}

// frequencies is the share of each value of a column.
func frequencies(t *testing.T, name, col string, opt Options) map[any]float64 {
	n := counts(t, name, col, opt)
	total := 0
	for _, k := range n {
		total += k
	}
	return shares(n, total)
}

// TestDistributions compares the shares of categorical columns with the weights of
// the facts, within 1.5 points: several standard errors at 10,000 users.
func TestDistributions(t *testing.T) {
	opt := Options{Scale: 0.1, Seed: 99}
	// ordersPerUser counts the users with each number of orders, none included.
	ordersPerUser := func(t *testing.T) map[any]float64 {
		users := int(opt.Scale * usersPerScale)
		hist := map[any]int{int64(0): users}
		for _, k := range counts(t, "orders", "user_id", opt) {
			hist[int64(0)]--
			hist[int64(k)]++
		}
		return shares(hist, users)
	}
	for _, tc := range []struct {
		table, column string
		want          map[any]float64
		shares        func(t *testing.T) map[any]float64
	}{
		{table: "users", column: "gender", want: map[any]float64{"M": .5, "F": .5}},
		{table: "users", column: "traffic_source", want: map[any]float64{"Search": .70, "Organic": .15, "Facebook": .06, "Email": .05, "Display": .04}},
		{table: "orders", column: "status", want: map[any]float64{"Shipped": .30, "Complete": .25, "Processing": .20, "Cancelled": .15, "Returned": .10}},
		{table: "order_items", column: "status", want: map[any]float64{"Shipped": .30, "Complete": .25, "Processing": .20, "Cancelled": .15, "Returned": .10}},
		{table: "orders", column: "num_of_item", want: map[any]float64{int64(1): .7, int64(2): .2, int64(3): .05, int64(4): .05}},
		{table: "orders", column: "orders per user", want: map[any]float64{int64(0): .2, int64(1): .5, int64(2): .2, int64(3): .05, int64(4): .05}, shares: ordersPerUser},
		{table: "events", column: "browser", want: map[any]float64{"IE": .05, "Chrome": .5, "Safari": .2, "Firefox": .2, "Other": .05}},
		{table: "events", column: "traffic_source", want: map[any]float64{"Email": .45, "Adwords": .3, "YouTube": .1, "Facebook": .1, "Organic": .05}},
	} {
		t.Run(fmt.Sprintf("%s.%s", tc.table, tc.column), func(t *testing.T) {
			var got map[any]float64
			if tc.shares != nil {
				got = tc.shares(t)
			} else {
				got = frequencies(t, tc.table, tc.column, opt)
			}
			for v := range got {
				if _, ok := tc.want[v]; !ok {
					t.Errorf("unexpected value %v", v)
				}
			}
			for v, w := range tc.want {
				if g := got[v]; g < w-0.015 || g > w+0.015 {
					t.Errorf("%v: share %.3f, want %.2f", v, g, w)
				}
			}
		})
	}
}

// TestDomains expects every value of each domain to occur, the rare countries and
// their duplicate spellings too, so it reads 100,000 users.
func TestDomains(t *testing.T) {
	ages := []any{}
	for a := int64(12); a <= 70; a++ {
		ages = append(ages, a)
	}
	centerIDs := []any{}
	for id := int64(1); id <= 10; id++ {
		centerIDs = append(centerIDs, id)
	}
	countries := []any{"China", "United States", "Brasil", "South Korea", "France", "United Kingdom", "Germany",
		"Spain", "Japan", "Australia", "Belgium", "Poland", "Colombia", "Austria", "España", "Deutschland"}
	full := Options{Scale: 1, Seed: 5}
	for _, tc := range []struct {
		table, column string
		opt           Options
		want          []any
	}{
		{"users", "country", full, countries},
		{"users", "age", full, ages},
		{"users", "gender", small, Genders},
		{"products", "category", full, Categories},
		{"products", "department", small, Departments},
		{"products", "distribution_center_id", small, centerIDs},
		{"inventory_items", "product_department", small, Departments},
		{"events", "event_type", small, EventTypes},
	} {
		t.Run(tc.table+"."+tc.column, func(t *testing.T) {
			got := counts(t, tc.table, tc.column, tc.opt)
			for _, v := range tc.want {
				if got[v] == 0 {
					t.Errorf("no %v", v)
				}
				delete(got, v)
			}
			for v := range got {
				t.Errorf("unexpected %v", v)
			}
		})
	}
}
