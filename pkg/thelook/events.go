package thelook

import (
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
)

// ghostPatterns are the event sequences of anonymous sessions: cancelled browsing,
// abandoned cart, viewed product, viewed department.
var ghostPatterns = [][]string{
	{"product", "cart", "cancel"},
	{"department", "product", "cart"},
	{"product"},
	{"department", "product"},
}

// maxGhostSessions bounds the anonymous sessions walked with each user (1..9,
// 5 on average). The original drew one per user, but thelook's events table is
// about 46% anonymous events (about 2.4M events in all), which five sessions of
// 2.25 events beside each user's ~13 purchase events reproduce.
const maxGhostSessions = 9

// eventsSource writes the sessions of each user, then the ghost sessions walked
// with them. A purchase session per order item starts at the item's created_at
// and steps 0..3 minutes per event: home, department, product, cart, purchase for
// a one-item order; for a larger order, department, product, cart for each of the
// order's items in turn, then purchase. A ghost session starts uniformly between
// 2019-01-01 and AsOf, comes from a random place with a random product, and steps
// 0..30 minutes; its user_id is NULL.
type eventsSource struct {
	storyWalk
	sessionsBase uint64
	ses          rng

	id, userID, sequence                            ints
	sessionID, ip, city, state, postalCode, browser strs
	source, uri, eventType                          strs
	created                                         stamps

	uuid, addr, scratch []byte
}

func newEventsSource(w *world, b *binder) source {
	return &eventsSource{
		storyWalk:    newStoryWalk(w, eventsPerUserMean),
		sessionsBase: streamBase(w.seed, streamSessions),
		id:           b.int64s("id"),
		userID:       b.int64s("user_id"),
		sequence:     b.int64s("sequence_number"),
		sessionID:    b.text("session_id", 36),
		ip:           b.text("ip_address", 14),
		city:         b.text("city", 9),
		state:        b.text("state", 10),
		postalCode:   b.text("postal_code", 7),
		browser:      b.text("browser", 7),
		source:       b.text("traffic_source", 7),
		uri:          b.text("uri", 22),
		eventType:    b.text("event_type", 8),
		created:      b.times("created_at"),
	}
}

func (s *eventsSource) fill(room int) int { return s.walk.fill(room, s.visit) }

// session is the state one session's events share.
type session struct {
	user            int64 // 0 for a ghost: user_id NULL
	loc             *location
	browser, source string
	seq             int64
	at, step        int64 // the next event's time, and the bound of the gap after it
}

func (s *eventsSource) visit(id int64, n *ids, g *gate) {
	p, orders := s.orders(id)
	r := &s.ses
	r.reseed(s.sessionsBase, id)
	for i := range orders {
		items := orders[i].items
		for _, it := range items {
			ss := s.start(id, p.loc, it.created, 3*minute)
			if len(items) == 1 {
				s.event(n, g, &ss, "home", 0)
				s.event(n, g, &ss, "department", it.product)
				s.event(n, g, &ss, "product", it.product)
				s.event(n, g, &ss, "cart", 0)
			} else {
				for _, other := range items {
					s.event(n, g, &ss, "department", other.product)
					s.event(n, g, &ss, "product", other.product)
					s.event(n, g, &ss, "cart", 0)
				}
			}
			s.event(n, g, &ss, "purchase", 0)
		}
	}
	for range 1 + r.intn(maxGhostSessions) {
		pattern := ghostPatterns[r.intn(len(ghostPatterns))]
		product := int32(r.intn(len(s.w.catalog().products)))
		loc := &locations[r.pick(locationWeights)]
		ss := s.start(0, loc, r.micros(usersStart, s.w.asOf), 30*minute)
		for _, kind := range pattern {
			s.event(n, g, &ss, kind, product)
		}
	}
}

// start draws a session's id, address, browser and traffic source.
func (s *eventsSource) start(user int64, loc *location, at, step int64) session {
	r := &s.ses
	s.uuid = r.appendUUID(s.uuid[:0])
	s.addr = r.appendIPv4(s.addr[:0])
	return session{
		user:    user,
		loc:     loc,
		browser: Browsers[r.pick(browserWeights)].(string),
		source:  EventTrafficSource[r.pick(eventSourceWeights)].(string),
		at:      at,
		step:    step,
	}
}

// event counts one event of the session and appends it if the gate admits it.
// product matters only to department and product events.
func (s *eventsSource) event(n *ids, g *gate, ss *session, kind string, product int32) {
	n.event++
	ss.seq++
	at := ss.at
	ss.at += s.ses.micros(0, ss.step)
	if !g.admit() {
		return
	}
	s.id.Append(n.event)
	if ss.user == 0 {
		s.userID.AppendNull()
	} else {
		s.userID.Append(ss.user)
	}
	s.sequence.Append(ss.seq)
	s.sessionID.BinaryBuilder.Append(s.uuid)
	s.ip.BinaryBuilder.Append(s.addr)
	appendString(s.city, ss.loc.city)
	appendString(s.state, ss.loc.state)
	appendString(s.postalCode, ss.loc.postalCode)
	appendString(s.browser, ss.browser)
	appendString(s.source, ss.source)
	b := s.scratch[:0]
	switch kind {
	case "department":
		cat := s.w.catalog()
		b = cat.appendDepartmentURI(b, &cat.products[product])
	case "product":
		b = strconv.AppendInt(append(b, "/product/"...), int64(product)+1, 10)
	default:
		b = append(append(b, '/'), kind...)
	}
	s.uri.BinaryBuilder.Append(b)
	s.scratch = b
	appendString(s.eventType, kind)
	s.created.Append(arrow.Timestamp(at))
}
