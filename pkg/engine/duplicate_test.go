package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/report"
)

// itemsSpec declares a table keyed on id with a rule on price, read from in/items.csv.
func itemsSpec(in, dir, onDuplicate string, minPrice int) string {
	return fmt.Sprintf(`version: 1
name: dups
source: {kind: files, dir: "%s"}
warehouse: {path: "%s/ecom.duckdb"}
tables:
  - name: items
    key: id
    on_duplicate: %s
    columns:
      - {name: id, type: INT64, required: true}
      - {name: name, type: STRING}
      - {name: price, type: FLOAT64}
    rules: [{name: price_positive, check: range, column: price, min: %d}]
`, in, dir, onDuplicate, minPrice)
}

// itemsCSV is an export made with a join: whole rows repeated, a key repeated with
// other values, a first copy that breaks a rule, NULL keys, and a first copy whose
// price does not convert.
const itemsCSV = `id,name,price
1,a,1.5
2,b,2
2,b,2
3,c,3
3,C,30
3,c,3
4,d,-1
4,d,4
,e,5
,e,5
5,x,abc
5,x,5
`

func brokenRules(tr *report.Table) map[string]int64 {
	out := map[string]int64{}
	for _, v := range tr.Violations {
		if v.Rows > 0 {
			out[v.Rule] = v.Rows
		}
	}
	return out
}

func sameCounts(t *testing.T, what string, got, want map[string]int64) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

// quarantinedItems reads the quarantine in file order (only a row set aside by the
// source has a _source_line).
const quarantinedItems = `SELECT id, name, price::VARCHAR, _violations::VARCHAR FROM quarantine.items ORDER BY rowid`

// TestKeepFirstLoadsTheFirstCopyOfEachKey: under keep_first the first copy of a key
// in file order loads when it breaks no other rule, every later copy is quarantined
// as id_duplicate (also when the first copy was itself set aside), NULL keys are
// no duplicates, and every row is accounted for.
func TestKeepFirstLoadsTheFirstCopyOfEachKey(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	writeFile(t, filepath.Join(in, "items.csv"), itemsCSV)
	rep := apply(t, compile(t, dir, itemsSpec(in, dir, "keep_first", 0)))
	accounting(t, rep.Tables[0], 12, 3, 9)
	sameCounts(t, "violations", brokenRules(rep.Tables[0]), map[string]int64{
		"id_duplicate": 5, "id_not_null": 2, "price_positive": 1, "type_price": 1,
	})

	db := query(t, filepath.Join(dir, "ecom.duckdb"))
	defer db.Close()
	sameRows(t, "loaded", rowsOf(t, db, "SELECT id, name, price::VARCHAR FROM items ORDER BY rowid"), []string{
		"1|a|1.5", "2|b|2.0", "3|c|3.0",
	})
	sameRows(t, "quarantine", rowsOf(t, db, quarantinedItems), []string{
		"2|b|2.0|[id_duplicate]",
		"3|C|30.0|[id_duplicate]",
		"3|c|3.0|[id_duplicate]",
		"4|d|-1.0|[price_positive]",
		"4|d|4.0|[id_duplicate]",
		"∅|e|5.0|[id_not_null]",
		"∅|e|5.0|[id_not_null]",
		"5|x|∅|[type_price]",
		"5|x|5.0|[id_duplicate]",
	})
}

// TestQuarantineAllSetsEveryCopyAside: the default quarantines every copy of a
// repeated key as id_unique, as before on_duplicate existed.
func TestQuarantineAllSetsEveryCopyAside(t *testing.T) {
	for _, name := range []string{"written out", "left out"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in")
			writeFile(t, filepath.Join(in, "items.csv"), itemsCSV)
			body := itemsSpec(in, dir, "quarantine_all", 0)
			if name == "left out" {
				body = strings.Replace(body, "    on_duplicate: quarantine_all\n", "", 1)
			}
			rep := apply(t, compile(t, dir, body))
			accounting(t, rep.Tables[0], 12, 1, 11)
			sameCounts(t, "violations", brokenRules(rep.Tables[0]), map[string]int64{
				"id_unique": 9, "id_not_null": 2, "price_positive": 1, "type_price": 1,
			})
			db := query(t, filepath.Join(dir, "ecom.duckdb"))
			defer db.Close()
			sameRows(t, "loaded", rowsOf(t, db, "SELECT id, name, price::VARCHAR FROM items"), []string{"1|a|1.5"})
			sameRows(t, "quarantine", rowsOf(t, db, quarantinedItems), []string{
				"2|b|2.0|[id_unique]",
				"2|b|2.0|[id_unique]",
				"3|c|3.0|[id_unique]",
				"3|C|30.0|[id_unique]",
				"3|c|3.0|[id_unique]",
				"4|d|-1.0|[id_unique, price_positive]",
				"4|d|4.0|[id_unique]",
				"∅|e|5.0|[id_not_null]",
				"∅|e|5.0|[id_not_null]",
				"5|x|∅|[type_price, id_unique]",
				"5|x|5.0|[id_unique]",
			})
		})
	}
}

// TestReplayKeepsADuplicateOfALoadedKey: replay sees the table's rows before the
// quarantined ones, so under keep_first a quarantined copy of a key the table holds
// stays id_duplicate; a quarantined first copy a relaxed rule lets through moves in,
// and the later copy of its key stays. No key is ever in the table twice.
func TestReplayKeepsADuplicateOfALoadedKey(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	writeFile(t, filepath.Join(in, "items.csv"), itemsCSV)
	apply(t, compile(t, dir, itemsSpec(in, dir, "keep_first", 0)))

	res, err := engine.Replay(context.Background(), compile(t, dir, itemsSpec(in, dir, "keep_first", -10)), engine.ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Tables[0]; r.Quarantined != 9 || r.Moved != 1 || r.Kept != 8 {
		t.Errorf("replay: %+v, want 9 quarantined = 1 moved + 8 kept", r)
	} else {
		sameCounts(t, "kept for", r.Rules, map[string]int64{"id_duplicate": 5, "id_not_null": 2, "type_price": 1})
	}
	db := query(t, filepath.Join(dir, "ecom.duckdb"))
	defer db.Close()
	sameRows(t, "table", rowsOf(t, db, "SELECT id, name, price::VARCHAR FROM items ORDER BY rowid"), []string{
		"1|a|1.5", "2|b|2.0", "3|c|3.0", "4|d|-1.0",
	})
	sameRows(t, "repeated keys", rowsOf(t, db, "SELECT count(*) - count(DISTINCT id) FROM items"), []string{"0"})
	sameRows(t, "quarantine", rowsOf(t, db, quarantinedItems), []string{
		"2|b|2.0|[id_duplicate]",
		"3|C|30.0|[id_duplicate]",
		"3|c|3.0|[id_duplicate]",
		"4|d|4.0|[id_duplicate]",
		"∅|e|5.0|[id_not_null]",
		"∅|e|5.0|[id_not_null]",
		"5|x|∅|[type_price]",
		"5|x|5.0|[id_duplicate]",
	})
}
