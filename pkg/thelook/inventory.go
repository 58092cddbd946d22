package thelook

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// inventorySource writes, for every order item, the sold inventory row (sold_at is
// the item's created_at, created_at up to 60 days earlier) and then the item's
// unsold copies of the same product (sold_at NULL, created_at uniform between
// 2020-01-01 and AsOf). Its own timestamps come from the inventory stream.
type inventorySource struct {
	storyWalk
	inventoryBase uint64
	inv           rng

	id, productID, center                  ints
	created, sold                          stamps
	cost, retailPrice                      floats
	category, name, brand, department, sku strs
}

func newInventorySource(w *world, b *binder) source {
	return &inventorySource{
		storyWalk:     newStoryWalk(w, inventoryPerUserMean),
		inventoryBase: streamBase(w.seed, streamInventory),
		id:            b.int64s("id"),
		productID:     b.int64s("product_id"),
		created:       b.times("created_at"),
		sold:          b.times("sold_at"),
		cost:          b.float64s("cost"),
		category:      b.text("product_category", 12),
		name:          b.text("product_name", 34),
		brand:         b.text("product_brand", 10),
		retailPrice:   b.float64s("product_retail_price"),
		department:    b.text("product_department", 5),
		sku:           b.text("product_sku", 32),
		center:        b.int64s("product_distribution_center_id"),
	}
}

func (s *inventorySource) fill(room int) int { return s.walk.fill(room, s.visit) }

func (s *inventorySource) visit(id int64, n *ids, g *gate) {
	_, orders := s.orders(id)
	s.inv.reseed(s.inventoryBase, id)
	for i := range orders {
		for _, it := range orders[i].items {
			n.inventory++
			created := it.created - s.inv.micros(0, 60*day)
			if g.admit() {
				s.row(n.inventory, it.product, created, it.created)
			}
			for range it.copies {
				n.inventory++
				created := s.inv.micros(inventoryStart, s.w.asOf)
				if g.admit() {
					s.row(n.inventory, it.product, created, 0)
				}
			}
		}
	}
}

// row appends one inventory row; sold is 0 for an unsold copy.
func (s *inventorySource) row(id int64, product int32, created, sold int64) {
	p := &s.w.catalog().products[product]
	s.id.Append(id)
	s.productID.Append(int64(product) + 1)
	s.created.Append(arrow.Timestamp(created))
	appendTime(s.sold, sold)
	s.cost.Append(p.cost)
	appendString(s.category, p.category)
	appendString(s.name, p.name)
	appendString(s.brand, brands[p.brand])
	s.retailPrice.Append(p.retailPrice)
	appendString(s.department, p.department())
	appendString(s.sku, p.sku)
	s.center.Append(p.center)
}
