package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/internal/failpoint"
)

const replayCrashSpec = `version: 1
name: replay
source: {kind: thelook, scale: 0.002, seed: 5}
warehouse: {path: out/ecom.duckdb}
tables:
  - name: orders
    mode: incremental
    cursor: created_at
    lookback: 1d
    rules: [{name: few_items, check: range, column: num_of_item, max: %d}]
  - name: users
    rules: [{name: young, check: range, column: age, max: %d}]
sinks: [{name: files, kind: csv, path: out/csv}]
`

// TestReplayKilledAroundItsCommitLeavesOldOrNew: replay is killed just before and
// just after a table's commit (a merge into an incremental table: DELETE and INSERT
// in one transaction; an append to a snapshot one). The warehouse opens, its WAL
// replayed, with the table and the quarantine both as before or both as after,
// every row accounted for; a second replay then ends as an uninterrupted one.
func TestReplayKilledAroundItsCommitLeavesOldOrNew(t *testing.T) {
	for _, point := range []string{"replay.orders", "replay.orders.committed", "replay.users", "replay.users.committed"} {
		t.Run(point, func(t *testing.T) {
			dir := t.TempDir()
			for name, limits := range map[string][2]int{"strict.yaml": {2, 40}, "relaxed.yaml": {4, 70}} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(fmt.Sprintf(replayCrashSpec, limits[0], limits[1])), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if out, err := cliCommand(dir, nil, "apply", "strict.yaml", "--quiet").CombinedOutput(); err != nil {
				t.Fatalf("apply: %v\n%s", err, out)
			}
			table, _, _ := strings.Cut(strings.TrimPrefix(point, "replay."), ".")
			before := counts(t, dir, table)
			out, err := cliCommand(dir, []string{failpoint.Env + "=" + point}, "replay", "relaxed.yaml").CombinedOutput()
			if err == nil || !strings.Contains(err.Error(), "killed") {
				t.Fatalf("replay was not killed at %s: %v\n%s", point, err, out)
			}
			after := counts(t, dir, table)
			if after[0]+after[1] != before[0]+before[1] {
				t.Errorf("%s: %v rows (table, quarantine) after the kill, %v before: rows lost or doubled", table, after, before)
			}
			moved := after != before
			if moved != strings.HasSuffix(point, ".committed") {
				t.Errorf("killed at %s: %v rows (table, quarantine), %v before", point, after, before)
			}
			if out, err := cliCommand(dir, nil, "replay", "relaxed.yaml").CombinedOutput(); err != nil {
				t.Fatalf("replay after the kill: %v\n%s", err, out)
			}
			final := counts(t, dir, table)
			if final[0]+final[1] != before[0]+before[1] || final[0] <= before[0] {
				t.Errorf("%s after the second replay: %v, before any %v", table, final, before)
			}
		})
	}
}

// counts returns a table's rows and its quarantine's, opening the warehouse as the
// next run would (replaying its WAL).
func counts(t *testing.T, dir, table string) [2]int64 {
	t.Helper()
	db, err := sql.Open("duckdb", filepath.Join(dir, "out", "ecom.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n [2]int64
	for i, rel := range []string{"main." + table, "quarantine." + table} {
		if err := db.QueryRow("SELECT count(*) FROM " + rel).Scan(&n[i]); err != nil {
			t.Fatalf("%s after the kill: %v", rel, err)
		}
	}
	return n
}
