package bigquery

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	gbq "cloud.google.com/go/bigquery"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/api/iterator"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/thelook"
)

// restBatchRows is the rows per Arrow batch built from REST pages: big enough that
// per-batch costs vanish, small enough to stay a few MB for the widest table.
const restBatchRows = 16 * 1024

// restReader turns a REST row iterator into Arrow batches of the model's types.
// DuckDB pulls a batch when it wants one and the iterator fetches a page when it
// runs out, so memory stays at about a page plus a batch, whatever the table's size.
type restReader struct {
	refs  atomic.Int64
	ctx   context.Context
	it    *gbq.RowIterator
	model *catalog.Model
	rb    *array.RecordBuilder
	row   []gbq.Value
	cur   arrow.RecordBatch
	err   error
	done  bool
	// checked is set once the result's columns are known to match the model.
	checked bool
}

var _ array.RecordReader = (*restReader)(nil)

func newRESTReader(ctx context.Context, it *gbq.RowIterator, m *catalog.Model) *restReader {
	return newRESTReaderOf(ctx, it, m, thelook.ArrowSchema(m))
}

// newRESTReaderOf reads rows of the given schema: the model's columns, then any
// further ones (validate: bigquery's _violations and _reject).
func newRESTReaderOf(ctx context.Context, it *gbq.RowIterator, m *catalog.Model, schema *arrow.Schema) *restReader {
	r := &restReader{ctx: ctx, it: it, model: m, rb: array.NewRecordBuilder(memory.DefaultAllocator, schema)}
	r.refs.Store(1)
	return r
}

func (r *restReader) Retain() { r.refs.Add(1) }

func (r *restReader) Release() {
	if r.refs.Add(-1) == 0 {
		r.release()
		r.rb.Release()
	}
}

func (r *restReader) release() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

func (r *restReader) Schema() *arrow.Schema          { return r.rb.Schema() }
func (r *restReader) RecordBatch() arrow.RecordBatch { return r.cur }
func (r *restReader) Record() arrow.RecordBatch      { return r.cur }
func (r *restReader) Err() error                     { return r.err }

func (r *restReader) fail(err error) bool {
	r.err = reason(r.ctx, err)
	return false
}

// Next builds the next batch from as many rows as fit.
func (r *restReader) Next() bool {
	r.release()
	if r.done || r.err != nil {
		return false
	}
	n := 0
	for n < restBatchRows {
		err := r.it.Next(&r.row)
		if errors.Is(err, iterator.Done) {
			r.done = true
			break
		}
		if err != nil {
			return r.fail(err)
		}
		if !r.checked {
			if err := r.checkSchema(); err != nil {
				return r.fail(err)
			}
			r.checked = true
		}
		if err := r.appendRow(); err != nil {
			return r.fail(err)
		}
		n++
	}
	if n == 0 {
		return false
	}
	r.cur = r.rb.NewRecordBatch()
	return true
}

// checkSchema makes sure the result's columns are the model's, in order: values are
// matched by position.
func (r *restReader) checkSchema() error {
	cols := r.rb.Schema().Fields()
	if len(r.it.Schema) != len(cols) {
		return fmt.Errorf("the query returned %d columns, the model of %s has %d", len(r.it.Schema), r.model.Table, len(cols))
	}
	for i, f := range r.it.Schema {
		if f.Name != cols[i].Name {
			return fmt.Errorf("column %d is %q, the model says %q", i+1, f.Name, cols[i].Name)
		}
	}
	return nil
}

// appendRow appends one row's values to the builders, typed by the model.
func (r *restReader) appendRow() error {
	if len(r.row) != r.rb.Schema().NumFields() {
		return fmt.Errorf("a row has %d values, want %d", len(r.row), r.rb.Schema().NumFields())
	}
	for i, v := range r.row {
		if v == nil {
			r.rb.Field(i).AppendNull()
			continue
		}
		ok := false
		switch b := r.rb.Field(i).(type) {
		case *array.Int64Builder:
			var x int64
			if x, ok = v.(int64); ok {
				b.Append(x)
			}
		case *array.Float64Builder:
			var x float64
			if x, ok = v.(float64); ok {
				b.Append(x)
			}
		case *array.StringBuilder:
			var x string
			if x, ok = v.(string); ok {
				b.Append(x)
			}
		case *array.TimestampBuilder:
			var x time.Time
			if x, ok = v.(time.Time); ok {
				b.Append(arrow.Timestamp(x.UnixMicro()))
			}
		case *array.BooleanBuilder:
			var x bool
			if x, ok = v.(bool); ok {
				b.Append(x)
			}
		case *array.ListBuilder:
			var xs []gbq.Value
			if xs, ok = v.([]gbq.Value); ok {
				b.Append(true)
				sb := b.ValueBuilder().(*array.StringBuilder)
				for _, x := range xs {
					str, isStr := x.(string)
					ok = ok && isStr
					sb.Append(str)
				}
			}
		}
		if !ok {
			f := r.rb.Schema().Field(i)
			return fmt.Errorf("column %s (%s): unexpected value %v (%T)", f.Name, f.Type, v, v)
		}
	}
	return nil
}
