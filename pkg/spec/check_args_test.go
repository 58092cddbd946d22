package spec

import (
	"slices"
	"testing"
)

// TestRuleArgumentsAgainstColumnTypes: a range bound or an accepted value that
// DuckDB cannot compare with the column's values, a pattern DuckDB's RE2 does not
// compile, and bounds in the wrong order in the column's type are reported at the
// argument; what DuckDB reads fine passes.
func TestRuleArgumentsAgainstColumnTypes(t *testing.T) {
	rule := func(r string) string { return head + "  - name: orders\n    rules:\n      - " + r + "\n" }
	for _, tc := range []struct {
		name, rule string
		want       []string // LINE:COL: message; nil for a valid spec
	}{
		{"text bound on INT64", `{check: range, column: num_of_item, min: "abc"}`,
			[]string{`7:50: min "abc" is not a value of INT64 column num_of_item: Could not convert string 'abc' to INT64`}},
		{"impossible timestamp", `{check: range, column: created_at, max: "2024-13-45"}`,
			[]string{`7:49: max "2024-13-45" is not a value of TIMESTAMP column created_at: timestamp field value out of range: "2024-13-45"`}},
		{"number bound on TIMESTAMP", `{check: range, column: created_at, min: 5}`,
			[]string{`7:49: min 5 is not a value of TIMESTAMP column created_at: Cannot compare values of type TIMESTAMP WITH TIME ZONE and type INTEGER - an explicit cast is required`}},
		{"number bound on STRING", `{check: range, column: status, min: 5}`,
			[]string{`7:45: min 5 is a number, but STRING column status holds text: DuckDB would read every value of the column as a number, and fail the run on the first that is not one`}},
		{"text values on INT64", `{check: accepted_values, column: num_of_item, values: [1, a, b]}`,
			[]string{
				`7:67: values[1] "a" is not a value of INT64 column num_of_item: Could not convert string 'a' to INT64`,
				`7:70: values[2] "b" is not a value of INT64 column num_of_item: Could not convert string 'b' to INT64`,
			}},
		{"number value on STRING", `{check: accepted_values, column: status, values: [Shipped, 1]}`,
			[]string{`7:68: values[1] 1 is a number, but STRING column status holds text: DuckDB would read every value of the column as a number, and fail the run on the first that is not one`}},
		{"boolean value on STRING", `{check: accepted_values, column: status, values: [true]}`,
			[]string{`7:59: values[0] true is a boolean, but STRING column status holds text: DuckDB would read every value of the column as a boolean, and fail the run on the first that is not one`}},
		{"number value on TIMESTAMP", `{check: accepted_values, column: created_at, values: [1]}`,
			[]string{`7:63: values[0] 1 is not a value of TIMESTAMP column created_at: Unimplemented type for cast (INTEGER -> TIMESTAMP WITH TIME ZONE)`}},
		{"pattern RE2 refuses", `{check: pattern, column: status, pattern: "(?<s>S)hipped"}`,
			[]string{`7:51: pattern does not compile in DuckDB: invalid perl operator: (?<`}},
		{"text bounds in the wrong order", `{check: range, column: num_of_item, min: "10", max: "9"}`,
			[]string{`7:50: min "10" is greater than max "9"`}},
		{"timestamps DuckDB reads in the wrong order", `{check: range, column: created_at, min: "2024-06-01 10:00", max: "2024-06-01 09:00"}`,
			[]string{`7:49: min "2024-06-01 10:00" is greater than max "2024-06-01 09:00"`}},
		// What DuckDB compares fine.
		{"text number on INT64", `{check: range, column: num_of_item, min: "1", max: "9"}`, nil},
		{"fraction on INT64", `{check: range, column: num_of_item, min: 0.5, max: 4}`, nil},
		{"text numbers in values of INT64", `{check: accepted_values, column: num_of_item, values: ["1", 2]}`, nil},
		{"timestamp text", `{check: range, column: created_at, min: "2019-01-01", max: "2030-01-01T00:00:00Z"}`, nil},
		{"pattern on INT64", `{check: pattern, column: num_of_item, pattern: "[1-4]"}`, nil},
		{"text bounds on STRING", `{check: range, column: status, min: "A", max: "Z"}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := loadShort(t, rule(tc.rule))
			if tc.want == nil {
				tc.want = []string{}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
