package thelook

// The domains the generator draws from, from shared/thelook.md. The built-in
// models' accepted_values rules (pkg/catalog/thelook.yaml) list the same values;
// TestDomainsMatchCatalog keeps the two equal.
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
