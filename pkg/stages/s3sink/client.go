package s3sink

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"
)

// Retries: the SDK's standard retryer (500, 502, 503, 504, throttling, dropped
// connections), with a bounded number of attempts per request and a short maximum
// backoff, so a store that is down fails the run within seconds, not minutes.
// A request with no answer within the timeout is not retried (see noAnswerError).
const maxAttempts = 5

// maxBackoff is the longest wait between two attempts; a variable so fault tests
// can retry without waiting.
var maxBackoff = 5 * time.Second

// DefaultRegion is used when neither the spec, the environment nor the profile
// names one: S3-compatible stores mostly ignore the region, and it is S3's own default.
const DefaultRegion = "us-east-1"

// newClient builds an S3 client from the SDK's default chain (environment, shared
// config and credentials files, the named profile, then instance roles), overridden
// by what the spec says: region, endpoint and path-style addressing. It reads files
// only; credentials are resolved on the first request.
func newClient(ctx context.Context, k *Config, timeout time.Duration) (*s3.Client, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = maxAttempts
				o.MaxBackoff = maxBackoff
				o.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(notRetried)}, o.Retryables...)
			})
		}),
		config.WithHTTPClient(httpClient(timeout)),
	}
	if k.Region != "" {
		opts = append(opts, config.WithRegion(k.Region))
	}
	if k.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(k.Profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load the AWS configuration: %w", err)
	}
	// Wrapped after loading: the loader may still configure the transport (a CA bundle).
	cfg.HTTPClient = newStallGuard(cfg.HTTPClient, timeout)
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	// The SDK logs to stderr by default (e.g. that a response has no checksum to
	// validate); a library does not print: errors carry what matters.
	cfg.Logger = logging.Nop{}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if k.Endpoint != "" {
			o.BaseEndpoint = aws.String(k.Endpoint)
		}
		o.UsePathStyle = k.PathStyle
	}), nil
}

// httpClient is the SDK's HTTP client with the dial and the TLS handshake bounded
// by timeout; newClient wraps it in a stallGuard for everything after.
func httpClient(timeout time.Duration) *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = timeout }).
		WithTransportOptions(func(t *http.Transport) {
			t.TLSHandshakeTimeout = timeout
			t.ResponseHeaderTimeout = timeout
		})
}
