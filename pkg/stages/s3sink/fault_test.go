package s3sink_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ecomrun/ecomrun/internal/s3test"
	"github.com/ecomrun/ecomrun/pkg/stages/s3sink"
)

// isData reports whether a request writes a data object or part of one (not the
// manifest, a read or a delete).
func isData(r *http.Request) bool {
	return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/part-")
}

// TestTransientErrorsAreRetried: the store answers 500 or 503 to the first attempt
// of every data upload and manifest write; the retries go through and the run
// publishes every table whole.
func TestTransientErrorsAreRetried(t *testing.T) {
	s3test.Env(t)
	s3sink.Tune(t, 5<<20, time.Millisecond)
	proxy := s3test.NewProxy(t, s3test.Moto(t))
	proxy.CreateBucket(t, bucket)
	seen := map[string]bool{}
	proxy.SetFaults(func(r *http.Request) s3test.Fault {
		if r.Method != http.MethodPut || seen[r.URL.String()] {
			return s3test.Forward
		}
		seen[r.URL.String()] = true
		if strings.HasSuffix(r.URL.Path, s3sink.ManifestName) {
			return s3test.Internal
		}
		return s3test.Unavailable
	})
	dir := t.TempDir()
	tables := []string{"distribution_centers", "orders", "users"}
	plan := compile(t, dir, pipeline(dir, proxy.Server, 0.005, "", tables...))
	rep := applyOK(t, plan)
	db := warehouse(t, dir)
	for _, table := range tables {
		checkTable(t, proxy.Server, db, rep, table)
	}
	if proxy.Count(s3test.Internal) != len(tables) || proxy.Count(s3test.Unavailable) < len(tables) {
		t.Errorf("%d 500s and %d 503s injected; want one 500 per manifest and at least one 503 per table",
			proxy.Count(s3test.Internal), proxy.Count(s3test.Unavailable))
	}
}

// TestServerStopsMidUpload: the store stops answering after the first data object
// of a rerun. The run fails naming the table, the object and the cause; the
// previous manifest and objects are untouched and no manifest of the failed run
// exists. Once the store is back, the next run publishes a complete, correct folder;
// the failed run's objects are gone and the first run's, which the manifest it
// replaced lists, are kept one run longer.
func TestServerStopsMidUpload(t *testing.T) {
	s3test.Env(t)
	s3sink.Tune(t, 5<<20, time.Millisecond)
	proxy := s3test.NewProxy(t, s3test.Moto(t))
	proxy.CreateBucket(t, bucket)
	dir := t.TempDir()
	plan := compile(t, dir, pipeline(dir, proxy.Server, 0.005, "partition_by: [status]", "orders"))

	first := applyOK(t, plan)
	before, beforeBytes := manifest(t, proxy.Server, "orders")
	beforeKeys := proxy.Keys(t, bucket, "raw/ecom/orders/")

	stopped := false
	proxy.SetFaults(func(r *http.Request) s3test.Fault {
		if stopped {
			return s3test.Drop
		}
		stopped = isData(r) // this one goes through, then the store is gone
		return s3test.Forward
	})
	rep, err := apply(plan)
	if err == nil {
		t.Fatal("the run succeeded with the store gone")
	}
	msg := err.Error()
	for _, want := range []string{"sink.lake.orders", "table orders", "upload s3://lake/raw/ecom/orders/status=", "/part-" + rep.RunID + "-0.parquet", "exceeded maximum number of attempts"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error does not say %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "AWS_SECRET") || strings.Contains(msg, "Signature=") || strings.Contains(msg, "Credential=") {
		t.Errorf("the error shows credentials:\n%s", msg)
	}
	if proxy.Count(s3test.Drop) == 0 {
		t.Fatal("the proxy dropped no request")
	}

	proxy.SetFaults(nil)
	after, afterBytes := manifest(t, proxy.Server, "orders")
	if !bytes.Equal(afterBytes, beforeBytes) || after.RunID != first.RunID {
		t.Errorf("the failed run changed the manifest: run %s, was %s", after.RunID, before.RunID)
	}
	for _, o := range before.Objects {
		if b, ok := proxy.Lookup(t, bucket, o.Key); !ok || sum(b) != o.SHA256 {
			t.Errorf("%s of the published run is gone or changed", o.Key)
		}
	}
	leftover := 0
	for _, k := range proxy.Keys(t, bucket, "raw/ecom/orders/") {
		if strings.Contains(k, rep.RunID) {
			leftover++ // the store was gone: the failed run could not remove them
		}
	}
	if got := len(proxy.Keys(t, bucket, "raw/ecom/orders/")); got != len(beforeKeys)+leftover {
		t.Errorf("the folder has %d keys: %d of the published run and %d of the failed one expected", got, len(beforeKeys), leftover)
	}

	third := applyOK(t, plan)
	checkTable(t, proxy.Server, warehouse(t, dir), third, "orders")
	for _, k := range proxy.Keys(t, bucket, "raw/ecom/orders/") {
		if strings.Contains(k, rep.RunID) {
			t.Errorf("%s of the failed run is still there", k)
		}
	}
	for _, o := range before.Objects {
		if b, ok := proxy.Lookup(t, bucket, o.Key); !ok || sum(b) != o.SHA256 {
			t.Errorf("%s of the run before is gone or changed", o.Key)
		}
	}
}

// TestFailedUploadCleansUp: one partition is refused every time while the store is
// otherwise fine. The run fails naming the table, the key and the store's answer,
// removes the objects it did upload, and leaves the published run alone.
func TestFailedUploadCleansUp(t *testing.T) {
	s3test.Env(t)
	s3sink.Tune(t, 5<<20, time.Millisecond)
	proxy := s3test.NewProxy(t, s3test.Gofakes3(t))
	proxy.CreateBucket(t, bucket)
	dir := t.TempDir()
	plan := compile(t, dir, pipeline(dir, proxy.Server, 0.005, "partition_by: [status]", "orders"))
	first := applyOK(t, plan)
	_, beforeBytes := manifest(t, proxy.Server, "orders")
	beforeKeys := proxy.Keys(t, bucket, "raw/ecom/orders/")

	proxy.SetFaults(func(r *http.Request) s3test.Fault {
		if isData(r) && strings.Contains(r.URL.Path, "/status=Shipped/") {
			return s3test.Internal
		}
		return s3test.Forward
	})
	rep, err := apply(plan)
	if err == nil {
		t.Fatal("the run succeeded with a partition refused")
	}
	for _, want := range []string{"table orders", "upload s3://lake/raw/ecom/orders/status=Shipped/part-" + rep.RunID + "-0.parquet", "StatusCode: 500", "InternalError"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
	if got := proxy.Count(s3test.Internal); got < 5 {
		t.Errorf("the refused upload was tried %d times, want 5 attempts", got)
	}
	proxy.SetFaults(nil)
	if _, afterBytes := manifest(t, proxy.Server, "orders"); !bytes.Equal(afterBytes, beforeBytes) {
		t.Error("the failed run changed the manifest")
	}
	if got := proxy.Keys(t, bucket, "raw/ecom/orders/"); strings.Join(got, " ") != strings.Join(beforeKeys, " ") {
		t.Errorf("after the failed run the folder holds\n  %s\nwant the published run's\n  %s", strings.Join(got, "\n  "), strings.Join(beforeKeys, "\n  "))
	}
	checkTable(t, proxy.Server, warehouse(t, dir), first, "orders")
}

// TestUnknownBucket: a bucket that does not exist fails the table with a message
// that names it.
func TestUnknownBucket(t *testing.T) {
	for _, server := range servers {
		t.Run(server.name, func(t *testing.T) {
			s3test.Env(t)
			srv := server.start(t)
			dir := t.TempDir()
			plan := compile(t, dir, pipeline(dir, srv, 0.005, "", "distribution_centers"))
			_, err := apply(plan)
			if err == nil || !strings.Contains(err.Error(), `bucket "lake" does not exist`) || !strings.Contains(err.Error(), "table distribution_centers") {
				t.Fatalf("want an error naming the table and the bucket, got %v", err)
			}
		})
	}
}
