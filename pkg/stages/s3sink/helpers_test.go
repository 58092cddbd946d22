package s3sink_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/ecomrun/ecomrun/internal/enginetest"
	"github.com/ecomrun/ecomrun/internal/s3test"
	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages/s3sink"
)

const bucket = "lake"

// servers are the S3 servers every end-to-end test runs against.
var servers = []struct {
	name  string
	start func(testing.TB) *s3test.Server
}{
	{"gofakes3", s3test.Gofakes3},
	{"moto", s3test.Moto},
}

// onEveryServer runs test against each of servers, in a subtest of its own, with
// the test's AWS environment and the bucket created.
func onEveryServer(t *testing.T, test func(t *testing.T, srv *s3test.Server)) {
	for _, server := range servers {
		t.Run(server.name, func(t *testing.T) {
			s3test.Env(t)
			srv := server.start(t)
			srv.CreateBucket(t, bucket)
			test(t, srv)
		})
	}
}

// pipeline is a small generated pipeline writing tables to one s3 sink at srv;
// sink holds the sink's extra keys ("format: csv, ..."), or is empty.
func pipeline(dir string, srv *s3test.Server, scale float64, sink string, tables ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nname: s3test\nsource: {kind: thelook, scale: %g, seed: 7}\nwarehouse: {path: %s}\ntables:\n",
		scale, filepath.Join(dir, "ecom.duckdb"))
	for _, t := range tables {
		fmt.Fprintf(&b, "  - name: %s\n", t)
	}
	if sink != "" {
		sink = ", " + sink
	}
	fmt.Fprintf(&b, "sinks:\n  - {name: lake, kind: s3, url: \"s3://%s/raw/ecom/\", endpoint: %q, path_style: true%s}\n", bucket, srv.URL, sink)
	return b.String()
}

// compile writes a spec into dir/spec.yaml and compiles it.
func compile(t *testing.T, dir, body string) *spec.Plan {
	t.Helper()
	return enginetest.Compile(t, filepath.Join(dir, "spec.yaml"), body)
}

func apply(plan *spec.Plan) (*report.Report, error) {
	return engine.Apply(context.Background(), plan, engine.Options{Parallelism: 2})
}

var applyOK = enginetest.Apply

// warehouse opens a finished run's warehouse read-only, as a second reader would.
func warehouse(t *testing.T, dir string) *sql.DB {
	t.Helper()
	return enginetest.OpenReadOnly(t, filepath.Join(dir, "ecom.duckdb"))
}

func scalar[T any](t *testing.T, db *sql.DB, q string, args ...any) T {
	t.Helper()
	return enginetest.Scalar[T](t, db, q, args...)
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// manifest reads a table's published manifest.
func manifest(t *testing.T, srv *s3test.Server, table string) (*s3sink.Manifest, []byte) {
	t.Helper()
	b := srv.Get(t, bucket, "raw/ecom/"+table+"/"+s3sink.ManifestName)
	var m s3sink.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s manifest: %v", table, err)
	}
	return &m, b
}

// checkTable checks a published table against the warehouse and the run's report:
// the folder holds the manifest, the objects it lists and at most the objects of
// one other run (the previous one, kept for its readers); every object has
// the listed size and SHA-256; the rows add up to the warehouse table's; the data
// read back equals the table, row for row. It returns the manifest and the folder
// the objects were downloaded to (keys relative to the table folder).
func checkTable(t *testing.T, srv *s3test.Server, db *sql.DB, rep *report.Report, table string) (*s3sink.Manifest, string) {
	t.Helper()
	folder := "raw/ecom/" + table + "/"
	m, _ := manifest(t, srv, table)
	if m.RunID != rep.RunID || m.Table != table || m.Bucket != bucket {
		t.Errorf("%s manifest: run %q table %q bucket %q; want run %q", table, m.RunID, m.Table, m.Bucket, rep.RunID)
	}
	want := append(m.Keys(), folder+s3sink.ManifestName)
	slices.Sort(want)
	got := srv.Keys(t, bucket, folder)
	others := map[string]bool{}
	for _, k := range got {
		if !slices.Contains(want, k) {
			others[runOf(k)] = true
		}
	}
	delete(others, "") // reported below
	if len(others) > 1 || !isSubset(want, got) {
		t.Errorf("%s folder holds\n  %s\nwant the manifest's\n  %s\nand at most one earlier run's objects", table, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	for _, k := range got {
		if !slices.Contains(want, k) && runOf(k) == "" {
			t.Errorf("%s folder holds %s, which is no run's object", table, k)
		}
	}
	outputs := map[string]report.Output{}
	for _, o := range rep.Outputs {
		if o.Sink == "lake" && o.Table == table {
			outputs[o.Path] = o
		}
	}
	if len(outputs) != len(m.Objects) {
		t.Errorf("%s: the report lists %d outputs, the manifest %d objects", table, len(outputs), len(m.Objects))
	}
	local := t.TempDir()
	var rows, size int64
	for _, o := range m.Objects {
		if !strings.HasPrefix(o.Key, folder) || !strings.Contains(o.Key, "part-"+rep.RunID+"-") {
			t.Errorf("%s: key %s is not a part of run %s in %s", table, o.Key, rep.RunID, folder)
		}
		b := srv.Get(t, bucket, o.Key)
		if int64(len(b)) != o.Bytes || sum(b) != o.SHA256 {
			t.Errorf("%s: %d bytes sha256 %s, manifest says %d bytes %s", o.Key, len(b), sum(b), o.Bytes, o.SHA256)
		}
		if out := outputs["s3://"+bucket+"/"+o.Key]; out.SHA256 != o.SHA256 || out.Rows != o.Rows || out.Bytes != o.Bytes {
			t.Errorf("%s: report output %+v differs from the manifest %+v", o.Key, out, o)
		}
		path := filepath.Join(local, filepath.FromSlash(strings.TrimPrefix(o.Key, folder)))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		rows += o.Rows
		size += o.Bytes
	}
	loaded := scalar[int64](t, db, fmt.Sprintf("SELECT count(*) FROM main.%q", table))
	if rows != loaded || m.Rows != loaded || m.Bytes != size || loaded == 0 {
		t.Errorf("%s: objects hold %d rows (manifest total %d, %d bytes of %d), the warehouse %d", table, rows, m.Rows, m.Bytes, size, loaded)
	}
	if diff := differences(t, db, m, local, table); diff != 0 {
		t.Errorf("%s: %d rows read back from S3 differ from the warehouse's", table, diff)
	}
	return m, local
}

// differences counts the rows in one of the data read back and the warehouse table
// but not the other (EXCEPT ALL both ways: duplicates count). Columns are named in
// model order, since hive partitioning moves partition columns last.
func differences(t *testing.T, db *sql.DB, m *s3sink.Manifest, local, table string) int64 {
	t.Helper()
	read := fmt.Sprintf("read_parquet('%s/**/*.parquet', hive_partitioning = %t)", local, len(m.PartitionBy) > 0)
	if m.Format == "csv" {
		read = fmt.Sprintf("read_csv('%s/**/*.csv*', header = true, hive_partitioning = %t)", local, len(m.PartitionBy) > 0)
	}
	cols := make([]string, 0)
	for _, c := range catalog.Lookup(table).ColumnNames() {
		cols = append(cols, fmt.Sprintf("%q::VARCHAR", c)) // CSV and hive values come back as text
	}
	sel := strings.Join(cols, ", ")
	q := fmt.Sprintf(`SELECT (SELECT count(*) FROM (SELECT %[1]s FROM %[2]s EXCEPT ALL SELECT %[1]s FROM main.%[3]q))
		+ (SELECT count(*) FROM (SELECT %[1]s FROM main.%[3]q EXCEPT ALL SELECT %[1]s FROM %[2]s))`, sel, read, table)
	return scalar[int64](t, db, q)
}

// partitionValue returns the value of column col in a key's col=value/ folder.
func partitionValue(t *testing.T, key, col string) string {
	t.Helper()
	for _, seg := range strings.Split(key, "/") {
		if v, ok := strings.CutPrefix(seg, col+"="); ok {
			u, err := url.PathUnescape(v)
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
	}
	t.Fatalf("key %s has no %s= folder", key, col)
	return ""
}

// partKey takes the run id out of a data object's key.
var partKey = regexp.MustCompile(`/part-(.+)-[0-9]+\.(parquet|csv|csv\.gz)$`)

// runOf returns the run a data object's key belongs to, or "" for another key.
func runOf(key string) string {
	if m := partKey.FindStringSubmatch(key); m != nil {
		return m[1]
	}
	return ""
}

// runKeys returns the keys under a table's folder that are objects of run id.
func runKeys(t *testing.T, srv *s3test.Server, table, id string) []string {
	t.Helper()
	var keys []string
	for _, k := range srv.Keys(t, bucket, "raw/ecom/"+table+"/") {
		if runOf(k) == id {
			keys = append(keys, k)
		}
	}
	return keys
}

func isSubset(sub, of []string) bool {
	for _, k := range sub {
		if !slices.Contains(of, k) {
			return false
		}
	}
	return true
}
