package bigquery_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ecomrun/ecomrun/internal/silent"
)

// failsWithin is a generous upper bound for a run against a silent endpoint, whose
// requests each give up after bigquery.DefaultTimeout (10 s).
const failsWithin = 30 * time.Second

// stallingServer answers every request with a status line, headers and the start of
// a JSON body, then goes silent until the test ends.
func stallingServer(t *testing.T) string {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"kind": "bigquery#queryResponse", "jobReference": {"projectId": `)
		http.NewResponseController(w).Flush()
		<-done
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(done) }) // runs first: the handlers return, then the server closes
	return srv.URL
}

// An endpoint that accepts connections and never answers (reading the request or
// not), or that starts an answer and stops, fails the run within seconds with an
// error per table naming the request, the endpoint and the timeout.
func TestSilentEndpoint(t *testing.T) {
	for name, start := range map[string]func(*testing.T) string{
		"never-reads":         func(t *testing.T) string { return "http://" + silent.Server(t, false) },
		"reads-never-answers": func(t *testing.T) string { return "http://" + silent.Server(t, true) },
		"stalls-mid-answer":   stallingServer,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			endpoint := start(t)
			dir := t.TempDir()
			tables := []string{"distribution_centers", "orders", "users"}
			plan := compile(t, dir, "bq", bigquerySource(endpoint, "auto"), tables...)
			began := time.Now()
			err, rep := applyFails(t, plan)
			if took := time.Since(began); took > failsWithin {
				t.Errorf("the run took %v to fail, want less than %v", took.Round(time.Second), failsWithin)
			}
			errs := extractErrors(rep)
			for _, tb := range tables {
				e := errs[tb]
				for _, want := range []string{"bigquery table " + tb + ": ", "tables.get at " + endpoint + ": no answer within 10s"} {
					if !strings.Contains(e, want) {
						t.Errorf("%s: error %q lacks %q", tb, e, want)
					}
				}
				if strings.Contains(e, "\n") || strings.Contains(e, "gave up after") {
					t.Errorf("%s: error %q is not one line about one request", tb, e)
				}
			}
			if err == nil {
				t.Fatal("no error")
			}
		})
	}
}
