package bigquery_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/cli"
)

// dryRunServer is the BigQuery REST API's jobs.insert on loopback, answering dry
// runs only: each query's totalBytesProcessed is bytes[the table it reads]. It
// records the maximumBytesBilled each table's job was sent with.
type dryRunServer struct {
	bytes map[string]int64

	mu     sync.Mutex
	capped map[string]string
}

func (d *dryRunServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/jobs") {
		http.Error(w, `{"error": {"code": 404, "message": "only jobs.insert here"}}`, http.StatusNotFound)
		return
	}
	var job struct {
		JobReference  map[string]any `json:"jobReference"`
		Configuration struct {
			DryRun bool `json:"dryRun"`
			Query  struct {
				Query              string `json:"query"`
				MaximumBytesBilled string `json:"maximumBytesBilled"`
			} `json:"query"`
		} `json:"configuration"`
	}
	if err := json.NewDecoder(r.Body).Decode(&job); err != nil || !job.Configuration.DryRun {
		http.Error(w, `{"error": {"code": 400, "message": "dry runs only"}}`, http.StatusBadRequest)
		return
	}
	m := regexp.MustCompile("FROM `[^`]+`\\.`[^`]+`\\.`([a-z_]+)`").FindStringSubmatch(job.Configuration.Query.Query)
	if m == nil {
		http.Error(w, `{"error": {"code": 400, "message": "no table"}}`, http.StatusBadRequest)
		return
	}
	d.mu.Lock()
	d.capped[m[1]] = job.Configuration.Query.MaximumBytesBilled
	d.mu.Unlock()
	n := fmt.Sprint(d.bytes[m[1]])
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"kind": "bigquery#job", "jobReference": job.JobReference,
		"configuration": map[string]any{"dryRun": true, "query": map[string]any{"query": job.Configuration.Query.Query}},
		"status":        map[string]any{"state": "DONE"},
		"statistics":    map[string]any{"totalBytesProcessed": n, "query": map[string]any{"totalBytesProcessed": n}},
	})
}

// Plain plan (no --predict) dry-runs every table and exits 1 when one would scan
// more than its max_bytes_billed: the table's own, which overrides the source's.
// Each dry run is sent with that cap as maximumBytesBilled.
func TestPlanRefusesATableOverItsCap(t *testing.T) {
	d := &dryRunServer{bytes: map[string]int64{"orders": 5000, "users": 5000}, capped: map[string]string{}}
	srv := httptest.NewServer(d)
	defer srv.Close()
	dir := t.TempDir()
	plan := func(ordersCap string) (int, string) {
		t.Helper()
		body := fmt.Sprintf(`version: 1
source: {kind: bigquery, project: p, dataset: thelook, endpoint: %q, max_bytes_billed: 1000000}
warehouse: {path: %s}
tables:
  - name: orders%s
  - name: users
`, srv.URL, filepath.Join(dir, "w.duckdb"), ordersCap)
		file := filepath.Join(dir, "spec.yaml")
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		code := cli.Execute(context.Background(), []string{"plan", file}, &out, &errb)
		return code, out.String() + errb.String()
	}

	code, out := plan("\n    max_bytes_billed: 1000")
	if code != 1 {
		t.Errorf("plan exited %d, want 1 (orders is over its cap)\n%s", code, out)
	}
	for _, want := range []string{
		"refused: table orders would scan 5000 bytes, more than max_bytes_billed (1000)",
		"scans 4.9 KiB (5000 bytes, dry run)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan does not say %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "refused:") != 1 {
		t.Errorf("want only orders refused (users has the source's cap):\n%s", out)
	}
	if d.capped["orders"] != "1000" || d.capped["users"] != "1000000" {
		t.Errorf("the dry runs were capped at %v, want orders 1000 (its own), users 1000000 (the source's)", d.capped)
	}

	if code, out := plan(""); code != 0 {
		t.Errorf("without the table's cap plan exited %d, want 0\n%s", code, out)
	}

	// The plan a pull request shows refuses too, on stderr, its output intact.
	plan("\n    max_bytes_billed: 1000")
	for _, format := range []string{"markdown", "json"} {
		var out, errb bytes.Buffer
		code := cli.Execute(context.Background(), []string{"plan", "--format", format, filepath.Join(dir, "spec.yaml")}, &out, &errb)
		if code != 1 || !strings.Contains(errb.String(), "refused: table orders would scan 5000 bytes, more than max_bytes_billed (1000)") || out.Len() == 0 {
			t.Errorf("plan --format %s exited %d, want 1 with the refusal on stderr and the plan on stdout\nstdout:\n%s\nstderr:\n%s", format, code, out.String(), errb.String())
		}
	}
}
