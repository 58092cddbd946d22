package thelook

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/ecomrun/ecomrun/pkg/catalog"
)

// table is a generated table read back into Go values: int64, float64, string,
// int64 microseconds for timestamps, nil for NULL.
type table struct {
	name string
	cols map[string]int
	rows [][]any
}

// get returns the value of a column in row i; an unknown column fails the test run.
func (t *table) get(i int, col string) any {
	c, ok := t.cols[col]
	if !ok {
		panic(fmt.Sprintf("%s has no column %q", t.name, col))
	}
	return t.rows[i][c]
}

func (t *table) int(i int, col string) int64     { return t.get(i, col).(int64) }
func (t *table) float(i int, col string) float64 { return t.get(i, col).(float64) }
func (t *table) str(i int, col string) string    { return t.get(i, col).(string) }

// time returns a timestamp column, 0 for NULL.
func (t *table) time(i int, col string) int64 {
	v, _ := t.get(i, col).(int64)
	return v
}

// load generates a table and reads every batch back, checking each batch against
// the schema of the model.
func load(t testing.TB, name string, opt Options) *table {
	t.Helper()
	rr, err := Generate(name, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	want := ArrowSchema(catalog.Lookup(name))
	tb := &table{name: name, cols: map[string]int{}}
	for i, f := range want.Fields() {
		tb.cols[f.Name] = i
	}
	for rr.Next() {
		rec := rr.RecordBatch()
		if !rec.Schema().Equal(want) {
			t.Fatalf("%s: batch schema %s, want %s", name, rec.Schema(), want)
		}
		for i := range int(rec.NumRows()) {
			row := make([]any, rec.NumCols())
			for c, col := range rec.Columns() {
				row[c] = value(col, i)
			}
			tb.rows = append(tb.rows, row)
		}
	}
	if err := rr.Err(); err != nil {
		t.Fatal(err)
	}
	return tb
}

func value(col arrow.Array, i int) any {
	if col.IsNull(i) {
		return nil
	}
	switch a := col.(type) {
	case *array.Int64:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		return strings.Clone(a.Value(i)) // Value aliases the batch, which is released

	case *array.Timestamp:
		return int64(a.Value(i))
	}
	panic(fmt.Sprintf("unexpected array type %s", col.DataType()))
}

// digest generates a table and hashes it, see hash.
func digest(t testing.TB, name string, opt Options) ([32]byte, int) {
	t.Helper()
	rr, err := Generate(name, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	return hash(rr)
}

// hash hashes a reader's values row by row, so it does not depend on how the rows
// were cut into batches, and returns it with the row count.
func hash(rr array.RecordReader) ([32]byte, int) {
	h := sha256.New()
	var buf []byte
	rows := 0
	for rr.Next() {
		rec := rr.RecordBatch()
		for i := range int(rec.NumRows()) {
			for _, col := range rec.Columns() {
				buf = buf[:0]
				switch v := value(col, i).(type) {
				case nil:
					buf = append(buf, 'N')
				case int64:
					buf = binary.LittleEndian.AppendUint64(append(buf, 'I'), uint64(v))
				case float64:
					buf = binary.LittleEndian.AppendUint64(append(buf, 'F'), math.Float64bits(v))
				case string:
					buf = binary.LittleEndian.AppendUint32(append(buf, 'S'), uint32(len(v)))
					buf = append(buf, v...)
				}
				h.Write(buf)
			}
		}
		rows += int(rec.NumRows())
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum, rows
}
