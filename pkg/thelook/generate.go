// Package thelook generates, deterministically, data shaped like the seven tables
// of bigquery-public-data.thelook_ecommerce (facts from shared/thelook.md). Their
// models (columns, types, keys, built-in rules) are the catalog's built-in
// declarations (pkg/catalog); the generator is one reader of them.
package thelook

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/ecomrun/ecomrun/pkg/catalog"
)

// Options configure the generator.
type Options struct {
	Scale     float64 // 1.0 = 100,000 users (~3M rows in all); must be > 0
	Seed      int64
	BatchSize int       // rows per record batch; 0 means DefaultBatchSize
	AsOf      time.Time // "now" of the generated world; zero means DefaultAsOf (determinism!)
	// Defects is the share of rows, 0..1, damaged on purpose so that validation has
	// something to reject (see defects.go and Defects); 0 leaves every row as it is.
	Defects float64
}

// maxScale caps the world at 2^31 users (about 65 billion rows), where int
// arithmetic on counts stays exact on every platform.
const maxScale = math.MaxInt32 / usersPerScale

// DefaultBatchSize is the batch size when Options leave it 0. Measured over the
// seven tables, 16K rows beat 64K by about 15%: a batch of events (about 3 MB)
// stays in cache while it is built, and per-batch costs are already negligible.
const DefaultBatchSize = 16 * 1024

// DefaultAsOf is the "now" of the generated world when Options leave it zero, so
// that the same options give the same rows on any day.
var DefaultAsOf = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// normalize fills in the defaults and rejects options that cannot make a world:
// AsOf must lie after 2020-01-01, where unsold inventory starts.
func (o Options) normalize() (Options, error) {
	if !(o.Scale > 0) || o.Scale > maxScale {
		return o, fmt.Errorf("thelook: scale must be above 0 and at most %d, got %v", maxScale, o.Scale)
	}
	if !(o.Defects >= 0 && o.Defects <= 1) {
		return o, fmt.Errorf("thelook: defects must be between 0 and 1, got %v", o.Defects)
	}
	if o.BatchSize < 0 {
		return o, fmt.Errorf("thelook: batch size must not be negative, got %d", o.BatchSize)
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.AsOf.IsZero() {
		o.AsOf = DefaultAsOf
	}
	if o.AsOf.UnixMicro() <= inventoryStart {
		return o, errors.New("thelook: AsOf must be after 2020-01-01")
	}
	return o, nil
}

// source appends up to room rows of one table to the builders it bound and
// returns how many it appended; 0 means the table is done.
type source interface {
	fill(room int) int
}

// sized is a source that knows about how many rows it has left, so that its
// last batch reserves not much more than it fills.
type sized interface {
	left() int
}

// sources makes each table's source, binding the columns it writes.
var sources = map[string]func(w *world, b *binder) source{
	"distribution_centers": newCentersSource,
	"products":             newProductsSource,
	"users":                newUsersSource,
	"orders":               newOrdersSource,
	"order_items":          newOrderItemsSource,
	"inventory_items":      newInventorySource,
	"events":               newEventsSource,
}

// Generate streams one table's rows. The reader builds each batch when Next asks
// for it, so memory stays at about a batch plus the product catalog. Each call
// derives the whole story it needs from the options alone: readers of different
// tables share nothing and may run concurrently, and the same options give the
// same rows.
func Generate(table string, opt Options) (array.RecordReader, error) {
	return generate(table, opt, memory.DefaultAllocator)
}

func generate(table string, opt Options, mem memory.Allocator) (array.RecordReader, error) {
	return generateWith(table, opt, mem, nil)
}

// generateRecorded is Generate that appends every defect it makes to record.
func generateRecorded(table string, opt Options, record *[]Defect) (array.RecordReader, error) {
	return generateWith(table, opt, memory.DefaultAllocator, record)
}

func generateWith(table string, opt Options, mem memory.Allocator, record *[]Defect) (array.RecordReader, error) {
	newSource, ok := sources[table]
	m := catalog.Lookup(table)
	if !ok || m == nil {
		return nil, fmt.Errorf("thelook: unknown table %q", table)
	}
	opt, err := opt.normalize()
	if err != nil {
		return nil, err
	}
	w := newWorld(opt)
	b := &binder{rb: array.NewRecordBuilder(mem, ArrowSchema(m)), width: make([]int, len(m.Columns))}
	r := &reader{binder: b, src: newSource(w, b), size: opt.BatchSize}
	r.refs.Store(1)
	if opt.Defects > 0 && len(damages[table]) > 0 {
		r.defects = newDefects(w, m, opt.Defects, record)
		r.damaged = array.NewRecordBuilder(mem, ArrowSchema(m))
	}
	return r, nil
}

// reader is the lazy array.RecordReader over a source.
type reader struct {
	*binder
	refs atomic.Int64
	src  source
	size int
	cur  arrow.RecordBatch
	// defects, when set, damages some rows of each batch, built anew in damaged.
	defects *defects
	damaged *array.RecordBuilder
}

func (r *reader) Retain() { r.refs.Add(1) }

func (r *reader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	r.rb.Release()
	if r.damaged != nil {
		r.damaged.Release()
	}
	r.src = nil
}

func (r *reader) Schema() *arrow.Schema { return r.rb.Schema() }

// Next builds the next batch; the previous one is released unless the caller
// retained it.
func (r *reader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.src == nil {
		return false
	}
	rows := r.size
	if s, ok := r.src.(sized); ok {
		rows = min(rows, s.left())
	}
	r.rb.Reserve(rows)
	for i, f := range r.rb.Fields() {
		if r.width[i] > 0 {
			f.(strs).ReserveData(rows * r.width[i])
		}
	}
	if r.src.fill(r.size) == 0 {
		r.src = nil
		return false
	}
	r.cur = r.rb.NewRecordBatch()
	if r.defects != nil {
		rec := r.defects.rewrite(r.cur, r.damaged)
		r.cur.Release()
		r.cur = rec
	}
	return true
}

func (r *reader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is RecordBatch under its deprecated name, which the interface still requires.
func (r *reader) Record() arrow.RecordBatch { return r.cur }

// Err is always nil: once Generate accepted the options, generating cannot fail.
func (r *reader) Err() error { return nil }
