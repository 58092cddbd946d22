package stages

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
)

// The CSV side of the files source: the dialect ecomrun reads with (decided here,
// never by DuckDB's sniffer, which takes '#' for a comment and a ragged row for a
// different delimiter), the file's columns from its header, and an independent
// count of its records.

// delimiterCandidates are tried, in order, when a spec names no delimiter.
var delimiterCandidates = []string{",", ";", "\t", "|"}

// utf8BOM is stripped from the start of a file, as DuckDB's reader does.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// csvDialect is how one table's file is read.
type csvDialect struct {
	spec.CSV
	// detected says the delimiter was chosen from the header, not named by the spec.
	detected bool
	// columns are the file's columns in file order: from the header, or the model's.
	columns []string
}

// readCSVDialect decides how to read path: the spec's keys, and for the delimiter
// (when the spec names none) the candidate that splits the header into the most of
// the model's column names.
func readCSVDialect(path string, d spec.CSV, model []string) (csvDialect, error) {
	out := csvDialect{CSV: d}
	if !*d.Header {
		if out.Delimiter == "" {
			out.Delimiter = ","
		}
		out.columns = model
		return out, nil
	}
	header, err := headerLine(path, d.MaxLineSize)
	if err != nil {
		return out, err
	}
	if out.Delimiter == "" {
		out.detected = true
		out.Delimiter, out.columns = ",", splitHeader(header, ",", d.Quote, d.Escape)
		best := matches(out.columns, model)
		for _, c := range delimiterCandidates[1:] {
			cols := splitHeader(header, c, d.Quote, d.Escape)
			if n := matches(cols, model); n > best {
				out.Delimiter, out.columns, best = c, cols, n
			}
		}
	} else {
		out.columns = splitHeader(header, out.Delimiter, d.Quote, d.Escape)
	}
	if len(header) == 0 {
		out.columns = nil // an empty file: no columns, no records
	}
	for i, c := range out.columns {
		if c == "" { // pandas' index column has no name: it is column<N>, as its place says
			out.columns[i] = fmt.Sprintf("column%d", i+1)
		}
	}
	return out, nil
}

func matches(cols, model []string) int {
	n := 0
	for _, c := range cols {
		for _, m := range model {
			if strings.EqualFold(c, m) {
				n++
				break
			}
		}
	}
	return n
}

// headerLine is the file's first line without its BOM and line end. A header in
// quotes spanning lines is not supported: column names have no line breaks.
func headerLine(path string, max int64) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	r := bufio.NewReader(io.LimitReader(f, max))
	line, err := r.ReadBytes('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	line = bytes.TrimPrefix(line, utf8BOM)
	return strings.TrimRight(string(line), "\r\n"), nil
}

// splitHeader splits one line into fields: quoted fields may hold the delimiter.
func splitHeader(line, delim, quote, escape string) []string {
	var (
		fields []string
		cur    strings.Builder
		inQ    bool
	)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case inQ && escape != quote && c == escape[0] && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
		case inQ && c == quote[0]:
			if escape == quote && i+1 < len(line) && line[i+1] == quote[0] {
				cur.WriteByte(c)
				i++
			} else {
				inQ = false
			}
		case !inQ && c == quote[0]:
			inQ = true
		case !inQ && c == delim[0]:
			fields = append(fields, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(fields, cur.String())
}

// reader is the DuckDB table function reading the file as text, column by column,
// in this dialect: nothing is typed by the reader (its casts round 1.5 into an
// integer and turn 2024-02-30 into NULL without a word), and a record it cannot
// parse is kept aside in rejects with its line and text instead of failing the read.
func (d csvDialect) reader(path, rejects, scan string) string {
	cols := make([]string, len(d.columns))
	for i, c := range d.columns {
		cols[i] = fmt.Sprintf("%s: 'VARCHAR'", sqlq.String(c))
	}
	opts := []string{
		"auto_detect = false",
		fmt.Sprintf("header = %t", *d.Header),
		"delim = " + sqlq.String(d.Delimiter),
		"quote = " + sqlq.String(d.Quote),
		"escape = " + sqlq.String(d.Escape),
		"comment = ''",
		"encoding = " + sqlq.String(d.Encoding),
		fmt.Sprintf("max_line_size = %d", d.MaxLineSize),
		"strict_mode = true",
		"null_padding = false",
		"columns = {" + strings.Join(cols, ", ") + "}",
	}
	if rejects != "" {
		opts = append(opts, "store_rejects = true", "rejects_table = "+sqlq.String(rejects), "rejects_scan = "+sqlq.String(scan))
	}
	return fmt.Sprintf("read_csv(%s, %s)", sqlq.String(path), strings.Join(opts, ", "))
}

// describe is the dialect in a few words, for plan.
func (d csvDialect) describe() string {
	delim := d.Delimiter
	if d.detected || delim == "" {
		delim = "detected from the header (, ; tab |)"
	} else if delim == "\t" {
		delim = "tab"
	}
	return fmt.Sprintf("delimiter %s, quote %s, escape %s, header %t, no comment character, %s, records up to %d bytes",
		delim, d.Quote, d.Escape, *d.Header, d.Encoding, d.MaxLineSize)
}

// countRecords counts the file's records independently of DuckDB: line ends outside
// quoted fields, less blank lines (DuckDB skips them: they hold no value), plus a
// last record without a line end, less the header. It reads the file once.
func countRecords(path string, d csvDialect) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	c := recordCounter{quote: d.Quote[0], escape: d.Escape[0], delim: d.Delimiter[0], atStart: true}
	buf := make([]byte, 1<<20)
	first := true
	for {
		n, err := f.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			if first {
				chunk = bytes.TrimPrefix(chunk, utf8BOM)
				first = false
			}
			c.feed(chunk)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	n := c.finish()
	if *d.Header && n > 0 {
		n--
	}
	return n, nil
}

// recordCounter is a CSV record state machine that only tracks what delimits records.
type recordCounter struct {
	quote, escape, delim byte
	records              int64
	inQuotes             bool
	// atStart: at the start of a field (a quote opens a quoted field only there).
	atStart bool
	// empty: nothing but a carriage return since the last line end (a blank line so far).
	empty   bool
	started bool // the current line has begun
	escaped bool // the previous byte was an escape inside quotes
	// lastWasQuote: the previous byte closed a quoted field, or began a doubled quote.
	lastWasQuote bool
}

func (c *recordCounter) feed(b []byte) {
	// The fast path: a chunk without quote bytes while outside quotes is counted
	// by line ends alone, minus its blank lines.
	if !c.inQuotes && bytes.IndexByte(b, c.quote) < 0 && (c.escape == c.quote || bytes.IndexByte(b, c.escape) < 0) {
		c.fast(b)
		return
	}
	for _, x := range b {
		c.step(x)
	}
}

func (c *recordCounter) fast(b []byte) {
	c.lastWasQuote = false
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			for _, x := range b {
				c.step(x)
			}
			return
		}
		if (c.started && !c.empty) || len(bytes.Trim(b[:i], "\r")) > 0 {
			c.records++
		}
		c.started, c.empty, c.atStart = false, false, true
		b = b[i+1:]
	}
}

func (c *recordCounter) step(x byte) {
	if c.inQuotes {
		switch {
		case c.escaped:
			c.escaped = false
		case c.escape != c.quote && x == c.escape:
			c.escaped = true
		case x == c.quote:
			c.inQuotes = false // a doubled quote reopens at once, below
			c.atStart = false
			c.lastWasQuote = true
			return
		}
		return
	}
	if c.lastWasQuote && x == c.quote && c.escape == c.quote {
		c.lastWasQuote = false
		c.inQuotes = true // "" inside a quoted field
		return
	}
	c.lastWasQuote = false
	switch x {
	case '\n':
		if c.started && !c.empty {
			c.records++
		}
		c.started, c.empty, c.atStart = false, false, true
		return
	case '\r':
		if !c.started {
			c.started, c.empty = true, true
		}
		return
	}
	c.started, c.empty = true, false
	switch {
	case x == c.delim:
		c.atStart = true
	case x == c.quote && c.atStart:
		c.inQuotes = true
	default:
		c.atStart = false
	}
}

// finish counts a last record that has no line end (or an unterminated quote).
func (c *recordCounter) finish() int64 {
	if (c.started && !c.empty) || c.inQuotes {
		c.records++
	}
	return c.records
}

// sourceLines maps line numbers of DuckDB's CSV reader, which counts a quoted
// field's line breaks as none, to the physical line each of those rows starts on,
// for the rows in want. It scans the file once, with the record counter's rules.
func sourceLines(path string, d csvDialect, want map[int64]bool) (map[int64]int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c := recordCounter{quote: d.Quote[0], escape: d.Escape[0], delim: d.Delimiter[0], atStart: true}
	out := map[int64]int64{}
	row, line := int64(1), int64(1)
	if want[row] {
		out[row] = line
	}
	r := bufio.NewReaderSize(f, 1<<20)
	if b, err := r.Peek(len(utf8BOM)); err == nil && bytes.Equal(b, utf8BOM) {
		_, _ = r.Discard(len(utf8BOM))
	}
	for len(out) < len(want) {
		x, err := r.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		quoted := c.inQuotes
		c.step(x)
		if x != '\n' {
			continue
		}
		line++
		if !quoted {
			row++
			if want[row] {
				out[row] = line
			}
		}
	}
	return out, nil
}
