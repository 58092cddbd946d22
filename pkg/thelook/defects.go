package thelook

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/ecomrun/ecomrun/pkg/catalog"
)

// Defect is one row the generator damaged on purpose (Options.Defects), and the
// built-in rules the damaged row breaks. A row's fate is a function of the seed,
// the table and the row's key alone, so the same options damage the same rows.
type Defect struct {
	Table string
	Key   int64  // the row's primary key (id, or order_id for orders)
	Kind  string // what was done to it, e.g. "status_unknown", "duplicate_key"
	// Rules are the built-in rules the row breaks. Some are optional (the
	// relationships): a spec that does not enable them loads the row.
	Rules []string
	// Rows is how many rows hold Key and break Rules: 2 for a duplicated key.
	Rows int
	// Parent, when set, is the damaged row this one refers to: the row breaks
	// Rules (a relationship) only when the parent is rejected.
	Parent *Defect
}

// damage is one kind of defect a table's rows can carry.
type damage struct {
	kind  string
	rules []string
	// fits says whether the row can carry this defect: e.g. only a shipped order
	// can be shipped before it was created.
	fits func(w *world, r row) bool
	// edit changes the row's values; nil for a duplicated key.
	edit func(w *world, r row, set func(col string, v any))
}

// damages lists, per table, the defects its rows can carry: each is one real
// exports have or one a built-in rule exists for, and each breaks exactly the
// rules it names. Rows another table refers to are damaged only where no row
// refers to them (users without orders, unsold inventory), so no other row is
// rejected with them; a damaged order takes its items along (see Expect).
// distribution_centers and products carry none: every row may be referred to.
var damages = map[string][]damage{
	"users": {
		{kind: "age_out_of_range", rules: []string{"age_range"}, fits: userWithoutOrders,
			edit: func(_ *world, r row, set func(string, any)) { set("age", int64(7+r.key%2*114)) }},
		{kind: "null_required", rules: []string{"created_at_not_null"}, fits: userWithoutOrders,
			edit: func(_ *world, _ row, set func(string, any)) { set("created_at", nil) }},
		{kind: "email_malformed", rules: []string{"email_format"}, fits: userWithoutOrders,
			edit: func(_ *world, r row, set func(string, any)) { set("email", malformedEmail(r.str("email"), r.key)) }},
		{kind: "duplicate_key", rules: []string{"id_unique"}, fits: userWithoutOrders},
	},
	"orders": {
		{kind: "status_unknown", rules: []string{"status_accepted"}, fits: always,
			edit: func(_ *world, r row, set func(string, any)) { set("status", "shipped") }},
		{kind: "shipped_before_created", rules: []string{"timestamps_in_order"}, fits: shippedRow,
			edit: func(_ *world, r row, set func(string, any)) {
				set("shipped_at", arrow.Timestamp(r.time("created_at")-hour-r.key%47*hour))
			}},
		{kind: "orphan_user", rules: []string{"user_id_references"}, fits: always,
			edit: func(w *world, r row, set func(string, any)) { set("user_id", w.users+r.key) }},
		{kind: "duplicate_key", rules: []string{"order_id_unique"}, fits: always},
	},
	"order_items": {
		{kind: "negative_price", rules: []string{"sale_price_range"}, fits: always,
			edit: func(_ *world, r row, set func(string, any)) { set("sale_price", -r.float("sale_price")) }},
		{kind: "status_unknown", rules: []string{"status_accepted"}, fits: always,
			edit: func(_ *world, _ row, set func(string, any)) { set("status", "Delivered") }},
		{kind: "null_required", rules: []string{"product_id_not_null"}, fits: always,
			edit: func(_ *world, _ row, set func(string, any)) { set("product_id", nil) }},
		{kind: "duplicate_key", rules: []string{"id_unique", "inventory_item_id_unique"}, fits: always},
	},
	"inventory_items": {
		{kind: "negative_cost", rules: []string{"cost_range"}, fits: unsoldRow,
			edit: func(_ *world, r row, set func(string, any)) { set("cost", -r.float("cost")) }},
		{kind: "department_unknown", rules: []string{"product_department_accepted"}, fits: unsoldRow,
			edit: func(_ *world, _ row, set func(string, any)) { set("product_department", "Unisex") }},
		{kind: "duplicate_key", rules: []string{"id_unique"}, fits: unsoldRow},
	},
	"events": {
		{kind: "browser_unknown", rules: []string{"browser_accepted"}, fits: always,
			edit: func(_ *world, _ row, set func(string, any)) { set("browser", "Edge") }},
		{kind: "null_required", rules: []string{"session_id_not_null"}, fits: always,
			edit: func(_ *world, _ row, set func(string, any)) { set("session_id", nil) }},
		{kind: "sequence_zero", rules: []string{"sequence_number_range"}, fits: always,
			edit: func(_ *world, _ row, set func(string, any)) { set("sequence_number", int64(0)) }},
		{kind: "orphan_user", rules: []string{"user_id_references"}, fits: userRow,
			edit: func(w *world, r row, set func(string, any)) { set("user_id", w.users+r.key) }},
		{kind: "duplicate_key", rules: []string{"id_unique"}, fits: always},
	},
}

func always(*world, row) bool { return true }

// malformedEmail drops the '@' (jamessmithgmail.com) or, for odd keys, the
// domain (jamessmith@).
func malformedEmail(email string, key int64) string {
	local, domain, _ := strings.Cut(email, "@")
	if key%2 == 1 {
		return local + "@"
	}
	return local + domain
}

// userWithoutOrders: nothing refers to a user without orders (ghost sessions have no user).
func userWithoutOrders(w *world, r row) bool {
	var g rng
	return w.person(&g, streamBase(w.seed, streamPerson), r.key).orders == 0
}

func shippedRow(_ *world, r row) bool { return !r.null("shipped_at") }
func unsoldRow(_ *world, r row) bool  { return r.null("sold_at") }
func userRow(_ *world, r row) bool    { return !r.null("user_id") }

// row is one row of a batch, read by column name.
type row struct {
	rec  arrow.RecordBatch
	cols map[string]int
	i    int
	key  int64
}

func (r row) col(name string) arrow.Array { return r.rec.Column(r.cols[name]) }
func (r row) null(name string) bool       { return r.col(name).IsNull(r.i) }
func (r row) float(name string) float64   { return r.col(name).(*array.Float64).Value(r.i) }
func (r row) time(name string) int64      { return int64(r.col(name).(*array.Timestamp).Value(r.i)) }
func (r row) str(name string) string      { return r.col(name).(*array.String).Value(r.i) }

// defects decides which rows of one table to damage.
type defects struct {
	w     *world
	table string
	rate  float64
	base  uint64
	cols  map[string]int
	key   int
	// record, when set, receives every defect in row order (see Defects).
	record *[]Defect
}

func newDefects(w *world, m *catalog.Model, rate float64, record *[]Defect) *defects {
	d := &defects{w: w, table: m.Table, rate: rate, cols: map[string]int{}, record: record}
	for i, c := range m.Columns {
		d.cols[c.Name] = i
	}
	d.key = d.cols[m.Key]
	d.base = defectBase(w.seed, m.Table)
	return d
}

// defectBase is a table's own stream of defect draws.
func defectBase(seed int64, table string) uint64 {
	return streamBase(seed, streamDefects) ^ mix(uint64(slices.Index(catalog.Tables, table)+1))
}

// decide returns the defect a row of table with this key carries, if any: the
// row is damaged with probability rate, and the kind is drawn among those that fit it.
func decide(w *world, table string, base uint64, rate float64, r row) *damage {
	var g rng
	g.reseed(base, r.key)
	if g.float64() >= rate {
		return nil
	}
	var fit []*damage
	for i := range damages[table] {
		if d := &damages[table][i]; d.fits(w, r) {
			fit = append(fit, d)
		}
	}
	if len(fit) == 0 {
		return nil
	}
	return fit[g.intn(len(fit))]
}

// rewrite returns the batch with its damaged rows changed (or doubled), and
// records each; a batch with none is returned as it is, retained.
func (d *defects) rewrite(rec arrow.RecordBatch, rb *array.RecordBuilder) arrow.RecordBatch {
	keys := rec.Column(d.key).(*array.Int64)
	type hit struct {
		i int
		d *damage
	}
	var hits []hit
	for i := range int(rec.NumRows()) {
		r := row{rec: rec, cols: d.cols, i: i, key: keys.Value(i)}
		if dm := decide(d.w, d.table, d.base, d.rate, r); dm != nil {
			hits = append(hits, hit{i, dm})
			d.note(Defect{Table: d.table, Key: r.key, Kind: dm.kind, Rules: dm.rules, Rows: rows(dm)})
		}
		if d.table == "order_items" && d.record != nil {
			d.noteOrder(row{rec: rec, cols: d.cols, i: i, key: r.key})
		}
	}
	if len(hits) == 0 {
		rec.Retain()
		return rec
	}
	next := 0
	for i := range int(rec.NumRows()) {
		if next < len(hits) && hits[next].i == i {
			dm := hits[next].d
			next++
			if dm.edit == nil {
				appendRow(rb, rec, i, nil)
				appendRow(rb, rec, i, nil)
				continue
			}
			set := map[int]any{}
			dm.edit(d.w, row{rec: rec, cols: d.cols, i: i, key: keys.Value(i)}, func(col string, v any) { set[d.cols[col]] = v })
			appendRow(rb, rec, i, set)
			continue
		}
		appendRow(rb, rec, i, nil)
	}
	return rb.NewRecordBatch()
}

// noteOrder records an item whose order is damaged: the item refers to a row
// that may be rejected. Items copy shipped_at from their order, which is all
// the orders' defects look at besides the key.
func (d *defects) noteOrder(item row) {
	order := item
	order.key = item.col("order_id").(*array.Int64).Value(item.i)
	dm := decide(d.w, "orders", defectBase(d.w.seed, "orders"), d.rate, order)
	if dm == nil {
		return
	}
	parent := &Defect{Table: "orders", Key: order.key, Kind: dm.kind, Rules: dm.rules, Rows: rows(dm)}
	d.note(Defect{Table: d.table, Key: item.key, Kind: "order_rejected", Rules: []string{"order_id_references"}, Rows: 1, Parent: parent})
}

func (d *defects) note(x Defect) {
	if d.record != nil {
		*d.record = append(*d.record, x)
	}
}

func rows(dm *damage) int {
	if dm.edit == nil {
		return 2
	}
	return 1
}

// appendRow copies row i of rec into rb, with the values in set (by column
// index; nil is NULL) instead of the row's own.
func appendRow(rb *array.RecordBuilder, rec arrow.RecordBatch, i int, set map[int]any) {
	for j, col := range rec.Columns() {
		if v, ok := set[j]; ok {
			appendValue(rb.Field(j), v)
			continue
		}
		if col.IsNull(i) {
			rb.Field(j).AppendNull()
			continue
		}
		switch c := col.(type) {
		case *array.Int64:
			rb.Field(j).(ints).Append(c.Value(i))
		case *array.Float64:
			rb.Field(j).(floats).Append(c.Value(i))
		case *array.String:
			rb.Field(j).(strs).Append(c.Value(i))
		case *array.Timestamp:
			rb.Field(j).(stamps).Append(c.Value(i))
		default:
			panic(fmt.Sprintf("thelook: column %d is %s", j, col.DataType()))
		}
	}
}

func appendValue(b array.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.AppendNull()
	case int64:
		b.(ints).Append(x)
	case float64:
		b.(floats).Append(x)
	case string:
		b.(strs).Append(x)
	case arrow.Timestamp:
		b.(stamps).Append(x)
	default:
		panic(fmt.Sprintf("thelook: cannot append %T", v))
	}
}

// Defects generates table with opt and returns the rows it damaged, in row
// order, including the items of damaged orders (Parent set). It is the record
// tests compare a warehouse's quarantine with; see Expect.
func Defects(table string, opt Options) ([]Defect, error) {
	var record []Defect
	rr, err := generateRecorded(table, opt, &record)
	if err != nil {
		return nil, err
	}
	defer rr.Release()
	for rr.Next() {
	}
	return record, rr.Err()
}

// Rejected is one key a spec's validation rejects, with the rules it breaks (sorted).
type Rejected struct {
	Key   int64
	Rules []string
	Rows  int
}

// Expect turns the record of every table into what validation rejects, per
// table and ordered by key, given which built-in rules reject (active says
// whether a table's rule is on and an error; optional rules are off unless
// enabled). An item of a damaged order breaks order_id_references only when
// its order is rejected.
func Expect(record map[string][]Defect, active func(table, rule string) bool) map[string][]Rejected {
	out := map[string][]Rejected{}
	rejected := map[string]map[int64]bool{}
	for _, table := range catalog.Tables {
		byKey := map[int64]*Rejected{}
		for _, d := range record[table] {
			if d.Parent != nil && !rejected[d.Parent.Table][d.Parent.Key] {
				continue
			}
			for _, r := range d.Rules {
				if !active(table, r) {
					continue
				}
				x := byKey[d.Key]
				if x == nil {
					x = &Rejected{Key: d.Key}
					byKey[d.Key] = x
				}
				x.Rows = max(x.Rows, d.Rows)
				if !slices.Contains(x.Rules, r) {
					x.Rules = append(x.Rules, r)
				}
			}
		}
		rejected[table] = map[int64]bool{}
		for k, x := range byKey {
			slices.Sort(x.Rules)
			out[table] = append(out[table], *x)
			rejected[table][k] = true
		}
		slices.SortFunc(out[table], func(a, b Rejected) int { return int(a.Key - b.Key) })
	}
	return out
}
