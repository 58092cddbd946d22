package s3sink

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"

	"github.com/ecomrun/ecomrun/internal/failpoint"
)

// upload sends a table's files, a few at a time. The first failure stops the rest
// and is returned naming the table, the object and the store's answer; a panic in
// an upload is such a failure too. Failpoint sink.<name>.<table>.uploaded is passed
// after each object is in the store.
func (s *sink) upload(ctx context.Context, table string, files []localFile) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(filesInFlight)
	for _, f := range files {
		g.Go(func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("table %s: upload %s: %w", table, s.url(f.key), recovered(p))
				}
			}()
			if err := gctx.Err(); err != nil {
				return err // an earlier file failed: that is the error to report
			}
			if err := s.uploadFile(gctx, f); err != nil {
				return fmt.Errorf("table %s: upload %s: %w", table, s.url(f.key), s.explain(err))
			}
			failpoint.Hit("sink." + s.name + "." + table + ".uploaded")
			return nil
		})
	}
	return g.Wait()
}

// uploadFile streams one file to its key. Files larger than a part go multipart,
// partsInFlight parts at a time; the transfer manager aborts a multipart upload
// that fails, so no parts are left behind. Each request is retried by the client's
// retryer, and carries a CRC32 checksum the store verifies.
func (s *sink) uploadFile(ctx context.Context, f localFile) error {
	r, err := os.Open(f.path)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = s.transfer.UploadObject(ctx, &transfermanager.UploadObjectInput{
		Bucket:      aws.String(s.bucket),
		Key:         aws.String(f.key),
		Body:        r,
		ContentType: aws.String(s.contentType()),
	}, func(o *transfermanager.Options) {
		o.PartSizeBytes = partSize
		o.MultipartUploadThreshold = partSize
		o.Concurrency = partsInFlight
	})
	return err
}

// removeStale deletes, once m is published, the data objects in the table's folder
// that neither m nor old (the manifest m replaced) lists: those of older runs and
// the strays of runs that failed before publishing. Keeping old's objects one run
// longer lets a reader that started from old finish reading.
func (s *sink) removeStale(ctx context.Context, folder string, old, m *Manifest) error {
	keep := map[string]bool{}
	for _, k := range m.Keys() {
		keep[k] = true
	}
	if old != nil {
		for _, k := range old.Keys() {
			keep[k] = true
		}
	}
	stale, err := s.strays(ctx, folder, keep)
	if err != nil {
		return err
	}
	return s.deleteKeys(ctx, stale)
}

// abortStrayUploads aborts the multipart uploads of this sink's layout in the
// table's folder begun before this run started: those of a run killed while it
// uploaded (a kill cannot abort its own), whose parts the store would otherwise
// keep, and bill, until a lifecycle rule removes them. It runs once this run's own
// uploads of the table are complete.
func (s *sink) abortStrayUploads(ctx context.Context, folder string, runStarted time.Time) error {
	pages := s3.NewListMultipartUploadsPaginator(s.client, &s3.ListMultipartUploadsInput{Bucket: aws.String(s.bucket), Prefix: aws.String(folder)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) && slices.Contains([]string{"NoSuchUpload", "NotImplemented", "MethodNotAllowed"}, apiErr.ErrorCode()) {
			return nil // a store that lists no uploads this way (gofakes3 when it has none, some S3-compatible stores) has none to abort
		}
		if err != nil {
			return fmt.Errorf("list the unfinished uploads under %s: %w", s.url(folder), s.explain(err))
		}
		for _, u := range page.Uploads {
			key := aws.ToString(u.Key)
			if !s.ours(strings.TrimPrefix(key, folder)) || !aws.ToTime(u.Initiated).Before(runStarted) {
				continue
			}
			_, err := s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(s.bucket), Key: u.Key, UploadId: u.UploadId})
			var gone *types.NoSuchUpload
			if err != nil && !errors.As(err, &gone) {
				return fmt.Errorf("abort the unfinished upload of %s: %w", s.url(key), s.explain(err))
			}
		}
	}
	return nil
}

// strays lists the data objects in the table's folder that are not kept: those of
// older runs, and those a failed run could not remove (the store was down). Only keys of the layout this sink writes count: partition
// folders of its partition columns, then a part-<run>-<n> file. This assumes one
// writer per table folder at a time, as the manifest itself does.
func (s *sink) strays(ctx context.Context, folder string, keep map[string]bool) ([]string, error) {
	var keys []string
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(folder)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", s.url(folder), s.explain(err))
		}
		for _, o := range page.Contents {
			if k := aws.ToString(o.Key); !keep[k] && s.ours(strings.TrimPrefix(k, folder)) {
				keys = append(keys, k)
			}
		}
	}
	return keys, nil
}

// ours reports whether a key relative to the table folder has this sink's layout.
func (s *sink) ours(rel string) bool {
	parts := strings.Split(rel, "/")
	if len(parts) != len(s.partitionBy)+1 {
		return false
	}
	for i, col := range s.partitionBy {
		if !strings.HasPrefix(parts[i], col+"=") {
			return false
		}
	}
	return partFile.MatchString(parts[len(parts)-1])
}

// deleteKeys deletes objects, 1000 (S3's limit) per request. Deleting a key that is
// not there succeeds, so it can be given every key a run might have written.
func (s *sink) deleteKeys(ctx context.Context, keys []string) error {
	for batch := range slices.Chunk(keys, 1000) {
		ids := make([]types.ObjectIdentifier, len(batch))
		for i, k := range batch {
			ids[i] = types.ObjectIdentifier{Key: aws.String(k)}
		}
		out, err := s.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: aws.String(s.bucket),
			Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
		})
		if err != nil {
			return fmt.Errorf("delete %d objects under %s: %w", len(batch), s.url(s.prefix), s.explain(err))
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("delete %s: %s: %s (and %d more)", s.url(aws.ToString(e.Key)), aws.ToString(e.Code), aws.ToString(e.Message), len(out.Errors)-1)
		}
	}
	return nil
}
