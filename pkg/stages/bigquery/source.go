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
	"net/url"
	"sync"
	"time"

	"cloud.google.com/go/auth"
	"cloud.google.com/go/auth/httptransport"
	gbq "cloud.google.com/go/bigquery"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"google.golang.org/api/option"
	"google.golang.org/grpc"

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
	cfg     spec.Source
	dataset datasetRef
	read    string
	policy  retryPolicy
	// storage are extra options of the Storage Read API client (a local server in tests).
	storage []option.ClientOption

	mu     sync.Mutex
	client *gbq.Client
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

func init() {
	stages.RegisterSource("bigquery", func(s spec.Source) (stages.Source, error) { return New(s) })
}

// Option adjusts a Source beyond what a spec says; tests use them.
type Option func(*Source)

// WithStorageEndpoint sends Storage Read API calls to a gRPC server of one's own,
// such as a test's, so that read: storage and auto work next to an endpoint:.
func WithStorageEndpoint(opts ...option.ClientOption) Option {
	return func(s *Source) { s.storage = append(s.storage, opts...) }
}

// New checks a spec's bigquery block; it connects to nothing (Open does).
func New(s spec.Source, opts ...Option) (*Source, error) {
	src := &Source{read: s.Read, policy: defaultRetry}
	for _, o := range opts {
		o(src)
	}
	if s.Project == "" {
		return nil, errors.New("project is required: the Google Cloud project the queries are billed to (source.project)")
	}
	if !projectRE.MatchString(s.Project) {
		return nil, fmt.Errorf("project %q is not a project id", s.Project)
	}
	if s.Dataset == "" {
		s.Dataset = spec.DefaultDataset
	}
	src.cfg = s
	var err error
	if src.dataset, err = parseDataset(s.Dataset, s.Project); err != nil {
		return nil, err
	}
	if src.read == "" {
		src.read = ReadAuto
	}
	switch s.Validate {
	case "", ValidateLocal, ValidateBigQuery:
	default:
		return nil, fmt.Errorf("validate %q: want local or bigquery", s.Validate)
	}
	if s.MaxBytesBilled < 0 || s.Streams < 0 {
		return nil, errors.New("max_bytes_billed and streams cannot be negative")
	}
	switch src.read {
	case ReadAuto, ReadREST, ReadStorage:
	default:
		return nil, fmt.Errorf("read %q: want storage, rest or auto", src.read)
	}
	if s.Endpoint != "" {
		u, err := url.Parse(s.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("endpoint %q: want an http(s) URL such as http://127.0.0.1:9050", s.Endpoint)
		}
		// The Storage Read API is gRPC on another address, which an endpoint does not
		// say: next to one, auto means REST and storage needs a storage endpoint.
		if len(src.storage) == 0 {
			if src.read == ReadStorage {
				return nil, errors.New("read: storage cannot follow endpoint: (the Storage Read API is a separate gRPC service); use read: rest")
			}
			src.read = ReadREST
		}
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
		if err := client.EnableStorageReadClient(ctx, append(sopts, s.storage...)...); err != nil && s.read == ReadStorage {
			client.Close()
			return fmt.Errorf("storage read API: %w", err)
		}
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
	s.client = nil
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
// bills a query by those bytes, so plan can show the cost before anything is paid.
func (s *Source) Estimate(ctx context.Context, t *spec.TablePlan) (int64, error) {
	if s.cfg.Endpoint != "" && s.cfg.Credentials == "" {
		return 0, stages.ErrNoEstimate
	}
	if err := s.Open(ctx); err != nil {
		return 0, err
	}
	q, err := s.extractQuery(t)
	if err != nil {
		return 0, err
	}
	return s.dryRun(ctx, t, q)
}

// extractQuery is the query Extract runs for a table (without an incremental bound).
func (s *Source) extractQuery(t *spec.TablePlan) (tableQuery, error) {
	if s.cfg.Validate == ValidateBigQuery {
		v, err := s.validatedQuery(t, nil)
		return v.rows, err
	}
	return buildQuery(s.dataset, t, nil)
}

// dryRun asks BigQuery how many bytes a query would scan; a source's
// max_bytes_billed refuses more.
func (s *Source) dryRun(ctx context.Context, t *spec.TablePlan, q tableQuery) (int64, error) {
	ctx, cancel := readContext(ctx)
	defer cancel(nil)
	query := s.query(q)
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
	if limit := s.cfg.MaxBytesBilled; limit > 0 && n > limit {
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

func (s *Source) query(q tableQuery) *gbq.Query {
	query := s.client.Query(q.sql)
	query.Parameters = q.params
	query.Location = s.cfg.Location
	query.MaxBytesBilled = s.cfg.MaxBytesBilled // every job, dry runs included
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
	if s.cfg.Validate == ValidateBigQuery {
		if err := s.extractValidated(ctx, run, t, relation); err != nil {
			return false, fmt.Errorf("bigquery table %s: %w", t.Name, reason(ctx, err))
		}
		return false, nil
	}
	reader, err := s.reader(ctx, t, run.Bound(t.Name))
	if err != nil {
		return false, fmt.Errorf("bigquery table %s: %w", t.Name, reason(ctx, err))
	}
	defer reader.Release()
	_, err = run.Warehouse.CreateFromArrow(ctx, relation, reader, func(view string) string { return duckdbProjection(t.Model, view) }, false)
	if err != nil {
		return false, fmt.Errorf("bigquery table %s: %w", t.Name, reason(ctx, err))
	}
	return false, nil
}

// reader starts the table's query and returns its rows as Arrow batches.
func (s *Source) reader(ctx context.Context, t *spec.TablePlan, b *stages.Bound) (array.RecordReader, error) {
	q, err := buildQuery(s.dataset, t, b)
	if err != nil {
		return nil, err
	}
	return s.readQuery(ctx, q, t.Model, thelook.ArrowSchema(t.Model))
}

// readQuery runs a query and returns its rows as Arrow batches; REST pages are built
// into batches of schema (the model's columns, then any further ones).
func (s *Source) readQuery(ctx context.Context, q tableQuery, m *thelook.Model, schema *arrow.Schema) (array.RecordReader, error) {
	query := s.query(q)
	var it *gbq.RowIterator
	var err error
	if s.read == ReadStorage {
		// Query.Read would take the jobs.query shortcut, which returns a small result
		// inline and so skips the Storage Read API; a job read always tries it.
		job, err := query.Run(ctx)
		if err != nil {
			return nil, err
		}
		if it, err = job.Read(ctx); err != nil {
			return nil, err
		}
		if !it.IsAccelerated() {
			return nil, errors.New("the Storage Read API did not serve the result (is bigquery.readsessions.create granted?); read: auto falls back to REST")
		}
	} else if it, err = query.Read(ctx); err != nil {
		return nil, err
	}
	if arrowIt, err := it.ArrowIterator(); err == nil {
		return newStorageReader(ctx, arrowIt)
	}
	return newRESTReaderOf(ctx, it, m, schema), nil
}
