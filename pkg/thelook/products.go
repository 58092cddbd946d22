package thelook

import (
	"math"
	"strings"
)

// distributionCenter is one row of the fixed distribution_centers table.
type distributionCenter struct {
	name     string
	lat, lon float64
}

// centers are thelook's ten distribution centers; id is the index plus one.
var centers = []distributionCenter{
	{"Memphis TN", 35.1174, -89.9711},
	{"Chicago IL", 41.8369, -87.6847},
	{"Houston TX", 29.7604, -95.3698},
	{"Los Angeles CA", 34.05, -118.25},
	{"New Orleans LA", 29.95, -90.0667},
	{"Port Authority of New York/New Jersey NY/NJ", 40.634, -73.7834},
	{"Philadelphia PA", 39.95, -75.1667},
	{"Mobile AL", 30.6944, -88.0431},
	{"Charleston SC", 32.7833, -79.9333},
	{"Savannah GA", 32.0167, -81.1167},
}

// product is one catalog row; its id is its index plus one.
type product struct {
	cost, retailPrice float64
	category          string
	categoryPath      string // category as the department uri spells it
	name, sku         string
	brand             int // index into brands
	women             bool
	center            int64 // distribution_center_id, 1..10
}

func (p *product) department() string {
	if p.women {
		return "Women"
	}
	return "Men"
}

// productCatalog is the product table every story table sells from. It is O(products)
// memory, rebuilt by each Generate call from the seed and scale alone, so the seven tables
// agree without sharing state.
type productCatalog struct {
	products   []product
	men, women []int32  // product indexes by department, for users of each gender
	brandPath  []string // brands as the department uri spells them
}

// maxProducts is thelook's catalog size; minProducts keeps a tiny scale's
// catalog varied enough to sell from.
const (
	maxProducts = 29120
	minProducts = 100
)

// productCount scales the catalog down with the users, so that a small world
// sells each product about as often as thelook does, but not up: thelook's
// catalog is fixed whatever its users, and the catalog is the one thing every
// story table holds in memory.
func productCount(scale float64) int {
	return min(maxProducts, max(minProducts, int(math.Round(maxProducts*scale))))
}

// womenShare is the part of the catalog in the Women department (about 55% in thelook).
const womenShare = 0.55

func newCatalog(seed int64, scale float64) *productCatalog {
	n := productCount(scale)
	c := &productCatalog{products: make([]product, n), brandPath: make([]string, len(brands))}
	for i, b := range brands {
		c.brandPath[i] = uriPart(b)
	}
	catPath := map[string]string{}
	for _, cat := range Categories {
		catPath[cat.(string)] = uriPart(cat.(string))
	}
	base := streamBase(seed, streamProduct)
	var r rng
	for i := range c.products {
		r.reseed(base, int64(i+1))
		p := &c.products[i]
		// The first two products pin one per department, so even the smallest
		// catalog sells to both genders.
		p.women = i == 0 || (i > 1 && r.float64() < womenShare)
		cats := menCategories
		if p.women {
			cats = womenCategories
			c.women = append(c.women, int32(i))
		} else {
			c.men = append(c.men, int32(i))
		}
		p.category = cats[r.intn(len(cats))]
		p.categoryPath = catPath[p.category]
		p.brand = r.intn(len(brands))
		p.name = brands[p.brand] + " " + styleWords[r.intn(len(styleWords))] + " " +
			materialWords[r.intn(len(materialWords))] + " " + categoryNoun[p.category]
		// Prices end in .99 and spread from about a third to twice the category's
		// typical price; cost is 35-60% of retail, unrounded as in thelook.
		u := r.float64()
		p.retailPrice = math.Max(1, math.Round(basePrice[p.category]*(0.3+1.7*u*u))) - 0.01
		p.cost = p.retailPrice * (0.35 + 0.25*r.float64())
		p.sku = r.sku()
		p.center = int64(1 + r.intn(len(centers)))
	}
	return c
}

// pick draws a product a user of the gender buys: Men for M, Women for F.
func (c *productCatalog) pick(r *rng, women bool) int32 {
	if women {
		return c.women[r.intn(len(c.women))]
	}
	return c.men[r.intn(len(c.men))]
}

// uriPart lower-cases and removes spaces, as the department uri does.
func uriPart(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }

// appendDepartmentURI appends /department/{department}/category/{category}/brand/{brand}.
func (c *productCatalog) appendDepartmentURI(b []byte, p *product) []byte {
	b = append(b, "/department/"...)
	if p.women {
		b = append(b, "women"...)
	} else {
		b = append(b, "men"...)
	}
	b = append(b, "/category/"...)
	b = append(b, p.categoryPath...)
	b = append(b, "/brand/"...)
	return append(b, c.brandPath[p.brand]...)
}

// sku draws 32 upper-case hex digits, the shape of thelook's MD5 skus.
func (r *rng) sku() string {
	var b [32]byte
	x, y := r.next(), r.next()
	for i := range 16 {
		b[i], b[16+i] = upperHex[x>>(4*i)&0xf], upperHex[y>>(4*i)&0xf]
	}
	return string(b[:])
}

const upperHex = "0123456789ABCDEF"
