// Package exact converts a file's values to a model's types exactly, in DuckDB SQL:
// the one place that says when a text or a typed value is a value of a type.
package exact

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/catalog"
)

// Exact conversion of a file's values to the model's types. DuckDB's own casts are
// lenient in ways that change data: '1.5', '1e3', '1_000' and '0x1F' all cast to
// BIGINT (1.5 as 2), '1e400' casts to infinity, a timestamp with seven fractional
// digits loses the seventh, and the CSV reader turns 2024-02-30 into NULL. So a
// value converts only when it represents a value of the type exactly; otherwise the
// conversion gives NULL and the row is set aside under type_<column> with the
// original text. NULL stays NULL.

// Text patterns a value must match besides casting.
const (
	// An integer, optionally written with a zero fraction (60.0, as pandas writes a
	// column of integers with gaps); surrounding blanks are allowed.
	intPattern = `^\s*[+-]?[0-9]+(\.0*)?\s*$`
	// The spellings of infinity DuckDB reads, which must be written out to mean it.
	infPattern = `(?i)^\s*[+-]?inf(inity)?\s*$`
	// A fraction finer than microseconds that is not zero: TIMESTAMPTZ would drop it.
	subMicroPattern = `\.[0-9]{6}[0-9]*[1-9]`
	// BigQueryUTC is BigQuery's export form, 2024-06-23 23:41:55.000000 UTC (the fraction optional).
	// DuckDB resolves a zone name through ICU, 18x slower than an offset, so this form
	// is cast as the same instant written with +00 (TestFilesSourceParsesBigQueryTimestampsExactly).
	// Its clock is checked as timestampPattern's, so that a value of this form needs no
	// other pattern: one regular expression and a cast, 2.5x faster than the general path.
	BigQueryUTC = `[0-9]{4}-[0-9]{2}-[0-9]{2}[ T]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})? UTC`
	// NUMERIC holds 29 digits before the point and 9 after; a finer fraction that is
	// not zero would be rounded by the cast.
	// consoleGlob and secondsGlob are BigQuery's two export forms exactly,
	// 2024-06-23 23:41:55.000000 UTC and 2024-04-14 05:27:33 UTC: every digit in its
	// place, so with hour 24 ruled out the cast reads them exactly. A glob and a
	// substr are 40% cheaper than BigQueryUTC's expression and a left().
	consoleGlob    = secondsPrefix + `.[0-9][0-9][0-9][0-9][0-9][0-9] UTC`
	secondsGlob    = secondsPrefix + ` UTC`
	secondsPrefix  = `[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]`
	numericPattern = `\s*[+-]?[0-9]{1,29}(\.[0-9]{0,9}0*)?\s*`
	// A DATE; a DATETIME (civil: no zone or offset, which the cast would drop); a
	// TIMESTAMP, whose zone is Z, UTC or an offset of at most 14 hours. The time of
	// day runs to 23:59:59: DuckDB's casts read 24:00:00 as the next day, and
	// 'epoch', 'infinity' or a zone of +25:00 as instants.
	datePattern      = `\s*` + date + `\s*`
	datetimePattern  = `\s*` + date + `([ T]` + clock + `)?\s*`
	timestampPattern = `\s*` + date + `([ T]` + clock + `)?\s*(Z|z|UTC|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?\s*`
	date             = `[0-9]{4}-[0-9]{2}-[0-9]{2}`
	clock            = `([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?`
)

// Convert returns the SQL converting column q, of DuckDB type src in the file, to
// the model type t, NULL when the value is not exactly one of t; lossless says no
// value can fail (the types agree, or every value of src fits t).
func Convert(q, src string, t catalog.Type) (expr string, lossless bool) {
	want := t.DuckDB()
	src = strings.ToUpper(src)
	if src == want {
		return q, true
	}
	if src == "VARCHAR" {
		return FromText(q, t), false
	}
	if want == "VARCHAR" {
		return fmt.Sprintf("CAST(%s AS VARCHAR)", q), true
	}
	switch src {
	case "TINYINT", "SMALLINT", "INTEGER", "UTINYINT", "USMALLINT", "UINTEGER":
		if want == "BIGINT" || want == "DOUBLE" {
			return fmt.Sprintf("CAST(%s AS %s)", q, want), true
		}
	case "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "DATE":
		if want == "TIMESTAMPTZ" { // no zone: UTC meant (the warehouse's TimeZone)
			return fmt.Sprintf("CAST(%s AS %s)", q, want), true
		}
	}
	// Any other pair: the value must convert back to itself (DOUBLE 1.5 becomes
	// BIGINT 2, which is not 1.5; TIMESTAMP_NS loses its nanoseconds).
	v := fmt.Sprintf("TRY_CAST(%s AS %s)", q, want)
	return fmt.Sprintf("CASE WHEN TRY_CAST(%s AS %s) IS NOT DISTINCT FROM %s THEN %s END", v, src, q, v), false
}

// FromText converts CSV text (or a Parquet string) exactly: NULL when it is not
// exactly a value of t.
func FromText(q string, t catalog.Type) string {
	switch t {
	case catalog.Int64:
		// An integer written as DuckDB writes it (nearly every one) is known by its
		// round trip, 40% cheaper than the pattern, which the rest must match.
		v := fmt.Sprintf("TRY_CAST(%s AS BIGINT)", q)
		return fmt.Sprintf("CASE WHEN CAST(%s AS VARCHAR) = %s THEN %s WHEN regexp_full_match(%s, '%s') THEN %s END", v, q, v, q, intPattern, v)
	case catalog.Float64:
		v := fmt.Sprintf("TRY_CAST(%s AS DOUBLE)", q)
		return fmt.Sprintf("CASE WHEN NOT contains(%s, '_') AND (NOT isinf(%s) OR regexp_full_match(%s, '%s')) THEN %s END", q, v, q, infPattern, v)
	case catalog.Timestamp:
		export := func(glob string, n int) string { // n: the length of the text without " UTC"; the length first, the cheaper test
			return fmt.Sprintf("WHEN length(%s) = %d AND %s GLOB '%s' AND NOT contains(%s, ' 24:') THEN TRY_CAST(substr(%s, 1, %d) || '+00' AS TIMESTAMPTZ) ",
				q, n+4, q, glob, q, q, n)
		}
		return "CASE " + export(consoleGlob, 26) + export(secondsGlob, 19) +
			fmt.Sprintf("WHEN regexp_full_match(%s, '%s') THEN TRY_CAST(left(%s, -4) || '+00' AS TIMESTAMPTZ) "+
				"WHEN NOT regexp_full_match(%s, '%s') THEN NULL "+
				"WHEN contains(%s, '.') AND regexp_matches(%s, '%s') THEN NULL "+
				"ELSE TRY_CAST(%s AS TIMESTAMPTZ) END", q, BigQueryUTC, q, q, timestampPattern, q, q, subMicroPattern, q)
	case catalog.Numeric:
		return fmt.Sprintf("CASE WHEN regexp_full_match(%s, '%s') THEN TRY_CAST(%s AS %s) END", q, numericPattern, q, t.DuckDB())
	case catalog.Bool: // as BigQuery writes them, in any case; not DuckDB's yes, t or 1
		return fmt.Sprintf("CASE lower(trim(%s)) WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END", q)
	case catalog.Bytes: // BigQuery exports BYTES as base64
		return fmt.Sprintf("TRY(from_base64(trim(%s)))", q)
	case catalog.Date:
		return fmt.Sprintf("CASE WHEN regexp_full_match(%s, '%s') THEN TRY_CAST(%s AS DATE) END", q, datePattern, q)
	case catalog.Datetime:
		return fmt.Sprintf("CASE WHEN regexp_full_match(%s, '%s') AND NOT (contains(%s, '.') AND regexp_matches(%s, '%s')) "+
			"THEN TRY_CAST(%s AS TIMESTAMP) END", q, datetimePattern, q, q, subMicroPattern, q)
	case catalog.JSON:
		return fmt.Sprintf("CASE WHEN json_valid(%s) THEN CAST(%s AS JSON) END", q, q)
	}
	return q
}

// FromDuckDB is the model type holding a DuckDB type's values, as init guesses
// it and extra_columns: evolve takes a column on; STRING for any type without one
// (TIME, INTERVAL, lists, structs: their text).
func FromDuckDB(d string) catalog.Type {
	d = strings.ToUpper(d)
	switch {
	case slices.Contains([]string{"BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UINTEGER", "USMALLINT", "UTINYINT"}, d):
		return catalog.Int64
	case d == "UBIGINT": // up to 20 digits: past INT64, within NUMERIC
		return catalog.Numeric
	case d == "DOUBLE" || d == "FLOAT":
		return catalog.Float64
	case strings.HasPrefix(d, "DECIMAL"):
		var p, s int
		if n, _ := fmt.Sscanf(d, "DECIMAL(%d,%d)", &p, &s); n == 2 && s <= 9 && p-s <= 29 {
			return catalog.Numeric
		}
		return catalog.String
	case d == "BOOLEAN":
		return catalog.Bool
	case d == "DATE":
		return catalog.Date
	case d == "TIMESTAMP" || d == "TIMESTAMP_S" || d == "TIMESTAMP_MS":
		return catalog.Datetime // TIMESTAMP_NS holds nanoseconds, which DATETIME does not: STRING keeps them
	case d == "TIMESTAMP WITH TIME ZONE" || d == "TIMESTAMPTZ":
		return catalog.Timestamp
	case d == "BLOB":
		return catalog.Bytes
	case d == "JSON":
		return catalog.JSON
	}
	return catalog.String
}
