package s3sink_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ecomrun/ecomrun/internal/s3test"
	"github.com/ecomrun/ecomrun/pkg/stages/s3sink"
)

// TestKeepsOneRunBack: each run deletes only the objects of runs before the one
// it replaces. After the third run the manifest lists the third run's objects, the
// second run's (which the previous manifest listed) are still there byte for byte,
// for a reader that started from that manifest, and the first run's are gone.
func TestKeepsOneRunBack(t *testing.T) {
	onEveryServer(t, func(t *testing.T, srv *s3test.Server) {
		dir := t.TempDir()
		plan := compile(t, dir, pipeline(dir, srv, 0.005, "partition_by: [status]", "orders"))
		first := applyOK(t, plan)
		firstKeys := runKeys(t, srv, "orders", first.RunID)
		second := applyOK(t, plan)
		previous, _ := manifest(t, srv, "orders")
		if previous.RunID != second.RunID {
			t.Fatalf("the manifest is run %s's, want the second run %s", previous.RunID, second.RunID)
		}
		if got := runKeys(t, srv, "orders", first.RunID); !slices.Equal(got, firstKeys) || len(got) == 0 {
			t.Errorf("after the second run, the first run's objects are\n  %s\nwant them all kept one run\n  %s", strings.Join(got, "\n  "), strings.Join(firstKeys, "\n  "))
		}

		third := applyOK(t, plan)
		m, _ := checkTable(t, srv, warehouse(t, dir), third, "orders")
		if m.RunID != third.RunID {
			t.Errorf("the manifest is run %s's, want the third run %s", m.RunID, third.RunID)
		}
		for _, o := range previous.Objects {
			if b, ok := srv.Lookup(t, bucket, o.Key); !ok || sum(b) != o.SHA256 {
				t.Errorf("%s, listed by the previous manifest, is gone or changed after the third run", o.Key)
			}
		}
		if got := runKeys(t, srv, "orders", first.RunID); len(got) > 0 {
			t.Errorf("the first run's objects are still there after the third run:\n  %s", strings.Join(got, "\n  "))
		}
	})
}

// TestKilledRunStagingIsSwept: a staging folder a killed run left beside the
// warehouse (a partial file in it) is removed by the next run, which publishes the
// table whole; another warehouse's staging folder in the same place is left alone.
func TestKilledRunStagingIsSwept(t *testing.T) {
	s3test.Env(t)
	srv := s3test.Gofakes3(t)
	srv.CreateBucket(t, bucket)
	dir := t.TempDir()
	plan := compile(t, dir, pipeline(dir, srv, 0.005, "", "orders"))
	wh := filepath.Join(dir, "ecom.duckdb")
	leftover := filepath.Join(dir, s3sink.StagingPrefix(wh, "lake", "orders")+"2718281828")
	other := filepath.Join(dir, s3sink.StagingPrefix(filepath.Join(dir, "other.duckdb"), "lake", "orders")+"3141592653")
	for _, d := range []string{leftover, other} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "part-killed-0.parquet"), []byte("PAR1 half a file"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep := applyOK(t, plan)
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Errorf("the killed run's staging folder %s is still there (%v)", leftover, err)
	}
	if _, err := os.Stat(filepath.Join(other, "part-killed-0.parquet")); err != nil {
		t.Errorf("another warehouse's staging folder was touched: %v", err)
	}
	stale, _ := filepath.Glob(filepath.Join(dir, ".ecomrun-s3-*"))
	if len(stale) != 1 || stale[0] != other {
		t.Errorf("staging folders after the run: %v, want only the other warehouse's", stale)
	}
	checkTable(t, srv, warehouse(t, dir), rep, "orders")
}

// TestKilledRunUploadIsAborted: the multipart upload a run killed while uploading
// left in the table's folder (a part sent, never completed or aborted) is aborted
// by the next run that writes the table; an unfinished upload outside the sink's
// layout in the same folder is left alone.
func TestKilledRunUploadIsAborted(t *testing.T) {
	onEveryServer(t, func(t *testing.T, srv *s3test.Server) {
		ctx := context.Background()
		begin := func(key string) {
			up, err := srv.Client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			if err != nil {
				t.Fatal(err)
			}
			_, err = srv.Client.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
				PartNumber: aws.Int32(1), Body: strings.NewReader(strings.Repeat("x", 1024))})
			if err != nil {
				t.Fatal(err)
			}
		}
		begin("raw/ecom/orders/part-20261206T010203Z-dead00-0.parquet")
		begin("raw/ecom/orders/notes.txt")
		dir := t.TempDir()
		applyOK(t, compile(t, dir, pipeline(dir, srv, 0.005, "", "orders")))
		out, err := srv.Client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket), Prefix: aws.String("raw/ecom/")})
		if err != nil {
			t.Fatal(err)
		}
		var left []string
		for _, u := range out.Uploads {
			left = append(left, aws.ToString(u.Key))
		}
		if want := []string{"raw/ecom/orders/notes.txt"}; !slices.Equal(left, want) {
			t.Errorf("unfinished uploads after the run: %v, want only %v", left, want)
		}
	})
}
