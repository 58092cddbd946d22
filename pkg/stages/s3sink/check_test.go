package s3sink_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ecomrun/ecomrun/internal/enginetest"
	"github.com/ecomrun/ecomrun/pkg/stages/s3sink"
)

// head is the first four lines of every inline spec.
const head = "version: 1\nsource: {kind: thelook}\nwarehouse: {path: w.duckdb}\ntables:\n"

// TestS3SinkChecks: every mistake in an s3 sink block is reported at its value, with
// a fix where one is known; a good block loads with its defaults filled.
func TestS3SinkChecks(t *testing.T) {
	const tables = "  - name: orders\n  - name: order_items\n  - name: users\nsinks:\n"
	for _, tc := range []struct {
		name string
		sink string   // the sink's flow mapping, on line 9
		want []string // LINE:COL: message
	}{
		{"good", `{name: lake, kind: s3, url: "s3://my-lake/raw/", region: eu-west-1, partition_by: [created_at]}`, nil},
		{"bucket only", `{name: lake, kind: s3, url: "s3://my-lake"}`, nil},
		{"empty region, profile and endpoint are unset", `{name: lake, kind: s3, url: "s3://my-lake", region: "", profile: "", endpoint: ""}`, nil},
		{"url required", `{name: lake, kind: s3}`, []string{`9:5: missing required key "url" when kind is s3`}},
		{"not an s3 url", `{name: lake, kind: s3, url: "https://my-lake/raw"}`,
			[]string{`9:33: url "https://my-lake/raw" is not an S3 URL: write s3://bucket/prefix/`}},
		{"bad bucket", `{name: lake, kind: s3, url: "s3://My_Lake/raw"}`,
			[]string{`9:33: url "s3://My_Lake/raw": "My_Lake" is not a bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit`}},
		{"empty folder in the prefix", `{name: lake, kind: s3, url: "s3://my-lake/raw//x/"}`,
			[]string{`9:33: url "s3://my-lake/raw//x/": the prefix has an empty, . or .. folder`}},
		{"compression of the other format", `{name: lake, kind: s3, url: "s3://my-lake", format: csv, compression: zstd}`,
			[]string{`9:75: compression "zstd" does not apply to format csv: it takes none, gzip`}},
		{"compression of parquet by default", `{name: lake, kind: s3, url: "s3://my-lake", compression: none}`,
			[]string{`9:62: compression "none" does not apply to format parquet: it takes zstd, snappy, gzip, uncompressed`}},
		{"unknown compression", `{name: lake, kind: s3, url: "s3://my-lake", compression: zstdd}`,
			[]string{`9:62: compression: "zstdd" is not one of zstd, snappy, gzip, uncompressed, none (did you mean "zstd"?)`}},
		{"endpoint not a URL", `{name: lake, kind: s3, url: "s3://my-lake", endpoint: "localhost:9000"}`,
			[]string{`9:59: endpoint "localhost:9000" is not an http:// or https:// URL`}},
		{"endpoint with credentials", `{name: lake, kind: s3, url: "s3://my-lake", endpoint: "http://key:secret@127.0.0.1:9000"}`,
			[]string{`9:59: endpoint must not hold credentials`}},
		{"path_style is a boolean", `{name: lake, kind: s3, url: "s3://my-lake", path_style: "yes"}`,
			[]string{`9:61: path_style: got string, want boolean`}},
		{"key of another kind", `{name: lake, kind: s3, url: "s3://my-lake", path: out}`,
			[]string{`9:49: key "path" does not apply when kind is s3`}},
		{"s3 key on a files sink", `{name: lake, kind: parquet, path: out, url: "s3://my-lake"}`,
			[]string{`9:44: key "url" does not apply when kind is parquet`}},
		{"partition column missing from some tables", `{name: lake, kind: s3, url: "s3://my-lake", partition_by: [status]}`,
			[]string{`9:64: partition_by column "status" is not in table users (did you mean "state"?)`}},
		{"partition column of the sink's tables", `{name: lake, kind: s3, url: "s3://my-lake", tables: [orders, order_items], partition_by: [status]}`, nil},
		{"partition column with a typo", `{name: lake, kind: s3, url: "s3://my-lake", tables: [orders], partition_by: [stauts]}`,
			[]string{`9:82: partition_by column "stauts" is not in table orders (did you mean "status"?)`}},
		{"partition column twice", `{name: lake, kind: s3, url: "s3://my-lake", partition_by: [created_at, created_at]}`,
			[]string{`9:63: partition_by: items at 0 and 1 are equal`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, got := enginetest.Load(head + tables + "  - " + tc.sink + "\n")
			if !slices.Equal(got, tc.want) && (len(got) > 0 || len(tc.want) > 0) {
				t.Fatalf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			if tc.want == nil && s == nil {
				t.Fatal("no spec without errors")
			}
		})
	}
}

// TestS3SinksShareNoFolder: two s3 sinks writing one table folder would delete
// each other's objects; other prefixes or other tables are fine.
func TestS3SinksShareNoFolder(t *testing.T) {
	const tables = "  - name: orders\n  - name: users\nsinks:\n"
	for _, tc := range []struct{ name, sinks, want string }{
		{"same prefix", "  - {name: a, kind: s3, url: s3://lake/raw}\n  - {name: b, kind: s3, url: s3://lake/raw/, format: csv}\n",
			`9:30: sinks "a" and "b" both write s3://lake/raw/orders/`},
		{"same prefix, other tables", "  - {name: a, kind: s3, url: s3://lake/raw, tables: [orders]}\n  - {name: b, kind: s3, url: s3://lake/raw/, tables: [users]}\n", ""},
		{"other prefixes", "  - {name: a, kind: s3, url: s3://lake/raw}\n  - {name: b, kind: s3, url: s3://lake/csv}\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := enginetest.Load(head + tables + tc.sinks)
			if got := strings.Join(diags, "\n"); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestS3SinkDefaults(t *testing.T) {
	src := head + "  - name: users\nsinks:\n  - {name: a, kind: s3, url: s3://lake}\n  - {name: b, kind: s3, url: s3://lake/csv, format: csv}\n"
	s, diags := enginetest.Load(src)
	if s == nil {
		t.Fatal(diags)
	}
	if a := s.Sinks[0].Config.(*s3sink.Config); a.Format != "parquet" || a.Compression != "zstd" {
		t.Errorf("default sink: format %q compression %q, want parquet zstd", a.Format, a.Compression)
	}
	if b := s.Sinks[1].Config.(*s3sink.Config); b.Format != "csv" || b.Compression != "none" {
		t.Errorf("csv sink: format %q compression %q, want csv none", b.Format, b.Compression)
	}
}

func TestParseS3URL(t *testing.T) {
	for _, tc := range []struct{ url, bucket, prefix string }{
		{"s3://lake", "lake", ""},
		{"s3://lake/", "lake", ""},
		{"s3://lake/raw", "lake", "raw/"},
		{"s3://lake/raw/", "lake", "raw/"},
		{"s3://my.lake-1/a/b/c/", "my.lake-1", "a/b/c/"},
	} {
		b, p, err := s3sink.ParseS3URL(tc.url)
		if err != nil || b != tc.bucket || p != tc.prefix {
			t.Errorf("ParseS3URL(%q) = %q, %q, %v; want %q, %q", tc.url, b, p, err, tc.bucket, tc.prefix)
		}
	}
	for _, bad := range []string{"lake", "s3:/lake", "s3://", "s3://la", "s3://-lake", "s3://lake/a/../b", "s3://lake/a?x=1", "s3://lake//"} {
		if _, _, err := s3sink.ParseS3URL(bad); err == nil {
			t.Errorf("ParseS3URL(%q) accepted a bad URL", bad)
		}
	}
}
