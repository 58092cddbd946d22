package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/ecomrun/ecomrun/pkg/rules"
)

// TestEveryCheckKindAgrees walks every rule check kind (rules.Kinds) as
// TestEveryKindAgrees walks the source and sink kinds: the published schema lists
// it, its branch takes exactly the keys every rule takes and its own, requires its
// required keys and one of its OneOf keys, and narrows its counts; its example
// validates on thelook's orders table, and validate refuses it without each
// required key, without all of its OneOf keys, and with an unknown key, at the
// rule's or the key's FILE:LINE:COL.
func TestEveryCheckKindAgrees(t *testing.T) {
	def := publishedSchema(t)["$defs"].(map[string]any)["rule"].(map[string]any)
	props := def["properties"].(map[string]any)
	enum := stringList(props["check"].(map[string]any)["enum"])
	claimed := map[string]bool{}
	for _, k := range rules.Kinds {
		for _, key := range k.Keys {
			claimed[key] = true
		}
	}
	var common []string
	for key := range props {
		if !claimed[key] {
			common = append(common, key)
		}
	}
	for _, k := range rules.Kinds {
		t.Run(k.Name, func(t *testing.T) {
			if !slices.Contains(enum, k.Name) {
				t.Errorf("check enum %v lacks %s", enum, k.Name)
			}
			then := branchOf(t, def, "check", k.Name)
			if got, want := mapKeys(then["properties"]), sorted(append(slices.Clone(common), k.Keys...)); !slices.Equal(got, want) {
				t.Errorf("branch keys %v, want %v", got, want)
			}
			if got := stringList(then["required"]); !slices.Equal(got, k.Required) {
				t.Errorf("branch requires %v, want %v", got, k.Required)
			}
			var oneOf []string
			for _, alt := range anyList(then["anyOf"]) {
				oneOf = append(oneOf, stringList(alt.(map[string]any)["required"])...)
			}
			if !slices.Equal(oneOf, k.OneOf) {
				t.Errorf("branch needs one of %v, want %v", oneOf, k.OneOf)
			}
			for _, key := range k.Counts {
				if s, _ := then["properties"].(map[string]any)[key].(map[string]any); s["type"] != "integer" {
					t.Errorf("%s: branch schema %v, want a count", key, s)
				}
			}
			validateCheck(t, k)
		})
	}
}

// validateCheck validates the kind's example as the only rule of orders, written
// one key a line from line 8 on, then broken once per required key.
func validateCheck(t *testing.T, k rules.CheckKind) {
	var rule yaml.MapSlice // in the example's order
	if err := yaml.Unmarshal([]byte(k.Example), &rule); err != nil {
		t.Fatalf("example %s: %v", k.Example, err)
	}
	var keys, values []string
	for _, item := range rule {
		v, err := yaml.MarshalWithOptions(item.Value, yaml.Flow(true))
		if err != nil {
			t.Fatal(err)
		}
		keys, values = append(keys, fmt.Sprint(item.Key)), append(values, strings.TrimSpace(string(v)))
	}
	write := func(omit []string, extra string) (string, string) {
		var b strings.Builder
		b.WriteString("version: 1\nsource: {kind: thelook}\nwarehouse: {path: w.duckdb}\ntables:\n  - name: users\n  - name: orders\n    rules:\n")
		prefix := "      - "
		for i, key := range keys {
			if !slices.Contains(omit, key) {
				fmt.Fprintf(&b, "%s%s: %s\n", prefix, key, values[i])
				prefix = "        "
			}
		}
		if extra != "" {
			fmt.Fprintf(&b, "%s%s\n", prefix, extra)
		}
		file := filepath.Join(t.TempDir(), "spec.yaml")
		if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return file, b.String()
	}
	file, text := write(nil, "")
	if code, out := validate(file); code != ExitOK {
		t.Fatalf("the kind's example does not validate:\n%s\n%s", text, out)
	}
	refused := func(what string, omit []string, extra, at, words string) {
		t.Helper()
		file, text := write(omit, extra)
		if code, out := validate(file); code != ExitFailed || !strings.Contains(out, file+":"+at+": error: ") || !strings.Contains(out, words) {
			t.Errorf("%s: validate exit %d, want %d and %q at %s:\n%s\n%s", what, code, ExitFailed, words, at, text, out)
		}
	}
	refused("an unknown key", nil, "no_such_key: 1", fmt.Sprintf("%d:9", 8+len(keys)), `unknown key "no_such_key"`)
	for _, key := range k.Required {
		refused("without "+key, []string{key}, "", "8:9", fmt.Sprintf("missing required key %q", key))
	}
	if len(k.OneOf) > 0 {
		refused("without "+strings.Join(k.OneOf, " and "), k.OneOf, "", "8:9", "missing required key")
	}
}

func anyList(v any) []any {
	list, _ := v.([]any)
	return list
}
