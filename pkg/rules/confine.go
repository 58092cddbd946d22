package rules

import (
	"fmt"
	"slices"
	"strings"
)

// CheckExpression confines an expression rule (or a where filter) to a boolean
// expression over the row's own columns: literals, operators, the listed keywords
// and type names, and an allowlist of pure scalar functions. Everything else (a
// statement separator, a subquery, a table function such as read_csv, a function
// that reads files, the network or the environment, a name that is not a column) is
// refused, so a spec from a pull request cannot make the engine do more than test
// values. It works on tokens, before any database sees the text.
func CheckExpression(expr string, columns []string) error {
	toks, err := tokenize(expr)
	if err != nil {
		return err
	}
	if len(toks) == 0 {
		return fmt.Errorf("the expression is empty")
	}
	depth := 0
	for i, t := range toks {
		switch t.kind {
		case tokPunct:
			switch t.text {
			case "(":
				depth++
			case ")":
				if depth--; depth < 0 {
					return fmt.Errorf("unbalanced ')' at offset %d", t.pos)
				}
			case ";":
				return fmt.Errorf("';' at offset %d: an expression is one boolean expression, not statements", t.pos)
			}
		case tokWord:
			word := strings.ToLower(t.text)
			call := i+1 < len(toks) && toks[i+1].text == "("
			switch {
			case slices.Contains(forbiddenKeywords, word):
				return fmt.Errorf("%s is not allowed: an expression tests the row's own columns and cannot read other tables, files or settings", strings.ToUpper(word))
			case slices.Contains(keywords, word), slices.Contains(typeNames, word): // IN (...), DECIMAL(10, 2)
			case call && slices.Contains(allowedFunctions, word):
			case call:
				return fmt.Errorf("function %s is not allowed in an expression (allowed: %s)", t.text, strings.Join(allowedFunctions, ", "))
			case slices.Contains(columns, t.text):
			default:
				return fmt.Errorf("unknown column %s (the row has %s)", t.text, strings.Join(columns, ", "))
			}
		case tokQuotedIdent:
			if !slices.Contains(columns, t.text) {
				return fmt.Errorf("unknown column %q (the row has %s)", t.text, strings.Join(columns, ", "))
			}
		}
	}
	if depth != 0 {
		return fmt.Errorf("unbalanced '(': %d not closed", depth)
	}
	return nil
}

// allowedFunctions are pure scalar functions over values: no I/O, no state.
var allowedFunctions = []string{
	"abs", "ceil", "coalesce", "contains", "date_diff", "date_part", "date_trunc", "ends_with", "floor", "greatest",
	"ifnull", "least", "len", "length", "lower", "ltrim", "nullif", "regexp_full_match", "regexp_matches", "round",
	"rtrim", "starts_with", "strlen", "substr", "substring", "trim", "upper",
}

// keywords may appear as bare words in an expression.
var keywords = []string{
	"and", "or", "not", "is", "null", "true", "false", "in", "between", "like", "ilike", "similar", "to", "glob",
	"case", "when", "then", "else", "end", "cast", "try_cast", "as", "interval", "distinct", "escape",
	"day", "days", "hour", "hours", "minute", "minutes", "second", "seconds", "month", "months", "year", "years",
	"week", "weeks", "isnull", "notnull",
}

// typeNames are the types a literal or a CAST may name.
var typeNames = []string{
	"bigint", "boolean", "date", "decimal", "double", "float", "integer", "int", "numeric", "real", "smallint",
	"text", "time", "timestamp", "timestamptz", "varchar",
}

// forbiddenKeywords get a clearer refusal than "unknown column".
var forbiddenKeywords = []string{
	"select", "from", "with", "insert", "update", "delete", "copy", "attach", "detach", "pragma", "create", "drop",
	"alter", "install", "load", "set", "call", "export", "import", "union", "join", "into", "exists", "lateral",
	"values", "table", "returning", "execute", "prepare", "checkpoint", "vacuum", "begin", "commit", "rollback",
}
