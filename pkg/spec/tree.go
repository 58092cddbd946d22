package spec

import (
	"fmt"
	"math"
	"strconv"

	"github.com/goccy/go-yaml/ast"

	"github.com/ecomrun/ecomrun/pkg/diag"
)

// document is a parsed spec file. Every later pass keeps its node tree because only
// the tree knows where a value was written: a schema error, a decode problem or a
// semantic check is reported at the line and column of the value it is about.
type document struct {
	file string
	root *node // the top-level value
	// bad holds the value nodes already reported as wrong, so that a later pass does
	// not report the same mistake again in other words.
	bad map[*node]bool
}

type nodeKind int

const (
	scalarNode nodeKind = iota + 1
	sequenceNode
	mappingNode
	aliasNode
)

// node is one value of a YAML file, where it is written (parse builds the tree).
type node struct {
	Kind nodeKind
	// Tag is a scalar's type: !!str, !!int, !!float, !!bool, !!null, !!merge (the
	// key <<), or a tag written in the file.
	Tag   string
	Value string // a scalar's text; an alias's name
	// Plain is a scalar written without quotes or tag, whose type its text decides.
	Plain        bool
	Line, Column int
	Content      []*node // a sequence's items; a mapping's keys and values, in turn
	Alias        *node   // the value an alias names
}

// pos is where node n is written.
func (d *document) pos(n *node) diag.Pos { return n.pos(d.file) }

func (n *node) pos(file string) diag.Pos {
	return diag.Pos{File: file, Line: n.Line, Col: n.Column}
}

// lookup walks path (mapping keys as strings, sequence indexes as ints or their
// decimal strings, as jsonschema's InstanceLocation gives them) from the root and
// returns the deepest node it reaches and whether it reached the end of the path.
func (d *document) lookup(path ...any) (*node, bool) {
	n := d.root
	for _, step := range path {
		n = deref(n)
		var next *node
		switch n.Kind {
		case mappingNode:
			if key := keyNode(n, fmt.Sprint(step)); key != nil {
				next = valueOf(n, key)
			}
		case sequenceNode:
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
func keyNode(m *node, key string) *node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := deref(m.Content[i]); k.Kind == scalarNode && k.Value == key {
			return m.Content[i]
		}
	}
	return nil
}

// valueOf returns the value node that follows key node k in mapping m.
func valueOf(m, k *node) *node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i] == k {
			return m.Content[i+1]
		}
	}
	return nil
}

// deref follows an alias to the node it names (an alias cannot name an alias).
func deref(n *node) *node {
	if n.Kind == aliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// maxValues bounds how many values a spec may expand to: aliases can make a small file
// describe an enormous tree ("billion laughs"), or a cyclic one.
const maxValues = 100_000

// converter turns the node tree into the JSON-like value (map[string]any, []any,
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

func (c *converter) value(n *node) any {
	if c.left--; c.left < 0 {
		if c.left == -1 {
			c.diags.Errorf(c.doc.pos(n), "the spec expands to more than %d values through its aliases", maxValues)
		}
		return nil
	}
	switch n.Kind {
	case aliasNode:
		return c.value(deref(n))
	case scalarNode:
		return c.scalar(n)
	case sequenceNode:
		items := make([]any, len(n.Content))
		for i, item := range n.Content {
			items[i] = c.value(item)
		}
		return items
	case mappingNode:
		return c.mapping(n)
	}
	return nil
}

func (c *converter) mapping(n *node) map[string]any {
	m := make(map[string]any, len(n.Content)/2)
	first := map[string]*node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := deref(n.Content[i])
		switch {
		case k.Kind != scalarNode:
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
func (c *converter) scalar(n *node) any {
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool", "!!int", "!!float":
		v, ok := scalarValue(n.Tag, n.Value)
		if !ok {
			c.diags.Errorf(c.doc.pos(n), "cannot read %q as %s", n.Value, n.Tag)
			c.doc.bad[n] = true
			return n.Value
		}
		return v
	}
	return n.Value
}

// scalarValue reads text as a value of type tag: a bool, an int64 (a uint64 past it)
// or a float64. Infinities and NaN stay text: JSON has no such numbers, and the
// schema then says "got string".
func scalarValue(tag, text string) (any, bool) {
	switch n := plainScalar(text).(type) {
	case *ast.BoolNode:
		return n.Value, tag == "!!bool"
	case *ast.IntegerNode:
		i, signed := n.Value.(int64)
		u, _ := n.Value.(uint64)
		switch {
		case tag == "!!float" && signed:
			return float64(i), true
		case tag == "!!float":
			return float64(u), true
		case !signed && u <= math.MaxInt64:
			return int64(u), tag == "!!int"
		}
		return n.Value, tag == "!!int"
	case *ast.FloatNode:
		return n.Value, tag == "!!float"
	case *ast.StringNode: // 1e-3 (exponentFloat) is a float
		if !exponentFloat.MatchString(text) {
			return nil, false
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return text, tag == "!!float" // 1e400, past float64: text, as an infinity
		}
		return f, tag == "!!float"
	case *ast.InfinityNode, *ast.NanNode:
		return text, tag == "!!float"
	}
	return nil, false
}

// eachScalar calls fn for every scalar value of the tree with the key it is the value
// of (an item of a list gets the list's key). Keys themselves are names, not values,
// and are passed over; so are aliases: the node they name is visited where it is
// written, never twice.
func (d *document) eachScalar(fn func(n *node, key string)) {
	var walk func(n *node, key string)
	walk = func(n *node, key string) {
		switch n.Kind {
		case sequenceNode:
			for _, item := range n.Content {
				walk(item, key)
			}
		case mappingNode:
			for i := 1; i < len(n.Content); i += 2 {
				walk(n.Content[i], n.Content[i-1].Value)
			}
		case scalarNode:
			fn(n, key)
		}
	}
	walk(d.root, "")
}
