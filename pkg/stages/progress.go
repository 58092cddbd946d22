package stages

import "strings"

// StagedTable returns the table whose extract stages rows in relation (as quoted
// for SQL), for progress displays that hear of rows by relation.
func StagedTable(relation string) (string, bool) {
	name := strings.Trim(relation, `"`)
	table, ok := strings.CutPrefix(name, "_ecomrun_stage_")
	return table, ok && table != ""
}
