package spec

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/ecomrun/ecomrun/pkg/diag"
)

// compiledSchema is the embedded schema, compiled once, with the key lists the error
// messages need: which keys an object knows (for "did you mean") and which it always
// requires (to tell them from the keys one kind or check requires).
type compiledSchema struct {
	schema *jsonschema.Schema
	// modelFile is $defs.model_file, which checks the spec's model files.
	modelFile *jsonschema.Schema
	props     map[string][]string // object name -> its keys
	needs     map[string][]string // object name -> its always-required keys
}

var loadSchema = sync.OnceValue(func() *compiledSchema {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		panic("spec: embedded schema: " + err.Error())
	}
	root := doc.(map[string]any)
	url := root["$id"].(string)
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, doc); err != nil {
		panic("spec: embedded schema: " + err.Error())
	}
	sch, err := c.Compile(url)
	if err != nil {
		panic("spec: embedded schema: " + err.Error())
	}
	mf, err := c.Compile(url + "#/$defs/model_file")
	if err != nil {
		panic("spec: embedded schema: " + err.Error())
	}
	cs := &compiledSchema{schema: sch, modelFile: mf, props: map[string][]string{}, needs: map[string][]string{}}
	objects := map[string]any{"pipeline": root}
	for name, def := range root["$defs"].(map[string]any) {
		objects[name] = def
	}
	for name, def := range objects {
		def := def.(map[string]any)
		props, _ := def["properties"].(map[string]any)
		for key := range props {
			cs.props[name] = append(cs.props[name], key)
		}
		required, _ := def["required"].([]any)
		for _, key := range required {
			cs.needs[name] = append(cs.needs[name], key.(string))
		}
	}
	return cs
})

// validateSchema checks the JSON-like value v against the schema and reports the
// leaf causes of every error at the line and column of the value they are about.
func validateSchema(doc *document, v any) diag.Diagnostics {
	return validateAgainst(loadSchema().schema, doc, v, nil)
}

// validateAgainst checks v against sch; prefix goes before every instance location
// (a model file is checked as the list under the key "models" of its document).
func validateAgainst(sch *jsonschema.Schema, doc *document, v any, prefix []string) diag.Diagnostics {
	err := sch.Validate(v)
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return nil
	}
	var leaves []*jsonschema.ValidationError
	collectLeaves(verr, &leaves)
	for _, e := range leaves {
		e.InstanceLocation = append(slices.Clone(prefix), e.InstanceLocation...)
	}
	r := schemaReporter{doc: doc, schema: loadSchema(), printer: message.NewPrinter(language.English)}
	// Unknown keys first: their suggestions decide which "missing key" errors are the
	// same mistake (colum: x is one typo, not also a missing column).
	for _, e := range leaves {
		if k, ok := e.ErrorKind.(*kind.AdditionalProperties); ok {
			r.unknownKeys(e.InstanceLocation, k.Properties)
		}
	}
	for _, e := range leaves {
		if _, ok := e.ErrorKind.(*kind.AdditionalProperties); !ok {
			r.leaf(e)
		}
	}
	for _, n := range r.reported {
		doc.bad[n] = true
	}
	return r.diags
}

// collectLeaves gathers the causes that say what is wrong, skipping the wrappers
// ("validation failed", "allOf failed"). An anyOf of required keys stays one cause: a
// range rule needs min or max, which is one mistake, not two.
func collectLeaves(e *jsonschema.ValidationError, out *[]*jsonschema.ValidationError) {
	if _, ok := e.ErrorKind.(*kind.AnyOf); ok && allRequired(e.Causes) {
		*out = append(*out, e)
		return
	}
	if len(e.Causes) == 0 {
		*out = append(*out, e)
	}
	for _, c := range e.Causes {
		collectLeaves(c, out)
	}
}

func allRequired(es []*jsonschema.ValidationError) bool {
	return len(es) > 0 && !slices.ContainsFunc(es, func(e *jsonschema.ValidationError) bool {
		_, ok := e.ErrorKind.(*kind.Required)
		return !ok
	})
}

type schemaReporter struct {
	doc     *document
	schema  *compiledSchema
	printer *message.Printer
	// suggested holds, per object location, the keys an unknown key was taken for.
	suggested map[string][]string
	// reported are the values found wrong, to be marked bad once every leaf is seen.
	reported []*node
	diags    diag.Diagnostics
}

func (r *schemaReporter) unknownKeys(loc []string, keys []string) {
	object := objectAt(loc)
	known := r.schema.props[object]
	m, _ := r.doc.lookup(toPath(loc)...)
	for _, key := range keys {
		pos := r.doc.pos(m)
		if k := keyNode(m, key); m.Kind == mappingNode && k != nil {
			pos = r.doc.pos(k)
		}
		if k := keyNode(m, key); m.Kind == mappingNode && k != nil {
			r.reported = append(r.reported, k) // decodeConfig, which also refuses it, stays quiet
		}
		if slices.Contains(known, key) {
			field, value := r.discriminator(loc)
			r.diags.Errorf(pos, "key %q does not apply when %s is %s", key, field, value)
			continue
		}
		if r.suggested == nil {
			r.suggested = map[string][]string{}
		}
		at := strings.Join(loc, "/")
		r.suggested[at] = append(r.suggested[at], closest(key, known)...)
		r.diags.Errorf(pos, "unknown key %q in %s%s", key, object, DidYouMean(key, known))
	}
}

// discriminator names the key that selects which other keys an object takes
// (kind or check) and its value at loc.
func (r *schemaReporter) discriminator(loc []string) (field, value string) {
	switch objectAt(loc) {
	case "rule":
		field = "check"
	case "table":
		field = "mode"
	default:
		field = "kind"
	}
	if n, ok := r.doc.lookup(toPath(append(slices.Clip(loc), field))...); ok {
		value = n.Value
	}
	return field, value
}

func (r *schemaReporter) leaf(e *jsonschema.ValidationError) {
	loc := e.InstanceLocation
	n, found := r.doc.lookup(toPath(loc)...)
	pos := r.doc.pos(n)
	suggested := r.suggested[strings.Join(loc, "/")]
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		for _, key := range k.Missing {
			if !slices.Contains(suggested, key) {
				r.missing(pos, loc, []string{key})
			}
		}
		return
	case *kind.AnyOf:
		var keys []string
		for _, c := range e.Causes {
			keys = append(keys, c.ErrorKind.(*kind.Required).Missing...)
		}
		if !slices.ContainsFunc(keys, func(k string) bool { return slices.Contains(suggested, k) }) {
			r.missing(pos, loc, keys)
		}
		return
	}
	if found {
		if r.doc.bad[n] {
			return // the interpolation has reported this value
		}
		r.reported = append(r.reported, n)
	}
	r.diags.Errorf(pos, "%s: %s", label(loc), r.describe(e.ErrorKind))
}

// missing reports required keys; one an object always needs is "missing in source",
// one its kind or check needs says which ("when check is range").
func (r *schemaReporter) missing(pos diag.Pos, loc []string, keys []string) {
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = strconv.Quote(k)
	}
	object := objectAt(loc)
	if len(keys) == 1 && slices.Contains(r.schema.needs[object], keys[0]) {
		r.diags.Errorf(pos, "missing required key %s in %s", quoted[0], object)
		return
	}
	field, value := r.discriminator(loc)
	r.diags.Errorf(pos, "missing required key %s when %s is %s", orList(quoted), field, value)
}

// describe says in plain words what is wrong with a value.
func (r *schemaReporter) describe(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Type:
		return fmt.Sprintf("got %s, want %s", k.Got, strings.Join(k.Want, " or "))
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = fmt.Sprint(w)
		}
		hint := ""
		if got, ok := k.Got.(string); ok {
			hint = DidYouMean(got, want)
		}
		return fmt.Sprintf("%s is not one of %s%s", display(k.Got), strings.Join(want, ", "), hint)
	case *kind.Const:
		return fmt.Sprintf("must be %s, got %s", display(k.Want), display(k.Got))
	case *kind.Pattern:
		if strings.Contains(k.Want, `\.`) {
			return fmt.Sprintf("%q is not of the form table.column", k.Got)
		}
		return fmt.Sprintf("%q is not a valid name: use lower-case letters, digits and _, not starting with a digit", k.Got)
	case *kind.MinLength:
		return "must not be empty"
	case *kind.MinItems:
		if k.Want == 1 {
			return "must not be empty"
		}
		return fmt.Sprintf("must list at least %d items", k.Want)
	case *kind.Minimum:
		return fmt.Sprintf("must be at least %s, got %s", ratString(k.Want), ratString(k.Got))
	case *kind.ExclusiveMinimum:
		return fmt.Sprintf("must be greater than %s, got %s", ratString(k.Want), ratString(k.Got))
	case *kind.Maximum:
		return fmt.Sprintf("must be at most %s, got %s", ratString(k.Want), ratString(k.Got))
	}
	return k.LocalizedString(r.printer)
}

// objectAt names the kind of mapping at an instance location: "source", "rule", ...
func objectAt(loc []string) string {
	for i := len(loc) - 1; i >= 0; i-- {
		if _, err := strconv.Atoi(loc[i]); err == nil {
			continue
		}
		switch loc[i] {
		case "tables":
			return "table"
		case "rules":
			return "rule"
		case "sinks":
			return "sink"
		case "models":
			return "model" // a table of a model file (the spec's own models lists strings)
		}
		return loc[i]
	}
	return "pipeline"
}

// label names a value for a message by its key, with the indexes that follow it:
// "scale", "values[2]", "tables[0]".
func label(loc []string) string {
	i := len(loc) - 1
	for i >= 0 {
		if _, err := strconv.Atoi(loc[i]); err != nil {
			break
		}
		i--
	}
	s := "pipeline"
	if i >= 0 {
		s = loc[i]
	}
	for _, idx := range loc[i+1:] {
		s += "[" + idx + "]"
	}
	return s
}

func toPath(loc []string) []any {
	path := make([]any, len(loc))
	for i, tok := range loc {
		path[i] = tok
	}
	return path
}

// display shows a value the way it would be written in the spec.
func display(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case nil:
		return "null"
	}
	return fmt.Sprint(v)
}

func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}
