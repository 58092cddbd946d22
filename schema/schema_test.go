package schema

import (
	"encoding/json"
	"testing"
)

// TestEveryPropertyIsDescribed: editors show a property's description on hover, so
// every property of every object has one. The per-kind lists inside if/then only
// name keys (true) that are described on the object itself.
func TestEveryPropertyIsDescribed(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(Pipeline, &doc); err != nil {
		t.Fatal(err)
	}
	objects := map[string]map[string]any{"(root)": doc}
	for name, def := range doc["$defs"].(map[string]any) {
		objects[name] = def.(map[string]any)
	}
	for name, obj := range objects {
		props, ok := obj["properties"].(map[string]any)
		if !ok {
			continue
		}
		if obj["additionalProperties"] != false {
			t.Errorf("%s: additionalProperties is not false", name)
		}
		for key, p := range props {
			p := p.(map[string]any)
			if _, ok := p["description"]; !ok {
				if ref, isRef := p["$ref"].(string); !isRef || objects[ref[len("#/$defs/"):]]["description"] == nil {
					t.Errorf("%s.%s has no description", name, key)
				}
			}
		}
	}
}
