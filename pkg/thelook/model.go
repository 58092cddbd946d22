// Package thelook knows the seven tables of bigquery-public-data.thelook_ecommerce:
// their models (columns, types, keys, built-in rules) and a deterministic generator
// of data shaped like them. The facts come from shared/thelook.md.
package thelook

import (
	"slices"

	"github.com/ecomrun/ecomrun/pkg/rules"
)

// Type is a column's BigQuery type.
type Type string

const (
	Int64     Type = "INT64"
	Float64   Type = "FLOAT64"
	String    Type = "STRING"
	Timestamp Type = "TIMESTAMP"
	// Geography values travel as WKT text, "POINT(lon lat)".
	Geography Type = "GEOGRAPHY"
)

// DuckDB returns the warehouse type that holds the BigQuery type.
func (t Type) DuckDB() string {
	switch t {
	case Int64:
		return "BIGINT"
	case Float64:
		return "DOUBLE"
	case Timestamp:
		return "TIMESTAMPTZ"
	case Numeric:
		return "DECIMAL(38,9)" // BigQuery's NUMERIC: 38 digits, 9 after the point
	case Bool:
		return "BOOLEAN"
	case Bytes:
		return "BLOB"
	case Date:
		return "DATE"
	case Datetime:
		return "TIMESTAMP" // a civil date and time, no zone
	case JSON:
		return "JSON"
	}
	return "VARCHAR"
}

// Column is one column of a model.
type Column struct {
	Name string
	Type Type
	// Required columns are never NULL in thelook; every other column may be.
	Required bool
}

// Model is a table's shape and its built-in rules.
type Model struct {
	Table   string
	Key     string
	Columns []Column
	Rules   []rules.Rule
}

// Column returns the named column and whether it exists.
func (m *Model) Column(name string) (Column, bool) {
	i := slices.IndexFunc(m.Columns, func(c Column) bool { return c.Name == name })
	if i < 0 {
		return Column{}, false
	}
	return m.Columns[i], true
}

// ColumnNames lists the model's columns in order.
func (m *Model) ColumnNames() []string {
	names := make([]string, len(m.Columns))
	for i, c := range m.Columns {
		names[i] = c.Name
	}
	return names
}

// Tables lists the seven table names in dependency order: a table comes after the
// tables its foreign keys point to.
var Tables = []string{"distribution_centers", "products", "users", "orders", "inventory_items", "order_items", "events"}

// Lookup returns the built-in model of a table, or nil.
func Lookup(table string) *Model { return models[table] }

var models = map[string]*Model{}

func init() {
	for _, m := range []*Model{distributionCenters, products, users, orders, orderItems, inventoryItems, events} {
		m.Rules = append(keyRules(m), m.Rules...)
		for i := range m.Rules {
			m.Rules[i].Builtin = true
			if m.Rules[i].Severity == "" {
				m.Rules[i].Severity = rules.SeverityError
			}
		}
		models[m.Table] = m
	}
}

// keyRules derives not_null for every required column and unique for the key.
func keyRules(m *Model) []rules.Rule {
	var rs []rules.Rule
	for _, c := range m.Columns {
		if c.Required {
			rs = append(rs, rules.Rule{Name: c.Name + "_not_null", Check: rules.NotNull, Column: c.Name})
		}
	}
	return append(rs, rules.Rule{Name: m.Key + "_unique", Check: rules.Unique, Column: m.Key})
}

func accepted(column string, values ...any) rules.Rule {
	return rules.Rule{Name: column + "_accepted", Check: rules.AcceptedValues, Column: column, Values: values}
}

func between(column string, min, max any) rules.Rule {
	return rules.Rule{Name: column + "_range", Check: rules.Range, Column: column, Min: min, Max: max}
}

// emailFormat is the shape of every thelook email, lower-cased first name + last
// name, '@', a free-mail domain, checked leniently so no genuine one is rejected:
// one '@' between a local part and a domain with a dot, no whitespace. The
// generator's names are plain ASCII words, as are the Faker en_US names of the
// original; an apostrophe or a hyphen (O'Brien, Smith-Jones) would pass.
const emailFormat = `[^@\s]+@[^@\s]+\.[^@\s]+`

func expr(name, sql string) rules.Rule {
	return rules.Rule{Name: name, Check: rules.Expression, SQL: sql}
}

// references is a relationship rule; built-in ones are optional, a spec switches them on.
func references(column, to string) rules.Rule {
	return rules.Rule{Name: column + "_references", Check: rules.Relationship, Column: column, To: to, Optional: true}
}

// Domains from shared/thelook.md.
var (
	Genders            = []any{"M", "F"}
	Departments        = []any{"Men", "Women"}
	Statuses           = []any{"Shipped", "Complete", "Processing", "Cancelled", "Returned"}
	UserTrafficSources = []any{"Search", "Organic", "Facebook", "Email", "Display"}
	EventTrafficSource = []any{"Email", "Adwords", "YouTube", "Facebook", "Organic"}
	Browsers           = []any{"IE", "Chrome", "Safari", "Firefox", "Other"}
	EventTypes         = []any{"home", "department", "product", "cart", "purchase", "cancel"}
	Categories         = []any{"Accessories", "Active", "Blazers & Jackets", "Clothing Sets", "Dresses",
		"Fashion Hoodies & Sweatshirts", "Intimates", "Jeans", "Jumpsuits & Rompers", "Leggings", "Maternity",
		"Outerwear & Coats", "Pants", "Pants & Capris", "Plus", "Shorts", "Skirts", "Sleep & Lounge", "Socks",
		"Socks & Hosiery", "Suits", "Suits & Sport Coats", "Sweaters", "Swim", "Tops & Tees", "Underwear"}
)

// statusTimestamps says which of shipped_at, delivered_at and returned_at are set for
// each status, and that the set ones follow each other in time.
const statusTimestamps = `CASE status
  WHEN 'Processing' THEN shipped_at IS NULL AND delivered_at IS NULL AND returned_at IS NULL
  WHEN 'Cancelled' THEN shipped_at IS NULL AND delivered_at IS NULL AND returned_at IS NULL
  WHEN 'Shipped' THEN shipped_at IS NOT NULL AND delivered_at IS NULL AND returned_at IS NULL
  WHEN 'Complete' THEN shipped_at IS NOT NULL AND delivered_at IS NOT NULL AND returned_at IS NULL
  WHEN 'Returned' THEN shipped_at IS NOT NULL AND delivered_at IS NOT NULL AND returned_at IS NOT NULL
  ELSE TRUE END`

const timestampsInOrder = `coalesce(shipped_at <= delivered_at, TRUE) AND coalesce(delivered_at <= returned_at, TRUE)`

var distributionCenters = &Model{
	Table: "distribution_centers",
	Key:   "id",
	Columns: []Column{
		{"id", Int64, true}, {"name", String, true}, {"latitude", Float64, true}, {"longitude", Float64, true},
		{"distribution_center_geom", Geography, false},
	},
	Rules: []rules.Rule{between("latitude", -90, 90), between("longitude", -180, 180)},
}

var products = &Model{
	Table: "products",
	Key:   "id",
	Columns: []Column{
		{"id", Int64, true}, {"cost", Float64, false}, {"category", String, false}, {"name", String, false},
		{"brand", String, false}, {"retail_price", Float64, false}, {"department", String, false},
		{"sku", String, false}, {"distribution_center_id", Int64, false},
	},
	Rules: []rules.Rule{
		between("cost", 0, nil), between("retail_price", 0, nil),
		accepted("department", Departments...), accepted("category", Categories...),
		between("distribution_center_id", 1, 10),
		references("distribution_center_id", "distribution_centers.id"),
	},
}

var users = &Model{
	Table: "users",
	Key:   "id",
	Columns: []Column{
		{"id", Int64, true}, {"first_name", String, false}, {"last_name", String, false}, {"email", String, false},
		{"age", Int64, false}, {"gender", String, false}, {"state", String, false}, {"street_address", String, false},
		{"postal_code", String, false}, {"city", String, false}, {"country", String, false},
		{"latitude", Float64, false}, {"longitude", Float64, false}, {"traffic_source", String, false},
		{"created_at", Timestamp, true}, {"user_geom", Geography, false},
	},
	Rules: []rules.Rule{
		accepted("gender", Genders...), between("age", 12, 70), accepted("traffic_source", UserTrafficSources...),
		between("latitude", -90, 90), between("longitude", -180, 180),
		{Name: "email_format", Check: rules.Pattern, Column: "email", Pattern: emailFormat},
	},
}

var orders = &Model{
	Table: "orders",
	Key:   "order_id",
	Columns: []Column{
		{"order_id", Int64, true}, {"user_id", Int64, true}, {"status", String, true}, {"gender", String, false},
		{"created_at", Timestamp, true}, {"returned_at", Timestamp, false}, {"shipped_at", Timestamp, false},
		{"delivered_at", Timestamp, false}, {"num_of_item", Int64, true},
	},
	Rules: []rules.Rule{
		accepted("status", Statuses...), accepted("gender", Genders...), between("num_of_item", 1, 4),
		expr("timestamps_match_status", statusTimestamps),
		expr("timestamps_in_order", `coalesce(created_at <= shipped_at, TRUE) AND `+timestampsInOrder),
		references("user_id", "users.id"),
	},
}

var orderItems = &Model{
	Table: "order_items",
	Key:   "id",
	Columns: []Column{
		{"id", Int64, true}, {"order_id", Int64, true}, {"user_id", Int64, true}, {"product_id", Int64, true},
		{"inventory_item_id", Int64, true}, {"status", String, true}, {"created_at", Timestamp, true},
		{"shipped_at", Timestamp, false}, {"delivered_at", Timestamp, false}, {"returned_at", Timestamp, false},
		{"sale_price", Float64, false},
	},
	Rules: []rules.Rule{
		accepted("status", Statuses...), between("sale_price", 0, nil),
		{Name: "inventory_item_id_unique", Check: rules.Unique, Column: "inventory_item_id"},
		expr("timestamps_match_status", statusTimestamps),
		// created_at is not ordered against the order's timestamps in thelook: only the copied ones are checked.
		expr("timestamps_in_order", timestampsInOrder),
		references("order_id", "orders.order_id"), references("product_id", "products.id"),
		references("inventory_item_id", "inventory_items.id"),
	},
}

var inventoryItems = &Model{
	Table: "inventory_items",
	Key:   "id",
	Columns: []Column{
		{"id", Int64, true}, {"product_id", Int64, true}, {"created_at", Timestamp, true},
		{"sold_at", Timestamp, false}, {"cost", Float64, false}, {"product_category", String, false},
		{"product_name", String, false}, {"product_brand", String, false}, {"product_retail_price", Float64, false},
		{"product_department", String, false}, {"product_sku", String, false},
		{"product_distribution_center_id", Int64, false},
	},
	Rules: []rules.Rule{
		between("cost", 0, nil), accepted("product_department", Departments...),
		accepted("product_category", Categories...),
		expr("sold_after_created", "coalesce(sold_at >= created_at, TRUE)"),
		references("product_id", "products.id"),
	},
}

var events = &Model{
	Table: "events",
	Key:   "id",
	Columns: []Column{
		// user_id is NULL for anonymous ("ghost") sessions, about half of all events.
		{"id", Int64, true}, {"user_id", Int64, false}, {"sequence_number", Int64, true},
		{"session_id", String, true}, {"ip_address", String, false}, {"city", String, false},
		{"state", String, false}, {"postal_code", String, false}, {"browser", String, false},
		{"traffic_source", String, false}, {"uri", String, false}, {"event_type", String, true},
		{"created_at", Timestamp, true},
	},
	Rules: []rules.Rule{
		between("sequence_number", 1, nil), accepted("event_type", EventTypes...),
		accepted("browser", Browsers...), accepted("traffic_source", EventTrafficSource...),
		references("user_id", "users.id"),
	},
}
