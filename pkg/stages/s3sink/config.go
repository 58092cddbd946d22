package s3sink

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/diag"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

func init() {
	stages.RegisterSink("s3", "Parquet or CSV objects under <url><table>/ in S3 or an S3-compatible store, published by a per-table _manifest.json",
		func(k spec.Sink, c *Config) (stages.Sink, error) { return newSink(context.Background(), k.Name, c) })
}

// Config is the s3 sink's keys: objects under URL (s3://bucket/prefix/), one
// folder per table. Credentials come from the AWS SDK's default chain
// (environment, shared config and credentials files, Profile), never from the spec.
type Config struct {
	URL         string   `json:"url" schema:"required,minLength=1" example:"s3://my-lake/raw/" doc:"where the tables go, as s3://bucket/prefix/; each table is written under <prefix><table>/"`
	Format      string   `json:"format,omitempty" schema:"enum=parquet|csv" default:"parquet" doc:"the object format"`
	Compression string   `json:"compression,omitempty" schema:"enum=zstd|snappy|gzip|uncompressed|none" doc:"parquet takes zstd (default), snappy, gzip or uncompressed; csv takes none (default) or gzip"`
	Region      string   `json:"region,omitempty" doc:"the bucket's region; empty uses AWS_REGION or the profile's, else us-east-1"`
	Profile     string   `json:"profile,omitempty" doc:"a named profile of the shared AWS config and credentials files; empty uses AWS_PROFILE or the default chain. Credentials never go in a spec"`
	Endpoint    string   `json:"endpoint,omitempty" doc:"the base URL of an S3-compatible store (http:// or https://); empty means Amazon S3"`
	PathStyle   bool     `json:"path_style,omitempty" default:"false" doc:"address the bucket in the path (http://host/bucket/key) rather than the host name, as most S3-compatible stores need"`
	PartitionBy []string `json:"partition_by,omitempty" schema:"minItems=1,uniqueItems,items=identifier" doc:"columns to partition each table by, in hive-style col=value/ folders; every table the sink writes must have them"`
}

var _ spec.SinkConfig = (*Config)(nil)

// compressions lists the compressions each format takes; the first is the
// default. The schema knows their union; which goes with which format is Check's.
var compressions = map[string][]string{
	"parquet": {"zstd", "snappy", "gzip", "uncompressed"},
	"csv":     {"none", "gzip"},
}

// SetDefaults fills the compression, whose default depends on the format.
func (c *Config) SetDefaults() {
	if cs := compressions[c.Format]; c.Compression == "" && len(cs) > 0 {
		c.Compression = cs[0]
	}
}

func (c *Config) Describe() string { return c.URL }

// Writes is each table's folder: one writer per folder, whose manifest lists what
// it holds and which removes the objects of its layout that no manifest lists.
// Another sink's folder nested in it is safe (its keys are of another layout).
func (c *Config) Writes(tables []string) []spec.Output {
	bucket, prefix, err := ParseS3URL(c.URL)
	if err != nil {
		return nil // Check reports the url
	}
	var out []spec.Output
	for _, t := range tables {
		out = append(out, spec.Output{Key: "url", URL: "s3://" + bucket + "/" + prefix + t + "/",
			Fix: "give each sink its own prefix, or its own tables"})
	}
	return out
}

// Check says what the schema cannot: the URL, the endpoint, the compression for
// the format, and that every partition column is in every table the sink writes.
func (c *Config) Check(b *spec.Block) diag.Diagnostics {
	var ds diag.Diagnostics
	if _, _, err := ParseS3URL(c.URL); err != nil && c.URL != "" {
		ds = append(ds, b.At("url").Errorf("", "%v", err)...)
	}
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			ds = append(ds, b.At("endpoint").Errorf("write the store's base URL, e.g. http://127.0.0.1:9000",
				"endpoint %q is not an http:// or https:// URL", c.Endpoint)...)
		case u.User != nil:
			ds = append(ds, b.At("endpoint").Errorf("credentials come from the environment, the shared credentials file or a profile",
				"endpoint must not hold credentials")...)
		}
	}
	if cs, ok := compressions[c.Format]; ok && !slices.Contains(cs, c.Compression) {
		ds = append(ds, b.At("compression").Errorf("", "compression %q does not apply to format %s: it takes %s%s",
			c.Compression, c.Format, strings.Join(cs, ", "), spec.DidYouMean(c.Compression, cs))...)
	}
	for j, col := range c.PartitionBy {
		var lacking []string
		hint := ""
		for _, t := range b.Tables() {
			m := b.Spec.Model(t)
			if m == nil {
				continue // reported as an unknown table
			}
			if _, ok := m.Column(col); !ok {
				lacking = append(lacking, t)
				if hint == "" {
					hint = spec.DidYouMean(col, m.ColumnNames())
				}
			}
		}
		if len(lacking) > 0 {
			ds = append(ds, b.At("partition_by", j).Errorf("every table the sink writes needs it: limit the sink with tables:",
				"partition_by column %q is not in table %s%s", col, strings.Join(lacking, ", "), hint)...)
		}
	}
	return ds
}

// bucketName is S3's rule for bucket names (the dotted-IP form aside).
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// ParseS3URL splits s3://bucket/prefix into the bucket and a key prefix that is
// empty or ends with "/", so a table's folder is always prefix + table + "/".
func ParseS3URL(raw string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(raw, "s3://")
	if !ok {
		return "", "", fmt.Errorf("url %q is not an S3 URL: write s3://bucket/prefix/", raw)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if !bucketName.MatchString(bucket) {
		return "", "", fmt.Errorf("url %q: %q is not a bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit", raw, bucket)
	}
	if strings.ContainsAny(prefix, "?#\\") {
		return "", "", fmt.Errorf("url %q: the prefix must not contain ?, # or \\", raw)
	}
	if prefix == "" {
		return bucket, "", nil
	}
	prefix = strings.TrimSuffix(prefix, "/")
	for _, seg := range strings.Split(prefix, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", "", fmt.Errorf("url %q: the prefix has an empty, . or .. folder", raw)
		}
	}
	return bucket, prefix + "/", nil
}
