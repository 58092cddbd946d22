package thelook

// centersSource writes the ten fixed distribution centers.
type centersSource struct {
	next                int
	id                  ints
	name, geom          strs
	latitude, longitude floats
	scratch             []byte
}

func newCentersSource(_ *world, b *binder) source {
	return &centersSource{
		id:        b.int64s("id"),
		name:      b.text("name", 16),
		latitude:  b.float64s("latitude"),
		longitude: b.float64s("longitude"),
		geom:      b.text("distribution_center_geom", 24),
	}
}

func (s *centersSource) left() int { return len(centers) - s.next }

func (s *centersSource) fill(room int) int {
	n := 0
	for ; n < room && s.next < len(centers); n, s.next = n+1, s.next+1 {
		c := &centers[s.next]
		s.id.Append(int64(s.next + 1))
		appendString(s.name, c.name)
		s.latitude.Append(c.lat)
		s.longitude.Append(c.lon)
		s.scratch = appendPoint(s.geom, s.scratch, c.lon, c.lat)
	}
	return n
}

// productsSource writes the catalog.
type productsSource struct {
	cat                                    *productCatalog
	next                                   int
	id, center                             ints
	cost, retailPrice                      floats
	category, name, brand, department, sku strs
}

func newProductsSource(w *world, b *binder) source {
	return &productsSource{
		cat:         w.catalog(),
		id:          b.int64s("id"),
		cost:        b.float64s("cost"),
		category:    b.text("category", 12),
		name:        b.text("name", 34),
		brand:       b.text("brand", 10),
		retailPrice: b.float64s("retail_price"),
		department:  b.text("department", 5),
		sku:         b.text("sku", 32),
		center:      b.int64s("distribution_center_id"),
	}
}

func (s *productsSource) left() int { return len(s.cat.products) - s.next }

func (s *productsSource) fill(room int) int {
	n := 0
	for ; n < room && s.next < len(s.cat.products); n, s.next = n+1, s.next+1 {
		p := &s.cat.products[s.next]
		s.id.Append(int64(s.next + 1))
		s.cost.Append(p.cost)
		appendString(s.category, p.category)
		appendString(s.name, p.name)
		appendString(s.brand, brands[p.brand])
		s.retailPrice.Append(p.retailPrice)
		appendString(s.department, p.department())
		appendString(s.sku, p.sku)
		s.center.Append(p.center)
	}
	return n
}
