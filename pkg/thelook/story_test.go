package thelook

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/catalog"
)

// world02 is the cross-table scale: 2,000 users and every table in its shape.
var world02 = Options{Scale: 0.02, Seed: 2026}

// loadAll reads the seven tables of one world.
func loadAll(t *testing.T, opt Options) map[string]*table {
	t.Helper()
	all := map[string]*table{}
	for _, name := range catalog.Tables {
		all[name] = load(t, name, opt)
	}
	return all
}

// byID indexes a table's rows by an int64 key column.
func byID(t *table, col string) map[int64]int {
	m := make(map[int64]int, len(t.rows))
	for i := range t.rows {
		m[t.int(i, col)] = i
	}
	return m
}

// sequential reports whether a key column counts 1, 2, 3... in row order.
func sequential(t *table, col string) bool {
	for i := range t.rows {
		if t.int(i, col) != int64(i+1) {
			return false
		}
	}
	return true
}

func TestUsersAndOrders(t *testing.T) {
	all := loadAll(t, world02)
	users, orders, items, products := all["users"], all["orders"], all["order_items"], all["products"]
	asOf := DefaultAsOf.UnixMicro()
	countries := map[string]bool{}
	for _, l := range locations {
		countries[l.country] = true
	}
	if len(countries) != 16 {
		t.Errorf("%d countries, want 16", len(countries))
	}
	for i := range users.rows {
		email := strings.ToLower(users.str(i, "first_name")+users.str(i, "last_name")) + "@"
		local, domain, _ := strings.Cut(users.str(i, "email"), "@")
		if local+"@" != email || !slices.Contains(emailDomains, domain) {
			t.Fatalf("user %d: email %q", i+1, users.str(i, "email"))
		}
		if !countries[users.str(i, "country")] {
			t.Fatalf("user %d: country %q", i+1, users.str(i, "country"))
		}
		if c := users.time(i, "created_at"); c < usersStart || c >= asOf {
			t.Fatalf("user %d: created_at %d out of 2019..AsOf", i+1, c)
		}
	}
	if !sequential(users, "id") || !sequential(orders, "order_id") || !sequential(items, "id") {
		t.Fatal("ids do not count from 1")
	}
	user, order, product := byID(users, "id"), byID(orders, "order_id"), byID(products, "id")
	count := map[int64]int64{}
	for i := range items.rows {
		o := order[items.int(i, "order_id")]
		count[items.int(i, "order_id")]++
		for _, c := range []string{"user_id", "status", "shipped_at", "delivered_at", "returned_at"} {
			if items.get(i, c) != orders.get(o, c) {
				t.Fatalf("item %d: %s %v, its order has %v", i+1, c, items.get(i, c), orders.get(o, c))
			}
		}
		p := product[items.int(i, "product_id")]
		if items.float(i, "sale_price") != products.float(p, "retail_price") {
			t.Fatalf("item %d: sale_price %v, retail_price %v", i+1, items.get(i, "sale_price"), products.get(p, "retail_price"))
		}
		dept := map[string]string{"M": "Men", "F": "Women"}[orders.str(o, "gender")]
		if products.str(p, "department") != dept {
			t.Fatalf("item %d: a %s user bought from %s", i+1, orders.str(o, "gender"), products.str(p, "department"))
		}
		if d := items.time(i, "created_at") - orders.time(o, "created_at"); d < -4*hour || d > 4*hour {
			t.Fatalf("item %d: created %v from its order", i+1, d)
		}
	}
	future := 0
	for i := range orders.rows {
		u := user[orders.int(i, "user_id")]
		if orders.str(i, "gender") != users.str(u, "gender") {
			t.Fatalf("order %d: gender differs from its user's", i+1)
		}
		if orders.int(i, "num_of_item") != count[orders.int(i, "order_id")] {
			t.Fatalf("order %d: num_of_item %d, %d items", i+1, orders.int(i, "num_of_item"), count[orders.int(i, "order_id")])
		}
		if c := orders.time(i, "created_at"); c < users.time(u, "created_at") || c >= asOf {
			t.Fatalf("order %d: created_at before its user's or after AsOf", i+1)
		}
		if max(orders.time(i, "shipped_at"), orders.time(i, "delivered_at"), orders.time(i, "returned_at")) > asOf {
			future++
		}
	}
	if share := float64(future) / float64(len(orders.rows)); share > 0.04 {
		t.Errorf("%.1f%% of orders have timestamps after AsOf, want about 1-2%%", 100*share)
	}
}

func TestInventory(t *testing.T) {
	all := loadAll(t, world02)
	inv, items, products := all["inventory_items"], all["order_items"], all["products"]
	if !sequential(inv, "id") {
		t.Fatal("inventory ids do not count from 1")
	}
	row, product := byID(inv, "id"), byID(products, "id")
	copies := map[string]string{
		"cost": "cost", "product_category": "category", "product_name": "name", "product_brand": "brand",
		"product_retail_price": "retail_price", "product_department": "department", "product_sku": "sku",
		"product_distribution_center_id": "distribution_center_id",
	}
	for i := range inv.rows {
		p := product[inv.int(i, "product_id")]
		for c, pc := range copies {
			if inv.get(i, c) != products.get(p, pc) {
				t.Fatalf("inventory %d: %s %v, product has %v", i+1, c, inv.get(i, c), products.get(p, pc))
			}
		}
	}
	sold := 0
	for i := range items.rows {
		j, ok := row[items.int(i, "inventory_item_id")]
		if !ok {
			t.Fatalf("item %d: no inventory row %d", i+1, items.int(i, "inventory_item_id"))
		}
		if inv.int(j, "product_id") != items.int(i, "product_id") || inv.time(j, "sold_at") != items.time(i, "created_at") {
			t.Fatalf("item %d: inventory row %d is not the one it sold", i+1, j+1)
		}
		if d := inv.time(j, "sold_at") - inv.time(j, "created_at"); d < 0 || d > 60*day {
			t.Fatalf("inventory %d: in stock %v before sale", j+1, d)
		}
		// The sold row is followed by 1..3 unsold copies of its product.
		n := 0
		for k := j + 1; k < len(inv.rows) && inv.time(k, "sold_at") == 0; k++ {
			if inv.int(k, "product_id") != inv.int(j, "product_id") {
				t.Fatalf("inventory %d: an unsold copy of another product", k+1)
			}
			if c := inv.time(k, "created_at"); c < inventoryStart || c >= DefaultAsOf.UnixMicro() {
				t.Fatalf("inventory %d: unsold copy created out of 2020..AsOf", k+1)
			}
			n++
		}
		if n < 1 || n > 3 {
			t.Fatalf("item %d: %d unsold copies", i+1, n)
		}
		sold += 1 + n
	}
	if sold != len(inv.rows) {
		t.Fatalf("items account for %d inventory rows of %d", sold, len(inv.rows))
	}
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestEvents checks each session's shape: its events share the session's id,
// user, address and browser, count from 1, go forward in time, follow a purchase
// or ghost pattern, and point their uris at the products they show.
func TestEvents(t *testing.T) {
	all := loadAll(t, world02)
	events, items, users, products := all["events"], all["order_items"], all["users"], all["products"]
	if !sequential(events, "id") {
		t.Fatal("event ids do not count from 1")
	}
	user, product := byID(users, "id"), byID(products, "id")
	itemsOf := map[int64]int{}
	for i := range items.rows {
		itemsOf[items.int(i, "user_id")]++
	}
	ghostShapes := map[string]bool{}
	for _, p := range ghostPatterns {
		ghostShapes[strings.Join(p, " ")] = true
	}
	purchases, anonymous := map[int64]int{}, 0
	seen := map[string]bool{}
	for start := 0; start < len(events.rows); {
		sid := events.str(start, "session_id")
		end := start + 1
		for end < len(events.rows) && events.str(end, "session_id") == sid {
			end++
		}
		if seen[sid] || !uuidV4.MatchString(sid) {
			t.Fatalf("event %d: session id %q repeated or not a v4 UUID", start+1, sid)
		}
		seen[sid] = true
		var kinds []string
		for i := start; i < end; i++ {
			for _, c := range []string{"user_id", "ip_address", "city", "state", "postal_code", "browser", "traffic_source"} {
				if events.get(i, c) != events.get(start, c) {
					t.Fatalf("event %d: %s changes within its session", i+1, c)
				}
			}
			if events.int(i, "sequence_number") != int64(i-start+1) {
				t.Fatalf("event %d: sequence_number %d", i+1, events.int(i, "sequence_number"))
			}
			if i > start && events.time(i, "created_at") < events.time(i-1, "created_at") {
				t.Fatalf("event %d: earlier than the one before", i+1)
			}
			kinds = append(kinds, events.str(i, "event_type"))
			checkURI(t, events, i, products, product)
		}
		shape := strings.Join(kinds, " ")
		if events.get(start, "user_id") == nil {
			anonymous += end - start
			if !ghostShapes[shape] {
				t.Fatalf("event %d: ghost session %q", start+1, shape)
			}
		} else {
			u := events.int(start, "user_id")
			purchases[u]++
			if !purchaseShape(kinds) {
				t.Fatalf("event %d: purchase session %q", start+1, shape)
			}
			if events.str(start, "city") != users.str(user[u], "city") || events.str(start, "postal_code") != users.str(user[u], "postal_code") {
				t.Fatalf("event %d: a session away from its user's city", start+1)
			}
		}
		start = end
	}
	for u, n := range itemsOf {
		if purchases[u] != n {
			t.Fatalf("user %d: %d purchase sessions for %d order items", u, purchases[u], n)
		}
	}
	if share := float64(anonymous) / float64(len(events.rows)); share < 0.42 || share > 0.50 {
		t.Errorf("%.1f%% of events are anonymous, want about 46%%", 100*share)
	}
}

// purchaseShape: home, department, product, cart, purchase for one item; else
// department, product, cart per item, then purchase.
func purchaseShape(kinds []string) bool {
	if slices.Equal(kinds, []string{"home", "department", "product", "cart", "purchase"}) {
		return true
	}
	n := len(kinds) - 1
	if n < 6 || n%3 != 0 || kinds[n] != "purchase" {
		return false
	}
	for i := 0; i < n; i += 3 {
		if !slices.Equal(kinds[i:i+3], []string{"department", "product", "cart"}) {
			return false
		}
	}
	return true
}

// checkURI checks an event's uri; a department event must name the department,
// category and brand of the product event that follows it.
func checkURI(t *testing.T, events *table, i int, products *table, product map[int64]int) {
	t.Helper()
	uri, kind := events.str(i, "uri"), events.str(i, "event_type")
	switch kind {
	case "product":
		id, err := strconv.ParseInt(strings.TrimPrefix(uri, "/product/"), 10, 64)
		if _, ok := product[id]; err != nil || !ok || !strings.HasPrefix(uri, "/product/") {
			t.Fatalf("event %d: product uri %q", i+1, uri)
		}
	case "department":
		next := events.str(i+1, "uri")
		id, _ := strconv.ParseInt(strings.TrimPrefix(next, "/product/"), 10, 64)
		p := product[id]
		want := "/department/" + strings.ToLower(products.str(p, "department")) +
			"/category/" + strings.ToLower(strings.ReplaceAll(products.str(p, "category"), " ", "")) +
			"/brand/" + strings.ToLower(strings.ReplaceAll(products.str(p, "brand"), " ", ""))
		if uri != want {
			t.Fatalf("event %d: department uri %q, its product's is %q", i+1, uri, want)
		}
	default:
		if uri != "/"+kind {
			t.Fatalf("event %d: %s uri %q", i+1, kind, uri)
		}
	}
}
