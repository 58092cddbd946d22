// Package bigquery is the source kind "bigquery": it reads thelook's tables from a
// BigQuery dataset (by default bigquery-public-data.thelook_ecommerce) with the
// official client library, one query per table, and streams the rows into the
// warehouse as Arrow batches: through the Storage Read API when it is available,
// REST pages otherwise.
package bigquery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"cloud.google.com/go/auth"
	"cloud.google.com/go/auth/httptransport"
	gbq "cloud.google.com/go/bigquery"
	storage "cloud.google.com/go/bigquery/storage/apiv1"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"google.golang.org/api/option"
	"google.golang.org/grpc"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
	"github.com/ecomrun/ecomrun/pkg/thelook"
)

// Read paths.
const (
	ReadAuto    = "auto"    // the Storage Read API when it serves the result, else REST
	ReadStorage = "storage" // the Storage Read API, or fail
	ReadREST    = "rest"    // REST pages (jobs.getQueryResults)
)

// Source reads tables from BigQuery. Build it with New; Open connects it.
type Source struct {
	cfg     *Config
	dataset datasetRef
	read    string
	policy  retryPolicy
	// storage are extra options of the Storage Read API client (a local server in tests).
	storage []option.ClientOption

	mu     sync.Mutex
	client *gbq.Client
	// rc is the Storage Read API client; nil when reads go through REST.
	rc *storage.BigQueryReadClient
	// creds is nil for an endpoint without authentication.
	creds *auth.Credentials
	// verdicts are the tables whose rules ran in BigQuery (validate: bigquery).
	verdicts map[string]stages.Verdicts
}

var (
	_ stages.Source       = (*Source)(nil)
	_ stages.Opener       = (*Source)(nil)
	_ stages.Describer    = (*Source)(nil)
	_ stages.Estimator    = (*Source)(nil)
	_ stages.Prevalidator = (*Source)(nil)
)

// Option adjusts a Source beyond what a spec says; tests use them.
type Option func(*Source)

// WithStorageEndpoint sends Storage Read API calls to a gRPC server of one's own,
// such as a test's, so that read: storage and auto work next to an endpoint:.
func WithStorageEndpoint(opts ...option.ClientOption) Option {
	return func(s *Source) { s.storage = append(s.storage, opts...) }
}

// New builds a source from its config, which its kind's Check has accepted; its
// defaults are filled here too, for a config built in Go. It connects to nothing
// (Open does).
func New(c *Config, opts ...Option) (*Source, error) {
	c = spec.WithDefaults(c)
	src := &Source{cfg: c, read: c.Read, policy: defaultRetry}
	for _, o := range opts {
		o(src)
	}
	var err error
	if src.dataset, err = parseDataset(c.Dataset, c.Project); err != nil {
		return nil, err
	}
	// The Storage Read API is gRPC on another address, which an endpoint does not
	// say: next to one, auto means REST (Check refuses storage) unless the source
	// was given a storage endpoint of its own.
	if c.Endpoint != "" && len(src.storage) == 0 {
		src.read = ReadREST
	}
	return src, nil
}

// Open finds the credentials and builds the client once; a run calls it before
// reading any table, so a missing credential fails the run once, fast.
func (s *Source) Open(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != nil {
		return nil
	}
	if s.cfg.Endpoint == "" || s.cfg.Credentials != "" {
		creds, err := findCredentials(ctx, s.cfg.Credentials)
		if err != nil {
			return err
		}
		if err := checkToken(ctx, creds); err != nil {
			return err
		}
		s.creds = creds
	}
	// A server that accepts a request and never answers would hold a run for ever:
	// the dial and the TLS handshake are bounded here, everything after by the
	// retry transport's watchdog (see DefaultTimeout).
	timeout := s.policy.limit()
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.DialContext = (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext
	base.TLSHandshakeTimeout = timeout
	hc := &http.Client{Transport: &retryTransport{base: base, policy: s.policy}}
	authOpt := option.WithoutAuthentication()
	if s.creds != nil {
		if err := httptransport.AddAuthorizationMiddleware(hc, s.creds); err != nil {
			return err
		}
		authOpt = option.WithAuthCredentials(s.creds)
	}
	opts := []option.ClientOption{option.WithHTTPClient(hc)}
	if s.cfg.Endpoint != "" {
		opts = append(opts, option.WithEndpoint(s.cfg.Endpoint))
	}
	client, err := gbq.NewClient(ctx, s.cfg.Project, opts...)
	if err != nil {
		return err
	}
	client.Location = s.cfg.Location
	if s.read != ReadREST {
		sopts := []option.ClientOption{authOpt,
			option.WithGRPCDialOption(grpc.WithChainUnaryInterceptor(s.policy.unaryInterceptor)),
			option.WithGRPCDialOption(grpc.WithChainStreamInterceptor(s.policy.streamInterceptor)),
			option.WithGRPCDialOption(grpc.WithChainUnaryInterceptor(s.policy.deadlineUnary)),
			option.WithGRPCDialOption(grpc.WithChainStreamInterceptor(s.policy.deadlineStream)),
		}
		sopts = append(sopts, option.WithGRPCConnectionPool(min(s.streamCount(), 4)))
		rc, err := storage.NewBigQueryReadClient(ctx, append(sopts, s.storage...)...)
		if err != nil && s.read == ReadStorage {
			client.Close()
			return fmt.Errorf("storage read API: %w", err)
		}
		s.rc = rc // nil on an error: read: auto reads through REST
	}
	s.client = client
	return nil
}

// Close releases the client's connections.
func (s *Source) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client == nil {
		return nil
	}
	err := s.client.Close()
	if s.rc != nil {
		err = errors.Join(err, s.rc.Close())
	}
	s.client, s.rc = nil, nil
	return err
}

// Describe shows the query that reads a table.
func (s *Source) Describe(t *spec.TablePlan) string {
	q, err := s.extractQuery(t)
	if err != nil {
		return "error: " + err.Error()
	}
	return q.String()
}

// Estimate dry-runs a table's query and returns the bytes it would scan. BigQuery
// bills a query by those bytes, so plan can show the cost before anything is paid;
// a dry run over the table's max_bytes_billed is an *OverLimitError. Next to an
// endpoint without credentials (an emulator) a dry run that fails or counts no
// bytes is no estimate (ErrNoEstimate), not an error.
func (s *Source) Estimate(ctx context.Context, t *spec.TablePlan) (int64, error) {
	q, err := s.extractQuery(t)
	if err != nil {
		return 0, err
	}
	emulated := s.cfg.Endpoint != "" && s.cfg.Credentials == ""
	if err := s.Open(ctx); err != nil {
		if emulated {
			return 0, stages.ErrNoEstimate
		}
		return 0, err
	}
	n, err := s.dryRun(ctx, t, q)
	var over *OverLimitError
	if emulated && !errors.As(err, &over) && (err != nil || n <= 0) {
		return 0, stages.ErrNoEstimate
	}
	return n, err
}

// extractQuery is the query Extract runs for a table (without an incremental bound).
func (s *Source) extractQuery(t *spec.TablePlan) (tableQuery, error) {
	if s.cfg.Validate == ValidateBigQuery {
		v, err := s.validatedQuery(t, nil, nil)
		return v.rows, err
	}
	return buildQuery(s.dataset, t, nil, nil)
}

// dryRun asks BigQuery how many bytes a query would scan; the table's
// max_bytes_billed (else the source's) refuses more.
func (s *Source) dryRun(ctx context.Context, t *spec.TablePlan, q tableQuery) (int64, error) {
	ctx, cancel := readContext(ctx)
	defer cancel(nil)
	query := s.query(t, q)
	query.DryRun = true
	job, err := query.Run(ctx)
	if err != nil {
		return 0, fmt.Errorf("dry run of table %s: %w", t.Name, reason(ctx, err))
	}
	st := job.LastStatus()
	if st == nil || st.Statistics == nil {
		return 0, fmt.Errorf("dry run of table %s: no statistics", t.Name)
	}
	n := st.Statistics.TotalBytesProcessed
	if limit := s.maxBytesBilled(t); limit > 0 && n > limit {
		return n, &OverLimitError{Table: t.Name, Bytes: n, Limit: limit}
	}
	return n, nil
}

// OverLimitError is a dry run that says a query would scan more than max_bytes_billed.
type OverLimitError struct {
	Table        string
	Bytes, Limit int64
}

func (e *OverLimitError) Error() string {
	return fmt.Sprintf("table %s would scan %d bytes, more than max_bytes_billed (%d): BigQuery would refuse the query", e.Table, e.Bytes, e.Limit)
}

// maxBytesBilled is a table's cap on the bytes its query jobs bill: its own
// max_bytes_billed, else the source's; 0 is none.
func (s *Source) maxBytesBilled(t *spec.TablePlan) int64 {
	if t != nil && t.MaxBytesBilled > 0 {
		return t.MaxBytesBilled
	}
	return s.cfg.MaxBytesBilled
}

// query is a table's query job, capped at the table's max_bytes_billed.
func (s *Source) query(t *spec.TablePlan, q tableQuery) *gbq.Query {
	query := s.client.Query(q.sql)
	query.Parameters = q.params
	query.Location = s.cfg.Location
	query.MaxBytesBilled = s.maxBytesBilled(t) // every job, dry runs included
	return query
}

// Extract runs the table's query and streams the result into relation, typed as the
// model says (raw = false).
func (s *Source) Extract(ctx context.Context, run *stages.Run, t *spec.TablePlan, relation string) (bool, error) {
	if err := s.Open(ctx); err != nil {
		return false, err
	}
	ctx, cancel := readContext(ctx)
	defer cancel(nil)
	drift, err := s.contract(ctx, run, t)
	if err != nil {
		return false, fmt.Errorf("bigquery table %s: %w", t.Name, reason(ctx, err))
	}
	if s.cfg.Validate == ValidateBigQuery {
		if err := s.extractValidated(ctx, run, t, relation, drift); err != nil {
			return false, fmt.Errorf("bigquery table %s: %w", t.Name, reason(ctx, err))
		}
		return false, nil
	}
	read := readModel(t.Model, drift.Drift)
	q, err := buildQuery(s.dataset, t, run.Bound(t.Name), drift)
	if err != nil {
		return false, fmt.Errorf("bigquery table %s: %w", t.Name, err)
	}
	reader, err := s.readQuery(ctx, t, q, thelook.ArrowSchema(read))
	if err != nil {
		return false, fmt.Errorf("bigquery table %s: %w", t.Name, reason(ctx, err))
	}
	defer reader.Release()
	_, err = run.Warehouse.CreateFromArrow(ctx, relation, reader, func(view string) string {
		p := duckdbProjection(read, view)
		if len(drift.Changed) > 0 { // the changed columns' text, converted exactly
			p = stages.ConvertQuery(t.Model, "("+p+")", func(c catalog.Column) string {
				if drift.Changed[c.Name] {
					return "VARCHAR"
				}
				return c.Type.DuckDB()
			}, "")
		}
		return p + stableOrder(t.Model)
	}, false)
	if err == nil && len(drift.Changed) > 0 {
		err = run.SetAside(ctx, t, relation, s.dataset.project+"."+s.dataset.dataset+"."+sourceTable(t))
	}
	if err != nil {
		return false, fmt.Errorf("bigquery table %s: %w", t.Name, reason(ctx, err))
	}
	return false, nil
}

// readQuery runs a table's query and returns its rows as Arrow batches: through the
// Storage Read API, its streams read at once (streams.go), or REST pages built into
// batches of schema (the model's columns, then any further ones).
func (s *Source) readQuery(ctx context.Context, t *spec.TablePlan, q tableQuery, schema *arrow.Schema) (array.RecordReader, error) {
	query := s.query(t, q)
	if s.rc == nil {
		it, err := query.Read(ctx)
		if err != nil {
			return nil, err
		}
		return newRESTReaderOf(ctx, it, t.Model, schema), nil
	}
	// A job, not Query.Read: jobs.query's shortcut returns small results inline,
	// and a job's result table is what a read session reads.
	job, err := query.Run(ctx)
	if err != nil {
		return nil, err
	}
	it, err := job.Read(ctx) // waits for the job; REST pages, fetched only if used
	if err != nil {
		return nil, err
	}
	r, err := s.storageRead(ctx, job)
	switch {
	case err == nil:
		return r, nil
	case ctx.Err() != nil:
		return nil, err
	case s.read == ReadStorage:
		return nil, fmt.Errorf("the Storage Read API did not serve the result (is bigquery.readsessions.create granted?); read: auto falls back to REST: %w", err)
	}
	return newRESTReaderOf(ctx, it, t.Model, schema), nil
}

// storageRead opens a read session over a finished job's result table.
func (s *Source) storageRead(ctx context.Context, job *gbq.Job) (array.RecordReader, error) {
	// The job as Run returned it may not name its result table yet.
	done, err := s.client.JobFromProject(ctx, job.ProjectID(), job.ID(), job.Location())
	if err != nil {
		return nil, err
	}
	cfg, err := done.Config()
	if err != nil {
		return nil, err
	}
	qc, ok := cfg.(*gbq.QueryConfig)
	if !ok || qc.Dst == nil {
		return nil, errors.New("the query job has no result table to read")
	}
	session, err := s.readSession(ctx, qc.Dst)
	if err != nil {
		return nil, err
	}
	return newStreamsReader(ctx, s.rc, session, s.streamCount(), s.policy)
}
