package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/ecomrun/ecomrun/pkg/diag"
)

// document is a parsed spec file. Every later pass keeps its yaml.Node tree because
// only the tree knows where a value was written: a schema error, a decode problem or
// a semantic check is reported at the line and column of the value it is about.
type document struct {
	file string
	root *yaml.Node // the top-level value, not the DocumentNode
	// bad holds the value nodes already reported as wrong, so that a later pass does
	// not report the same mistake again in other words.
	bad map[*yaml.Node]bool
}

var yamlErrLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse reads exactly one YAML document; a syntax error is a diagnostic at its line.
func parse(file string, src []byte) (*document, diag.Diagnostics) {
	return parseAs(file, src, "a spec needs version, source, warehouse and tables", "a spec file")
}

// parseAs is parse with the words for an empty file and for what holds one document.
func parseAs(file string, src []byte, needs, holder string) (*document, diag.Diagnostics) {
	var diags diag.Diagnostics
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var top yaml.Node
	if err := dec.Decode(&top); err != nil && !errors.Is(err, io.EOF) {
		diags = append(diags, syntaxError(file, src, err))
		return nil, diags
	}
	if len(top.Content) == 0 {
		diags.Errorf(diag.Pos{File: file, Line: 1, Col: 1}, "the file is empty: %s", needs)
		return nil, diags
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		diags.Errorf(diag.Pos{File: file, Line: max(next.Line, 1), Col: next.Column}, "%s holds one YAML document; remove the second one", holder)
	case !errors.Is(err, io.EOF):
		diags = append(diags, syntaxError(file, src, err))
	}
	return &document{file: file, root: top.Content[0], bad: map[*yaml.Node]bool{}}, diags
}

// parserProblems are the messages of yaml.v3's parser, as opposed to its scanner. For
// them yaml.v3 prints the 0-based line of the construct it was parsing (a flow mapping,
// a block sequence), one less than the line a reader counts.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'": true, "did not find expected ',' or '}'": true,
	"did not find expected '-' indicator": true, "did not find expected <document start>": true,
	"did not find expected <stream-start>": true, "did not find expected key": true,
	"did not find expected node content": true, "found duplicate %TAG directive": true,
	"found duplicate %YAML directive": true, "found incompatible YAML document": true,
	"found undefined tag handle": true,
}

// syntaxError turns a yaml.v3 error into a diagnostic. yaml.v3 names the line of a
// syntax error but not its column (an error without a line is put on line 1), so
// the column is found in the source: the tab or the byte that is not UTF-8 the
// error is about, else the line's first character.
func syntaxError(file string, src []byte, err error) diag.Diagnostic {
	d := diag.Diagnostic{Severity: diag.Error, Pos: diag.Pos{File: file, Line: 1}, Message: strings.TrimPrefix(err.Error(), "yaml: ")}
	if m := yamlErrLine.FindStringSubmatch(err.Error()); m != nil {
		d.Pos.Line, _ = strconv.Atoi(m[1])
		d.Message = m[2]
		if parserProblems[d.Message] {
			d.Pos.Line++
		}
	}
	lines := strings.Split(string(src), "\n")
	find := func(from int, at func(line string) int) bool {
		for l := max(from, 1); l <= len(lines); l++ {
			if c := at(lines[l-1]); c > 0 {
				d.Pos.Line, d.Pos.Col = l, c
				return true
			}
		}
		return false
	}
	switch {
	case strings.Contains(d.Message, "tab character"): // yaml.v3 names the line before the tab's
		if find(d.Pos.Line, func(line string) int { return runeCol(line, strings.IndexByte(line, '\t')) }) {
			return d
		}
	case strings.Contains(d.Message, "UTF-8"):
		if find(1, func(line string) int {
			if i := strings.IndexFunc(line, func(r rune) bool { return r == utf8.RuneError }); i >= 0 && !utf8.ValidString(line[i:]) {
				return runeCol(line, i)
			}
			return 0
		}) {
			return d
		}
	}
	if d.Pos.Line <= len(lines) {
		line := lines[d.Pos.Line-1]
		d.Pos.Col = runeCol(line, len(line)-len(strings.TrimLeft(line, " \t")))
	}
	d.Pos.Col = max(d.Pos.Col, 1)
	return d
}

// runeCol is the 1-based column of byte offset i of line (0 when i < 0).
func runeCol(line string, i int) int {
	if i < 0 {
		return 0
	}
	return utf8.RuneCountInString(line[:i]) + 1
}

// pos is where node n is written.
func (d *document) pos(n *yaml.Node) diag.Pos {
	return diag.Pos{File: d.file, Line: n.Line, Col: n.Column}
}

// lookup walks path (mapping keys as strings, sequence indexes as ints or their
// decimal strings, as jsonschema's InstanceLocation gives them) from the root and
// returns the deepest node it reaches and whether it reached the end of the path.
func (d *document) lookup(path ...any) (*yaml.Node, bool) {
	n := d.root
	for _, step := range path {
		n = deref(n)
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			if key := keyNode(n, fmt.Sprint(step)); key != nil {
				next = valueOf(n, key)
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(fmt.Sprint(step)); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
			}
		}
		if next == nil {
			return n, false
		}
		n = next
	}
	return deref(n), true
}

// keyNode returns the first key node of mapping m spelled key, or nil.
func keyNode(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := deref(m.Content[i]); k.Kind == yaml.ScalarNode && k.Value == key {
			return m.Content[i]
		}
	}
	return nil
}

// valueOf returns the value node that follows key node k in mapping m.
func valueOf(m, k *yaml.Node) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i] == k {
			return m.Content[i+1]
		}
	}
	return nil
}

// deref follows an alias to the node it names (an alias cannot name an alias).
func deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// maxValues bounds how many values a spec may expand to: aliases can make a small file
// describe an enormous tree ("billion laughs"), or a cyclic one.
const maxValues = 100_000

// converter turns the yaml.Node tree into the JSON-like value (map[string]any, []any,
// string, int64, float64, bool, nil) that the schema validator and the decoder read.
type converter struct {
	doc   *document
	left  int
	diags diag.Diagnostics
}

func toValue(doc *document) (any, diag.Diagnostics) {
	c := &converter{doc: doc, left: maxValues}
	v := c.value(doc.root)
	return v, c.diags
}

func (c *converter) value(n *yaml.Node) any {
	if c.left--; c.left < 0 {
		if c.left == -1 {
			c.diags.Errorf(c.doc.pos(n), "the spec expands to more than %d values through its aliases", maxValues)
		}
		return nil
	}
	switch n.Kind {
	case yaml.AliasNode:
		return c.value(deref(n))
	case yaml.ScalarNode:
		return c.scalar(n)
	case yaml.SequenceNode:
		items := make([]any, len(n.Content))
		for i, item := range n.Content {
			items[i] = c.value(item)
		}
		return items
	case yaml.MappingNode:
		return c.mapping(n)
	}
	return nil
}

func (c *converter) mapping(n *yaml.Node) map[string]any {
	m := make(map[string]any, len(n.Content)/2)
	first := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := deref(n.Content[i])
		switch {
		case k.Kind != yaml.ScalarNode:
			c.diags.Errorf(c.doc.pos(n.Content[i]), "a key must be a plain name, not a list or mapping")
			continue
		case k.Tag == "!!merge":
			c.diags.Errorf(c.doc.pos(n.Content[i]), "merge keys (<<) are not supported: write the keys out, or alias a whole value")
			continue
		case first[k.Value] != nil:
			c.diags.Errorf(c.doc.pos(n.Content[i]), "duplicate key %q (first at line %d)", k.Value, first[k.Value].Line)
			continue
		}
		first[k.Value] = n.Content[i]
		m[k.Value] = c.value(n.Content[i+1])
		if v := deref(n.Content[i+1]); k.Value == "missing_columns" && v.Tag == "!!null" && v.Value != "" {
			m[k.Value] = "null" // the policy, written as the issue and the docs write it: null
		}
	}
	return m
}

// scalar converts by the node's tag, so quoting decides: "1" stays a string, 1 is a number.
func (c *converter) scalar(n *yaml.Node) any {
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			c.diags.Errorf(c.doc.pos(n), "cannot read %q as %s", n.Value, n.Tag)
			c.doc.bad[n] = true
			return n.Value
		}
		switch v := v.(type) {
		case int:
			return int64(v)
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return n.Value // JSON has no such numbers; the schema then says "got string"
			}
		}
		return v
	}
	return n.Value
}

// eachScalar calls fn for every scalar value of the tree with the key it is the value
// of (an item of a list gets the list's key). Keys themselves are names, not values,
// and are passed over; so are aliases: the node they name is visited where it is
// written, never twice.
func (d *document) eachScalar(fn func(n *yaml.Node, key string)) {
	var walk func(n *yaml.Node, key string)
	walk = func(n *yaml.Node, key string) {
		switch n.Kind {
		case yaml.SequenceNode:
			for _, item := range n.Content {
				walk(item, key)
			}
		case yaml.MappingNode:
			for i := 1; i < len(n.Content); i += 2 {
				walk(n.Content[i], n.Content[i-1].Value)
			}
		case yaml.ScalarNode:
			fn(n, key)
		}
	}
	walk(d.root, "")
}
