package s3sink

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ecomrun/ecomrun/internal/s3test"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

func TestLayout(t *testing.T) {
	s := &sink{format: "parquet", compression: "zstd", partitionBy: []string{"status", "gender"}}
	if got := partPrefix("20260101T000000Z-abc123"); got != "part-20260101T000000Z-abc123-" {
		t.Errorf("partPrefix = %q", got)
	}
	if got := partPrefix("my run/1{i}"); got != "part-my_run_1_i_-" {
		t.Errorf("a run id given by a caller is not made safe: %q", got)
	}
	want := `FORMAT parquet, COMPRESSION 'zstd', PARTITION_BY ("status", "gender"), FILENAME_PATTERN 'part-r1-{i}'`
	if got := s.copyOptions("r1"); got != want {
		t.Errorf("copyOptions:\n got %s\nwant %s", got, want)
	}
	for rel, ours := range map[string]bool{
		"status=Complete/gender=F/part-r1-0.parquet": true,
		"status=Complete/gender=F/part-r1-12.csv.gz": true,
		"status=Complete/part-r1-0.parquet":          false, // another layout
		"gender=F/status=Complete/part-r1-0.parquet": false,
		"status=Complete/gender=F/notes.txt":         false, // not a part
		"status=Complete/gender=F/part-0.parquet":    false,
		"users/status=Complete/part-r1-0.parquet":    false,
	} {
		if s.ours(rel) != ours {
			t.Errorf("ours(%q) = %t", rel, !ours)
		}
	}
	flat := &sink{format: "csv", compression: "gzip"}
	if !flat.ours("part-r1-0.csv.gz") || flat.ours("orders/part-r1-0.csv.gz") || flat.extension() != ".csv.gz" {
		t.Error("an unpartitioned sink's layout is one part file per table folder")
	}
}

// TestNamedProfile: profile: picks the shared files' profile, whose keys and
// region sign the requests, even with other keys in the environment.
func TestNamedProfile(t *testing.T) {
	s3test.Env(t)
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", write("config", "[profile lake]\nregion = eu-central-1\n"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", write("credentials", "[lake]\naws_access_key_id = AKIDFROMPROFILE\naws_secret_access_key = profile-secret\n"))
	proxy := s3test.NewProxy(t, s3test.Gofakes3(t))
	proxy.CreateBucket(t, "lake")
	var mu sync.Mutex
	var auth []string
	proxy.SetFaults(func(r *http.Request) s3test.Fault {
		mu.Lock()
		defer mu.Unlock()
		auth = append(auth, r.Header.Get("Authorization"))
		return s3test.Forward
	})

	s, err := newSink(context.Background(), "lake", spec.WithDefaults(&Config{URL: "s3://lake/raw/", Profile: "lake", Endpoint: proxy.URL, PathStyle: true}))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.credentials(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m, err := s.readManifest(context.Background(), "raw/orders/"); m != nil || err != nil {
		t.Fatalf("readManifest of an empty folder = %v, %v", m, err)
	}
	if len(auth) != 1 || !strings.Contains(auth[0], "Credential=AKIDFROMPROFILE/") || !strings.Contains(auth[0], "/eu-central-1/s3/") {
		t.Errorf("requests were not signed with the profile's key and region: %q", auth)
	}

	_, err = newSink(context.Background(), "lake", spec.WithDefaults(&Config{URL: "s3://lake/", Profile: "nope"}))
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("a missing profile: %v", err)
	}
}

// TestNoCredentials: with no credentials anywhere, the first table fails with a
// message that says where they may come from.
func TestNoCredentials(t *testing.T) {
	s3test.Env(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	s, err := newSink(context.Background(), "lake", spec.WithDefaults(&Config{URL: "s3://lake/", Endpoint: "http://127.0.0.1:1", PathStyle: true}))
	if err != nil {
		t.Fatal(err)
	}
	err = s.credentials(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no AWS credentials for sink lake") || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Errorf("want a clear error without credentials, got %v", err)
	}
}

// TestEmptyTable: a table without rows is published too, so readers see that the
// run happened: one Parquet file with the columns, or, partitioned, no object.
func TestEmptyTable(t *testing.T) {
	s3test.Env(t)
	srv := s3test.Gofakes3(t)
	srv.CreateBucket(t, "lake")
	ctx := context.Background()
	wh, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	if err := wh.Exec(ctx, "CREATE TABLE main.orders (order_id BIGINT, status VARCHAR)"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		partitionBy []string
		objects     int
	}{{nil, 1}, {[]string{"status"}, 0}} {
		s, err := newSink(ctx, "lake", spec.WithDefaults(&Config{URL: "s3://lake/empty/", Endpoint: srv.URL, PathStyle: true, PartitionBy: tc.partitionBy}))
		if err != nil {
			t.Fatal(err)
		}
		run := &stages.Run{ID: "r1", Warehouse: wh, Report: &report.Report{}}
		if err := s.Write(ctx, run, &spec.TablePlan{Name: "orders"}); err != nil {
			t.Fatalf("partition_by %v: %v", tc.partitionBy, err)
		}
		m, err := s.readManifest(ctx, "empty/orders/")
		if err != nil || m == nil || m.Rows != 0 || len(m.Objects) != tc.objects || len(run.Report.Outputs) != tc.objects {
			t.Errorf("partition_by %v: manifest %+v (%v), %d outputs; want %d objects", tc.partitionBy, m, err, len(run.Report.Outputs), tc.objects)
		}
	}
}
