// Package s3sink writes loaded tables to Amazon S3 or an S3-compatible store
// (sink kind s3). DuckDB writes each table to local files with COPY (its own S3
// support needs an extension download, which these machines cannot do), and
// aws-sdk-go-v2 uploads them.
//
// Layout, per table, under the sink's s3://bucket/prefix/:
//
//	<prefix><table>/part-<run_id>-0.parquet                 one object, or with partition_by:
//	<prefix><table>/<col>=<value>/.../part-<run_id>-0.parquet
//	<prefix><table>/_manifest.json                          what the latest complete run wrote
//
// Publishing is atomic per table: every data object is uploaded under a name of its
// own run before the manifest that lists them replaces the previous one. One run is
// kept back: after publishing run N the sink deletes the objects of runs before N-1
// only, so a reader still reading the previous manifest's objects is not cut off. A
// reader that starts from the manifest sees one complete run; a run that fails
// leaves the previous manifest and objects as they were.
//
// Every request is bounded by a timeout (DefaultTimeout): a store that stops
// answering fails the table within it, naming the endpoint and the request.
package s3sink

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ecomrun/ecomrun/internal/failpoint"
	"github.com/ecomrun/ecomrun/pkg/report"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

// Upload sizes. Memory stays bounded whatever the table's size: each file in flight
// holds at most (partsInFlight+2) parts of partSize, so about
// filesInFlight * 6 * 8 MiB = 96 MiB at most.
const (
	partsInFlight = 4 // concurrent parts of one multipart upload
	filesInFlight = 2 // concurrent files of one table (partitions)
	// cleanupTimeout bounds the removal of a failed run's objects, which runs even
	// when the run was cancelled.
	cleanupTimeout = time.Minute
)

// partSize is the size of a multipart upload's parts; larger files go multipart.
// S3's minimum part is 5 MiB. A variable so tests can exercise multipart uploads
// on small files.
var partSize int64 = 8 << 20

type sink struct {
	name, bucket, prefix string
	format, compression  string
	partitionBy          []string

	client   *s3.Client
	transfer *transfermanager.Client
	timeout  time.Duration

	ready    sync.Once
	readyErr error
}

var _ stages.Sink = (*sink)(nil)

// newSink makes sink name from its checked config, its defaults filled, and loads
// the AWS configuration (files and environment only: no request is made until the
// first table is written).
func newSink(ctx context.Context, name string, c *Config) (*sink, error) {
	bucket, prefix, err := ParseS3URL(c.URL)
	if err != nil {
		return nil, err
	}
	client, err := newClient(ctx, c, DefaultTimeout)
	if err != nil {
		return nil, err
	}
	return &sink{
		name: name, bucket: bucket, prefix: prefix,
		format: c.Format, compression: c.Compression, partitionBy: c.PartitionBy,
		client:   client,
		timeout:  DefaultTimeout,
		transfer: transfermanager.New(client, func(o *transfermanager.Options) { o.FailTimeout = cleanupTimeout }),
	}, nil
}

// Write publishes one table: read the current manifest, write the table locally,
// upload its files, put the new manifest, then delete the objects neither manifest
// lists and abort the uploads killed runs left unfinished. A crash test kills it at each step: failpoints sink.<name>.<table>.staged
// (local files written), .uploaded (after each object), .manifest (published,
// earlier runs' objects still there) and .removed.
func (s *sink) Write(ctx context.Context, run *stages.Run, t *spec.TablePlan) error {
	if err := s.credentials(ctx); err != nil {
		return err
	}
	folder := s.prefix + t.Name + "/"
	old, err := s.readManifest(ctx, folder)
	if err != nil {
		return fmt.Errorf("table %s: %w", t.Name, err)
	}
	dir, err := s.stagingDir(run.Warehouse.Path, t.Name)
	if err != nil {
		return fmt.Errorf("table %s: %w", t.Name, err)
	}
	defer os.RemoveAll(dir)
	files, err := s.writeLocal(ctx, run, t, dir, folder)
	if err != nil {
		return fmt.Errorf("table %s: %w", t.Name, err)
	}
	point := "sink." + s.name + "." + t.Name
	failpoint.Hit(point + ".staged")
	m := s.manifest(run.ID, t.Name, files)
	if err := s.upload(ctx, t.Name, files); err != nil {
		return s.abandon(ctx, m, err)
	}
	if err := s.publish(ctx, folder, m); err != nil {
		return err
	}
	failpoint.Hit(point + ".manifest")
	for _, o := range m.Objects {
		run.Report.AddOutput(report.Output{Sink: s.name, Table: t.Name, Path: s.url(o.Key), Rows: o.Rows, Bytes: o.Bytes, SHA256: o.SHA256})
	}
	if err := s.removeStale(ctx, folder, old, m); err != nil {
		return fmt.Errorf("table %s: published run %s, but could not remove the objects of earlier runs: %w", t.Name, run.ID, err)
	}
	if err := s.abortStrayUploads(ctx, folder, run.Report.Started); err != nil {
		return fmt.Errorf("table %s: published run %s, but could not abort the unfinished uploads of earlier runs: %w", t.Name, run.ID, err)
	}
	failpoint.Hit(point + ".removed")
	return nil
}

// credentials resolves the credentials once per run, so a machine without any
// fails with one clear message before a table is written.
func (s *sink) credentials(ctx context.Context) error {
	s.ready.Do(func() {
		if _, err := s.client.Options().Credentials.Retrieve(ctx); err != nil {
			s.readyErr = fmt.Errorf("no AWS credentials for sink %s: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a profile (profile: or AWS_PROFILE) of the shared config files: %w", s.name, err)
		}
	})
	return s.readyErr
}

// publish puts the manifest. When the PUT fails its answer may still have been lost
// after the store took it, so the manifest is read back: if it is this run's, the
// table is published; if it is certainly not, this run's objects are removed; if
// the store cannot say, they stay, since a manifest may list them.
func (s *sink) publish(ctx context.Context, folder string, m *Manifest) error {
	m.Written = time.Now().UTC()
	err := s.putManifest(ctx, folder, m)
	if err == nil {
		return nil
	}
	err = fmt.Errorf("table %s: publish %s: %w", m.Table, s.url(folder+ManifestName), s.explain(err))
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	now, rerr := s.readManifest(cctx, folder)
	switch {
	case rerr != nil:
		return fmt.Errorf("%w (the run's objects are left in place: the manifest could not be read back)", err)
	case now != nil && now.RunID == m.RunID:
		return nil
	}
	return s.abandon(ctx, m, err)
}

// abandon removes what a failed run uploaded, as far as the store lets it, and
// returns the failure. Every key of the run is deleted, not only the completed
// ones: an upload cut short by the failure may still have landed.
func (s *sink) abandon(ctx context.Context, m *Manifest, cause error) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if err := s.deleteKeys(cctx, m.Keys()); err != nil {
		return errors.Join(cause, fmt.Errorf("table %s: some objects of run %s may be left: %w", m.Table, m.RunID, err))
	}
	return cause
}

// url names an object for messages and reports.
func (s *sink) url(key string) string { return "s3://" + s.bucket + "/" + key }
