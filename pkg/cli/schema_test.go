package cli

import (
	"bytes"
	"context"
	"flag"
	"os"
	"testing"
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
