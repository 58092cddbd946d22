package bigquery_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ecomrun/ecomrun/internal/loopback"

	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// faultProxy stands in front of the emulator and answers the first requests with
// the failures it is given, then passes everything through; with forever set, it
// answers every request with the last failure.
type faultProxy struct {
	mu       sync.Mutex
	failures []failure
	forever  bool
	served   int
	next     http.Handler
}

type failure struct {
	status int
	reason string // BigQuery's error reason, "" for none
}

func startProxy(t *testing.T, target string, forever bool, failures ...failure) (*faultProxy, string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{failures: failures, forever: forever, next: httputil.NewSingleHostReverseProxy(u)}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv.URL
}

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	var f *failure
	if len(p.failures) > 0 {
		f = &p.failures[0]
		if !p.forever || len(p.failures) > 1 {
			p.failures = p.failures[1:]
		}
		p.served++
	}
	p.mu.Unlock()
	if f == nil {
		p.next.ServeHTTP(w, r)
		return
	}
	reason := f.reason
	if reason == "" {
		reason = "backendError"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.status)
	fmt.Fprintf(w, `{"error": {"code": %d, "message": "injected by the test", "errors": [{"reason": %q, "message": "injected"}]}}`, f.status, reason)
}

func (p *faultProxy) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.served
}

// A few 503s, a 429 and a rateLimitExceeded are retried and the run succeeds with
// the same contents as the generator's.
func TestTransientFaultsAreRetried(t *testing.T) {
	t.Parallel() // these wait out backoffs: let them wait together
	emu := startEmulator(t)
	injected := []failure{{status: 503}, {status: 429, reason: "rateLimitExceeded"}, {status: 503},
		{status: 403, reason: "rateLimitExceeded"}, {status: 500}}
	proxy, endpoint := startProxy(t, emu.url, false, injected...)
	dir := t.TempDir()
	tables := []string{"distribution_centers", "orders", "events"}
	mustApply(t, compile(t, dir, "bq", bigquerySource(endpoint, "rest"), tables...))
	mustApply(t, compile(t, dir, "gen", generatorSource(), tables...))
	sameTables(t, filepath.Join(dir, "bq.duckdb"), filepath.Join(dir, "gen.duckdb"), tables...)
	if n := proxy.count(); n != len(injected) {
		t.Errorf("the proxy injected %d failures, want %d", n, len(injected))
	}
}

// applyFails runs a plan that must fail and returns its error and report.
func applyFails(t *testing.T, plan *spec.Plan) (error, *report.Report) {
	t.Helper()
	rep, err := engine.Apply(context.Background(), plan, engine.Options{Parallelism: 2})
	if err == nil {
		t.Fatal("apply succeeded, want an error")
	}
	return err, rep
}

// extractErrors returns the error of each table's extract stage.
func extractErrors(rep *report.Report) map[string]string {
	errs := map[string]string{}
	for _, st := range rep.Stages {
		if st.Kind == spec.StageExtract && st.Status == "failed" {
			errs[st.Table] = st.Error
		}
	}
	return errs
}

// A server that keeps failing is given up on after the bounded tries, with an
// error naming the table and the failure.
func TestPersistentFaultFailsTheTable(t *testing.T) {
	t.Parallel() // these wait out backoffs: let them wait together
	emu := startEmulator(t)
	_, endpoint := startProxy(t, emu.url, true, failure{status: 503})
	dir := t.TempDir()
	tables := []string{"distribution_centers", "products"}
	_, rep := applyFails(t, compile(t, dir, "bq", bigquerySource(endpoint, "rest"), tables...))
	errs := extractErrors(rep)
	for _, tb := range tables {
		e := errs[tb]
		for _, want := range []string{"bigquery table " + tb + ":", "503", "gave up after 5 tries"} {
			if !strings.Contains(e, want) {
				t.Errorf("%s: error %q lacks %q", tb, e, want)
			}
		}
	}
}

// An endpoint nothing listens on fails every table with an error naming it; after
// the first table has spent its tries, the others fail without trying again.
func TestUnreachableEndpointFailsEveryTable(t *testing.T) {
	t.Parallel() // these wait out backoffs: let them wait together
	dir := t.TempDir()
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", loopback.FreePort(t))
	err, rep := applyFails(t, compile(t, dir, "bq", bigquerySource(endpoint, "auto")))
	errs := extractErrors(rep)
	if len(errs) != 7 {
		t.Errorf("%d extract stages failed, want 7: %v", len(errs), err)
	}
	for tb, e := range errs {
		for _, want := range []string{"bigquery table " + tb + ":", "cannot reach " + endpoint, "connection refused"} {
			if !strings.Contains(e, want) {
				t.Errorf("%s: error %q lacks %q", tb, e, want)
			}
		}
	}
}

// Without credentials (and no endpoint) the run fails before any stage, with a
// cause that says what to set; a missing key file is named.
func TestMissingCredentials(t *testing.T) {
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", "")
	t.Setenv("HOME", t.TempDir()) // no gcloud credentials file
	for name, tc := range map[string]struct{ source, want string }{
		"adc":      {"{kind: bigquery, project: my-project}", "set GOOGLE_APPLICATION_CREDENTIALS"},
		"key file": {"{kind: bigquery, project: my-project, credentials: /nonexistent/key.json}", "/nonexistent/key.json"},
	} {
		t.Run(name, func(t *testing.T) {
			err, rep := applyFails(t, compile(t, t.TempDir(), "bq", tc.source, "orders"))
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: want one line containing %q", err, tc.want)
			}
			for _, st := range rep.Stages {
				if st.Status == "ok" || st.Status == "failed" {
					t.Errorf("stage %s ran (%s) without credentials", st.ID, st.Status)
				}
			}
		})
	}
}
