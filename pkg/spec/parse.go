package spec

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/ecomrun/ecomrun/pkg/diag"
)

// parse reads exactly one YAML document; every problem with the text is a diagnostic
// at its line and column.
func parse(file string, src []byte) (*document, diag.Diagnostics) {
	return parseAs(file, src, "a spec needs version, source, warehouse and tables", "a spec file")
}

// parseAs is parse with the words for an empty file and for what holds one document.
//
// goccy/go-yaml gives every syntax error its line and column. It reads invalid UTF-8,
// control characters and NUL bytes without a word, and leaves aliases to its decoder,
// so the text is checked before it is parsed and aliases are resolved here.
func parseAs(file string, src []byte, needs, holder string) (*document, diag.Diagnostics) {
	var diags diag.Diagnostics
	src = bytes.TrimPrefix(src, []byte("\uFEFF")) // a byte order mark, which the lexer would take for text
	if d, ok := checkText(file, src); !ok {
		return nil, append(diags, d)
	}
	tokens := lexer.Tokenize(string(src))
	if d, ok := checkShape(file, tokens); !ok {
		return nil, append(diags, d)
	}
	f, err := parser.Parse(tokens, 0, parser.AllowDuplicateMapKey()) // duplicates are reported with the rest
	if err != nil {
		return nil, append(diags, syntaxError(file, err, tokens))
	}
	var docs []*ast.DocumentNode
	for _, d := range f.Docs {
		if _, directive := d.Body.(*ast.DirectiveNode); !directive { // %YAML 1.2 before ---
			docs = append(docs, d)
		}
	}
	if len(docs) == 0 || docs[0].Body == nil {
		diags.Errorf(diag.Pos{File: file, Line: 1, Col: 1}, "the file is empty: %s", needs)
		return nil, diags
	}
	if len(docs) > 1 {
		second := docs[1].Start
		if second == nil {
			second = docs[1].Body.GetToken()
		}
		diags.Errorf(tokenPos(file, second), "%s holds one YAML document; remove the second one", holder)
	}
	b := &builder{file: file, anchors: map[string]*node{}, open: map[string]bool{}}
	root := b.build(docs[0].Body)
	return &document{file: file, root: root, bad: map[*node]bool{}}, append(diags, b.diags...)
}

// syntaxError turns goccy/go-yaml's error into a diagnostic at the token it names.
func syntaxError(file string, err error, tokens token.Tokens) diag.Diagnostic {
	first, _, _ := strings.Cut(err.Error(), "\n") // the rest quotes the source
	d := diag.Diagnostic{Severity: diag.Error, Pos: diag.Pos{File: file, Line: 1, Col: 1}, Message: first}
	var se *yaml.SyntaxError
	if !errors.As(err, &se) || se.Token == nil {
		return d
	}
	d.Message, d.Pos = se.Message, tokenPos(file, se.Token)
	switch {
	case strings.Contains(d.Message, "\t"), strings.Contains(d.Message, "tab character"):
		// "found character '\t' that cannot start any token", with the tab itself in it
		d.Message = "found a tab character where an indentation space is expected"
		d.Detail = "YAML indents with spaces only"
	case strings.HasPrefix(d.Message, "mapping value is not allowed") && se.Token.Next != nil &&
		se.Token.Next.Type == token.MappingValueType:
		// The error names the scalar before the colon, which may have begun lines
		// above ("kind: x\n   scale: 1" reads as the key "x scale"): point at the colon.
		d.Pos = tokenPos(file, se.Token.Next)
	case strings.Contains(d.Message, "'}'"), strings.Contains(d.Message, "']'"):
		// "',' or '}' must be specified" is said where the next key is: name the bracket.
		if open := openBracket(tokens, se.Token); open != nil && open != se.Token {
			d.Detail = fmt.Sprintf("inside the %s opened at line %d, column %d", open.Value, open.Position.Line, open.Position.Column)
		}
	}
	return d
}

// openBracket is the innermost [ or { still open where tk is, or nil.
func openBracket(tokens token.Tokens, tk *token.Token) *token.Token {
	var open []*token.Token
	for _, t := range tokens {
		if t == tk || t.Position == nil || tk.Position == nil || t.Position.Line > tk.Position.Line ||
			t.Position.Line == tk.Position.Line && t.Position.Column >= tk.Position.Column {
			break
		}
		switch t.Type {
		case token.SequenceStartType, token.MappingStartType:
			open = append(open, t)
		case token.SequenceEndType, token.MappingEndType:
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		}
	}
	if len(open) == 0 {
		return nil
	}
	return open[len(open)-1]
}

// tokenPos is where tk is written; never line or column 0.
func tokenPos(file string, tk *token.Token) diag.Pos {
	p := diag.Pos{File: file, Line: 1, Col: 1}
	if tk != nil && tk.Position != nil {
		p.Line, p.Col = max(tk.Position.Line, 1), max(tk.Position.Column, 1)
	}
	return p
}

// checkText reports the first character YAML does not allow in a file (YAML 1.2,
// c-printable: no control characters but tab, LF and CR; UTF-8 only) at its line and
// column, counted as the parser counts them: one column per character, and per
// byte that is not UTF-8.
func checkText(file string, src []byte) (diag.Diagnostic, bool) {
	d := diag.Diagnostic{Severity: diag.Error, Pos: diag.Pos{File: file, Line: 1, Col: 1}}
	binary := bytes.IndexByte(src, 0) >= 0
	if bytes.HasPrefix(src, []byte{0xFF, 0xFE}) || bytes.HasPrefix(src, []byte{0xFE, 0xFF}) {
		d.Message, d.Detail = "not a YAML text that ecomrun reads: the file is UTF-16", "save it as UTF-8"
		return d, false
	}
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		var problem string
		switch {
		case r == utf8.RuneError && size == 1:
			problem = fmt.Sprintf("byte 0x%02x", src[i])
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0x7F, r >= 0x80 && r < 0xA0 && r != 0x85, r == 0xFFFE, r == 0xFFFF:
			problem = fmt.Sprintf("control character U+%04X", r)
		}
		switch {
		case problem != "" && binary:
			d.Message = "not a YAML text: " + problem + " here, and NUL bytes in the file, as in a binary file"
			d.Detail = "a spec is UTF-8 text; is this the right file?"
			return d, false
		case problem != "" && r == utf8.RuneError:
			d.Message, d.Detail = "invalid UTF-8: "+problem, "a spec is UTF-8 text; save it as UTF-8"
			return d, false
		case problem != "":
			d.Message = problem + " is not allowed in YAML"
			d.Detail = fmt.Sprintf(`in a double-quoted string, write it as "\x%02x"`, r)
			if r > 0xFF {
				d.Detail = fmt.Sprintf(`in a double-quoted string, write it as "\u%04x"`, r)
			}
			return d, false
		}
		if r == '\n' {
			d.Pos.Line, d.Pos.Col = d.Pos.Line+1, 1
		} else {
			d.Pos.Col++
		}
		i += size
	}
	return d, true
}

// Bounds on a file's shape. goccy/go-yaml's parser takes time quadratic in the depth
// of nested collections and in the number of keys of one block mapping (a 4 MiB file
// of "kN: 1" lines would take many minutes); a spec is a few levels deep with a few
// keys a mapping. A file past these bounds is refused before it is parsed.
const (
	maxDepth       = 1000
	maxMappingKeys = 10_000
)

// checkShape measures nesting and block mapping sizes on the tokens, which the lexer
// makes in linear time: a block collection is known by the column its lines start at,
// a flow one by its brackets.
func checkShape(file string, tokens token.Tokens) (diag.Diagnostic, bool) {
	type block struct{ col, keys int }
	var blocks []block // open block collections, innermost last
	flow, line, starts := 0, 0, false
	for i, tk := range tokens {
		if tk.Position == nil || tk.Type == token.CommentType {
			continue
		}
		if tk.Type == token.DocumentHeaderType {
			blocks = blocks[:0]
			continue
		}
		if tk.Position.Line != line {
			line, starts = tk.Position.Line, true
		}
		if flow == 0 && starts { // a block node starts here: first on its line, or after "- " or "? "
			col := tk.Position.Column
			for len(blocks) > 0 && blocks[len(blocks)-1].col > col {
				blocks = blocks[:len(blocks)-1]
			}
			flowStart := tk.Type == token.SequenceStartType || tk.Type == token.MappingStartType
			if !flowStart && (len(blocks) == 0 || blocks[len(blocks)-1].col < col) {
				blocks = append(blocks, block{col: col})
			}
			if !flowStart && i+1 < len(tokens) && tokens[i+1].Type == token.MappingValueType {
				top := &blocks[len(blocks)-1]
				if top.keys++; top.keys > maxMappingKeys {
					return diag.Diagnostic{Severity: diag.Error, Pos: tokenPos(file, tk),
						Message: fmt.Sprintf("more than %d keys in one mapping", maxMappingKeys),
						Detail:  "a spec is a few kilobytes; is this the right file?"}, false
				}
			}
		}
		starts = flow == 0 && (tk.Type == token.SequenceEntryType || tk.Type == token.MappingKeyType)
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			flow++
		case token.SequenceEndType, token.MappingEndType:
			flow = max(flow-1, 0)
		}
		if len(blocks)+flow > maxDepth {
			return diag.Diagnostic{Severity: diag.Error, Pos: tokenPos(file, tk),
				Message: fmt.Sprintf("values nested more than %d levels deep", maxDepth),
				Detail:  "a spec is a few levels deep; is this the right file?"}, false
		}
	}
	return diag.Diagnostic{}, true
}

// builder turns goccy/go-yaml's syntax tree into nodes, resolving aliases: an alias
// names the value anchored last before it.
type builder struct {
	file    string
	anchors map[string]*node // anchored values, complete
	open    map[string]bool  // anchors whose value is being built
	diags   diag.Diagnostics
}

func (b *builder) build(n ast.Node) *node {
	switch n := n.(type) {
	case nil:
		return &node{Kind: scalarNode, Tag: "!!null", Plain: true}
	case *ast.MappingNode:
		m := &node{Kind: mappingNode}
		for _, kv := range n.Values {
			m.Content = append(m.Content, b.build(kv.Key), b.build(kv.Value))
		}
		m.at(n.Start)
		if !n.IsFlowStyle && len(m.Content) > 0 { // a block mapping is where its first key is
			m.Line, m.Column = m.Content[0].Line, m.Content[0].Column
		}
		return m
	case *ast.MappingValueNode: // a mapping of one key
		k := b.build(n.Key)
		return &node{Kind: mappingNode, Line: k.Line, Column: k.Column, Content: []*node{k, b.build(n.Value)}}
	case *ast.MappingKeyNode: // "? key"
		return b.build(n.Value)
	case *ast.SequenceNode:
		s := &node{Kind: sequenceNode}
		s.at(n.Start)
		for _, v := range n.Values {
			s.Content = append(s.Content, b.build(v))
		}
		return s
	case *ast.AnchorNode:
		name := n.Name.GetToken().Value
		b.open[name] = true
		v := b.build(n.Value)
		delete(b.open, name)
		b.anchors[name] = v
		if v.Line == 0 {
			v.at(n.Start)
		}
		return v
	case *ast.AliasNode:
		name := n.Value.GetToken().Value
		a := &node{Kind: aliasNode, Value: name, Alias: b.anchors[name]}
		a.at(n.Start)
		switch {
		case b.open[name]:
			b.diags.Errorf(a.pos(b.file), "alias *%s is inside the value anchored &%s: a value cannot hold itself", name, name)
		case a.Alias == nil:
			b.diags.Errorf(a.pos(b.file), "unknown alias *%s: no anchor &%s before it", name, name)
		default:
			return a
		}
		return &node{Kind: scalarNode, Tag: "!!null", Line: a.Line, Column: a.Column}
	case *ast.TagNode:
		v := b.build(n.Value)
		if v.Kind == scalarNode { // a tag decides a scalar's type, as quotes do
			v.Tag, v.Plain = n.Start.Value, false
			v.at(n.Start)
		} else if v.Line == 0 {
			v.at(n.Start)
		}
		return v
	case *ast.LiteralNode:
		s := &node{Kind: scalarNode, Tag: "!!str", Value: n.Value.Value}
		s.at(n.Start)
		return s
	case *ast.StringNode:
		s := &node{Kind: scalarNode, Tag: "!!str", Value: n.Value, Plain: n.Token.Type == token.StringType}
		if s.Plain {
			s.Tag = scalarTag(n)
		}
		s.at(n.Token)
		return s
	}
	s := &node{Kind: scalarNode, Tag: scalarTag(n), Value: n.GetToken().Value, Plain: true}
	if n.GetToken().Type == token.ImplicitNullType {
		s.Value = ""
	}
	s.at(n.GetToken())
	return s
}

// plainScalar is the scalar node text is when written alone as a plain scalar, or
// nil when it is not one (a list, a comment, an alias; text that reads as other text).
func plainScalar(text string) ast.Node {
	if text == "" {
		return nil
	}
	f, err := parser.ParseBytes([]byte(text), 0)
	if err != nil || len(f.Docs) != 1 || f.Docs[0].Body == nil {
		return nil
	}
	n := f.Docs[0].Body
	switch n := n.(type) {
	case *ast.LiteralNode:
		return nil
	case *ast.StringNode:
		if n.Token.Type != token.StringType {
			return nil
		}
	}
	if scalarTag(n) == "" || n.GetToken().Value != text {
		return nil
	}
	return n
}

// exponentFloat is a float of YAML 1.2's core schema written with an exponent but no
// dot (1e-3), which goccy/go-yaml reads as a string, as YAML 1.1 did.
var exponentFloat = regexp.MustCompile(`^[-+]?[0-9]+[eE][-+]?[0-9]+$`)

// scalarTag is the type of a plain scalar ("" when n is none).
func scalarTag(n ast.Node) string {
	switch n := n.(type) {
	case *ast.StringNode:
		if exponentFloat.MatchString(n.Value) {
			return "!!float"
		}
		return "!!str"
	case *ast.LiteralNode:
		return "!!str"
	case *ast.NullNode:
		return "!!null"
	case *ast.BoolNode:
		return "!!bool"
	case *ast.IntegerNode:
		return "!!int"
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "!!float"
	case *ast.MergeKeyNode:
		return "!!merge"
	}
	return ""
}

// at places n where tk is written.
func (n *node) at(tk *token.Token) {
	if tk != nil && tk.Position != nil {
		n.Line, n.Column = tk.Position.Line, tk.Position.Column
	}
}
