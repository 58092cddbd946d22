package thelook

import (
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
)

// usersSource writes one row per user. Only this table draws the profile stream
// (names, age, street, traffic source); the core every table shares comes from
// the person stream.
type usersSource struct {
	walk
	personBase, profileBase uint64
	r                       rng

	id, age                                   ints
	firstName, lastName, email, gender, state strs
	street, postalCode, city, country, source strs
	geom                                      strs
	latitude, longitude                       floats
	created                                   stamps
	scratch                                   []byte
}

func newUsersSource(w *world, b *binder) source {
	return &usersSource{
		walk:        newWalk(w, 1),
		personBase:  streamBase(w.seed, streamPerson),
		profileBase: streamBase(w.seed, streamProfile),
		id:          b.int64s("id"),
		firstName:   b.text("first_name", 7),
		lastName:    b.text("last_name", 7),
		email:       b.text("email", 25),
		age:         b.int64s("age"),
		gender:      b.text("gender", 1),
		state:       b.text("state", 10),
		street:      b.text("street_address", 18),
		postalCode:  b.text("postal_code", 7),
		city:        b.text("city", 9),
		country:     b.text("country", 9),
		latitude:    b.float64s("latitude"),
		longitude:   b.float64s("longitude"),
		source:      b.text("traffic_source", 7),
		created:     b.times("created_at"),
		geom:        b.text("user_geom", 46),
	}
}

func (s *usersSource) fill(room int) int { return s.walk.fill(room, s.visit) }

// visit writes one user. The point lies within about 5 km of the user's city, so
// users of a city do not all share one point.
func (s *usersSource) visit(id int64, _ *ids, g *gate) {
	if !g.admit() {
		return
	}
	p := s.w.person(&s.r, s.personBase, id)
	r := &s.r
	r.reseed(s.profileBase, id)
	first, gender := maleFirstNames, "M"
	if p.women {
		first, gender = femaleFirstNames, "F"
	}
	firstName, lastName := first[r.intn(len(first))], lastNames[r.intn(len(lastNames))]

	s.id.Append(id)
	appendString(s.firstName, firstName)
	appendString(s.lastName, lastName)
	b := appendLower(s.scratch[:0], firstName)
	b = appendLower(b, lastName)
	b = append(b, '@')
	b = append(b, emailDomains[r.intn(len(emailDomains))]...)
	s.email.BinaryBuilder.Append(b)
	s.age.Append(int64(12 + r.intn(70-12+1)))
	appendString(s.gender, gender)
	appendString(s.state, p.loc.state)
	b = strconv.AppendInt(b[:0], int64(1+r.intn(9999)), 10)
	b = append(b, ' ')
	b = append(b, streetNames[r.intn(len(streetNames))]...)
	b = append(b, ' ')
	b = append(b, streetSuffixes[r.intn(len(streetSuffixes))]...)
	s.street.BinaryBuilder.Append(b)
	appendString(s.postalCode, p.loc.postalCode)
	appendString(s.city, p.loc.city)
	appendString(s.country, p.loc.country)
	// Six decimals (about 10 cm) keep every coordinate within the 15 significant
	// digits BigQuery prints in WKT, so a round trip through it changes nothing.
	lat := roundTo6(p.loc.lat + (r.float64()-0.5)*0.1)
	lon := roundTo6(p.loc.lon + (r.float64()-0.5)*0.1)
	s.latitude.Append(lat)
	s.longitude.Append(lon)
	appendString(s.source, UserTrafficSources[r.pick(userSourceWeights)].(string))
	s.created.Append(arrow.Timestamp(p.created))
	s.scratch = appendPoint(s.geom, b, lon, lat)
}

// appendLower appends an ASCII word in lower case.
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

func roundTo6(x float64) float64 { return math.Round(x*1e6) / 1e6 }
