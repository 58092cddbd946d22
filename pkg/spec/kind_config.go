package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ecomrun/ecomrun/pkg/diag"
)

// A kind's config struct says everything about its keys in the tags of its fields,
// so that decoding, defaults, the JSON Schema and the checks of the schema all come
// from one place:
//
//	json:"key,omitempty"  the key (also its name in plan's JSON and plan diffs)
//	doc:"..."             what it means; the schema's description, which editors show
//	default:"..."         its value when the spec leaves it out (the one place it is written)
//	example:"..."         a value of a required key, for the schema's examples and the test
//	                      that writes a minimal spec of every kind
//	schema:"..."          constraints, comma-separated: required, enum=a|b, ref=<a $defs name>,
//	                      items=<a $defs name>, minLength=N, minimum=N, maximum=N,
//	                      exclusiveMinimum=N, minItems=N, uniqueItems
//
// A default that depends on another key (the s3 sink's compression, by format) is
// the config's Defaulter method instead.

// Defaulter is a config with defaults its tags cannot write.
type Defaulter interface {
	SetDefaults()
}

// field is one key of a config struct.
type field struct {
	key, doc string
	index    int
	typ      reflect.Type
	def      *reflect.Value // the default as a value of the field's type; nil without one
	defTag   string
	example  string
	required bool
	rules    [][2]string // the schema tag's other items, name and value, in order
}

var fieldCache sync.Map // reflect.Type -> []field

// fieldsOf reads the fields of a config struct; checkFields has vetted them at registration.
func fieldsOf(t reflect.Type) []field {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]field)
	}
	fs, err := readFields(t)
	if err != nil {
		panic("spec: " + err.Error())
	}
	fieldCache.Store(t, fs)
	return fs
}

// checkFields reports a config struct whose tags do not read.
func checkFields(t reflect.Type) error {
	_, err := readFields(t)
	return err
}

func readFields(t reflect.Type) ([]field, error) {
	var fs []field
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if !sf.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			return nil, fmt.Errorf("field %s has no json key", sf.Name)
		}
		f := field{key: name, doc: sf.Tag.Get("doc"), example: sf.Tag.Get("example"), index: i, typ: sf.Type}
		if f.doc == "" {
			return nil, fmt.Errorf("field %s has no doc: editors show it, and the schema needs it", sf.Name)
		}
		for _, item := range strings.Split(sf.Tag.Get("schema"), ",") {
			rule, value, _ := strings.Cut(item, "=")
			switch rule {
			case "":
			case "required":
				f.required = true
			case "enum", "ref", "items", "minLength", "minimum", "maximum", "exclusiveMinimum", "minItems", "uniqueItems":
				f.rules = append(f.rules, [2]string{rule, value})
			default:
				return nil, fmt.Errorf("field %s: unknown schema rule %q", sf.Name, rule)
			}
		}
		if tag, ok := sf.Tag.Lookup("default"); ok {
			v, err := parseDefault(tag, sf.Type)
			if err != nil {
				return nil, fmt.Errorf("field %s: default %q: %v", sf.Name, tag, err)
			}
			f.def, f.defTag = &v, tag
		}
		if f.required && f.example == "" {
			return nil, fmt.Errorf("field %s is required but has no example", sf.Name)
		}
		if _, err := jsonType(f); err != nil {
			return nil, fmt.Errorf("field %s: %v", sf.Name, err)
		}
		fs = append(fs, f)
	}
	return fs, nil
}

// parseDefault reads a default tag as a value of type t.
func parseDefault(tag string, t reflect.Type) (reflect.Value, error) {
	v := reflect.New(t).Elem()
	switch t.Kind() {
	case reflect.String:
		v.SetString(tag)
	case reflect.Bool:
		b, err := strconv.ParseBool(tag)
		v.SetBool(b)
		return v, err
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(tag, 10, 64)
		v.SetInt(n)
		return v, err
	case reflect.Float64:
		x, err := strconv.ParseFloat(tag, 64)
		v.SetFloat(x)
		return v, err
	default:
		return v, fmt.Errorf("a %v takes no default", t)
	}
	return v, nil
}

// setDefaults fills the zero fields of config c (a pointer to its struct) that
// have a default, then whatever its Defaulter sets.
func setDefaults(c any) {
	v := reflect.ValueOf(c).Elem()
	for _, f := range fieldsOf(v.Type()) {
		if fv := v.Field(f.index); f.def != nil && fv.IsZero() {
			fv.Set(*f.def)
		}
	}
	if d, ok := c.(Defaulter); ok {
		d.SetDefaults()
	}
}

// WithDefaults returns a copy of config c with its defaults filled: a config built
// in Go (a test's, the benchmark's) may leave them out, and a check or a build sees
// them all the same. A nil c gives the kind's zero config with its defaults.
func WithDefaults[C any](c C) C {
	v := reflect.ValueOf(c)
	if v.Kind() != reflect.Pointer {
		return c
	}
	cp := reflect.New(v.Type().Elem())
	if !v.IsNil() {
		cp.Elem().Set(v.Elem())
	}
	setDefaults(cp.Interface())
	return cp.Interface().(C)
}

// decodeConfig decodes a kind's block into a new config of the kind, with its
// defaults filled. v is the block's JSON-like value and path where it is in doc;
// common are the block's common keys, which Spec's own fields hold. A key the
// config lacks, or a value of the wrong type, is reported at its place unless
// already reported: the schema, written from the same structs, reports them first.
func decodeConfig(doc *document, path []any, what string, k Kind, v any, common []string) (any, diag.Diagnostics) {
	var diags diag.Diagnostics
	cfg := k.New()
	m, _ := v.(map[string]any)
	rest := map[string]any{}
	block, _ := doc.lookup(path...)
	keys := k.keyNames()
	for key, val := range m {
		switch {
		case slices.Contains(common, key):
		case slices.Contains(keys, key):
			rest[key] = val
		default:
			if kn := keyNode(block, key); kn != nil && !doc.bad[kn] {
				diags.Errorf(doc.pos(kn), "unknown key %q in %s of kind %s%s", key, what, k.Name, DidYouMean(key, keys))
			}
		}
	}
	b, err := json.Marshal(rest)
	if err == nil {
		err = json.Unmarshal(b, cfg) // a value of the wrong type is skipped, the rest decoded
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		at := append(append([]any{}, path...), toPath(strings.Split(typeErr.Field, "."))...)
		if n, _ := doc.lookup(at...); !doc.bad[n] {
			diags.Errorf(doc.pos(n), "%s: got %s, want %s", typeErr.Field, typeErr.Value, typeErr.Type)
		}
	} else if err != nil {
		diags.Errorf(doc.pos(block), "cannot decode the %s: %v", what, err)
	}
	setDefaults(cfg)
	return cfg, diags
}

// CommonKeys are the JSON keys of a block struct's own fields (Source's, Sink's):
// the keys every kind of the block takes.
func CommonKeys(block any) []string {
	var keys []string
	t := reflect.TypeOf(block)
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}

// secretsOf lists the values of a config's Secret fields, so that a spec built in
// Go masks them as a loaded one does.
func secretsOf(c any) []string {
	v := reflect.ValueOf(c)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return nil
	}
	var out []string
	for _, f := range fieldsOf(v.Elem().Type()) {
		if s, ok := v.Elem().Field(f.index).Interface().(Secret); ok && s != "" {
			out = append(out, s.Reveal())
		}
	}
	return out
}

// flatJSON marshals a block as the spec writes it: its common keys, then its kind's
// keys, in one object, so plan's JSON and plan diffs show every key by its name.
func flatJSON(common, config any) ([]byte, error) {
	out, err := json.Marshal(common)
	if v := reflect.ValueOf(config); err != nil || config == nil || v.Kind() == reflect.Pointer && v.IsNil() {
		return out, err
	}
	more, err := json.Marshal(config)
	if err != nil || string(more) == "{}" {
		return out, err
	}
	if string(out) == "{}" {
		return more, nil
	}
	return append(append(out[:len(out)-1], ','), more[1:]...), nil
}
