package thelook

import (
	"reflect"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/rules"
)

// TestDomainsMatchCatalog: every accepted_values rule of the built-in models lists
// exactly the domain the generator draws from, in the same order, and every domain
// is some rule's, so the two cannot drift apart.
func TestDomainsMatchCatalog(t *testing.T) {
	domains := map[string][]any{
		"products/department":                Departments,
		"products/category":                  Categories,
		"users/gender":                       Genders,
		"users/traffic_source":               UserTrafficSources,
		"orders/status":                      Statuses,
		"orders/gender":                      Genders,
		"inventory_items/product_department": Departments,
		"inventory_items/product_category":   Categories,
		"order_items/status":                 Statuses,
		"events/event_type":                  EventTypes,
		"events/browser":                     Browsers,
		"events/traffic_source":              EventTrafficSource,
	}
	seen := map[string]bool{}
	for _, table := range catalog.Tables {
		for _, r := range catalog.Lookup(table).Rules {
			if r.Check != rules.AcceptedValues {
				continue
			}
			key := table + "/" + r.Column
			want, ok := domains[key]
			if !ok {
				t.Errorf("%s: accepted_values rule %s has no generator domain in this test", key, r.Name)
				continue
			}
			seen[key] = true
			if !reflect.DeepEqual(r.Values, want) {
				t.Errorf("%s: the catalog accepts %v, the generator draws from %v", key, r.Values, want)
			}
		}
	}
	for key := range domains {
		if !seen[key] {
			t.Errorf("%s: no accepted_values rule in the catalog", key)
		}
	}
}
