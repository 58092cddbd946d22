package spec

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// DefaultS3Format is the format of an s3 sink that names none: Parquet keeps the
// column types and is what lake readers expect.
const DefaultS3Format = "parquet"

// S3Compressions lists the compressions each format of an s3 sink takes; the first
// is the default. The JSON Schema knows their union; which one goes with which format
// is checked here, where the message can say so.
var S3Compressions = map[string][]string{
	"parquet": {"zstd", "snappy", "gzip", "uncompressed"},
	"csv":     {"none", "gzip"},
}

// s3Defaults fills an s3 sink's format and compression, so the sink never guesses.
func s3Defaults(k *Sink) {
	if k.Format == "" {
		k.Format = DefaultS3Format
	}
	if cs := S3Compressions[k.Format]; k.Compression == "" && len(cs) > 0 {
		k.Compression = cs[0]
	}
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

// s3Folders reports s3 sinks that would write the same table folder: each would
// delete the other's objects as those of an earlier run.
func (c *checker) s3Folders() {
	owner := map[string]int{} // s3://bucket/prefix/table/ -> sink index
	for i, k := range c.s.Sinks {
		if k.Kind != "s3" {
			continue
		}
		bucket, prefix, err := ParseS3URL(k.URL)
		if err != nil {
			continue // reported at the url
		}
		tables := k.Tables
		if len(tables) == 0 {
			tables = c.order
		}
		for _, t := range tables {
			folder := "s3://" + bucket + "/" + prefix + t + "/"
			first, taken := owner[folder]
			if !taken {
				owner[folder] = i
				continue
			}
			if first != i {
				c.report(k.Pos, []any{"sinks", i, "url"}, "give each sink its own prefix, or its own tables",
					"sinks %q and %q both write %s", c.s.Sinks[first].Name, k.Name, folder)
				break
			}
		}
	}
}

// s3Sink checks what the schema cannot: the URL, the endpoint, the compression for
// the format, and that every partition column is in every table the sink writes.
func (c *checker) s3Sink(i int, k Sink) {
	at := func(path ...any) []any { return append([]any{"sinks", i}, path...) }
	if k.URL != "" {
		if _, _, err := ParseS3URL(k.URL); err != nil {
			c.report(k.Pos, at("url"), "", "%v", err)
		}
	}
	if k.Endpoint != "" {
		u, err := url.Parse(k.Endpoint)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			c.report(k.Pos, at("endpoint"), "write the store's base URL, e.g. http://127.0.0.1:9000",
				"endpoint %q is not an http:// or https:// URL", k.Endpoint)
		case u.User != nil:
			c.report(k.Pos, at("endpoint"), "credentials come from the environment, the shared credentials file or a profile",
				"endpoint must not hold credentials")
		}
	}
	format := k.Format
	if format == "" {
		format = DefaultS3Format
	}
	if cs, ok := S3Compressions[format]; ok && k.Compression != "" && !slices.Contains(cs, k.Compression) {
		c.report(k.Pos, at("compression"), "", "compression %q does not apply to format %s: it takes %s%s",
			k.Compression, format, strings.Join(cs, ", "), didYouMean(k.Compression, cs))
	}
	tables := k.Tables
	if len(tables) == 0 {
		tables = c.order
	}
	for j, col := range k.PartitionBy {
		var lacking []string
		hint := ""
		for _, t := range tables {
			m := c.s.Model(t)
			if m == nil {
				continue // reported as an unknown table
			}
			if _, ok := m.Column(col); !ok {
				lacking = append(lacking, t)
				if hint == "" {
					hint = didYouMean(col, m.ColumnNames())
				}
			}
		}
		if len(lacking) > 0 {
			c.report(k.Pos, at("partition_by", j), "every table the sink writes needs it: limit the sink with tables:",
				"partition_by column %q is not in table %s%s", col, strings.Join(lacking, ", "), hint)
		}
	}
}
