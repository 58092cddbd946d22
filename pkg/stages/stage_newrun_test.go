package stages

import (
	"context"
	"testing"
)

// TestNewRunDropsArrowCopiesAKilledRunLeft: the table a run killed inside a
// filtered Arrow ingest leaves behind is gone once the next run has opened the
// warehouse, and the warehouse's own tables stay.
func TestNewRunDropsArrowCopiesAKilledRunLeft(t *testing.T) {
	ctx := context.Background()
	plan, wh, _ := filesPlan(t, "csv", "users")
	for _, q := range []string{"CREATE TABLE _ecomrun_arrow_copy_3 AS SELECT 1 AS id", "CREATE TABLE users AS SELECT 1 AS id"} {
		if err := wh.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	run, err := NewRun(ctx, "r1", plan, wh, nil, func(string) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	defer run.Cleanup(ctx)
	for table, want := range map[string]bool{"_ecomrun_arrow_copy_3": false, "users": true} {
		if got, err := wh.Exists(ctx, "", "main", table); err != nil || got != want {
			t.Errorf("after NewRun %s exists: %v (%v), want %v", table, got, err, want)
		}
	}
}
