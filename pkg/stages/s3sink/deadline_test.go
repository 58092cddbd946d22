package s3sink_test

import (
	"bytes"
	"github.com/ecomrun/ecomrun/internal/silent"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ecomrun/ecomrun/internal/s3test"
	"github.com/ecomrun/ecomrun/pkg/stages/s3sink"
)

// failsWithin is a generous upper bound for a run against a silent store, whose
// requests each give up after s3sink.DefaultTimeout (10 s).
const failsWithin = 30 * time.Second

// TestSilentEndpoint: an endpoint that accepts connections and never answers, with
// or without reading the requests, fails the run within seconds, not minutes, with
// one line per table naming the request, the endpoint and the timeout.
func TestSilentEndpoint(t *testing.T) {
	for name, read := range map[string]bool{"never-reads": false, "reads-never-answers": true} {
		t.Run(name, func(t *testing.T) {
			s3test.Env(t)
			url := "http://" + silent.Server(t, read)
			dir := t.TempDir()
			tables := []string{"distribution_centers", "orders", "users"}
			plan := compile(t, dir, pipeline(dir, &s3test.Server{URL: url}, 0.005, "", tables...))
			start := time.Now()
			_, err := apply(plan)
			took := time.Since(start)
			if err == nil {
				t.Fatal("the run succeeded against a silent endpoint")
			}
			if took > failsWithin {
				t.Errorf("the run took %v to fail, want less than %v", took.Round(time.Second), failsWithin)
			}
			msg := err.Error()
			want := "GetObject at " + url + ": no answer within 10s"
			for _, table := range tables {
				if !strings.Contains(msg, "table "+table+": read s3://lake/raw/ecom/"+table+"/_manifest.json: ") {
					t.Errorf("the error does not name table %s's manifest:\n%s", table, msg)
				}
			}
			if !strings.Contains(msg, want) {
				t.Errorf("the error does not say %q:\n%s", want, msg)
			}
			for _, line := range strings.Split(msg, "\n") {
				if strings.Contains(line, "exceeded maximum number of attempts") || strings.Contains(line, "operation error") {
					t.Errorf("a line is the SDK's wrapping, not one line per request: %s", line)
				}
			}
		})
	}
}

// TestStoreGoesSilentMidUpload: the store takes the first run whole, then in the
// second it reads every part of a multipart upload and never answers. The run fails
// within seconds naming the upload, the endpoint and the timeout; the published
// manifest and objects are the first run's, untouched.
func TestStoreGoesSilentMidUpload(t *testing.T) {
	s3test.Env(t)
	s3sink.Tune(t, 64<<10, time.Millisecond)
	proxy := s3test.NewProxy(t, s3test.Gofakes3(t))
	proxy.CreateBucket(t, bucket)
	dir := t.TempDir()
	plan := compile(t, dir, pipeline(dir, proxy.Server, 0.005, "format: csv", "events"))
	first := applyOK(t, plan)
	before, beforeBytes := manifest(t, proxy.Server, "events")

	proxy.SetFaults(func(r *http.Request) s3test.Fault {
		if r.Method == http.MethodPut && r.URL.Query().Has("partNumber") {
			return s3test.Stall
		}
		return s3test.Forward
	})
	start := time.Now()
	rep, err := apply(plan)
	took := time.Since(start)
	if err == nil {
		t.Fatal("the run succeeded with the store silent")
	}
	if took > failsWithin {
		t.Errorf("the run took %v to fail, want less than %v", took.Round(time.Second), failsWithin)
	}
	for _, want := range []string{"sink.lake.events", "table events: upload s3://lake/raw/ecom/events/part-" + rep.RunID + "-0.csv: ",
		"UploadPart at " + proxy.URL + ": no answer within 10s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
	if proxy.Count(s3test.Stall) == 0 {
		t.Fatal("the proxy stalled no request")
	}
	proxy.SetFaults(nil)
	after, afterBytes := manifest(t, proxy.Server, "events")
	if !bytes.Equal(afterBytes, beforeBytes) || after.RunID != first.RunID {
		t.Errorf("the failed run changed the manifest: run %s, want %s", after.RunID, first.RunID)
	}
	checkTable(t, proxy.Server, warehouse(t, dir), first, "events")
	for _, o := range before.Objects {
		if b, ok := proxy.Lookup(t, bucket, o.Key); !ok || sum(b) != o.SHA256 {
			t.Errorf("%s of the published run is gone or changed", o.Key)
		}
	}
}

// TestStoreGoesSilentListingUnfinishedUploads: after publishing, the run lists the
// unfinished uploads of earlier runs to abort them; a store that never answers that
// listing fails the run within seconds, naming the listing, the endpoint and the
// timeout, and what it published stays published.
func TestStoreGoesSilentListingUnfinishedUploads(t *testing.T) {
	s3test.Env(t)
	proxy := s3test.NewProxy(t, s3test.Gofakes3(t))
	proxy.CreateBucket(t, bucket)
	dir := t.TempDir()
	plan := compile(t, dir, pipeline(dir, proxy.Server, 0.005, "", "orders"))
	proxy.SetFaults(func(r *http.Request) s3test.Fault {
		if r.Method == http.MethodGet && r.URL.Query().Has("uploads") {
			return s3test.Stall
		}
		return s3test.Forward
	})
	start := time.Now()
	rep, err := apply(plan)
	took := time.Since(start)
	if err == nil {
		t.Fatal("the run succeeded with the store silent")
	}
	if took > failsWithin {
		t.Errorf("the run took %v to fail, want less than %v", took.Round(time.Second), failsWithin)
	}
	for _, want := range []string{"table orders: published run " + rep.RunID + ", but could not abort the unfinished uploads of earlier runs",
		"ListMultipartUploads at " + proxy.URL + ": no answer within 10s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
	if proxy.Count(s3test.Stall) == 0 {
		t.Fatal("the proxy stalled no request")
	}
	proxy.SetFaults(nil)
	if m, _ := manifest(t, proxy.Server, "orders"); m.RunID != rep.RunID {
		t.Errorf("the manifest is run %s's, want the run that published it, %s", m.RunID, rep.RunID)
	}
}
