package sqlexpr

// GoogleIdent backtick-quotes a name for GoogleSQL, escaped as conditions' names are.
func GoogleIdent(name string) string { return "`" + googleEscape(name, '`') + "`" }

// GoogleString quotes a string literal for GoogleSQL, escaped as conditions' strings are.
func GoogleString(s string) string { return "'" + googleEscape(s, '\'') + "'" }
