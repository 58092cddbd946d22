package thelook

import (
	"fmt"
	"strconv"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/ecomrun/ecomrun/pkg/catalog"
)

// timestampType is the Arrow type of TIMESTAMP columns: BigQuery's microseconds, in UTC.
var timestampType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

// ArrowSchema returns the Arrow schema of a model: INT64 -> int64, FLOAT64 -> float64,
// STRING and GEOGRAPHY (WKT text) -> utf8, TIMESTAMP -> timestamp[us, tz=UTC]. Every
// field is nullable, as every BigQuery column of thelook is; Required is a rule.
func ArrowSchema(m *catalog.Model) *arrow.Schema {
	fields := make([]arrow.Field, len(m.Columns))
	for i, c := range m.Columns {
		var t arrow.DataType
		switch c.Type {
		case catalog.Int64:
			t = arrow.PrimitiveTypes.Int64
		case catalog.Float64:
			t = arrow.PrimitiveTypes.Float64
		case catalog.Timestamp:
			t = timestampType
		case catalog.Bool:
			t = arrow.FixedWidthTypes.Boolean
		default: // STRING; GEOGRAPHY as WKT; the other types as text to convert
			t = arrow.BinaryTypes.String
		}
		fields[i] = arrow.Field{Name: c.Name, Type: t, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// binder hands a source the builders of its columns by name, so sources do not
// depend on the column order of the catalog's models, and notes the expected bytes per value
// of text columns, so a batch reserves its text at once instead of growing it by
// doubling. A wrong name is a programming error every test run hits: it panics.
type binder struct {
	rb    *array.RecordBuilder
	width []int // by field index; 0 for non-text columns
}

func field[T array.Builder](b *binder, name string) (T, int) {
	idx := b.rb.Schema().FieldIndices(name)
	if len(idx) != 1 {
		panic(fmt.Sprintf("thelook: schema has no single column %q", name))
	}
	f, ok := b.rb.Field(idx[0]).(T)
	if !ok {
		panic(fmt.Sprintf("thelook: column %q is %s", name, b.rb.Field(idx[0]).Type()))
	}
	return f, idx[0]
}

func (b *binder) int64s(name string) ints {
	f, _ := field[ints](b, name)
	return f
}

func (b *binder) float64s(name string) floats {
	f, _ := field[floats](b, name)
	return f
}

func (b *binder) times(name string) stamps {
	f, _ := field[stamps](b, name)
	return f
}

// text binds a string column whose values take about width bytes.
func (b *binder) text(name string, width int) strs {
	f, i := field[strs](b, name)
	b.width[i] = width
	return f
}

type (
	ints   = *array.Int64Builder
	floats = *array.Float64Builder
	strs   = *array.StringBuilder
	stamps = *array.TimestampBuilder
)

// appendString appends s without the copy StringBuilder.Append makes to turn it
// into a []byte: the builder copies the bytes into its own buffer anyway.
func appendString(b strs, s string) {
	b.BinaryBuilder.Append(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// appendTime appends a timestamp, or NULL for 0 (no thelook time is the epoch).
func appendTime(b stamps, us int64) {
	if us == 0 {
		b.AppendNull()
		return
	}
	b.Append(arrow.Timestamp(us))
}

// appendPoint appends a WKT point, POINT(lon lat), built in scratch.
func appendPoint(b strs, scratch []byte, lon, lat float64) []byte {
	scratch = append(scratch[:0], "POINT("...)
	scratch = strconv.AppendFloat(scratch, lon, 'f', -1, 64)
	scratch = append(scratch, ' ')
	scratch = strconv.AppendFloat(scratch, lat, 'f', -1, 64)
	scratch = append(scratch, ')')
	b.BinaryBuilder.Append(scratch)
	return scratch
}
