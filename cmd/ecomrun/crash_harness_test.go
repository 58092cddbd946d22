package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ecomrun/ecomrun/internal/failpoint"
	"github.com/ecomrun/ecomrun/internal/s3test"
	"github.com/ecomrun/ecomrun/pkg/stages"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

// harnessSpec has every kind of output a kill can tear: a snapshot table with
// quarantined rows, one whose rejects are dropped, an incremental table merged on
// its key with quarantined rows, csv and parquet folders, a duckdb file and an s3
// prefix partitioned so that each table is several objects (a kill can fall
// between two uploads). (motherduck needs the network: its transaction is the
// duckdb sink's.)
const harnessSpec = `version: 1
name: crashall
source:
  kind: thelook
  scale: 0.01
  seed: ${SEED}
warehouse:
  path: out/ecom.duckdb
tables:
  - name: users
  - name: orders
    rules:
      - {check: expression, name: seventh, sql: "order_id % 7 <> 3"}
  - name: order_items
    on_invalid: drop
    rules:
      - {check: expression, name: fifth, sql: "id % 5 <> 1"}
  - name: events
    mode: incremental
    cursor: created_at
    lookback: 1d
    rules:
      - {check: expression, name: ninth, sql: "id % 9 <> 2"}
sinks:
  - {name: files, kind: csv, path: out/csv}
  - {name: lake, kind: parquet, path: out/parquet}
  - {name: copy, kind: duckdb, path: out/copy.duckdb}
  - name: s3
    kind: s3
    url: s3://${BUCKET}/lake/
    endpoint: ${S3_ENDPOINT}
    path_style: true
    partition_by: [gender]
    tables: [users, orders]
`

// outputs maps each output (a warehouse table, a sink's file set, an s3 table) to a
// digest of its content. Reading it checks each output's own promise on the way: a
// file matches its manifest entry, an s3 object its manifest's sha256.
type outputs map[string]string

// harness runs ecomrun against one S3 server, in folders of its own.
type harness struct {
	t   *testing.T
	s3  *s3test.Server
	env []string
}

func newHarness(t *testing.T) *harness {
	s3test.Env(t) // the children inherit the credentials through os.Environ
	h := &harness{t: t, s3: s3test.Gofakes3(t)}
	h.env = []string{"S3_ENDPOINT=" + h.s3.URL}
	return h
}

// apply runs ecomrun in dir against bucket; extra adds to the environment.
func (h *harness) command(dir, bucket string, seed int, extra ...string) *exec.Cmd {
	env := append(append([]string{"SEED=" + strconv.Itoa(seed), "BUCKET=" + bucket}, h.env...), extra...)
	return cliCommand(dir, env, "apply", "spec.yaml", "--quiet")
}

func (h *harness) mustApply(dir, bucket string, seed int, extra ...string) {
	h.t.Helper()
	if out, err := h.command(dir, bucket, seed, extra...).CombinedOutput(); err != nil {
		h.t.Fatalf("apply seed %d in %s: %v\n%s", seed, dir, err, out)
	}
}

// cloneState copies a finished run's folder and bucket, so a kill starts from it.
func (h *harness) cloneState(fromDir, fromBucket, toDir, toBucket string) {
	h.t.Helper()
	if out, err := exec.Command("cp", "-a", fromDir+"/.", toDir).CombinedOutput(); err != nil {
		h.t.Fatalf("copy %s: %v %s", fromDir, err, out)
	}
	h.s3.CreateBucket(h.t, toBucket)
	ctx := context.Background()
	for _, key := range h.s3.Keys(h.t, fromBucket, "") {
		_, err := h.s3.Client.CopyObject(ctx, &s3.CopyObjectInput{
			Bucket: aws.String(toBucket), Key: aws.String(key), CopySource: aws.String(fromBucket + "/" + key)})
		if err != nil {
			h.t.Fatalf("copy s3://%s/%s: %v", fromBucket, key, err)
		}
	}
}

// read opens every output of the run in dir and bucket and digests it. killed says
// the run was killed, so that its working relations are passed over.
func (h *harness) read(dir, bucket string, killed bool) (outputs, error) {
	out := outputs{}
	if err := readDuckDB(filepath.Join(dir, "out", "ecom.duckdb"), "warehouse", out, true, killed); err != nil {
		return nil, err
	}
	if err := readDuckDB(filepath.Join(dir, "out", "copy.duckdb"), "copy", out, false, killed); err != nil {
		return nil, err
	}
	for _, sink := range []string{"csv", "parquet"} {
		if err := readFolder(filepath.Join(dir, "out", sink), sink, out); err != nil {
			return nil, err
		}
	}
	for _, table := range []string{"users", "orders"} {
		if err := h.readS3(bucket, table, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readDuckDB digests every table of a DuckDB file (a quarantine's rows without the
// run id, which differs between runs) and, in the warehouse, each table's watermark.
func readDuckDB(path, name string, out outputs, state, skipWork bool) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	wh, err := warehouse.OpenReadOnly(context.Background(), path)
	if err != nil {
		return fmt.Errorf("open %s after the kill: %w", path, err)
	}
	defer wh.Close()
	// A killed run's working relations (main._ecomrun_*) are no output; the next run
	// drops them, which the rerun's comparison checks.
	rows, err := wh.DB.Query(`SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN ('main', 'quarantine')
		AND NOT (schema_name = 'main' AND starts_with(table_name, '_ecomrun_') AND ?) ORDER BY ALL`, skipWork)
	if err != nil {
		return err
	}
	var tables [][2]string
	for rows.Next() {
		var s, t string
		if err := rows.Scan(&s, &t); err != nil {
			return err
		}
		tables = append(tables, [2]string{s, t})
	}
	rows.Close()
	for _, st := range tables {
		rel := fmt.Sprintf("%q.%q", st[0], st[1])
		if st[0] == "quarantine" {
			rel = fmt.Sprintf("(SELECT * EXCLUDE (_run_id) FROM %s)", rel)
		}
		var n int64
		var sum sql.NullString
		q := fmt.Sprintf("SELECT count(*), md5(string_agg(r::VARCHAR, chr(10) ORDER BY r::VARCHAR)) FROM %s r", rel)
		if err := wh.DB.QueryRow(q).Scan(&n, &sum); err != nil {
			return fmt.Errorf("%s %s: %w", path, rel, err)
		}
		out[name+":"+st[0]+"."+st[1]] = fmt.Sprintf("%d rows %s", n, sum.String)
	}
	if state {
		states, err := stages.ReadState(context.Background(), wh.DB)
		if err != nil {
			return err
		}
		for _, s := range states {
			out[name+":watermark."+s.Table] = s.Watermark
		}
	}
	return nil
}

// readFolder checks that every file a files sink's manifest names matches its
// entry, and that a table's files (its rows, its quarantine) are of one run; and
// digests each table's set of entries.
func readFolder(dir, name string, out outputs) error {
	b, err := os.ReadFile(filepath.Join(dir, stages.ManifestName))
	if err != nil {
		return err
	}
	var m stages.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	runs := map[string]stages.ManifestEntry{}
	for _, e := range m.Tables {
		if first, ok := runs[e.Table]; ok && first.RunID != e.RunID {
			return fmt.Errorf("%s: %s is of run %s, %s of run %s", dir, first.File, first.RunID, e.File, e.RunID)
		}
		runs[e.Table] = e
		sum, err := fileSHA(filepath.Join(dir, e.File))
		if err != nil {
			return err
		}
		if sum != e.SHA256 {
			return fmt.Errorf("%s/%s does not match its manifest entry (run %s, %d rows)", dir, e.File, e.RunID, e.Rows)
		}
		out[name+":"+e.File] = fmt.Sprintf("%d rows %s", e.Rows, e.SHA256)
	}
	return nil
}

// readS3 checks that every object of a table's s3 manifest is there with its
// sha256, and digests the manifest's objects.
func (h *harness) readS3(bucket, table string, out outputs) error {
	body, ok := h.s3.Lookup(h.t, bucket, "lake/"+table+"/_manifest.json")
	if !ok {
		return fmt.Errorf("s3://%s/lake/%s/_manifest.json is missing", bucket, table)
	}
	var m struct {
		Objects []struct {
			Key    string `json:"key"`
			Rows   int64  `json:"rows"`
			SHA256 string `json:"sha256"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(body, &m); err != nil || len(m.Objects) == 0 {
		return fmt.Errorf("s3 manifest of %s: %v %s", table, err, body)
	}
	var parts []string
	for _, o := range m.Objects {
		data, ok := h.s3.Lookup(h.t, bucket, o.Key)
		if !ok {
			return fmt.Errorf("s3://%s/%s, named by the manifest, is missing", bucket, o.Key)
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != o.SHA256 {
			return fmt.Errorf("s3://%s/%s does not match its manifest's sha256", bucket, o.Key)
		}
		parts = append(parts, fmt.Sprintf("%d rows %s", o.Rows, o.SHA256))
	}
	slices.Sort(parts)
	out["s3:"+table] = strings.Join(parts, ", ")
	return nil
}

func fileSHA(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// passages lists the failpoints a run passes, in the order first passed, each with
// the number of times the run passes it: atomicdir.exchange, say, once per table
// and files sink.
type passage struct {
	point string
	times int
}

func points(t *testing.T, trace string) []passage {
	f, err := os.Open(trace)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []passage
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := sc.Text()
		if p == "" {
			continue
		}
		if i := slices.IndexFunc(out, func(q passage) bool { return q.point == p }); i >= 0 {
			out[i].times++
		} else {
			out = append(out, passage{p, 1})
		}
	}
	return out
}

// together names the group of outputs a kill must leave all old or all new: a
// table of the warehouse with its quarantine and watermark (one transaction), of
// the duckdb copy with its quarantine (one transaction), a table's files in a csv
// or parquet folder with its quarantine's (one exchange of folder and manifest),
// an s3 table (one manifest).
func together(key string) string {
	out, rest, _ := strings.Cut(key, ":")
	for _, p := range []string{"main.", "quarantine.", "watermark."} {
		if r, ok := strings.CutPrefix(rest, p); ok {
			rest = r
			break
		}
	}
	table, _, _ := strings.Cut(rest, ".") // orders.quarantine.csv is orders'
	return out + " " + table
}

// oldOrNew returns what in got is neither old nor new: an output at neither state,
// or a group of outputs (see together) some of which are old and some new. An
// output absent from got is old (or new) when old (or new) has none.
func oldOrNew(got, old, want outputs) []string {
	keys := slices.Sorted(maps.Keys(got))
	for _, m := range []outputs{old, want} {
		for k := range m {
			if _, ok := got[k]; !ok {
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	var problems []string
	type ages struct{ old, new []string }
	groups := map[string]*ages{}
	for _, k := range keys {
		v, ok := got[k]
		o, isOld := old[k]
		w, isNew := want[k]
		isOld = isOld == ok && o == v
		isNew = isNew == ok && w == v
		switch {
		case !ok && !isOld && !isNew:
			problems = append(problems, fmt.Sprintf("%s is missing", k))
			continue
		case !isOld && !isNew:
			problems = append(problems, fmt.Sprintf("%s is neither the old state nor the new:\n got  %s\n old  %s\n new  %s", k, v, o, w))
			continue
		}
		g := groups[together(k)]
		if g == nil {
			g = &ages{}
			groups[together(k)] = g
		}
		if isOld && !isNew {
			g.old = append(g.old, k)
		} else if isNew && !isOld {
			g.new = append(g.new, k)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(groups)) {
		if g := groups[name]; len(g.old) > 0 && len(g.new) > 0 {
			problems = append(problems, fmt.Sprintf("%s is torn: %s old, %s new", name, strings.Join(g.old, ", "), strings.Join(g.new, ", ")))
		}
	}
	return problems
}

// The check itself: a table new while its quarantine is old, or a file new while
// its quarantine file is old, is reported, though each is old-or-new on its own.
func TestOldOrNewSeesATornTable(t *testing.T) {
	old := outputs{"warehouse:main.orders": "o1", "warehouse:quarantine.orders": "q1", "warehouse:watermark.orders": "",
		"csv:orders.csv": "c1", "csv:orders.quarantine.csv": "cq1", "csv:users.csv": "u1", "s3:orders": "s1"}
	want := outputs{"warehouse:main.orders": "o2", "warehouse:quarantine.orders": "q2", "warehouse:watermark.orders": "",
		"csv:orders.csv": "c2", "csv:orders.quarantine.csv": "cq2", "csv:users.csv": "u2", "s3:orders": "s2"}
	mixed := outputs{"warehouse:main.orders": "o2", "warehouse:quarantine.orders": "q1", "warehouse:watermark.orders": "",
		"csv:orders.csv": "c1", "csv:orders.quarantine.csv": "cq2", "csv:users.csv": "u2", "s3:orders": "s1"}
	got := oldOrNew(mixed, old, want)
	wantProblems := []string{
		"csv orders is torn: csv:orders.csv old, csv:orders.quarantine.csv new",
		"warehouse orders is torn: warehouse:quarantine.orders old, warehouse:main.orders new",
	}
	if !slices.Equal(got, wantProblems) {
		t.Errorf("problems of a torn state:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantProblems, "\n"))
	}
	for _, whole := range []outputs{old, want} {
		if p := oldOrNew(whole, old, want); len(p) > 0 {
			t.Errorf("problems of a whole state: %v", p)
		}
	}
	delete(mixed, "s3:orders")
	mixed["csv:orders.csv"], mixed["warehouse:quarantine.orders"], mixed["csv:extra.csv"] = "c3", "q2", "x"
	got = oldOrNew(mixed, old, want)
	wantProblems = []string{
		"csv:extra.csv is neither the old state nor the new:\n got  x\n old  \n new  ",
		"csv:orders.csv is neither the old state nor the new:\n got  c3\n old  c1\n new  c2",
		"s3:orders is missing",
	}
	if !slices.Equal(got, wantProblems) {
		t.Errorf("problems:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantProblems, "\n"))
	}
}

// A run SIGKILLed at any failpoint it has, or at a random moment, leaves every
// output (the warehouse, its quarantine and state, csv and parquet folders with
// their manifests, a duckdb copy, s3 prefixes) at the previous run's state or at
// the new run's, readable; and the next run ends exactly as an uninterrupted one.
// ECOMRUN_CRASH_KILLS sets the number of random kills (make crash: 60).
func TestKillAnywhereLeavesOldOrNewEverywhere(t *testing.T) {
	h := newHarness(t)
	randomKills := 4
	if n, err := strconv.Atoi(os.Getenv("ECOMRUN_CRASH_KILLS")); err == nil {
		randomKills = n
	}

	// The previous state: seed 1, complete. The new state: seed 2 over it, uninterrupted.
	base := t.TempDir()
	writeSpec(t, base, harnessSpec)
	h.s3.CreateBucket(t, "base")
	h.mustApply(base, "base", 1)
	old, err := h.read(base, "base", false)
	if err != nil {
		t.Fatal(err)
	}
	ref := t.TempDir()
	h.cloneState(base, "base", ref, "ref")
	trace := filepath.Join(t.TempDir(), "trace")
	start := time.Now()
	h.mustApply(ref, "ref", 2, failpoint.TraceEnv+"="+trace)
	took := time.Since(start)
	want, err := h.read(ref, "ref", false)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range want {
		if old[k] == v && !strings.Contains(k, "watermark") && !strings.HasPrefix(v, "0 rows") {
			t.Fatalf("%s is the same after seed 1 and seed 2: the harness could not tell old from new", k)
		}
	}

	// Every passage of every point: a point passed once per table is killed at
	// each table's passage, the last included.
	var kills []string
	passed := points(t, trace)
	for _, p := range passed {
		for k := range p.times {
			kills = append(kills, fmt.Sprintf("point %s#%d", p.point, k+1))
		}
	}
	if len(passed) < 20 {
		t.Fatalf("only %d failpoints passed: %v", len(passed), passed)
	}
	for p, times := range map[string]int{"sink.s3.users.staged": 1, "sink.s3.orders.uploaded": 2, "sink.s3.orders.manifest": 1,
		"sink.s3.users.removed": 1, "atomicdir.exchanged": 8} {
		if i := slices.IndexFunc(passed, func(q passage) bool { return q.point == p }); i < 0 || passed[i].times < times {
			t.Fatalf("the run did not pass failpoint %s %d times or more: %v", p, times, passed)
		}
	}
	for i := range randomKills {
		kills = append(kills, fmt.Sprintf("after %v", time.Duration(rand.Int64N(int64(took)))+time.Duration(i%2)*time.Millisecond))
	}
	killed := 0
	for i, kill := range kills {
		dir, bucket := t.TempDir(), fmt.Sprintf("kill%d", i)
		h.cloneState(base, "base", dir, bucket)
		cmd := h.command(dir, bucket, 2)
		if p, ok := strings.CutPrefix(kill, "point "); ok {
			cmd.Env = append(cmd.Env, failpoint.Env+"="+p)
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(err.Error(), "killed") {
				t.Fatalf("%s: the run was not killed: %v\n%s", kill, err, out)
			}
		} else {
			d, _ := time.ParseDuration(strings.TrimPrefix(kill, "after "))
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(d)
			cmd.Process.Kill()
			cmd.Wait()
		}
		if !cmd.ProcessState.Success() {
			killed++
		}

		got, err := h.read(dir, bucket, true)
		if err != nil {
			t.Errorf("killed %s: %v", kill, err)
			continue
		}
		for _, p := range oldOrNew(got, old, want) {
			t.Errorf("killed %s: %s", kill, p)
		}

		h.mustApply(dir, bucket, 2)
		again, err := h.read(dir, bucket, false)
		if err != nil {
			t.Fatalf("rerun after %s: %v", kill, err)
		}
		for k, v := range want {
			if again[k] != v {
				t.Errorf("rerun after %s: %s = %s, an uninterrupted run gives %s", kill, k, again[k], v)
			}
		}
		for k := range again {
			if _, ok := want[k]; !ok {
				t.Errorf("rerun after %s: %s is left over (an uninterrupted run has none)", kill, k)
			}
		}
		left, _ := filepath.Glob(filepath.Join(dir, "out", ".*"))
		left2, _ := filepath.Glob(filepath.Join(dir, "out", "*", ".*tmp*"))
		if left = append(left, left2...); len(left) > 0 {
			t.Errorf("rerun after %s left temporary files: %v", kill, left)
		}
	}
	var repeated []string
	for _, p := range passed {
		if p.times > 1 {
			repeated = append(repeated, fmt.Sprintf("%s ×%d", p.point, p.times))
		}
	}
	t.Logf("failpoints passed more than once, killed at each passage: %s", strings.Join(repeated, ", "))
	t.Logf("%d kills (%d passages of %d failpoints, %d random), %d of them killed a running process; a run takes %v",
		len(kills), len(kills)-randomKills, len(passed), randomKills, killed, took)
}
