package thelook

import (
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/ecomrun/ecomrun/pkg/catalog"
)

// small is the scale of the value tests: 1,000 users, every table non-trivial.
var small = Options{Scale: 0.01, Seed: 42}

func TestArrowSchema(t *testing.T) {
	want := map[catalog.Type]arrow.DataType{
		catalog.Int64:     arrow.PrimitiveTypes.Int64,
		catalog.Float64:   arrow.PrimitiveTypes.Float64,
		catalog.String:    arrow.BinaryTypes.String,
		catalog.Geography: arrow.BinaryTypes.String,
		catalog.Timestamp: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"},
	}
	for _, name := range catalog.Tables {
		t.Run(name, func(t *testing.T) {
			m := catalog.Lookup(name)
			s := ArrowSchema(m)
			if s.NumFields() != len(m.Columns) {
				t.Fatalf("%d fields, want %d", s.NumFields(), len(m.Columns))
			}
			for i, c := range m.Columns {
				f := s.Field(i)
				if f.Name != c.Name || !arrow.TypeEqual(f.Type, want[c.Type]) || !f.Nullable {
					t.Errorf("field %d is %s %s nullable=%v, want %s %s nullable", i, f.Name, f.Type, f.Nullable, c.Name, want[c.Type])
				}
			}
		})
	}
}

func TestGenerateRejects(t *testing.T) {
	for _, tc := range []struct {
		name, table string
		opt         Options
		want        string
	}{
		{"unknown table", "customers", small, `unknown table "customers"`},
		{"zero scale", "users", Options{}, "scale"},
		{"negative scale", "users", Options{Scale: -1}, "scale"},
		{"NaN scale", "users", Options{Scale: math.NaN()}, "scale"},
		{"infinite scale", "users", Options{Scale: math.Inf(1)}, "scale"},
		{"negative batch", "users", Options{Scale: 1, BatchSize: -1}, "batch size"},
		{"AsOf too early", "users", Options{Scale: 1, AsOf: time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)}, "AsOf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rr, err := Generate(tc.table, tc.opt)
			if err == nil {
				rr.Release()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestRowCounts(t *testing.T) {
	// At scale 0.2 (20,000 users) each count lands within a few percent of
	// thelook's figures scaled down, and so does ExpectedRows.
	opt := Options{Scale: 0.2, Seed: 7}
	for _, tc := range []struct {
		table    string
		min, max int
	}{
		{"distribution_centers", 10, 10},
		{"products", 5824, 5824},
		{"users", 20000, 20000},
		{"orders", 24000, 26000},
		{"order_items", 35000, 37600},
		{"inventory_items", 94000, 102000},
		{"events", 470000, 500000},
	} {
		t.Run(tc.table, func(t *testing.T) {
			// ExpectedRows, which apply starts the biggest tables first by, is the mean the counts scatter around.
			if e := ExpectedRows(tc.table, opt.Scale); e < int64(tc.min) || e > int64(tc.max) {
				t.Errorf("ExpectedRows = %d, want %d..%d", e, tc.min, tc.max)
			}
			if testing.Short() && tc.table == "events" {
				t.Skip("events are slow under -short")
			}
			_, n := digest(t, tc.table, opt)
			if n < tc.min || n > tc.max {
				t.Fatalf("%d rows, want %d..%d", n, tc.min, tc.max)
			}
		})
	}
}

func TestDeterminism(t *testing.T) {
	for _, name := range catalog.Tables {
		t.Run(name, func(t *testing.T) {
			base, n := digest(t, name, small)
			if n == 0 {
				t.Fatal("no rows")
			}
			again, _ := digest(t, name, small)
			if again != base {
				t.Error("same options gave different rows")
			}
			// Batch boundaries, down to a handful of rows that cut through users,
			// must not change the rows.
			for _, size := range []int{1, 7, 1000} {
				opt := small
				opt.BatchSize = size
				if d, m := digest(t, name, opt); d != base || m != n {
					t.Errorf("batch size %d changed the rows (%d rows, want %d)", size, m, n)
				}
			}
			if name == "distribution_centers" {
				return // fixed rows
			}
			opt := small
			opt.Seed++
			if d, _ := digest(t, name, opt); d == base {
				t.Error("a different seed gave the same rows")
			}
			if name == "products" {
				return // the catalog has no time
			}
			opt = small
			opt.AsOf = DefaultAsOf.AddDate(0, 1, 0)
			if d, _ := digest(t, name, opt); d == base {
				t.Error("a different AsOf gave the same rows")
			}
		})
	}
}

func TestBatchSizes(t *testing.T) {
	opt := small
	opt.BatchSize = 1000
	for _, name := range catalog.Tables {
		t.Run(name, func(t *testing.T) {
			rr, err := Generate(name, opt)
			if err != nil {
				t.Fatal(err)
			}
			defer rr.Release()
			var sizes []int64
			for rr.Next() {
				sizes = append(sizes, rr.RecordBatch().NumRows())
			}
			if len(sizes) == 0 {
				t.Fatal("no batches")
			}
			for i, n := range sizes {
				last := i == len(sizes)-1
				if n == 0 || n > 1000 || (!last && n != 1000) {
					t.Fatalf("batch %d of %d has %d rows", i+1, len(sizes), n)
				}
			}
			if rr.Next() {
				t.Fatal("Next is true after the end")
			}
		})
	}
}

// TestConcurrent generates the seven tables at once, as the engine does, and
// expects the rows of a sequential run.
func TestConcurrent(t *testing.T) {
	want := map[string][32]byte{}
	for _, name := range catalog.Tables {
		want[name], _ = digest(t, name, small)
	}
	var wg sync.WaitGroup
	got := make([][32]byte, len(catalog.Tables))
	for i, name := range catalog.Tables {
		wg.Go(func() {
			rr, err := Generate(name, small)
			if err != nil {
				t.Error(err)
				return
			}
			defer rr.Release()
			got[i], _ = hash(rr)
		})
	}
	wg.Wait()
	for i, name := range catalog.Tables {
		if got[i] != want[name] {
			t.Errorf("%s: concurrent rows differ from sequential ones", name)
		}
	}
}

// TestRelease checks that a reader, drained or abandoned after one batch, and a
// batch the caller retained, give back every byte they allocated.
func TestRelease(t *testing.T) {
	for _, name := range catalog.Tables {
		for _, batches := range []int{1, math.MaxInt} {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			opt := small
			opt.BatchSize = 4096
			rr, err := generate(name, opt, mem)
			if err != nil {
				t.Fatal(err)
			}
			var kept arrow.RecordBatch
			for i := 0; i < batches && rr.Next(); i++ {
				if kept == nil {
					kept = rr.RecordBatch()
					kept.Retain()
				}
			}
			rr.Release()
			if kept == nil || kept.NumRows() == 0 {
				t.Fatalf("%s: no rows", name)
			}
			kept.Release()
			mem.AssertSize(t, 0)
		}
	}
}

// TestProductCount: the catalog scales down with the users, to at least 100
// products, and never past thelook's 29,120.
func TestProductCount(t *testing.T) {
	for _, tc := range []struct {
		scale float64
		want  int
	}{{0.0001, 100}, {0.02, 582}, {1, 29120}, {3, 29120}} {
		if got := productCount(tc.scale); got != tc.want {
			t.Errorf("scale %v: %d products, want %d", tc.scale, got, tc.want)
		}
	}
}
