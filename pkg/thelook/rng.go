package thelook

import (
	"math/bits"
	"strconv"
)

// golden is the splitmix64 increment, 2^64 divided by the golden ratio.
const golden = 0x9e3779b97f4a7c15

// mix is the splitmix64 finaliser: a bijective scramble of 64 bits.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Stream purposes. Each table draws only the streams it needs, so a table never
// pays for the draws of another and adding a draw to one stream leaves the others
// (and so the other tables) unchanged.
const (
	streamPerson    = iota + 1 // gender, created_at, location, number of orders
	streamProfile              // names, age, address, traffic source: the users table only
	streamOrders               // orders and their items: shared by four tables
	streamInventory            // inventory_items timestamps
	streamSessions             // purchase sessions and ghost sessions of events
	streamProduct              // one product of the catalog
	streamDefects              // which rows Options.Defects damages, per table
)

// rng is splitmix64: a draw is one add and a few multiply-xorshifts, and seeding is
// an assignment, so a generator reseeds one value per (user, purpose) instead of
// allocating a math/rand generator. Its quality is ample for synthetic data.
type rng struct{ s uint64 }

// streamBase derives the per-purpose base that user (or product) ids are mixed into.
func streamBase(seed int64, purpose uint64) uint64 {
	return mix(uint64(seed) + purpose*golden)
}

// reseed points r at the stream of one id under a base from streamBase.
func (r *rng) reseed(base uint64, id int64) { r.s = mix(base ^ uint64(id)*0xd1b54a32d192ed03) }

func (r *rng) next() uint64 {
	r.s += golden
	return mix(r.s)
}

// intn returns a value in [0, n), n > 0, by Lemire's multiply-high (bias below n/2^64).
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int(hi)
}

// float64 returns a value in [0, 1).
func (r *rng) float64() float64 { return float64(r.next()>>11) * 0x1p-53 }

// micros returns whole seconds, as microseconds, uniform in [lo, hi); lo when the
// span is under a second.
func (r *rng) micros(lo, hi int64) int64 {
	n := (hi - lo) / 1e6
	if n <= 0 {
		return lo
	}
	hi64, _ := bits.Mul64(r.next(), uint64(n))
	return lo + int64(hi64)*1e6
}

// weights is a cumulative distribution over indexes, in units of 2^-32.
type weights []uint64

// newWeights normalises relative weights into a cumulative table.
func newWeights(w ...float64) weights {
	var total float64
	for _, x := range w {
		total += x
	}
	cum := make(weights, len(w))
	var run float64
	for i, x := range w {
		run += x
		cum[i] = uint64(run / total * (1 << 32))
	}
	cum[len(cum)-1] = 1 << 32
	return cum
}

// pick draws an index with the table's probabilities. Tables put the likely
// values first, so the linear scan is short.
func (r *rng) pick(w weights) int {
	x := r.next() >> 32
	for i, c := range w {
		if x < c {
			return i
		}
	}
	return len(w) - 1
}

const hexDigits = "0123456789abcdef"

// appendUUID appends a random version-4 UUID in its 36-character text form.
func (r *rng) appendUUID(b []byte) []byte {
	var u [16]byte
	x, y := r.next(), r.next()
	for i := range 8 {
		u[i], u[8+i] = byte(x>>(8*i)), byte(y>>(8*i))
	}
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	for i, v := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[v>>4], hexDigits[v&0x0f])
	}
	return b
}

// appendIPv4 appends a random dotted-quad address whose first octet is 1..223
// (no zero network, no multicast or reserved ranges).
func (r *rng) appendIPv4(b []byte) []byte {
	x := r.next()
	b = strconv.AppendUint(b, 1+(x&0xffff)*223>>16, 10)
	for i := 2; i < 5; i++ {
		b = append(b, '.')
		b = strconv.AppendUint(b, x>>(8*i)&0xff, 10)
	}
	return b
}
