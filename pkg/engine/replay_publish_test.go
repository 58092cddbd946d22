package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/ecomrun/ecomrun/internal/s3test"
	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/stages/s3sink"
)

func replayS3Spec(dir, store, bucket string, maxItems int) string {
	return fmt.Sprintf(`version: 1
name: replay
source: {kind: thelook, scale: 0.002, seed: 7}
warehouse: {path: %[1]s/ecom.duckdb}
tables:
  - name: orders
    rules: [{name: few_items, check: range, column: num_of_item, max: %[4]d}]
sinks:
  - {name: files, kind: csv, path: %[1]s/csv}
  - {name: lake, kind: s3, url: "s3://%[3]s/shop/", endpoint: "%[2]s", path_style: true}
`, dir, store, bucket, maxItems)
}

// TestReplayPublishesAgainWhatAFailedPublishLeft: a replay moves every quarantined
// row but one sink cannot take the table; the next replay has nothing left to move
// and still writes the table to its sinks, and after that none again.
func TestReplayPublishesAgainWhatAFailedPublishLeft(t *testing.T) {
	s3test.Env(t)
	srv := s3test.Gofakes3(t)
	srv.CreateBucket(t, "lake")
	dir := t.TempDir()
	apply(t, compile(t, dir, replayS3Spec(dir, srv.URL, "lake", 2)))

	first, err := engine.Replay(context.Background(), compile(t, dir, replayS3Spec(dir, srv.URL, "missing", 4)), engine.ReplayOptions{})
	if err == nil || len(first.Tables) != 1 || first.Tables[0].Kept != 0 || first.Tables[0].Moved == 0 {
		t.Fatalf("replay into a missing bucket: %v, %+v; want every row moved and the s3 publish failed", err, first.Tables)
	}
	second, err := engine.Replay(context.Background(), compile(t, dir, replayS3Spec(dir, srv.URL, "lake", 4)), engine.ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var m s3sink.Manifest
	if err := json.Unmarshal(srv.Get(t, "lake", "shop/orders/_manifest.json"), &m); err != nil {
		t.Fatal(err)
	}
	db := query(t, filepath.Join(dir, "ecom.duckdb"))
	if n := scalar[int64](t, db, "SELECT count(*) FROM orders"); m.RunID != second.RunID || m.Rows != n {
		t.Errorf("the bucket has run %s with %d rows; want the second replay's %s with the table's %d", m.RunID, m.Rows, second.RunID, n)
	}
	if n := scalar[int64](t, db, "SELECT count(*) FROM _ecomrun.replays WHERE NOT published"); n != 0 {
		t.Errorf("%d replays still unpublished", n)
	}
	db.Close()
	third, err := engine.Replay(context.Background(), compile(t, dir, replayS3Spec(dir, srv.URL, "lake", 4)), engine.ReplayOptions{})
	if err != nil || len(third.Report.Outputs) != 0 {
		t.Errorf("a third replay wrote %d outputs (%v); nothing was left to publish", len(third.Report.Outputs), err)
	}
}
