package sqlexpr

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// kind is what a node of a checked condition is.
type kind int

const (
	kColumn   kind = iota // name
	kConst                // val
	kCompare              // name is the operator; args: left, right
	kAnd                  // args
	kOr                   // args
	kNot                  // args[0]
	kIsNull               // args[0]; not: IS NOT NULL
	kIn                   // args[0] IN args[1:]; not: NOT IN
	kBetween              // args: input, lower, upper
	kCase                 // args: when, then, ..., else
	kCast                 // args[0]; typ; try: TRY_CAST
	kInterval             // INTERVAL args[0] name (a unit)
	kOp                   // name is + - * / // % || ^; one arg: unary minus
	kLike                 // name is LIKE, ILIKE or GLOB; args: value, pattern; not: NOT
	kCall                 // name is a key of functions
)

type node struct {
	kind kind
	name string
	args []*node
	not  bool
	try  bool
	typ  sqlType
	val  constant
}

// constant is a literal: NULL, a boolean, a number (in its canonical text) or a string.
type constant struct {
	typ  string // NULL, BOOLEAN, INTEGER, DECIMAL, DOUBLE, VARCHAR
	text string // numbers and booleans; the string's value for VARCHAR
}

// sqlType is a CAST target: a scalar DuckDB type.
type sqlType struct {
	id           string
	width, scale int // DECIMAL
}

// castTypes are the types a CAST may name, with their GoogleSQL counterparts ("" when
// there is none). DuckDB's TIMESTAMP and TIMESTAMPTZ both become BigQuery's TIMESTAMP,
// an instant: the models' timestamps are UTC.
var castTypes = map[string]string{
	"BOOLEAN": "BOOL", "TINYINT": "INT64", "SMALLINT": "INT64", "INTEGER": "INT64", "BIGINT": "INT64",
	"FLOAT": "FLOAT64", "DOUBLE": "FLOAT64", "DECIMAL": "NUMERIC", "VARCHAR": "STRING",
	"DATE": "DATE", "TIME": "TIME", "TIMESTAMP": "TIMESTAMP", "TIMESTAMP WITH TIME ZONE": "TIMESTAMP",
	"INTERVAL": "",
}

// comparisons maps DuckDB's comparison types to SQL.
var comparisons = map[string]string{
	"COMPARE_EQUAL": "=", "COMPARE_NOTEQUAL": "<>", "COMPARE_LESSTHAN": "<", "COMPARE_GREATERTHAN": ">",
	"COMPARE_LESSTHANOREQUALTO": "<=", "COMPARE_GREATERTHANOREQUALTO": ">=",
	"COMPARE_DISTINCT_FROM": "IS DISTINCT FROM", "COMPARE_NOT_DISTINCT_FROM": "IS NOT DISTINCT FROM",
}

// operators are DuckDB's operator functions: arithmetic, concatenation, LIKE family.
var operators = map[string]string{
	"+": "+", "-": "-", "*": "*", "/": "/", "//": "//", "%": "%", "||": "||", "^": "^", "**": "^",
}

var likes = map[string]struct {
	op  string
	not bool
}{
	"~~": {"LIKE", false}, "!~~": {"LIKE", true}, "~~*": {"ILIKE", false}, "!~~*": {"ILIKE", true}, "~~~": {"GLOB", false},
}

// intervalUnits maps DuckDB's to_<unit> functions, which INTERVAL n unit parses to, to the unit.
var intervalUnits = map[string]string{
	"to_microseconds": "MICROSECOND", "to_milliseconds": "MILLISECOND", "to_seconds": "SECOND",
	"to_minutes": "MINUTE", "to_hours": "HOUR", "to_days": "DAY", "to_weeks": "WEEK", "to_months": "MONTH",
	"to_quarters": "QUARTER", "to_years": "YEAR",
}

// aggregates get a clearer refusal than "not allowed".
var aggregates = map[string]bool{
	"count_star": true, "count": true, "sum": true, "avg": true, "min": true, "max": true, "any_value": true,
	"first": true, "last": true, "list": true, "array_agg": true, "string_agg": true, "median": true, "mode": true,
	"bool_and": true, "bool_or": true, "stddev": true, "variance": true, "quantile": true, "approx_count_distinct": true,
}

// maxDepth bounds nesting, so a hostile text cannot exhaust the stack.
const maxDepth = 100

const why = "a condition tests the row's own columns and cannot read other tables, files or settings"

// converter turns DuckDB's JSON tree of a WHERE clause into a checked node tree,
// refusing every node outside the allowlist.
type converter struct{ columns []string }

func (c *converter) expr(m map[string]any, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("the condition nests deeper than %d levels", maxDepth)
	}
	if m == nil {
		return nil, fmt.Errorf("the condition has a missing part")
	}
	class, typ := str(m, "class"), str(m, "type")
	kids := func(key string) ([]*node, error) { return c.list(list(m, key), depth) }
	child := func(key string) (*node, error) { return c.expr(obj(m, key), depth+1) }
	switch class {
	case "COLUMN_REF":
		return c.column(list(m, "column_names"))
	case "CONSTANT":
		return constantNode(obj(m, "value"))
	case "COMPARISON":
		op, ok := comparisons[typ]
		if !ok {
			return nil, fmt.Errorf("comparison %s is not allowed", typ)
		}
		l, err := child("left")
		if err != nil {
			return nil, err
		}
		r, err := child("right")
		if err != nil {
			return nil, err
		}
		return &node{kind: kCompare, name: op, args: []*node{l, r}}, nil
	case "CONJUNCTION":
		args, err := kids("children")
		if err != nil {
			return nil, err
		}
		k := kAnd
		if typ == "CONJUNCTION_OR" {
			k = kOr
		}
		return &node{kind: k, args: args}, nil
	case "OPERATOR":
		args, err := kids("children")
		if err != nil {
			return nil, err
		}
		switch {
		case typ == "OPERATOR_NOT" && len(args) == 1:
			return &node{kind: kNot, args: args}, nil
		case (typ == "OPERATOR_IS_NULL" || typ == "OPERATOR_IS_NOT_NULL") && len(args) == 1:
			return &node{kind: kIsNull, args: args, not: typ == "OPERATOR_IS_NOT_NULL"}, nil
		case typ == "OPERATOR_COALESCE" && len(args) >= 1:
			return &node{kind: kCall, name: "coalesce", args: args}, nil
		case (typ == "COMPARE_IN" || typ == "COMPARE_NOT_IN") && len(args) >= 2:
			return &node{kind: kIn, args: args, not: typ == "COMPARE_NOT_IN"}, nil
		case typ == "ARRAY_EXTRACT" || typ == "ARRAY_SLICE" || typ == "STRUCT_EXTRACT":
			return nil, fmt.Errorf("[...] and (...).field are not allowed: the columns are scalars")
		}
		return nil, fmt.Errorf("operator %s is not allowed", typ)
	case "BETWEEN":
		var args []*node
		for _, k := range []string{"input", "lower", "upper"} {
			a, err := child(k)
			if err != nil {
				return nil, err
			}
			args = append(args, a)
		}
		return &node{kind: kBetween, args: args}, nil
	case "CASE":
		n := &node{kind: kCase}
		for _, v := range list(m, "case_checks") {
			check, _ := v.(map[string]any)
			for _, k := range []string{"when_expr", "then_expr"} {
				a, err := c.expr(obj(check, k), depth+1)
				if err != nil {
					return nil, err
				}
				n.args = append(n.args, a)
			}
		}
		if len(n.args) == 0 {
			return nil, fmt.Errorf("CASE without WHEN")
		}
		e, err := child("else_expr")
		if err != nil {
			return nil, err
		}
		n.args = append(n.args, e)
		return n, nil
	case "CAST":
		t, err := castType(obj(m, "cast_type"))
		if err != nil {
			return nil, err
		}
		a, err := child("child")
		if err != nil {
			return nil, err
		}
		try, _ := m["try_cast"].(bool)
		return &node{kind: kCast, args: []*node{a}, typ: t, try: try}, nil
	case "FUNCTION":
		return c.function(m, depth)
	case "SUBQUERY":
		return nil, fmt.Errorf("a subquery (SELECT, EXISTS, IN (SELECT ...), ANY) is not allowed: %s", why)
	case "STAR":
		return nil, fmt.Errorf("* and COLUMNS(...) are not allowed: name the columns")
	case "WINDOW":
		return nil, fmt.Errorf("window functions (OVER) are not allowed: a condition tests one row")
	case "PARAMETER":
		return nil, fmt.Errorf("parameters ($1, ?) are not allowed: a condition takes no parameters")
	case "POSITIONAL_REFERENCE":
		return nil, fmt.Errorf("positional references (#1) are not allowed: name the column")
	case "LAMBDA":
		return nil, fmt.Errorf("lambdas are not allowed")
	case "COLLATE":
		return nil, fmt.Errorf("COLLATE is not allowed")
	}
	return nil, fmt.Errorf("%s is not allowed in a condition", strings.ToLower(strings.ReplaceAll(class, "_", " ")))
}

func (c *converter) list(vs []any, depth int) ([]*node, error) {
	var out []*node
	for _, v := range vs {
		m, _ := v.(map[string]any)
		n, err := c.expr(m, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// column resolves a column reference: one name, a column of the row. DuckDB matches
// names without regard to case; the model's spelling is kept.
func (c *converter) column(names []any) (*node, error) {
	parts := make([]string, len(names))
	for i, v := range names {
		parts[i], _ = v.(string)
	}
	if len(parts) != 1 {
		return nil, fmt.Errorf("qualified name %s is not allowed: name a column of the row (%s)", strings.Join(parts, "."), strings.Join(c.columns, ", "))
	}
	name := parts[0]
	for _, col := range c.columns {
		if col == name {
			return &node{kind: kColumn, name: col}, nil
		}
	}
	for _, col := range c.columns {
		if strings.EqualFold(col, name) {
			return &node{kind: kColumn, name: col}, nil
		}
	}
	return nil, fmt.Errorf("unknown column %s (the row has %s)", name, strings.Join(c.columns, ", "))
}

// function converts a function call: an operator, an INTERVAL, or an allowed function.
func (c *converter) function(m map[string]any, depth int) (*node, error) {
	name := strings.ToLower(str(m, "function_name"))
	switch schema := str(m, "schema"); {
	case str(m, "catalog") != "", schema != "" && schema != "main":
		return nil, fmt.Errorf("function %s.%s is not allowed: name a function without its schema", schema, name)
	case m["distinct"] == true, m["export_state"] == true, m["filter"] != nil, len(list(obj(m, "order_bys"), "orders")) > 0:
		return nil, fmt.Errorf("function %s: DISTINCT, ORDER BY, FILTER and EXPORT_STATE are not allowed in a call", name)
	case aggregates[name]:
		return nil, fmt.Errorf("aggregate %s is not allowed: a condition tests one row", strings.TrimSuffix(name, "_star"))
	}
	args, err := c.list(list(m, "children"), depth)
	if err != nil {
		return nil, err
	}
	if op, ok := operators[name]; ok && (len(args) == 2 || len(args) == 1 && op == "-") {
		return &node{kind: kOp, name: op, args: args}, nil
	}
	if l, ok := likes[name]; ok && len(args) == 2 {
		return &node{kind: kLike, name: l.op, not: l.not, args: args}, nil
	}
	if unit, ok := intervalUnits[name]; ok && len(args) == 1 {
		if n := intervalCount(args[0]); n != nil {
			return &node{kind: kInterval, name: unit, args: []*node{n}}, nil
		}
		return nil, fmt.Errorf("write INTERVAL n %s rather than %s(...)", unit, name)
	}
	f, ok := functions[name]
	if !ok {
		return nil, fmt.Errorf("function %s is not allowed in a condition (allowed: %s)", name, strings.Join(FunctionNames(), ", "))
	}
	if len(args) < f.min || f.max >= 0 && len(args) > f.max {
		return nil, fmt.Errorf("function %s takes %s", name, f.arity())
	}
	if f.check != nil {
		if err := f.check(args); err != nil {
			return nil, fmt.Errorf("function %s: %w", name, err)
		}
	}
	return &node{kind: kCall, name: name, args: args}, nil
}

// intervalCount unwraps the count of INTERVAL n unit from the casts DuckDB's parser
// puts around it: CAST(trunc(CAST(n AS DOUBLE)) AS INTEGER), or CAST(n AS DOUBLE) for
// seconds. Anything else is not an INTERVAL literal (nil).
func intervalCount(a *node) *node {
	if a.kind == kCast && !a.try && a.typ.id == "DOUBLE" {
		return a.args[0] // seconds and smaller units keep fractions
	}
	if a.kind == kCast && !a.try && (a.typ.id == "INTEGER" || a.typ.id == "BIGINT") {
		t := a.args[0]
		if t.kind == kCall && t.name == "trunc" && len(t.args) == 1 {
			if d := t.args[0]; d.kind == kCast && !d.try && d.typ.id == "DOUBLE" {
				return d.args[0]
			}
		}
	}
	return nil
}

func constantNode(v map[string]any) (*node, error) {
	if v == nil {
		return nil, fmt.Errorf("a constant has no value")
	}
	id := str(obj(v, "type"), "id")
	if v["is_null"] == true {
		return &node{kind: kConst, val: constant{typ: "NULL"}}, nil
	}
	raw := v["value"]
	n := &node{kind: kConst, val: constant{typ: id}}
	switch id {
	case "BOOLEAN":
		b, ok := raw.(bool)
		if !ok {
			return nil, fmt.Errorf("bad boolean constant")
		}
		n.val.text = strconv.FormatBool(b)
	case "INTEGER", "BIGINT":
		num, ok := raw.(json.Number)
		if _, err := strconv.ParseInt(string(num), 10, 64); !ok || err != nil {
			return nil, fmt.Errorf("bad integer constant")
		}
		n.val = constant{typ: "INTEGER", text: string(num)}
	case "DECIMAL":
		num, ok := raw.(json.Number)
		i, err := strconv.ParseInt(string(num), 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("a decimal constant with more than 18 digits is not allowed")
		}
		scale := int(intField(obj(obj(v, "type"), "type_info"), "scale"))
		n.val.text = decimalText(i, scale)
	case "DOUBLE":
		num, ok := raw.(json.Number)
		f, err := strconv.ParseFloat(string(num), 64)
		if !ok || err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("a number constant must be finite")
		}
		n.val.text = strconv.FormatFloat(f, 'e', -1, 64)
	case "VARCHAR":
		s, ok := raw.(string)
		if !ok || !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			return nil, fmt.Errorf("a string constant must be valid UTF-8 without NUL characters")
		}
		n.val.text = s
	case "HUGEINT", "UHUGEINT", "UBIGINT":
		return nil, fmt.Errorf("an integer constant must fit in 64 bits")
	default:
		return nil, fmt.Errorf("a %s constant is not allowed", id)
	}
	return n, nil
}

// decimalText writes i / 10^scale with exactly scale decimals.
func decimalText(i int64, scale int) string {
	neg := i < 0
	digits := strconv.FormatUint(uint64(i), 10)
	if neg {
		digits = strconv.FormatUint(uint64(-i), 10)
	}
	if scale > 0 {
		for len(digits) <= scale {
			digits = "0" + digits
		}
		digits = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	if neg {
		digits = "-" + digits
	}
	return digits
}

func castType(m map[string]any) (sqlType, error) {
	id := str(m, "id")
	if _, ok := castTypes[id]; !ok {
		name := id
		if id == "UNBOUND" || id == "USER" {
			name = str(obj(m, "type_info"), "name")
		}
		return sqlType{}, fmt.Errorf("CAST to %s is not allowed (the types are %s)", name, "BOOLEAN, INTEGER, BIGINT, DOUBLE, DECIMAL(w,s), VARCHAR, DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL")
	}
	t := sqlType{id: id}
	if info := obj(m, "type_info"); info != nil {
		if id != "DECIMAL" {
			return sqlType{}, fmt.Errorf("CAST to %s with parameters is not allowed", id)
		}
		t.width, t.scale = int(intField(info, "width")), int(intField(info, "scale"))
	}
	return t, nil
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

func obj(m map[string]any, k string) map[string]any { o, _ := m[k].(map[string]any); return o }

func list(m map[string]any, k string) []any { l, _ := m[k].([]any); return l }

func intField(m map[string]any, k string) int64 {
	n, _ := m[k].(json.Number)
	i, _ := strconv.ParseInt(string(n), 10, 64)
	return i
}
