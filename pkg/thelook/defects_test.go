package thelook_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/internal/enginetest"
	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/thelook"
)

// defectsSpec loads every table from a generator that damages 1% of rows, with
// the relationships that catch orphans and the items of rejected orders.
const defectsSpec = `version: 1
name: defects
source: {kind: thelook, scale: 0.01, seed: 42, defects: %v}
warehouse: {path: %q}
tables:
  - name: distribution_centers
  - name: products
  - name: users
  - name: orders
%s  - name: inventory_items
  - name: order_items
%s  - name: events
%s`

// TestDefectsQuarantinedExactly applies a spec with defects and compares each
// quarantine.<table> with the generator's record: the same keys, each with
// exactly the rules its defect breaks, and no other row; every other row loaded.
// Without the relationships, orphans and the items of rejected orders load.
// At the highest rate every kind of defect shows, users' rarer ones too.
func TestDefectsQuarantinedExactly(t *testing.T) {
	const relationships = "    enable: [user_id_references]\n"
	for _, tc := range []struct {
		name           string
		rate           float64
		orders, items  string
		events         string
		wantCascade    bool
		wantOrphanRule bool
	}{
		{"with relationships", 0.01, relationships, "    enable: [order_id_references]\n", relationships, true, true},
		{"without relationships", 0.01, "", "", "", false, false},
		{"every kind", 0.1, relationships, "    enable: [order_id_references]\n", relationships, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "ecom.duckdb")
			plan := enginetest.Compile(t, filepath.Join(dir, "defects.yaml"),
				fmt.Sprintf(defectsSpec, tc.rate, db, tc.orders, tc.items, tc.events))
			opt := thelook.Options{Scale: 0.01, Seed: 42, Defects: tc.rate}
			record := map[string][]thelook.Defect{}
			for _, table := range catalog.Tables {
				d, err := thelook.Defects(table, opt)
				if err != nil {
					t.Fatal(err)
				}
				record[table] = d
			}
			want := thelook.Expect(record, activeRules(plan))
			cascade, orphans := 0, 0
			for _, d := range record["order_items"] {
				if d.Parent != nil {
					cascade++
				}
			}
			for _, d := range record["orders"] {
				if d.Kind == "orphan_user" {
					orphans++
				}
			}
			if cascade == 0 || orphans == 0 {
				t.Fatalf("record has %d items of damaged orders and %d orphan orders; the scale is too small to test them", cascade, orphans)
			}
			if tc.rate == 0.1 {
				for table, kinds := range everyKind {
					for _, kind := range kinds {
						if !slices.ContainsFunc(record[table], func(d thelook.Defect) bool { return d.Kind == kind }) {
							t.Errorf("%s: no %s defect at rate %v", table, kind, tc.rate)
						}
					}
				}
			}

			rep := enginetest.Apply(t, plan)
			wh := enginetest.OpenReadOnly(t, db)
			total := 0
			for _, table := range catalog.Tables {
				got := quarantined(t, wh, table)
				if len(record[table]) > 0 && len(want[table]) == 0 {
					t.Errorf("%s: the record has %d defects and none is expected to be rejected", table, len(record[table]))
				}
				if !reflect.DeepEqual(got, want[table]) {
					t.Errorf("quarantine.%s:\n got %v\nwant %v", table, got, want[table])
				}
				// Every generated row is either loaded or quarantined.
				rt := rep.Table(table)
				loaded := enginetest.Scalar[int64](t, wh, "SELECT count(*) FROM main."+table)
				if q := int64(rows(want[table])); loaded+q != rt.RowsIn {
					t.Errorf("%s: %d loaded + %d quarantined != %d generated", table, loaded, q, rt.RowsIn)
				}
				total += rows(want[table])
			}
			if total == 0 {
				t.Fatal("nothing was quarantined")
			}
			hasRule := func(table, rule string) bool {
				for _, r := range want[table] {
					if slices.Contains(r.Rules, rule) {
						return true
					}
				}
				return false
			}
			if got := hasRule("order_items", "order_id_references"); got != tc.wantCascade {
				t.Errorf("items of rejected orders quarantined: %v, want %v", got, tc.wantCascade)
			}
			if got := hasRule("orders", "user_id_references"); got != tc.wantOrphanRule {
				t.Errorf("orphan orders quarantined: %v, want %v", got, tc.wantOrphanRule)
			}
		})
	}
}

// everyKind lists the defects of each table (defects.go), each of which the
// highest rate must show.
var everyKind = map[string][]string{
	"users":           {"age_out_of_range", "null_required", "email_malformed", "duplicate_key"},
	"orders":          {"status_unknown", "shipped_before_created", "orphan_user", "duplicate_key"},
	"order_items":     {"negative_price", "status_unknown", "null_required", "duplicate_key", "order_rejected"},
	"inventory_items": {"negative_cost", "department_unknown", "duplicate_key"},
	"events":          {"browser_unknown", "null_required", "sequence_zero", "orphan_user", "duplicate_key"},
}

// activeRules says whether a table's effective rule rejects rows.
func activeRules(plan *spec.Plan) func(table, rule string) bool {
	on := map[string]bool{}
	for _, tp := range plan.Tables {
		for _, r := range tp.Rules {
			if !r.IsWarn() {
				on[tp.Name+"."+r.Name] = true
			}
		}
	}
	return func(table, rule string) bool { return on[table+"."+rule] }
}

func rows(rs []thelook.Rejected) int {
	n := 0
	for _, r := range rs {
		n += r.Rows
	}
	return n
}

// quarantined reads quarantine.<table> as keys with their sorted rules; a key
// held by several rows must list the same rules on each.
func quarantined(t *testing.T, db *sql.DB, table string) []thelook.Rejected {
	t.Helper()
	var exists int
	if err := db.QueryRow(`SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'quarantine' AND table_name = ?`, table).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists == 0 {
		return nil
	}
	key := catalog.Lookup(table).Key
	q := fmt.Sprintf(`SELECT %s, list_sort(_violations)::VARCHAR FROM quarantine.%s ORDER BY 1, 2`, key, table)
	res, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer res.Close()
	var out []thelook.Rejected
	for res.Next() {
		var k int64
		var v string
		if err := res.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		rules := strings.Split(strings.Trim(v, "[]"), ", ")
		if n := len(out); n > 0 && out[n-1].Key == k {
			if !reflect.DeepEqual(out[n-1].Rules, rules) {
				t.Errorf("quarantine.%s: rows of key %d broke %v and %v", table, k, out[n-1].Rules, rules)
			}
			out[n-1].Rows++
			continue
		}
		out = append(out, thelook.Rejected{Key: k, Rules: rules, Rows: 1})
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDefectsDeterministic: the same options damage the same rows the same way,
// another seed damages others, and the share of damaged rows is about the rate.
func TestDefectsDeterministic(t *testing.T) {
	opt := thelook.Options{Scale: 0.01, Seed: 42, Defects: 0.01}
	for _, table := range []string{"orders", "order_items", "events", "users", "inventory_items"} {
		a, err := thelook.Defects(table, opt)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := thelook.Defects(table, opt)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: two runs damaged different rows", table)
		}
		other := opt
		other.Seed = 43
		c, _ := thelook.Defects(table, other)
		if reflect.DeepEqual(a, c) {
			t.Errorf("%s: seeds 42 and 43 damaged the same rows", table)
		}
		kinds := map[string]int{}
		for _, d := range a {
			if d.Parent == nil {
				kinds[d.Kind]++
			}
		}
		// users carry defects only where they have no orders (a fifth of them): fewer kinds show at this scale.
		if want := map[bool]int{true: 1, false: 3}[table == "users"]; len(kinds) < want {
			t.Errorf("%s: only defect kinds %v", table, kinds)
		}
	}
	// events at scale 0.01 is about 24,000 rows: 1% is about 240.
	ev, _ := thelook.Defects("events", opt)
	if n := len(ev); n < 150 || n > 350 {
		t.Errorf("events: %d defects at 1%%, want about 240", n)
	}
	none, _ := thelook.Defects("events", thelook.Options{Scale: 0.01, Seed: 42})
	if len(none) != 0 {
		t.Errorf("defects 0 damaged %d rows", len(none))
	}
}
