package spec

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/diag"
)

// interpolate replaces ${VAR} and ${VAR:-default} in every scalar value of the tree
// (keys are names, not values, and are left alone); $$ is a literal $. It works on the
// tree rather than on the file's text so that a variable's value can never change the
// YAML structure, and so an unset variable is reported at the value that uses it.
//
// A plain (unquoted, untagged) scalar takes the type its new text would have had if
// written out: scale: ${SCALE:-0.1} is the number 0.1. A quoted or tagged one stays a
// string. Unquoted dates are strings already: the parser has no timestamp type.
//
// It also returns the variables interpolated into a secret key's value (a token):
// their values are secrets wherever else they appear.
func interpolate(doc *document, lookupEnv func(string) (string, bool)) (diag.Diagnostics, []string) {
	var diags diag.Diagnostics
	var secretVars []string
	recording := func(name string) (string, bool) {
		if !slices.Contains(secretVars, name) {
			secretVars = append(secretVars, name)
		}
		return lookupEnv(name)
	}
	doc.eachScalar(func(n *node, key string) {
		if strings.Contains(n.Value, "$") {
			lookup := lookupEnv
			if secretKeys[key] {
				lookup = recording
			}
			text, problems := expand(n.Value, lookup)
			for _, p := range problems {
				p.Pos = doc.pos(n)
				diags = append(diags, p)
				doc.bad[n] = true
			}
			if text != n.Value {
				n.Value = text
				if n.Plain {
					n.Tag = resolveTag(text)
				}
			}
		}
	})
	return diags, secretVars
}

var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// maxNesting bounds how deep references nest in defaults, ${A:-${B:-${C:-x}}} being
// three: each level scans the text of the levels inside it again.
const maxNesting = 100

// expand interpolates one scalar's text. As in a shell, ${VAR:-default} takes the
// default when VAR is unset or empty, and the default may hold references itself, to
// maxNesting levels. The problems carry no position yet.
func expand(s string, lookupEnv func(string) (string, bool)) (string, []diag.Diagnostic) {
	return expandAt(s, lookupEnv, 1)
}

func expandAt(s string, lookupEnv func(string) (string, bool), depth int) (string, []diag.Diagnostic) {
	var b strings.Builder
	var problems []diag.Diagnostic
	problem := func(detail, format string, args ...any) {
		problems = append(problems, diag.Diagnostic{Severity: diag.Error, Message: fmt.Sprintf(format, args...), Detail: detail})
	}
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			b.WriteString(s)
			return b.String(), problems
		}
		b.WriteString(s[:i])
		s = s[i:]
		switch {
		case strings.HasPrefix(s, "$$"):
			b.WriteByte('$')
			s = s[2:]
		case strings.HasPrefix(s, "${") && depth > maxNesting:
			problem("nest fewer defaults", "variable references nested more than %d deep", maxNesting)
			return b.String(), problems
		case strings.HasPrefix(s, "${"):
			end := closingBrace(s)
			if end < 0 {
				problem("close it with }, or write $$ for a literal $", "unclosed variable reference %q", s)
				return b.String(), problems
			}
			ref := s[2:end]
			s = s[end+1:]
			name, def, hasDefault := strings.Cut(ref, ":-")
			if !varName.MatchString(name) {
				problem("write ${NAME} or ${NAME:-default}, or $$ for a literal $", "%q is not a variable reference", "${"+ref+"}")
				continue
			}
			switch v, ok := lookupEnv(name); {
			case hasDefault && v == "":
				// The default may itself hold references, ${A:-${B:-x}}: expanded only when taken.
				text, more := expandAt(def, lookupEnv, depth+1)
				b.WriteString(text)
				problems = append(problems, more...)
			case ok:
				b.WriteString(v)
			default:
				problem(fmt.Sprintf("set it in the environment or write ${%s:-default}", name), "variable %s is not set", name)
			}
		default:
			b.WriteByte('$')
			s = s[1:]
		}
	}
}

// closingBrace returns the index of the } that closes the reference s starts with
// ("${..."), counting the references nested in its default; -1 when there is none.
func closingBrace(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "$$"):
			i++ // a literal $, not the start of a reference
		case strings.HasPrefix(s[i:], "${"):
			depth++
			i++
		case s[i] == '}':
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return -1
}

// resolveTag is the tag YAML gives text written as a plain scalar. Anything that is
// not then one plain scalar with the same text (a list, a comment, an alias) stays a
// string, and so does an empty result, which YAML would read as null.
func resolveTag(text string) string {
	if tag := scalarTag(plainScalar(text)); tag != "" && tag != "!!merge" {
		return tag
	}
	return "!!str"
}
