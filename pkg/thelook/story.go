package thelook

import (
	"math"
	"time"
)

// Times are microseconds since the Unix epoch, the unit of the timestamp columns.
const (
	second = int64(1e6)
	minute = 60 * second
	hour   = 60 * minute
	day    = 24 * hour
)

var (
	usersStart     = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	inventoryStart = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
)

// usersPerScale is thelook's number of users at scale 1.
const usersPerScale = 100000

// world is what every table generator derives the story from. Each Generate call
// builds its own, so the seven tables can be generated concurrently and agree.
type world struct {
	seed  int64
	scale float64
	users int64
	asOf  int64
	cat   *productCatalog // built on first use, see catalog
}

func newWorld(opt Options) *world {
	return &world{
		seed:  opt.Seed,
		scale: opt.Scale,
		users: max(1, int64(math.Round(usersPerScale*opt.Scale))),
		asOf:  opt.AsOf.UnixMicro(),
	}
}

// catalog returns the product catalog, building it on first use: the
// distribution_centers and users tables never need it.
func (w *world) catalog() *productCatalog {
	if w.cat == nil {
		w.cat = newCatalog(w.seed, w.scale)
	}
	return w.cat
}

// The distributions of the facts; the value of each index is in the var beside it.
var (
	userSourceWeights  = newWeights(.70, .15, .06, .05, .04) // UserTrafficSources
	ordersPerUser      = newWeights(.2, .5, .2, .05, .05)    // 0..4
	statusWeights      = newWeights(.30, .25, .20, .15, .10) // Statuses
	itemsPerOrder      = newWeights(.7, .2, .05, .05)        // 1..4
	unsoldCopies       = newWeights(.5, .3, .2)              // 1..3, as the original generator
	browserWeights     = newWeights(.05, .5, .2, .2, .05)    // Browsers
	eventSourceWeights = newWeights(.45, .3, .1, .1, .05)    // EventTrafficSource
	locationWeights    = func() weights {
		w := make([]float64, len(locations))
		for i, l := range locations {
			w[i] = l.weight
		}
		return newWeights(w...)
	}()
)

// Expected rows per user of the story tables, from the weights above: 1.25
// orders, 1.45 items an order, a sold row and 1.7 unsold copies an item, and
// 10.4 purchase events an order (5 for one item, n*(3n+1) for n items) besides
// 5 ghost sessions of 2.25 events.
const (
	ordersPerUserMean    = 1.25
	itemsPerUserMean     = ordersPerUserMean * 1.45
	inventoryPerUserMean = itemsPerUserMean * 2.7
	eventsPerUserMean    = ordersPerUserMean*10.4 + 5*2.25
)

// Status indexes into Statuses; their timestamps follow the rule timestamps_match_status (pkg/catalog/thelook.yaml).
const (
	shipped = iota
	complete
	processing
	cancelled
	returned
)

// person is what the tables other than users need of a user.
type person struct {
	id      int64
	women   bool
	created int64
	loc     *location
	orders  int
}

// person draws the user's core: gender, created_at (2.5% in the last 7 days, the
// rest uniform since 2019-01-01), place and number of orders.
func (w *world) person(r *rng, base uint64, id int64) person {
	r.reseed(base, id)
	p := person{id: id, women: r.intn(2) == 1}
	if r.intn(40) == 0 {
		p.created = r.micros(w.asOf-7*day, w.asOf)
	} else {
		p.created = r.micros(usersStart, w.asOf)
	}
	p.loc = &locations[r.pick(locationWeights)]
	p.orders = r.pick(ordersPerUser)
	return p
}

// order is one order with its items; shipped, delivered and returned are 0 where
// the status leaves them NULL.
type order struct {
	status                                int
	created, shipped, delivered, returned int64
	items                                 []item // at most 4, backed by the caller's array
}

// item is one order item: the product sold, when, and how many unsold copies of
// that product the inventory holds besides the sold one.
type item struct {
	product int32
	created int64
	copies  int
}

// hasShipped and the others say which timestamps the status sets.
func (o *order) hasShipped() bool   { return o.status == shipped || o.hasDelivered() }
func (o *order) hasDelivered() bool { return o.status == complete || o.status == returned }
func (o *order) hasReturned() bool  { return o.status == returned }

// orderBook holds one user's orders without allocating per user.
type orderBook struct {
	orders [4]order
	items  [4][4]item
}

// draw derives the person's orders from the orders stream. Order created_at is
// uniform between the user's and AsOf; an item's created_at is within four hours
// either side of its order's, so about half precede it, as in thelook.
func (b *orderBook) draw(w *world, r *rng, base uint64, p *person) []order {
	r.reseed(base, p.id)
	os := b.orders[:p.orders]
	for i := range os {
		o := &os[i]
		o.status = r.pick(statusWeights)
		o.created = r.micros(p.created, w.asOf)
		o.shipped, o.delivered, o.returned = 0, 0, 0
		if o.hasShipped() {
			o.shipped = o.created + r.micros(0, 3*day)
		}
		if o.hasDelivered() {
			o.delivered = o.shipped + r.micros(0, 5*day)
		}
		if o.hasReturned() {
			o.returned = o.delivered + r.micros(0, 3*day)
		}
		o.items = b.items[i][:1+r.pick(itemsPerOrder)]
		for j := range o.items {
			it := &o.items[j]
			it.product = w.catalog().pick(r, p.women)
			it.created = o.created + r.micros(-4*hour, 4*hour)
			it.copies = 1 + r.pick(unsoldCopies)
		}
	}
	return os
}

// ids are the running id counters of the story, counted in walk order.
type ids struct{ order, item, inventory, event int64 }

// walk visits users in id order for the tables that follow the story. A batch may
// end inside a user: the next batch replays that user from the counters saved
// before it and skips the rows already taken, so every batch but the last holds
// exactly its size and a batch costs at most one replayed user.
type walk struct {
	w       *world
	perUser float64 // the table's expected rows per user
	next    int64   // the user being visited, 1-based
	skip    int     // rows of that user earlier batches took
	ids     ids     // counters before that user
	// The visit's counters and gate live here, not on the stack, which a call
	// through a func value would move to the heap for every user.
	n ids
	g gate
}

func newWalk(w *world, perUser float64) walk { return walk{w: w, perUser: perUser, next: 1} }

// left estimates the rows still to come, with some slack so that a last batch
// rarely outgrows what it reserved.
func (k *walk) left() int {
	return int(float64(k.w.users-k.next+1)*k.perUser*1.05) + 256
}

// gate admits a user's rows into the batch: the first skip were taken by earlier
// batches and at most room more fit.
type gate struct{ skip, room, seen int }

// admit counts a row and says whether to append it.
func (g *gate) admit() bool {
	g.seen++
	return g.seen > g.skip && g.seen <= g.skip+g.room
}

// fill visits users until room rows are taken or the users run out, and returns
// the rows taken. visit advances the counters it is given for every row it
// counts, admitted or not.
func (k *walk) fill(room int, visit func(id int64, n *ids, g *gate)) int {
	taken := 0
	for taken < room && k.next <= k.w.users {
		k.g, k.n = gate{skip: k.skip, room: room - taken}, k.ids
		visit(k.next, &k.n, &k.g)
		if k.g.seen > k.g.skip+k.g.room {
			k.skip += k.g.room
			return room
		}
		taken += k.g.seen - k.g.skip
		k.next, k.skip, k.ids = k.next+1, 0, k.n
	}
	return taken
}

// ExpectedRows is about how many rows a table has at a scale (0 for a table the
// generator does not make): what a run needs to start the biggest tables first.
func ExpectedRows(table string, scale float64) int64 {
	users := usersPerScale * scale
	perUser := map[string]float64{"users": 1, "orders": ordersPerUserMean, "order_items": itemsPerUserMean,
		"inventory_items": inventoryPerUserMean, "events": eventsPerUserMean}
	switch table {
	case "distribution_centers":
		return 10
	case "products":
		return int64(productCount(scale))
	}
	return int64(math.Round(users * perUser[table]))
}
