package sqlexpr

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// render writes a checked tree as SQL of dialect d. Every compound expression is
// parenthesised, so precedence never depends on the dialect; identifiers and strings
// are quoted by the dialect's rules.
func render(n *node, d Dialect) (string, error) {
	r := renderer{d: d}
	s := r.expr(n)
	return s, r.err
}

type renderer struct {
	d   Dialect
	err error
}

func (r *renderer) fail(format string, args ...any) string {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
	return ""
}

func (r *renderer) all(ns []*node) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = r.expr(n)
	}
	return out
}

func (r *renderer) expr(n *node) string {
	google := r.d == GoogleSQL
	a := r.all(n.args)
	not := func(s string) string {
		if n.not {
			return "NOT " + s
		}
		return s
	}
	switch n.kind {
	case kColumn:
		return r.ident(n.name)
	case kConst:
		return r.constant(n.val)
	case kCompare:
		return "(" + a[0] + " " + n.name + " " + a[1] + ")"
	case kAnd:
		return "(" + strings.Join(a, " AND ") + ")"
	case kOr:
		return "(" + strings.Join(a, " OR ") + ")"
	case kNot:
		return "(NOT " + a[0] + ")"
	case kIsNull:
		return "(" + a[0] + " IS " + not("NULL") + ")"
	case kIn:
		return "(" + a[0] + " " + not("IN") + " (" + strings.Join(a[1:], ", ") + "))"
	case kBetween:
		return "(" + a[0] + " BETWEEN " + a[1] + " AND " + a[2] + ")"
	case kCase:
		var b strings.Builder
		b.WriteString("CASE")
		for i := 0; i+1 < len(a); i += 2 {
			b.WriteString(" WHEN " + a[i] + " THEN " + a[i+1])
		}
		b.WriteString(" ELSE " + a[len(a)-1] + " END")
		return b.String()
	case kCast:
		fn := "CAST"
		if n.try {
			fn = "TRY_CAST"
			if google {
				fn = "SAFE_CAST"
			}
		}
		return fn + "(" + a[0] + " AS " + r.typ(n.typ) + ")"
	case kInterval:
		count := a[0]
		if c := n.args[0]; c.kind != kConst || c.val.typ != "INTEGER" {
			count = "(" + count + ")" // DuckDB takes a bare count only as an integer
		}
		return "INTERVAL " + count + " " + n.name
	case kOp:
		return r.op(n, a)
	case kLike:
		switch {
		case n.name == "ILIKE" && google:
			return "(LOWER(" + a[0] + ") " + not("LIKE") + " LOWER(" + a[1] + "))"
		case n.name == "GLOB" && google:
			return r.fail("GLOB has no BigQuery translation: use LIKE")
		}
		return "(" + a[0] + " " + not(n.name) + " " + a[1] + ")"
	case kCall:
		return r.call(n, a)
	}
	return r.fail("internal error: node kind %d", n.kind)
}

func (r *renderer) op(n *node, a []string) string {
	if len(a) == 1 {
		return "(- " + a[0] + ")"
	}
	if r.d == DuckDB {
		return "(" + a[0] + " " + n.name + " " + a[1] + ")"
	}
	switch n.name {
	case "//":
		return "DIV(" + a[0] + ", " + a[1] + ")"
	case "%":
		return "MOD(" + a[0] + ", " + a[1] + ")"
	case "^":
		return "POW(" + a[0] + ", " + a[1] + ")"
	case "-", "+":
		// ts - INTERVAL n unit is TIMESTAMP_SUB(ts, INTERVAL n unit) in BigQuery.
		fn := map[string]string{"-": "TIMESTAMP_SUB", "+": "TIMESTAMP_ADD"}[n.name]
		switch {
		case n.args[1].kind == kInterval:
			return r.timestampArith(fn, a[0], n.args[1], a[1])
		case n.args[0].kind == kInterval && n.name == "+":
			return r.timestampArith(fn, a[1], n.args[0], a[0])
		case n.args[0].kind == kInterval:
			return r.fail("INTERVAL - x has no BigQuery translation")
		}
	}
	return "(" + a[0] + " " + n.name + " " + a[1] + ")"
}

func (r *renderer) timestampArith(fn, ts string, interval *node, rendered string) string {
	if !slices.Contains(googleIntervalUnits, interval.name) {
		return r.fail("%s takes intervals of %s, not %s", fn, strings.Join(googleIntervalUnits, ", "), interval.name)
	}
	return fn + "(" + ts + ", " + rendered + ")"
}

func (r *renderer) call(n *node, a []string) string {
	f := functions[n.name]
	if r.d == GoogleSQL {
		if f.google == nil {
			return r.fail("function %s has no BigQuery translation", n.name)
		}
		s, err := f.google(a, n.args)
		if err != nil {
			return r.fail("%v", err)
		}
		return s
	}
	switch n.name {
	case "timestamp_sub":
		return "(" + a[0] + " - " + a[1] + ")"
	case "timestamp_add":
		return "(" + a[0] + " + " + a[1] + ")"
	}
	name := n.name
	if f.duckdb != "" {
		name = f.duckdb
	}
	return name + "(" + strings.Join(a, ", ") + ")"
}

func (r *renderer) typ(t sqlType) string {
	if r.d == DuckDB {
		if t.id == "DECIMAL" && t.width > 0 {
			return fmt.Sprintf("DECIMAL(%d, %d)", t.width, t.scale)
		}
		return t.id
	}
	g := castTypes[t.id]
	if g == "" {
		return r.fail("CAST to %s has no BigQuery translation", t.id)
	}
	if t.id == "DECIMAL" && t.width > 0 {
		return fmt.Sprintf("NUMERIC(%d, %d)", t.width, t.scale)
	}
	return g
}

// ident quotes a column name: "x" in DuckDB (quotes doubled), `x` in GoogleSQL
// (backslash escapes).
func (r *renderer) ident(name string) string {
	if r.d == DuckDB {
		return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
	}
	return "`" + googleEscape(name, '`') + "`"
}

func (r *renderer) constant(c constant) string {
	switch c.typ {
	case "NULL":
		return "NULL"
	case "BOOLEAN":
		return strings.ToUpper(c.text)
	case "VARCHAR":
		if r.d == DuckDB {
			return "'" + strings.ReplaceAll(c.text, "'", "''") + "'"
		}
		return "'" + googleEscape(c.text, '\'') + "'"
	}
	if strings.HasPrefix(c.text, "-") {
		return "(" + c.text + ")"
	}
	return c.text
}

// googleEscape escapes s for a GoogleSQL quoted string or identifier: backslash,
// the quote, and every control character, so the text stays on one line.
func googleEscape(s string, quote rune) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == '\\' || c == quote:
			b.WriteRune('\\')
			b.WriteRune(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c == 0x7f:
			b.WriteString(`\x` + fmt.Sprintf("%02x", c))
		case c == 0x2028 || c == 0x2029 || c == 0x85:
			b.WriteString(`\u` + strconv.FormatInt(int64(c)|0x10000, 16)[1:])
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}
