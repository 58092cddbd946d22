package stages

import (
	"fmt"
	"slices"

	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
)

// The files source sets rows aside while it reads (a value that does not convert
// exactly, a record that does not parse). It stages them like every row, so they
// count in, and lists them in the aside relation: the staged row, the rules broken
// (type_<column>, or malformed_record alone), where in the file and the original
// text. Validate adds them to its verdict; load quarantines them with that text.

func asideRelation(table string) string { return sqlq.Ident("_ecomrun_aside_" + table) }

// withAside adds the set-aside rows to a compiled violations query: their reasons
// first, then the rules the row also breaks, except for a malformed record, whose
// NULLs break nothing but its being malformed.
func withAside(violations, table string) string {
	return fmt.Sprintf(`WITH v AS (%s), a AS (SELECT _row, _violations, _malformed FROM %s)
SELECT coalesce(a._row, v._row) AS _row,
	CASE WHEN a._malformed THEN a._violations ELSE list_concat(coalesce(a._violations, []::VARCHAR[]), coalesce(v._violations, []::VARCHAR[])) END AS _violations,
	coalesce(v._reject, FALSE) OR a._row IS NOT NULL AS _reject
FROM v FULL OUTER JOIN a ON v._row = a._row`, violations, asideRelation(table))
}

// asideViolations lists, for the report, the reasons counted that no compiled rule
// names (type_<column>, malformed_record), in name order.
func asideViolations(counts map[string]int64, compiled []rules.Rule) []report.Violation {
	var names []string
	for name := range counts {
		if !slices.ContainsFunc(compiled, func(r rules.Rule) bool { return r.Name == name }) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var out []report.Violation
	for _, name := range names {
		check := rules.TypeCheck
		if name == malformedRule {
			check = malformedRule
		}
		out = append(out, report.Violation{Rule: name, Check: check, Severity: rules.SeverityError, Rows: counts[name]})
	}
	return out
}

// asideColumns are the columns quarantine.<table> gets from the files source, and
// the join that fills them (both empty for other sources).
func asideColumns(state *tableState, table string) (columns, join string) {
	if state.files == nil {
		return "", ""
	}
	return fmt.Sprintf(", %s AS _source_file, a._source_line, a._source_text, a._source_values", sqlq.String(state.files.file)),
		fmt.Sprintf(" LEFT JOIN %s a ON a._row = s.rowid", asideRelation(table))
}
