package thelook

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/catalog"
)

// TestDefectsChangeOnlyDamagedRows: with defects, every row whose key the record
// does not name equals the row generated without defects, in the same order, a
// damaged row differs from it, and a duplicated key is two equal rows.
func TestDefectsChangeOnlyDamagedRows(t *testing.T) {
	damaged := small
	damaged.Defects = 0.01
	for _, name := range []string{"users", "orders", "order_items", "inventory_items", "events"} {
		t.Run(name, func(t *testing.T) {
			clean, dirty := load(t, name, small), load(t, name, damaged)
			record, err := Defects(name, damaged)
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[int64]string{}
			for _, d := range record {
				if d.Parent == nil {
					kinds[d.Key] = d.Kind
				}
			}
			if len(kinds) == 0 {
				t.Fatal("no row damaged")
			}
			key := catalog.Lookup(name).Key
			j := 0
			for i := range clean.rows {
				k := clean.int(i, key)
				kind, hit := kinds[k]
				if dirty.int(j, key) != k {
					t.Fatalf("row %d has key %d, want %d", j, dirty.int(j, key), k)
				}
				switch {
				case !hit && !reflect.DeepEqual(clean.rows[i], dirty.rows[j]):
					t.Errorf("key %d is not in the record but changed:\n%v\n%v", k, clean.rows[i], dirty.rows[j])
				case kind == "duplicate_key":
					j++
					if !reflect.DeepEqual(clean.rows[i], dirty.rows[j-1]) || !reflect.DeepEqual(clean.rows[i], dirty.rows[j]) {
						t.Errorf("key %d: a duplicated key must be two copies of the row", k)
					}
				case hit && reflect.DeepEqual(clean.rows[i], dirty.rows[j]):
					t.Errorf("key %d: %s left the row unchanged", k, kind)
				}
				j++
			}
			if j != len(dirty.rows) {
				t.Errorf("%d rows with defects, want %d", len(dirty.rows), j)
			}
		})
	}
}

// TestDefectsZeroIsToday: defects 0 generates the rows the generator made before
// defects existed, byte for byte: hash() of each table at scale 0.01, seed 42, as
// commit e8d8c67 generated it.
func TestDefectsZeroIsToday(t *testing.T) {
	want := map[string]string{
		"distribution_centers": "7447fb5113bb77b3fd20be63c3d74af6d6098d51cb5e3d737fd7bd8fea3c9050",
		"products":             "e3e3a64b772ca1a44c7a9f642fc0ad8a08adaee38faa3098c98d9d23a9014030",
		"users":                "2510b4c36abe3a046acde2381f52027fe2b5d49d1c94416ab77302f94abb7f7c",
		"orders":               "bad616e6dc0eb0daef8ef1ee89ca5c45642b147014294532ea4f7f5a08778f0b",
		"inventory_items":      "914472e85806a0bd28714f8c2da1ab32c3e977a8d254dc82a72ebbed85ed2415",
		"order_items":          "d085c1b2aaae76791072674f0c4b1574fc11d2352241dfb7617cb148d4a21927",
		"events":               "8c7439d3686264673a3ce7394d13a9ba77b5749cbb92d0f6e79859d250f75c61",
	}
	for _, name := range catalog.Tables {
		d, _ := digest(t, name, small)
		if got := fmt.Sprintf("%x", d); got != want[name] {
			t.Errorf("%s: digest %s, want %s", name, got, want[name])
		}
	}
}
