// Package sqlq quotes identifiers and literals for DuckDB SQL, so that no name or
// value from a spec is ever pasted into a statement as it stands.
package sqlq

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Ident quotes an identifier: "name", with embedded quotes doubled.
func Ident(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// Qualified quotes a dotted name part by part: schema.table -> "schema"."table".
func Qualified(parts ...string) string {
	q := make([]string, len(parts))
	for i, p := range parts {
		q[i] = Ident(p)
	}
	return strings.Join(q, ".")
}

// String quotes a string literal: 'value', with embedded quotes doubled.
func String(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// Literal renders a YAML scalar (string, integer, float, boolean) as a SQL literal.
func Literal(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return String(x), nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", fmt.Errorf("%v is not a finite number", x)
		}
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	}
	return "", fmt.Errorf("%v (%T) is not a string, number or boolean", v, v)
}
