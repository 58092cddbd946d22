package s3sink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ecomrun/ecomrun/pkg/stages"
	"github.com/ecomrun/ecomrun/pkg/warehouse"
)

var _ stages.Preflighter = (*sink)(nil)

// once makes a preflight request a single attempt: a store that refuses the
// connection fails the check at once rather than after the run's retries.
func once(o *s3.Options) { o.RetryMaxAttempts = 1 }

// Preflight checks, before anything is extracted, that the credentials resolve, the
// bucket answers (HeadBucket) and takes a write under the prefix: a probe object
// that is deleted again.
func (s *sink) Preflight(ctx context.Context, _ *warehouse.Warehouse, runID string) error {
	if err := s.credentials(ctx); err != nil {
		return err
	}
	where := "s3://" + s.bucket + "/" + s.prefix
	if _, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(s.bucket)}, once); err != nil {
		var missing *types.NotFound
		if errors.As(err, &missing) {
			return fmt.Errorf("bucket %q does not exist (or these credentials cannot see it): create it, or fix the url", s.bucket)
		}
		return fmt.Errorf("%s does not answer: %w", where, s.explain(err))
	}
	// Probes a killed preflight left are removed first (one page is plenty).
	probes := s.prefix + ".ecomrun-preflight-"
	if out, err := s.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(probes)}, once); err == nil {
		var left []string
		for _, o := range out.Contents {
			if k := aws.ToString(o.Key); !strings.HasPrefix(k, probes+runID+"-") { // this run's own: another sink's
				left = append(left, k)
			}
		}
		if err := s.deleteKeys(ctx, left); err != nil {
			return fmt.Errorf("%s takes writes but not deletes (probes of earlier preflights are left): %w", where, s.explain(err))
		}
	}
	key := probes + runID + "-" + s.name
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key), Body: bytes.NewReader(nil)}, once)
	if err != nil {
		return fmt.Errorf("%s does not take a write: %w", where, s.explain(err))
	}
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)}, once); err != nil {
		return fmt.Errorf("%s takes writes but not deletes (the probe %s is left): %w", where, s.url(key), s.explain(err))
	}
	return nil
}
