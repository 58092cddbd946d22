package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"slices"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/catalog"
)

var update = flag.Bool("update", false, "rewrite schema/pipeline.schema.json from the registered kinds")

// schemaFile is the published schema, which editors read.
const schemaFile = "../../schema/pipeline.schema.json"

// TestSchemaFileIsTheRegisteredOne: the file editors read is what validate checks
// against and `ecomrun schema` prints: the embedded file with the parts of the
// registered kinds written from their config structs. After adding or changing a
// kind, go test ./pkg/cli -run TestSchemaFile -update rewrites it.
func TestSchemaFileIsTheRegisteredOne(t *testing.T) {
	var out bytes.Buffer
	if code := runSchema(context.Background(), nil, streams{out: &out, err: &out}); code != ExitOK {
		t.Fatalf("schema exit %d: %s", code, &out)
	}
	if *update {
		if err := os.WriteFile(schemaFile, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file, out.Bytes()) {
		t.Fatalf("%s differs from `ecomrun schema`: run go test ./pkg/cli -run TestSchemaFile -update", schemaFile)
	}
}

// TestSchemaContractIsTheCatalogs: the schema's contract keys, their policies and
// defaults are catalog.Contract's, so validate accepts what the run knows.
func TestSchemaContractIsTheCatalogs(t *testing.T) {
	var out bytes.Buffer
	if code := runSchema(context.Background(), nil, streams{out: &out, err: &out}); code != ExitOK {
		t.Fatalf("schema exit %d: %s", code, &out)
	}
	var s struct {
		Defs struct {
			Contract struct {
				Properties map[string]struct {
					Enum    []string `json:"enum"`
					Default string   `json:"default"`
				} `json:"properties"`
			} `json:"contract"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	d := catalog.DefaultContract
	want := map[string]struct {
		def      string
		policies []string
	}{
		"extra_columns":   {d.ExtraColumns, []string{catalog.Ignore, catalog.Evolve, catalog.Fail}},
		"missing_columns": {d.MissingColumns, []string{catalog.Fail, catalog.Null}},
		"type_changes":    {d.TypeChanges, []string{catalog.Cast, catalog.Fail}},
	}
	if len(s.Defs.Contract.Properties) != len(want) {
		t.Errorf("the schema's contract has keys %v, want %d", s.Defs.Contract.Properties, len(want))
	}
	for key, w := range want {
		p := s.Defs.Contract.Properties[key]
		if p.Default != w.def || !slices.Equal(p.Enum, w.policies) {
			t.Errorf("%s: schema says %v default %q, catalog %v default %q", key, p.Enum, p.Default, w.policies, w.def)
		}
	}
}
