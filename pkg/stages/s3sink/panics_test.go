package s3sink

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ecomrun/ecomrun/internal/s3test"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// bigFile writes a file of n bytes for an upload.
func bigFile(t *testing.T, n int) localFile {
	t.Helper()
	path := filepath.Join(t.TempDir(), "part-r1-0.parquet")
	if err := os.WriteFile(path, make([]byte, n), 0o644); err != nil {
		t.Fatal(err)
	}
	return localFile{path: path, key: "raw/t/part-r1-0.parquet", bytes: int64(n)}
}

// A panic in the upload of a table's file (here: the sink has no transfer manager)
// fails the table with an error that says it is a bug and where, instead of ending
// the process.
func TestPanicInAnUploadIsTheTablesError(t *testing.T) {
	s := &sink{name: "s3", bucket: "b"}
	err := s.upload(context.Background(), "t", []localFile{bigFile(t, 10), bigFile(t, 10)})
	if err == nil {
		t.Fatal("an upload that panicked succeeded")
	}
	for _, want := range []string{"table t: upload s3://b/raw/t/part-r1-0.parquet: internal error (a bug, please report it): ", ".go:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// panicOnPart is a store that starts multipart uploads and takes their aborts, but
// whose transport panics on every part: the transfer manager sends parts from
// goroutines of its own.
type panicOnPart struct {
	parts, aborts atomic.Int32
}

func (f *panicOnPart) Do(r *http.Request) (*http.Response, error) {
	q := r.URL.Query()
	answer := func(code int, body string) (*http.Response, error) {
		return &http.Response{StatusCode: code, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	}
	switch {
	case r.Method == http.MethodPost && q.Has("uploads"):
		return answer(http.StatusOK, `<?xml version="1.0" encoding="UTF-8"?>
<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>bkt</Bucket><Key>raw/t/part-r1-0.parquet</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>`)
	case r.Method == http.MethodPut && q.Has("partNumber"):
		f.parts.Add(1)
		panic("a bug in a part's upload")
	case r.Method == http.MethodDelete && q.Has("uploadId"):
		f.aborts.Add(1)
		return answer(http.StatusNoContent, "")
	}
	return answer(http.StatusNotImplemented, "")
}

// A panic in a multipart upload's part, on a goroutine of the transfer manager,
// fails the table too: the sink's transport recovers it into the request's error,
// which is not retried, and the transfer manager aborts the upload.
func TestPanicInAMultipartPartIsTheTablesError(t *testing.T) {
	s3test.Env(t)
	Tune(t, 5<<20, time.Millisecond)
	s, err := newSink(context.Background(), "s3", spec.WithDefaults(&Config{URL: "s3://bkt/raw/", Endpoint: "http://store.invalid", PathStyle: true}))
	if err != nil {
		t.Fatal(err)
	}
	store := &panicOnPart{}
	s.client = s3.New(s.client.Options(), func(o *s3.Options) { o.HTTPClient = newStallGuard(store, time.Second) })
	s.transfer = transfermanager.New(s.client)

	err = s.upload(context.Background(), "t", []localFile{bigFile(t, 11<<20)}) // 3 parts
	if err == nil || !strings.Contains(err.Error(), "internal error (a bug, please report it): a bug in a part's upload [at ") {
		t.Fatalf("upload error %v, want the part's panic as an internal error", err)
	}
	if n := store.parts.Load(); n < 1 || n > 3 {
		t.Errorf("%d attempts at parts, want 1 to 3 (a panic is not retried)", n)
	}
	if store.aborts.Load() != 1 {
		t.Errorf("%d aborts of the multipart upload, want 1", store.aborts.Load())
	}
}
