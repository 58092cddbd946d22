package engine_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ecomrun/ecomrun/internal/s3test"
	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/report"
)

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// preflightSpec writes to a csv folder, an S3 store nothing answers on, a bucket
// that does not exist and one that does.
func preflightSpec(dir, closed, store string) string {
	return fmt.Sprintf(`version: 1
name: preflight
source: {kind: thelook, scale: 0.001, seed: 7}
warehouse: {path: %[1]s/ecom.duckdb}
tables: [{name: users}, {name: orders}]
sinks:
  - {name: files, kind: csv, path: %[1]s/csv}
  - {name: closed, kind: s3, url: "s3://lake/a/", endpoint: "http://%[2]s", path_style: true}
  - {name: nobucket, kind: s3, url: "s3://missing/b/", endpoint: "%[3]s", path_style: true}
  - {name: good, kind: s3, url: "s3://lake/c/", endpoint: "%[3]s", path_style: true}
`, dir, closed, store)
}

// runPreflight applies with preflight on and returns the report and the preflight error.
func runPreflight(t *testing.T, dir, body string) (*report.Report, *engine.PreflightError) {
	t.Helper()
	rep, err := engine.Apply(context.Background(), compile(t, dir, body), engine.Options{Parallelism: 2, Preflight: true})
	var pe *engine.PreflightError
	if !errors.As(err, &pe) {
		t.Fatalf("apply: %v, want a preflight error", err)
	}
	return rep, pe
}

// nothingRan checks that no stage ran and the warehouse holds no table at all.
func nothingRan(t *testing.T, dir string, rep *report.Report) {
	t.Helper()
	if len(rep.Stages) != 0 || rep.Status != "failed" {
		t.Errorf("status %s with %d stages in the report, want failed with none", rep.Status, len(rep.Stages))
	}
	for _, tr := range rep.Tables {
		if tr.RowsIn != 0 {
			t.Errorf("%s: %d rows in: an extract ran", tr.Name, tr.RowsIn)
		}
	}
	db := query(t, filepath.Join(dir, "ecom.duckdb"))
	if n := scalar[int](t, db, "SELECT count(*) FROM duckdb_tables()"); n != 0 {
		t.Errorf("the warehouse has %d tables after a failed preflight, want none", n)
	}
	db.Close()
}

func TestPreflightStopsTheRunBeforeAnyExtract(t *testing.T) {
	for _, server := range []struct {
		name  string
		start func(testing.TB) *s3test.Server
	}{{"gofakes3", s3test.Gofakes3}, {"moto", s3test.Moto}} {
		t.Run(server.name, func(t *testing.T) { testPreflight(t, server.start) })
	}
}

func testPreflight(t *testing.T, start func(testing.TB) *s3test.Server) {
	s3test.Env(t)
	srv := start(t)
	srv.CreateBucket(t, "lake")
	dir := t.TempDir()
	// Probes a killed preflight left behind, which this one removes.
	if _, err := srv.Client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("lake"), Key: aws.String("c/.ecomrun-preflight-killed"), Body: strings.NewReader("")}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".ecomrun-preflight-killed-1"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, pe := runPreflight(t, dir, preflightSpec(dir, closedPort(t), srv.URL))
	nothingRan(t, dir, rep)

	if len(pe.Problems) != 2 {
		t.Fatalf("problems:\n%s\nwant one line for each of the two sinks that would fail", strings.Join(pe.Problems, "\n"))
	}
	if p := pe.Problems[0]; !strings.HasPrefix(p, "sink closed (s3): ") || !strings.Contains(p, "connection refused") {
		t.Errorf("closed port: %q", p)
	}
	if p := pe.Problems[1]; !strings.HasPrefix(p, "sink nobucket (s3): ") || !strings.Contains(p, `bucket "missing" does not exist`) {
		t.Errorf("unknown bucket: %q", p)
	}
	for _, p := range pe.Problems {
		if strings.Contains(p, "\n") {
			t.Errorf("a problem spans lines: %q", p)
		}
	}
	// The probes are gone again: the good bucket and the csv folder's parent are as before.
	if keys := srv.Keys(t, "lake", ""); len(keys) != 0 {
		t.Errorf("objects left in the bucket: %v", keys)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), "preflight") || e.Name() == "csv" {
			t.Errorf("%s left in %s", e.Name(), dir)
		}
	}
}

func TestPreflightWithoutCredentialsNamesEveryS3Sink(t *testing.T) {
	s3test.Env(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	srv := s3test.Gofakes3(t)
	srv.CreateBucket(t, "lake")
	dir := t.TempDir()
	rep, pe := runPreflight(t, dir, preflightSpec(dir, closedPort(t), srv.URL))
	nothingRan(t, dir, rep)
	want := []string{"sink closed (s3): no AWS credentials", "sink nobucket (s3): no AWS credentials", "sink good (s3): no AWS credentials"}
	if len(pe.Problems) != len(want) {
		t.Fatalf("problems:\n%s\nwant %d", strings.Join(pe.Problems, "\n"), len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(pe.Problems[i], w) {
			t.Errorf("problem %d: %q, want it to start %q", i, pe.Problems[i], w)
		}
	}
}

func TestPreflightUnwritableFolderAndPassingRun(t *testing.T) {
	dir := t.TempDir()
	// A file where the sinks' folder should be: nothing can be created under it,
	// whoever runs the test (root writes into read-only folders).
	blocked := filepath.Join(dir, "blocked")
	if err := os.WriteFile(blocked, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`version: 1
name: preflight
source: {kind: thelook, scale: 0.001, seed: 7}
warehouse: {path: %[1]s/ecom.duckdb}
tables: [{name: users}]
sinks:
  - {name: files, kind: csv, path: %[1]s/blocked/csv}
  - {name: copy, kind: duckdb, path: %[1]s/blocked/copy.duckdb}
`, dir)
	rep, pe := runPreflight(t, dir, body)
	nothingRan(t, dir, rep)
	if len(pe.Problems) != 2 || !strings.HasPrefix(pe.Problems[0], "sink files (csv): cannot create the folder "+blocked) ||
		!strings.HasPrefix(pe.Problems[1], "sink copy (duckdb): cannot create the folder "+blocked) {
		t.Errorf("problems:\n%s", strings.Join(pe.Problems, "\n"))
	}
	// Once the folder can be made, the same run passes its preflight and runs.
	if err := os.Remove(blocked); err != nil {
		t.Fatal(err)
	}
	rep, err := engine.Apply(context.Background(), compile(t, dir, body), engine.Options{Parallelism: 2, Preflight: true})
	if err != nil || rep.Tables[0].RowsLoaded == 0 {
		t.Fatalf("apply after fixing the folder: %v", err)
	}
	db := query(t, filepath.Join(dir, "blocked", "copy.duckdb"))
	if n := scalar[int](t, db, "SELECT count(*) FROM users"); int64(n) != rep.Tables[0].RowsLoaded {
		t.Errorf("the copy has %d users, the run loaded %d", n, rep.Tables[0].RowsLoaded)
	}
}
