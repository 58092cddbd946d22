package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/spec"
)

// TestEveryKindAgrees walks every registered source and sink kind and checks that
// the published schema (the file editors read, which TestSchemaFileIsTheRegisteredOne
// keeps equal to `ecomrun schema`) and validate agree with the kind's registration,
// key by key: the kind is in its block's enum; its allOf branch lists exactly the
// block's common keys and the kind's own, and requires exactly its required keys;
// each key's enum is the registration's and its default is what decoding fills in;
// a minimal spec of the kind validates, and validate refuses it without each
// required key, with a value outside each enum, and with an unknown key, each at
// its FILE:LINE:COL.
func TestEveryKindAgrees(t *testing.T) {
	doc := publishedSchema(t)
	for _, block := range []struct {
		name   string
		kinds  []spec.Kind
		common []string // the keys every kind of the block takes
	}{{"source", spec.SourceKinds(), spec.CommonKeys(spec.Source{})}, {"sink", spec.SinkKinds(), spec.CommonKeys(spec.Sink{})}} {
		def := doc["$defs"].(map[string]any)[block.name].(map[string]any)
		props := def["properties"].(map[string]any)
		if len(block.kinds) == 0 {
			t.Fatalf("no %s kind registered", block.name)
		}
		t.Run(block.name+"/an unknown kind", func(t *testing.T) {
			var names []string
			for _, k := range block.kinds {
				names = append(names, k.Name)
			}
			file, lines := kindSpec(t, block.name, "no_such_kind", nil)
			at := map[string]string{"source": "3:9", "sink": "8:11"}[block.name]
			want := `kind: "no_such_kind" is not one of ` + strings.Join(names, ", ")
			if code, out := validate(file); code != ExitFailed || !strings.Contains(out, file+":"+at+": error: "+want+"\n") {
				t.Errorf("validate exit %d, want %d and %q at %s:\n%s\n%s", code, ExitFailed, want, at, lines, out)
			}
		})
		for _, k := range block.kinds {
			t.Run(block.name+"/"+k.Name, func(t *testing.T) {
				if enum, _ := props["kind"].(map[string]any)["enum"].([]any); !slices.Contains(enum, any(k.Name)) {
					t.Errorf("kind enum %v lacks %s", enum, k.Name)
				}
				then := branchOf(t, def, "kind", k.Name)
				var own, required []string
				for _, key := range k.Keys() {
					own = append(own, key.Name)
					if key.Required {
						required = append(required, key.Name)
					}
				}
				branchKeys := mapKeys(then["properties"])
				if want := sorted(append(slices.Clone(block.common), own...)); !slices.Equal(branchKeys, want) {
					t.Errorf("branch keys %v, want %v", branchKeys, want)
				}
				if got := stringList(then["required"]); !slices.Equal(sorted(got), sorted(required)) {
					t.Errorf("branch requires %v, want %v", got, required)
				}
				defaults := decodedDefaults(t, k)
				_, computed := k.New().(spec.Defaulter)
				for _, key := range k.Keys() {
					s := keySchema(props, then, key.Name)
					if got := stringList(s["enum"]); !slices.Equal(got, key.Enum) {
						t.Errorf("%s: schema enum %v, registration %v", key.Name, got, key.Enum)
					}
					sd, published := s["default"]
					dd, decoded := defaults[key.Name]
					switch {
					case published && decoded && !reflect.DeepEqual(sd, dd):
						t.Errorf("%s: schema default %v, decoding fills %v", key.Name, sd, dd)
					case published && !decoded && !reflect.ValueOf(sd).IsZero():
						t.Errorf("%s: schema default %v, decoding fills none", key.Name, sd)
					case !published && decoded && !computed:
						t.Errorf("%s: decoding fills %v, the schema says no default", key.Name, dd)
					}
					if !strings.Contains(props[key.Name].(map[string]any)["description"].(string), k.Name) {
						t.Errorf("%s: the block's description of the key does not name kind %s", key.Name, k.Name)
					}
				}
				validateKind(t, block.name, k)
			})
		}
	}
}

// publishedSchema is the schema file editors read.
func publishedSchema(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// validateKind runs validate on a minimal spec of kind k (its required keys set
// to their examples), then on the same spec broken once per key.
func validateKind(t *testing.T, block string, k spec.Kind) {
	keys := map[string]string{}
	for _, key := range k.Keys() {
		if key.Required {
			keys[key.Name] = fmt.Sprintf("%q", key.Example)
		}
	}
	file, lines := kindSpec(t, block, k.Name, keys)
	if code, out := validate(file); code != ExitOK {
		t.Fatalf("a minimal spec of the kind does not validate:\n%s\n%s", lines, out)
	}
	refused := func(what string, keys map[string]string, at, words string) {
		t.Helper()
		file, lines := kindSpec(t, block, k.Name, keys)
		code, out := validate(file)
		if code != ExitFailed || !strings.Contains(out, file+":"+at+": error: ") || !strings.Contains(out, words) {
			t.Errorf("%s: validate exit %d, want %d and %q at %s:\n%s\n%s", what, code, ExitFailed, words, at, lines, out)
		}
	}
	indent := map[string]int{"source": 2, "sink": 4}[block]
	blockAt := map[string]string{"source": "3:3", "sink": "7:5"}[block] // where kindSpec's block starts
	unknown := withKey(keys, "no_such_key", "1")
	refused("an unknown key", unknown, fmt.Sprintf("%d:%d", keyLine(block, unknown, "no_such_key"), indent+1), `unknown key "no_such_key"`)
	for _, key := range k.Keys() {
		if key.Required {
			without := withKey(keys, key.Name, "")
			delete(without, key.Name)
			refused("without "+key.Name, without, blockAt, fmt.Sprintf("missing required key %q", key.Name))
		}
		if len(key.Enum) > 0 {
			bad := withKey(keys, key.Name, "not_one_of_them")
			at := fmt.Sprintf("%d:%d", keyLine(block, bad, key.Name), indent+len(key.Name)+3)
			refused(key.Name+" outside its enum", bad, at, `"not_one_of_them" is not one of`)
		}
	}
}

// kindSpec writes a spec whose source (block "source") or only sink is of kind,
// with keys (YAML values) one per line in sorted order below kind.
func kindSpec(t *testing.T, block, kind string, keys map[string]string) (file, text string) {
	var b strings.Builder
	b.WriteString("version: 1\n")
	if block == "source" {
		fmt.Fprintf(&b, "source:\n  kind: %s\n", kind)
		for _, k := range sorted(mapKeys(keys)) {
			fmt.Fprintf(&b, "  %s: %s\n", k, keys[k])
		}
		b.WriteString("warehouse: {path: w.duckdb}\ntables:\n  - name: users\n")
	} else {
		b.WriteString("source: {kind: thelook}\nwarehouse: {path: w.duckdb}\ntables:\n  - name: users\n")
		fmt.Fprintf(&b, "sinks:\n  - name: out\n    kind: %s\n", kind)
		for _, k := range sorted(mapKeys(keys)) {
			fmt.Fprintf(&b, "    %s: %s\n", k, keys[k])
		}
	}
	file = filepath.Join(t.TempDir(), "spec.yaml")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return file, b.String()
}

// keyLine is the line kindSpec writes key on.
func keyLine(block string, keys map[string]string, key string) int {
	first := map[string]int{"source": 4, "sink": 9}[block]
	return first + slices.Index(sorted(mapKeys(keys)), key)
}

func validate(file string) (int, string) {
	var out bytes.Buffer
	code := runValidate(context.Background(), []string{file}, streams{out: &out, err: &out})
	return code, out.String()
}

// branchOf is the then of the object's allOf branch for discriminator (kind,
// check) value.
func branchOf(t *testing.T, def map[string]any, discriminator, value string) map[string]any {
	t.Helper()
	allOf, _ := def["allOf"].([]any)
	for _, b := range allOf {
		b := b.(map[string]any)
		if b["if"].(map[string]any)["properties"].(map[string]any)[discriminator].(map[string]any)["const"] == value {
			return b["then"].(map[string]any)
		}
	}
	t.Fatalf("no allOf branch for %s %s", discriminator, value)
	return nil
}

// keySchema is a key's schema: its own in the kind's branch, else the block's.
func keySchema(props, then map[string]any, key string) map[string]any {
	if s, ok := then["properties"].(map[string]any)[key].(map[string]any); ok {
		return s
	}
	return props[key].(map[string]any)
}

// decodedDefaults are the values decoding fills into a kind's empty block, as JSON
// values; zero values are left out, as a key no default fills.
func decodedDefaults(t *testing.T, k spec.Kind) map[string]any {
	b, err := json.Marshal(spec.WithDefaults(k.New()))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range m {
		if v == nil || reflect.ValueOf(v).IsZero() {
			delete(m, k)
		}
	}
	return m
}

func withKey(m map[string]string, key, value string) map[string]string {
	out := map[string]string{key: value}
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

func mapKeys(m any) []string {
	var keys []string
	switch m := m.(type) {
	case map[string]any:
		for k := range m {
			keys = append(keys, k)
		}
	case map[string]string:
		for k := range m {
			keys = append(keys, k)
		}
	}
	return sorted(keys)
}

func sorted(s []string) []string { slices.Sort(s); return s }

// strings2 reads a JSON list of strings.
func stringList(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, s := range list {
		out = append(out, s.(string))
	}
	return out
}
