package warehouse

import "github.com/apache/arrow-go/v18/arrow/array"

// countingReader tells onRows how many rows of an Arrow stream DuckDB has pulled
// so far, batch by batch, from the goroutine that pulls them.
type countingReader struct {
	array.RecordReader
	rows   int64
	onRows func(rows int64)
}

func (c *countingReader) Next() bool {
	if !c.RecordReader.Next() {
		return false
	}
	if rec := c.RecordReader.RecordBatch(); rec != nil {
		c.rows += rec.NumRows()
		c.onRows(c.rows)
	}
	return true
}

// counted wraps r so that w.OnRows hears of relation's rows as they stream in.
func (w *Warehouse) counted(relation string, r array.RecordReader) array.RecordReader {
	if w.OnRows == nil {
		return r
	}
	return &countingReader{RecordReader: r, onRows: func(n int64) { w.OnRows(relation, n) }}
}
