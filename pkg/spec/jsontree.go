package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// object is a JSON object that keeps its keys in order. The schema file is read,
// its kind parts rewritten and printed again (kind_schema.go): a reader of the file
// finds the keys where a person put them, and the same input prints the same bytes.
type object struct {
	keys []string
	vals map[string]any
}

func newObject(kv ...any) *object {
	o := &object{vals: map[string]any{}}
	for i := 0; i+1 < len(kv); i += 2 {
		o.set(kv[i].(string), kv[i+1])
	}
	return o
}

func (o *object) get(key string) any { return o.vals[key] }

// set replaces a key's value in its place, or adds the key last.
func (o *object) set(key string, v any) {
	if _, ok := o.vals[key]; !ok {
		o.keys = append(o.keys, key)
	}
	o.vals[key] = v
}

func (o *object) obj(key string) *object {
	v, _ := o.vals[key].(*object)
	return v
}

// parseJSON reads a JSON document into *object, []any, string, json.Number, bool and nil.
func parseJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := parseValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return v, nil
}

func parseValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		o := newObject()
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := parseValue(dec)
			if err != nil {
				return nil, err
			}
			o.set(k.(string), v)
		}
		_, err := dec.Token()
		return o, err
	case json.Delim('['):
		items := []any{}
		for dec.More() {
			v, err := parseValue(dec)
			if err != nil {
				return nil, err
			}
			items = append(items, v)
		}
		_, err := dec.Token()
		return items, err
	}
	return tok, nil
}

// lineWidth is how wide a value may print on one line before it is broken up.
const lineWidth = 160

// printJSON prints v indented by two spaces; an object that fits on its line, and
// a list of plain values (an enum), stay on it, as one writes them by hand.
func printJSON(v any) []byte {
	var b bytes.Buffer
	printValue(&b, v, 0, 0)
	b.WriteByte('\n')
	return b.Bytes()
}

// printValue prints v at depth, on a line that already holds used characters.
func printValue(b *bytes.Buffer, v any, depth, used int) {
	if flat := inline(v); depth > 0 && (used+len(flat) <= lineWidth || plainList(v)) {
		b.WriteString(flat)
		return
	}
	pad := strings.Repeat("  ", depth+1)
	switch v := v.(type) {
	case *object:
		b.WriteString("{")
		for i, k := range v.keys {
			if i > 0 {
				b.WriteString(",")
			}
			key := quote(k) + ": "
			b.WriteString("\n" + pad + key)
			printValue(b, v.vals[k], depth+1, len(pad)+len(key)+1)
		}
		b.WriteString("\n" + pad[2:] + "}")
	case []any:
		b.WriteString("[")
		for i, item := range v {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n" + pad)
			printValue(b, item, depth+1, len(pad)+1)
		}
		b.WriteString("\n" + pad[2:] + "]")
	default:
		b.WriteString(inline(v))
	}
}

// plainList reports whether v is a list of strings, numbers and booleans.
func plainList(v any) bool {
	items, ok := v.([]any)
	for _, item := range items {
		switch item.(type) {
		case *object, []any:
			return false
		}
	}
	return ok
}

// inline is v on one line: { "a": 1 } and ["x", "y"].
func inline(v any) string {
	switch v := v.(type) {
	case *object:
		if len(v.keys) == 0 {
			return "{}"
		}
		parts := make([]string, len(v.keys))
		for i, k := range v.keys {
			parts[i] = quote(k) + ": " + inline(v.vals[k])
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	case []any:
		parts := make([]string, len(v))
		for i, item := range v {
			parts[i] = inline(item)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case string:
		return quote(v)
	case json.Number:
		return string(v)
	case nil:
		return "null"
	}
	return fmt.Sprint(v) // a bool
}

// quote writes a JSON string as a person would: <, > and & as themselves.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
