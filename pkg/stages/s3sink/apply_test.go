package s3sink_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecomrun/ecomrun/internal/s3test"
	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/stages/s3sink"
)

// TestApplyPublishesEveryTable: after apply, every table's folder holds its
// manifest and exactly the objects it lists, each object is the bytes DuckDB writes
// for the warehouse table, and the Parquet read back has the warehouse's rows. A
// rerun publishes a new run under new keys, and keeps the first run's objects for
// readers of the previous manifest (TestKeepsOneRunBack follows a third run).
func TestApplyPublishesEveryTable(t *testing.T) {
	onEveryServer(t, func(t *testing.T, srv *s3test.Server) {
		dir := t.TempDir()
		plan := compile(t, dir, pipeline(dir, srv, 0.005, "", catalog.Tables...))

		first := applyOK(t, plan)
		db := warehouse(t, dir)
		firstKeys := map[string]bool{}
		for _, table := range catalog.Tables {
			m, local := checkTable(t, srv, db, first, table)
			if len(m.Objects) != 1 || m.Format != "parquet" || m.Compression != "zstd" {
				t.Fatalf("%s: %d objects, %s/%s; want one zstd Parquet object", table, len(m.Objects), m.Format, m.Compression)
			}
			// The object is the file DuckDB writes for the table, byte for byte.
			got, err := os.ReadFile(filepath.Join(local, filepath.Base(m.Objects[0].Key)))
			if err != nil {
				t.Fatal(err)
			}
			want := filepath.Join(t.TempDir(), "want.parquet")
			if _, err := db.Exec(fmt.Sprintf("COPY (SELECT * FROM main.%q) TO '%s' (FORMAT parquet, COMPRESSION zstd)", table, want)); err != nil {
				t.Fatal(err)
			}
			if w, err := os.ReadFile(want); err != nil || sum(w) != sum(got) {
				t.Errorf("%s: the object is not the file DuckDB writes for the table (%v)", table, err)
			}
			for _, k := range m.Keys() {
				firstKeys[k] = true
			}
		}
		db.Close()

		second := applyOK(t, plan)
		db = warehouse(t, dir)
		for _, table := range catalog.Tables {
			m, _ := checkTable(t, srv, db, second, table)
			for _, k := range m.Keys() {
				if firstKeys[k] {
					t.Errorf("the rerun reused key %s of the first run", k)
				}
			}
		}
		for k := range firstKeys {
			if _, ok := srv.Lookup(t, bucket, k); !ok {
				t.Errorf("%s of the first run, which the previous manifest lists, is gone after the rerun", k)
			}
		}
	})
}

// TestPartitionBy: partition_by writes one folder per value, col=value/, each
// holding that value's rows; the counts add up to the table's.
func TestPartitionBy(t *testing.T) {
	onEveryServer(t, func(t *testing.T, srv *s3test.Server) {
		dir := t.TempDir()
		plan := compile(t, dir, pipeline(dir, srv, 0.005, "partition_by: [status]", "orders", "order_items"))
		rep := applyOK(t, plan)
		db := warehouse(t, dir)
		for _, table := range []string{"orders", "order_items"} {
			m, _ := checkTable(t, srv, db, rep, table)
			values := scalar[int64](t, db, fmt.Sprintf("SELECT count(DISTINCT status) FROM main.%q", table))
			if int64(len(m.Objects)) != values || values < 2 {
				t.Errorf("%s: %d objects for %d statuses", table, len(m.Objects), values)
			}
			for _, o := range m.Objects {
				rel := strings.TrimPrefix(o.Key, "raw/ecom/"+table+"/")
				status := partitionValue(t, rel, "status")
				if !strings.HasPrefix(rel, "status=") || strings.Count(rel, "/") != 1 {
					t.Errorf("%s: key %s is not status=<value>/<file>", table, o.Key)
				}
				if want := scalar[int64](t, db, fmt.Sprintf("SELECT count(*) FROM main.%q WHERE status = ?", table), status); o.Rows != want {
					t.Errorf("%s: %d rows, the warehouse has %d with status %s", o.Key, o.Rows, want, status)
				}
			}
		}
	})
}

// TestCSVGzip: format csv with gzip compression writes .csv.gz objects that read
// back as the warehouse's rows, partitioned by two columns.
func TestCSVGzip(t *testing.T) {
	s3test.Env(t)
	srv := s3test.Gofakes3(t)
	srv.CreateBucket(t, bucket)
	dir := t.TempDir()
	plan := compile(t, dir, pipeline(dir, srv, 0.005, "format: csv, compression: gzip, partition_by: [gender, traffic_source]", "users"))
	rep := applyOK(t, plan)
	m, _ := checkTable(t, srv, warehouse(t, dir), rep, "users")
	if m.Format != "csv" || m.Compression != "gzip" || len(m.Objects) < 4 {
		t.Fatalf("manifest: %s/%s with %d objects", m.Format, m.Compression, len(m.Objects))
	}
	for _, o := range m.Objects {
		if !strings.HasSuffix(o.Key, ".csv.gz") || !strings.Contains(o.Key, "/gender=") || !strings.Contains(o.Key, "/traffic_source=") {
			t.Errorf("key %s is not gender=<g>/traffic_source=<s>/<file>.csv.gz", o.Key)
		}
		if b := srv.Get(t, bucket, o.Key); len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Errorf("%s is not gzip", o.Key)
		}
	}
}

// TestMultipart: files larger than a part go up in several parts, concurrently,
// and read back byte for byte; no multipart upload is left open. gofakes3 takes
// parts of any size, so tiny parts make many of them; moto, like S3, refuses
// parts under 5 MiB, so it gets 5 MiB parts and a CSV file larger than that.
func TestMultipart(t *testing.T) {
	for _, tc := range []struct {
		server string
		start  func(testing.TB) *s3test.Server
		part   int64
		scale  float64
	}{
		{"gofakes3", s3test.Gofakes3, 64 << 10, 0.005},
		{"moto", s3test.Moto, 5 << 20, 0.02},
	} {
		t.Run(tc.server, func(t *testing.T) {
			s3test.Env(t)
			s3sink.Tune(t, tc.part, time.Millisecond)
			proxy := s3test.NewProxy(t, tc.start(t))
			proxy.CreateBucket(t, bucket)
			var mu sync.Mutex
			parts := map[string]int{} // key -> UploadPart requests
			proxy.SetFaults(func(r *http.Request) s3test.Fault {
				if r.Method == http.MethodPut && r.URL.Query().Has("partNumber") {
					mu.Lock()
					parts[strings.TrimPrefix(r.URL.Path, "/"+bucket+"/")]++
					mu.Unlock()
				}
				return s3test.Forward
			})
			dir := t.TempDir()
			plan := compile(t, dir, pipeline(dir, proxy.Server, tc.scale, "format: csv", "events"))
			rep := applyOK(t, plan)
			m, _ := checkTable(t, proxy.Server, warehouse(t, dir), rep, "events")
			o := m.Objects[0]
			if want := int((o.Bytes + tc.part - 1) / tc.part); want < 2 || parts[o.Key] != want {
				t.Errorf("%s: %d bytes went up in %d parts of %d bytes, want %d parts (at least 2)", o.Key, o.Bytes, parts[o.Key], tc.part, want)
			}
			if open := proxy.Uploads(t, bucket); len(open) > 0 {
				t.Errorf("multipart uploads left open: %v", open)
			}
		})
	}
}
