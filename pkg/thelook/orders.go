package thelook

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// storyWalk is the walk of the tables below users: it derives each user's core and
// orders, and nothing else, so those tables agree on every order and item.
type storyWalk struct {
	walk
	personBase, ordersBase uint64
	r                      rng
	book                   orderBook
}

func newStoryWalk(w *world, perUser float64) storyWalk {
	return storyWalk{
		walk:       newWalk(w, perUser),
		personBase: streamBase(w.seed, streamPerson),
		ordersBase: streamBase(w.seed, streamOrders),
	}
}

// orders derives the user's core and orders.
func (s *storyWalk) orders(id int64) (person, []order) {
	p := s.w.person(&s.r, s.personBase, id)
	return p, s.book.draw(s.w, &s.r, s.ordersBase, &p)
}

// ordersSource writes one row per order.
type ordersSource struct {
	storyWalk
	orderID, userID, numOfItem            ints
	status, gender                        strs
	created, returned, shipped, delivered stamps
}

func newOrdersSource(w *world, b *binder) source {
	return &ordersSource{
		storyWalk: newStoryWalk(w, ordersPerUserMean),
		orderID:   b.int64s("order_id"),
		userID:    b.int64s("user_id"),
		status:    b.text("status", 9),
		gender:    b.text("gender", 1),
		created:   b.times("created_at"),
		returned:  b.times("returned_at"),
		shipped:   b.times("shipped_at"),
		delivered: b.times("delivered_at"),
		numOfItem: b.int64s("num_of_item"),
	}
}

func (s *ordersSource) fill(room int) int { return s.walk.fill(room, s.visit) }

func (s *ordersSource) visit(id int64, n *ids, g *gate) {
	p, orders := s.orders(id)
	gender := "M"
	if p.women {
		gender = "F"
	}
	for i := range orders {
		o := &orders[i]
		n.order++
		if !g.admit() {
			continue
		}
		s.orderID.Append(n.order)
		s.userID.Append(id)
		appendString(s.status, Statuses[o.status].(string))
		appendString(s.gender, gender)
		s.created.Append(arrow.Timestamp(o.created))
		appendTime(s.returned, o.returned)
		appendTime(s.shipped, o.shipped)
		appendTime(s.delivered, o.delivered)
		s.numOfItem.Append(int64(len(o.items)))
	}
}

// orderItemsSource writes one row per order item. inventory_item_id is the id of
// the sold inventory row, which inventory_items numbers in the same walk: the
// sold row of each item, then its unsold copies.
type orderItemsSource struct {
	storyWalk
	id, orderID, userID, productID, inventoryID ints
	status                                      strs
	created, shipped, delivered, returned       stamps
	salePrice                                   floats
}

func newOrderItemsSource(w *world, b *binder) source {
	return &orderItemsSource{
		storyWalk:   newStoryWalk(w, itemsPerUserMean),
		id:          b.int64s("id"),
		orderID:     b.int64s("order_id"),
		userID:      b.int64s("user_id"),
		productID:   b.int64s("product_id"),
		inventoryID: b.int64s("inventory_item_id"),
		status:      b.text("status", 9),
		created:     b.times("created_at"),
		shipped:     b.times("shipped_at"),
		delivered:   b.times("delivered_at"),
		returned:    b.times("returned_at"),
		salePrice:   b.float64s("sale_price"),
	}
}

func (s *orderItemsSource) fill(room int) int { return s.walk.fill(room, s.visit) }

func (s *orderItemsSource) visit(id int64, n *ids, g *gate) {
	_, orders := s.orders(id)
	for i := range orders {
		o := &orders[i]
		n.order++
		for j := range o.items {
			it := &o.items[j]
			n.item++
			sold := n.inventory + 1
			n.inventory += int64(1 + it.copies)
			if !g.admit() {
				continue
			}
			s.id.Append(n.item)
			s.orderID.Append(n.order)
			s.userID.Append(id)
			s.productID.Append(int64(it.product) + 1)
			s.inventoryID.Append(sold)
			appendString(s.status, Statuses[o.status].(string))
			s.created.Append(arrow.Timestamp(it.created))
			appendTime(s.shipped, o.shipped)
			appendTime(s.delivered, o.delivered)
			appendTime(s.returned, o.returned)
			s.salePrice.Append(s.w.catalog().products[it.product].retailPrice)
		}
	}
}
