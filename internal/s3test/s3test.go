// Package s3test runs real S3 servers for tests: gofakes3 in-process (starts in a
// millisecond, accepts undersized multipart parts) and moto's server as a
// subprocess (checks part sizes like S3), and a proxy that injects faults in front
// of either. Tests talk to them with credentials from the environment (Env), as a
// user's run would.
package s3test

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Server is an S3 endpoint and a client of it for checking what a run left there.
type Server struct {
	URL    string
	Client *s3.Client
}

// Env gives the SDK's default chain test credentials through the environment, and
// keeps the machine's own AWS files and instance metadata out of the test.
func Env(t testing.TB) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "test",
		"AWS_SECRET_ACCESS_KEY":       "test",
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  "us-east-1",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		t.Setenv(k, v)
	}
}

// Gofakes3 starts an in-memory gofakes3 server, stopped when the test ends.
func Gofakes3(t testing.TB) *Server {
	ts := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(ts.Close)
	return NewServer(ts.URL)
}

// NewServer is a client of the S3 endpoint at url, path-style, with test credentials.
func NewServer(url string) *Server {
	return &Server{URL: url, Client: s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})}
}

// CreateBucket makes a bucket, failing the test when it cannot.
func (s *Server) CreateBucket(t testing.TB, bucket string) {
	t.Helper()
	if _, err := s.Client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("create bucket %s at %s: %v", bucket, s.URL, err)
	}
}

// Get returns an object's bytes.
func (s *Server) Get(t testing.TB, bucket, key string) []byte {
	t.Helper()
	b, err := s.get(bucket, key)
	if err != nil {
		t.Fatalf("get s3://%s/%s: %v", bucket, key, err)
	}
	return b
}

// Lookup returns an object's bytes, and false when there is no such object.
func (s *Server) Lookup(t testing.TB, bucket, key string) ([]byte, bool) {
	t.Helper()
	b, err := s.get(bucket, key)
	var noKey *types.NoSuchKey
	if errors.As(err, &noKey) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("get s3://%s/%s: %v", bucket, key, err)
	}
	return b, true
}

func (s *Server) get(bucket, key string) ([]byte, error) {
	out, err := s.Client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

// Keys lists every key under prefix, sorted, through as many pages as it takes.
func (s *Server) Keys(t testing.TB, bucket, prefix string) []string {
	t.Helper()
	var keys []string
	pages := s3.NewListObjectsV2Paginator(s.Client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix), MaxKeys: aws.Int32(50)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatalf("list s3://%s/%s: %v", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	slices.Sort(keys)
	return keys
}

// Uploads lists the multipart uploads still open in a bucket (an aborted or
// completed upload is not listed).
func (s *Server) Uploads(t testing.TB, bucket string) []string {
	t.Helper()
	out, err := s.Client.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("list multipart uploads of %s: %v", bucket, err)
	}
	var keys []string
	for _, u := range out.Uploads {
		keys = append(keys, aws.ToString(u.Key))
	}
	return keys
}
