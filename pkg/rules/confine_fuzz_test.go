package rules

import (
	"strings"
	"testing"
)

// FuzzCheckExpression: any text ends in acceptance or an error, never a panic, and
// nothing accepted holds a statement separator, a comment or a forbidden keyword.
func FuzzCheckExpression(f *testing.F) {
	for _, seed := range []string{
		"shipped_at IS NULL OR shipped_at >= created_at",
		"status IN ('a', 'b') AND num_of_item BETWEEN 1 AND 4",
		"1 = 1; DROP TABLE orders",
		"(SELECT 1) = 1",
		"read_csv('/etc/passwd') IS NULL",
		`"status" = 'it''s'`,
		"status = 'x' -- c",
		"CASE WHEN status = 'x' THEN TRUE ELSE FALSE END",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		if CheckExpression(expr, orderColumns) != nil {
			return
		}
		toks, err := tokenize(expr)
		if err != nil {
			t.Fatalf("accepted %q, which does not tokenize: %v", expr, err)
		}
		for _, tok := range toks {
			if tok.kind == tokPunct && tok.text == ";" {
				t.Fatalf("accepted a ';' in %q", expr)
			}
			if tok.kind == tokWord {
				for _, kw := range forbiddenKeywords {
					if strings.EqualFold(tok.text, kw) {
						t.Fatalf("accepted %s in %q", kw, expr)
					}
				}
			}
		}
	})
}
