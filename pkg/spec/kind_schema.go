package spec

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/schema"
)

// Schema is the spec's JSON Schema: the file schema/pipeline.schema.json with the
// parts that belong to source and sink kinds written from their registrations
// (for each block: the kind's enum and description, the kinds' keys among its
// properties, one allOf branch per kind). validate checks specs against it and
// `ecomrun schema` prints it, so neither can disagree with the kinds; a test keeps
// the file, which editors read, equal to it. It is built on first use, after
// every package's init has registered its kinds.
var Schema = sync.OnceValue(func() []byte {
	b, err := buildSchema(schema.Pipeline)
	if err != nil {
		panic("spec: embedded schema: " + err.Error())
	}
	return b
})

func buildSchema(file []byte) ([]byte, error) {
	root, err := parseJSON(file)
	if err != nil {
		return nil, err
	}
	defs := root.(*object).obj("$defs")
	for _, b := range []struct {
		name   string
		common []string
		kinds  []Kind
	}{{"source", CommonKeys(Source{}), SourceKinds()}, {"sink", CommonKeys(Sink{}), SinkKinds()}} {
		def := defs.obj(b.name)
		if def == nil {
			return nil, fmt.Errorf("no $defs.%s", b.name)
		}
		kindBlock(def, b.common, b.kinds)
	}
	if def := defs.obj("rule"); def != nil {
		ruleBranches(def)
	} else {
		return nil, fmt.Errorf("no $defs.rule")
	}
	return printJSON(root), nil
}

// ruleBranches writes a rule's check enum and one allOf branch per check kind
// from rules.Kinds: the keys each takes besides those every rule takes (the
// rule's properties no kind claims: name, check, severity), the keys it requires,
// the bounds it needs one of, and the counts it narrows.
func ruleBranches(def *object) {
	props := def.obj("properties")
	claimed := map[string]bool{}
	var names []any
	for _, k := range rules.Kinds {
		names = append(names, k.Name)
		for _, key := range k.Keys {
			claimed[key] = true
		}
	}
	props.obj("check").set("enum", names)
	var allOf []any
	for _, k := range rules.Kinds {
		then := newObject()
		if len(k.Required) > 0 {
			then.set("required", anyList(k.Required))
		}
		if len(k.OneOf) > 0 {
			var one []any
			for _, key := range k.OneOf {
				one = append(one, newObject("required", []any{key}))
			}
			then.set("anyOf", one)
		}
		then.set("additionalProperties", false)
		keys := newObject()
		for _, key := range props.keys {
			if !claimed[key] {
				keys.set(key, true)
			}
		}
		for _, key := range k.Keys {
			keys.set(key, true)
			if slices.Contains(k.Counts, key) {
				keys.set(key, newObject("type", "integer", "minimum", json.Number("0")))
			}
		}
		then.set("properties", keys)
		when := newObject("required", []any{"check"}, "properties", newObject("check", newObject("const", k.Name)))
		allOf = append(allOf, newObject("if", when, "then", then))
	}
	def.set("allOf", allOf)
}

func anyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// kindKey is one kind's use of a key.
type kindKey struct {
	kind string
	f    field
}

// kindBlock rewrites a block's definition from its kinds. The block's own keys
// (common) stay as the file writes them, but for kind, whose enum and description
// are the kinds'. A key several kinds take is described once, "a, b: what it is
// there; c: ..."; when the kinds give it different schemas, each kind's branch
// holds its own and the block's property only the description.
func kindBlock(def *object, common []string, kinds []Kind) {
	old := def.obj("properties")
	props := newObject()
	for _, k := range old.keys {
		if slices.Contains(common, k) {
			props.set(k, old.vals[k])
		}
	}
	names := make([]any, len(kinds))
	docs := make([]kindKey, len(kinds))
	uses := map[string][]kindKey{}
	var order []string
	for i, k := range kinds {
		names[i] = k.Name
		docs[i] = kindKey{k.Name, field{doc: k.Doc}}
		for _, f := range fieldsOf(k.config) {
			if uses[f.key] == nil {
				order = append(order, f.key)
			}
			uses[f.key] = append(uses[f.key], kindKey{k.Name, f})
		}
	}
	props.set("kind", newObject("description", describeUses(docs), "enum", names))
	branch := map[string]map[string]any{} // kind -> key -> its schema in the kind's branch
	for _, key := range order {
		// The kinds agree on a key when its schemas differ in their examples at most:
		// the block's property then has the schema and every kind's example.
		same := true
		var examples []any
		for _, u := range uses[key] {
			same = same && inline(fieldSchema(u.f, false)) == inline(fieldSchema(uses[key][0].f, false))
			if u.f.example != "" && !slices.Contains(examples, any(u.f.example)) {
				examples = append(examples, u.f.example)
			}
		}
		top := newObject("description", describeUses(uses[key]))
		if same {
			top = withDescription(fieldSchema(uses[key][0].f, false), describeUses(uses[key]))
			if len(examples) > 0 {
				top.set("examples", examples)
			}
		}
		props.set(key, top)
		for _, u := range uses[key] {
			if branch[u.kind] == nil {
				branch[u.kind] = map[string]any{}
			}
			branch[u.kind][key] = true
			if !same {
				branch[u.kind][key] = withDescription(fieldSchema(u.f, true), u.f.doc)
			}
		}
	}
	def.set("properties", props)
	var allOf []any
	for _, k := range kinds {
		then := newObject()
		var required []any
		keys := newObject()
		for _, c := range common {
			keys.set(c, true)
		}
		for _, f := range fieldsOf(k.config) {
			keys.set(f.key, branch[k.Name][f.key])
			if f.required {
				required = append(required, f.key)
			}
		}
		if len(required) > 0 {
			then.set("required", required)
		}
		then.set("additionalProperties", false)
		then.set("properties", keys)
		when := newObject("required", []any{"kind"}, "properties", newObject("kind", newObject("const", k.Name)))
		allOf = append(allOf, newObject("if", when, "then", then))
	}
	if len(allOf) > 0 { // none in a program that links no kind: a spec with a sink is then refused
		def.set("allOf", allOf)
	}
}

// describeUses joins the kinds' words for a key, kinds with the same words together.
func describeUses(uses []kindKey) string {
	var parts []string
	done := map[int]bool{}
	for i, u := range uses {
		if done[i] {
			continue
		}
		kinds := []string{u.kind}
		for j := i + 1; j < len(uses); j++ {
			if uses[j].f.doc == u.f.doc {
				kinds, done[j] = append(kinds, uses[j].kind), true
			}
		}
		parts = append(parts, strings.Join(kinds, ", ")+": "+strings.TrimSuffix(u.f.doc, "."))
	}
	return strings.Join(parts, "; ") + "."
}

// withDescription puts a description first in a key's schema.
func withDescription(s *object, doc string) *object {
	o := newObject("description", doc)
	for _, k := range s.keys {
		o.set(k, s.vals[k])
	}
	return o
}

// fieldSchema is a key's JSON Schema, without its description, and with its
// example when asked.
func fieldSchema(f field, example bool) *object {
	s := newObject()
	typ, _ := jsonType(f)
	if typ != "" {
		s.set("type", typ)
	}
	for _, r := range f.rules {
		switch name, value := r[0], r[1]; name {
		case "ref":
			s.set("$ref", "#/$defs/"+value)
		case "enum":
			var values []any
			for _, v := range strings.Split(value, "|") {
				values = append(values, v)
			}
			s.set("enum", values)
		case "items":
			s.set("items", newObject("$ref", "#/$defs/"+value))
		case "uniqueItems":
			s.set("uniqueItems", true)
		default:
			s.set(name, json.Number(value))
		}
	}
	if typ == "array" && s.get("items") == nil {
		s.set("items", newObject("type", "string"))
	}
	if example && f.example != "" {
		s.set("examples", []any{f.example})
	}
	if f.def != nil {
		switch v := f.def.Interface().(type) {
		case string, bool:
			s.set("default", v)
		default:
			s.set("default", json.Number(f.defTag))
		}
	}
	return s
}

// jsonType is the JSON Schema type of a key's Go type; "" when the key's
// schema is a $ref or an enum, which say it.
func jsonType(f field) (string, error) {
	for _, r := range f.rules {
		if r[0] == "ref" || r[0] == "enum" {
			return "", nil
		}
	}
	switch f.typ.Kind() {
	case reflect.String:
		return "string", nil
	case reflect.Bool:
		return "boolean", nil
	case reflect.Int, reflect.Int64:
		return "integer", nil
	case reflect.Float64:
		return "number", nil
	case reflect.Slice:
		if f.typ.Elem().Kind() == reflect.String {
			return "array", nil
		}
	}
	return "", fmt.Errorf("no JSON Schema type for %v (give it a ref=)", f.typ)
}
