package s3sink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// ManifestName is the object, in each table's folder, that publishes the table: a
// reader that starts from it sees only complete objects of one run.
const ManifestName = "_manifest.json"

// Manifest lists the objects of one table's latest complete run. It is written after
// every object it lists is uploaded; once it is in place, the objects of runs older
// than the one it replaced are deleted.
type Manifest struct {
	Sink        string    `json:"sink"`
	Table       string    `json:"table"`
	RunID       string    `json:"run_id"`
	Bucket      string    `json:"bucket"`
	Format      string    `json:"format"`
	Compression string    `json:"compression"`
	PartitionBy []string  `json:"partition_by,omitempty"`
	Written     time.Time `json:"written"`
	Rows        int64     `json:"rows"`
	Bytes       int64     `json:"bytes"`
	Objects     []Object  `json:"objects"`
}

// Object is one data object of a table: its full key in the bucket, its row count,
// size and SHA-256, for readers to check what they download.
type Object struct {
	Key    string `json:"key"`
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Keys returns the manifest's object keys.
func (m *Manifest) Keys() []string {
	keys := make([]string, len(m.Objects))
	for i, o := range m.Objects {
		keys[i] = o.Key
	}
	return keys
}

// readManifest returns the table folder's manifest, or nil when there is none yet.
func (s *sink) readManifest(ctx context.Context, folder string) (*Manifest, error) {
	key := folder + ManifestName
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		var noKey *types.NoSuchKey
		if errors.As(err, &noKey) {
			return nil, nil
		}
		return nil, fmt.Errorf("read %s: %w", s.url(key), s.explain(err))
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.url(key), err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s is not a manifest (%v): move it away", s.url(key), err)
	}
	return &m, nil
}

// putManifest publishes m. A single PUT replaces an object whole, so readers see
// the old manifest or the new one, never a mix.
func (s *sink) putManifest(ctx context.Context, folder string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(s.bucket),
		Key:         aws.String(folder + ManifestName),
		Body:        bytes.NewReader(append(b, '\n')),
		ContentType: aws.String("application/json"),
	})
	return err
}

// explain turns the store's answer for a missing bucket into an error that names
// the bucket, and a request without an answer into one line naming the operation
// and the endpoint; other errors pass through, with the SDK's operation, status and
// code.
func (s *sink) explain(err error) error {
	var silent *noAnswerError
	if errors.As(err, &silent) {
		op := "request"
		var opErr *smithy.OperationError
		if errors.As(err, &opErr) {
			op = opErr.Operation()
		}
		return fmt.Errorf("%s %w", op, silent)
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchBucket" {
		return fmt.Errorf("bucket %q does not exist (or these credentials cannot see it): create it, or fix the url of sink %s", s.bucket, s.name)
	}
	return err
}
