package sqlexpr

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Function is an allowed function: pure, scalar, reading nothing but its arguments.
type Function struct {
	min, max int // arity; max -1: any
	// duckdb is the name rendered for DuckDB ("" keeps the key).
	duckdb string
	// google renders the call in GoogleSQL from the rendered arguments and the nodes;
	// nil means there is no translation.
	google func(args []string, n []*node) (string, error)
	// check refuses arguments the renderings cannot carry (a part name that is not a constant).
	check func(n []*node) error
}

func (f Function) arity() string {
	switch {
	case f.min == f.max:
		return fmt.Sprintf("%d argument(s)", f.min)
	case f.max < 0:
		return fmt.Sprintf("%d or more arguments", f.min)
	}
	return fmt.Sprintf("%d to %d arguments", f.min, f.max)
}

// same renders NAME(args) in GoogleSQL.
func same(name string) func([]string, []*node) (string, error) {
	return func(a []string, _ []*node) (string, error) { return name + "(" + strings.Join(a, ", ") + ")", nil }
}

// functions are the functions a condition may call, by DuckDB name (lower case).
// Those without a GoogleSQL rendering work in DuckDB only: a where: of a bigquery
// source that uses one is refused at validate time.
var functions = map[string]Function{
	// Text.
	"lower":       {min: 1, max: 1, google: same("LOWER")},
	"upper":       {min: 1, max: 1, google: same("UPPER")},
	"trim":        {min: 1, max: 2, google: same("TRIM")},
	"ltrim":       {min: 1, max: 2, google: same("LTRIM")},
	"rtrim":       {min: 1, max: 2, google: same("RTRIM")},
	"length":      {min: 1, max: 1, google: same("LENGTH")},
	"len":         {min: 1, max: 1, duckdb: "length", google: same("LENGTH")},
	"strlen":      {min: 1, max: 1, google: same("BYTE_LENGTH")},
	"substring":   {min: 2, max: 3, google: same("SUBSTR")},
	"substr":      {min: 2, max: 3, duckdb: "substring", google: same("SUBSTR")},
	"left":        {min: 2, max: 2, google: same("LEFT")},
	"right":       {min: 2, max: 2, google: same("RIGHT")},
	"replace":     {min: 3, max: 3, google: same("REPLACE")},
	"reverse":     {min: 1, max: 1, google: same("REVERSE")},
	"starts_with": {min: 2, max: 2, google: same("STARTS_WITH")},
	"ends_with":   {min: 2, max: 2, google: same("ENDS_WITH")},
	"contains": {min: 2, max: 2, google: func(a []string, _ []*node) (string, error) {
		return "(STRPOS(" + a[0] + ", " + a[1] + ") > 0)", nil
	}},
	"strpos":         {min: 2, max: 2, google: same("STRPOS")},
	"instr":          {min: 2, max: 2, duckdb: "strpos", google: same("STRPOS")},
	"concat":         {min: 1, max: -1}, // DuckDB skips NULLs, BigQuery returns NULL: use ||
	"md5":            {min: 1, max: 1, google: func(a []string, _ []*node) (string, error) { return "TO_HEX(MD5(" + a[0] + "))", nil }},
	"regexp_matches": {min: 2, max: 2, google: same("REGEXP_CONTAINS")},
	"regexp_full_match": {min: 2, max: 2, google: func(a []string, _ []*node) (string, error) {
		return "REGEXP_CONTAINS(" + a[0] + ", CONCAT('^(?:', " + a[1] + ", ')$'))", nil
	}},
	"like_escape": {min: 3, max: 3}, // BigQuery's LIKE has no ESCAPE

	// Numbers.
	"abs":     {min: 1, max: 1, google: same("ABS")},
	"ceil":    {min: 1, max: 1, google: same("CEIL")},
	"ceiling": {min: 1, max: 1, duckdb: "ceil", google: same("CEIL")},
	"floor":   {min: 1, max: 1, google: same("FLOOR")},
	"round":   {min: 1, max: 2, google: same("ROUND")},
	"trunc":   {min: 1, max: 1, google: same("TRUNC")},
	"sign":    {min: 1, max: 1, google: same("SIGN")},
	"sqrt":    {min: 1, max: 1, google: same("SQRT")},
	"power":   {min: 2, max: 2, google: same("POW")},
	"pow":     {min: 2, max: 2, duckdb: "power", google: same("POW")},
	"ln":      {min: 1, max: 1, google: same("LN")},
	"log10":   {min: 1, max: 1, google: same("LOG10")},
	"exp":     {min: 1, max: 1, google: same("EXP")},
	"isnan":   {min: 1, max: 1, google: same("IS_NAN")},
	"isinf":   {min: 1, max: 1, google: same("IS_INF")},

	// NULL handling. DuckDB's greatest and least skip NULLs, BigQuery's return NULL.
	"coalesce": {min: 1, max: -1, google: same("COALESCE")},
	"ifnull":   {min: 2, max: 2, google: same("IFNULL")},
	"nullif":   {min: 2, max: 2, google: same("NULLIF")},
	"greatest": {min: 1, max: -1},
	"least":    {min: 1, max: -1},

	// Time. EXTRACT(part FROM x) parses to date_part('part', x).
	"date_part": {min: 2, max: 2, check: partConstant(extractParts), google: func(a []string, n []*node) (string, error) {
		p := extractParts[n[0].val.text]
		if p == "" {
			return "", fmt.Errorf("EXTRACT(%s ...) has no BigQuery translation", n[0].val.text)
		}
		if p == "DAYOFWEEK" { // DuckDB counts from 0 (Sunday), BigQuery from 1
			return "(EXTRACT(DAYOFWEEK FROM " + a[1] + ") - 1)", nil
		}
		return "EXTRACT(" + p + " FROM " + a[1] + ")", nil
	}},
	"date_trunc": {min: 2, max: 2, check: partConstant(truncParts), google: func(a []string, n []*node) (string, error) {
		return "TIMESTAMP_TRUNC(" + a[1] + ", " + truncParts[n[0].val.text] + ")", nil
	}},
	// date_diff counts boundaries crossed, BigQuery's TIMESTAMP_DIFF whole units: DuckDB only.
	"date_diff":             {min: 3, max: 3, check: partConstant(truncParts)},
	"datediff":              {min: 3, max: 3, duckdb: "date_diff", check: partConstant(truncParts)},
	"now":                   {min: 0, max: 0, google: same("CURRENT_TIMESTAMP")},
	"current_timestamp":     {min: 0, max: 0, duckdb: "now", google: same("CURRENT_TIMESTAMP")},
	"get_current_timestamp": {min: 0, max: 0, duckdb: "now", google: same("CURRENT_TIMESTAMP")},
	"current_date":          {min: 0, max: 0, google: same("CURRENT_DATE")},
	"today":                 {min: 0, max: 0, duckdb: "current_date", google: same("CURRENT_DATE")},
	// BigQuery's names, accepted so a where: written for BigQuery reads the same in
	// both: DuckDB renders them as ts - interval and ts + interval.
	"timestamp_sub": {min: 2, max: 2, check: secondIsInterval, google: same("TIMESTAMP_SUB")},
	"timestamp_add": {min: 2, max: 2, check: secondIsInterval, google: same("TIMESTAMP_ADD")},
}

// extractParts are the parts EXTRACT and date_part take, with BigQuery's name ("" when
// its meaning differs there).
var extractParts = map[string]string{
	"year": "YEAR", "quarter": "QUARTER", "month": "MONTH", "day": "DAY", "hour": "HOUR", "minute": "MINUTE",
	"second": "SECOND", "millisecond": "", "microsecond": "", "week": "ISOWEEK", "isoyear": "ISOYEAR",
	"dayofweek": "DAYOFWEEK", "dow": "DAYOFWEEK", "dayofyear": "DAYOFYEAR", "doy": "DAYOFYEAR", "epoch": "",
}

// truncParts are the parts date_trunc and date_diff take, with BigQuery's names.
var truncParts = map[string]string{
	"year": "YEAR", "quarter": "QUARTER", "month": "MONTH", "week": "ISOWEEK", "day": "DAY", "hour": "HOUR",
	"minute": "MINUTE", "second": "SECOND",
}

// googleIntervalUnits are the units TIMESTAMP_SUB and TIMESTAMP_ADD take.
var googleIntervalUnits = []string{"MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY"}

func partConstant(parts map[string]string) func([]*node) error {
	return func(n []*node) error {
		p := n[0]
		if p.kind != kConst || p.val.typ != "VARCHAR" {
			return fmt.Errorf("the part must be a constant such as 'day'")
		}
		p.val.text = strings.ToLower(p.val.text)
		if _, ok := parts[p.val.text]; !ok {
			names := make([]string, 0, len(parts))
			for k := range parts {
				names = append(names, k)
			}
			slices.Sort(names)
			return fmt.Errorf("unknown part %s (the parts are %s)", strconv.Quote(p.val.text), strings.Join(names, ", "))
		}
		return nil
	}
}

func secondIsInterval(n []*node) error {
	if n[1].kind != kInterval {
		return fmt.Errorf("the second argument must be INTERVAL n unit")
	}
	return nil
}

// FunctionNames lists the functions a condition may call, sorted.
func FunctionNames() []string {
	names := make([]string, 0, len(functions))
	for k := range functions {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}
