package bigquery

import (
	"strings"
	"testing"
	"time"

	gbq "cloud.google.com/go/bigquery"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

func table(name, where string, limit int64) *spec.TablePlan {
	return &spec.TablePlan{Name: name, Model: catalog.Lookup(name), Where: where, Limit: limit}
}

func TestBuildQuery(t *testing.T) {
	d := datasetRef{project: "bigquery-public-data", dataset: "thelook_ecommerce"}
	ts := stages.Bound{Column: "created_at", Type: catalog.Timestamp, Literal: "TIMESTAMP '2024-05-06 07:08:09.123456+00'"}
	id := stages.Bound{Column: "order_id", Type: catalog.Int64, Literal: "41"}
	for _, tc := range []struct {
		name   string
		table  *spec.TablePlan
		bound  *stages.Bound
		sql    string
		params []gbq.QueryParameter
	}{
		{"geography as WKT", table("distribution_centers", "", 0), nil,
			"SELECT `id`, `name`, `latitude`, `longitude`, ST_ASTEXT(`distribution_center_geom`) AS `distribution_center_geom` " +
				"FROM `bigquery-public-data`.`thelook_ecommerce`.`distribution_centers`", nil},
		{"where and limit", table("orders", " status = 'Shipped' ", 10), nil,
			"SELECT `order_id`, `user_id`, `status`, `gender`, `created_at`, `returned_at`, `shipped_at`, `delivered_at`, `num_of_item` " +
				"FROM `bigquery-public-data`.`thelook_ecommerce`.`orders` WHERE (`status` = 'Shipped') LIMIT @limit",
			[]gbq.QueryParameter{{Name: "limit", Value: int64(10)}}},
		{"timestamp bound", table("orders", "gender = 'F'", 0), &ts,
			"SELECT `order_id`, `user_id`, `status`, `gender`, `created_at`, `returned_at`, `shipped_at`, `delivered_at`, `num_of_item` " +
				"FROM `bigquery-public-data`.`thelook_ecommerce`.`orders` WHERE (`gender` = 'F') AND `created_at` >= @since",
			[]gbq.QueryParameter{{Name: "since", Value: time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)}}},
		// The where: BigQuery receives is ecomrun's rendering: no comment survives, and
		// DuckDB's reading of the text is what is rendered (here one string).
		{"comment dropped", table("orders", "status = 'x' -- LIMIT is not hidden", 5), nil,
			"SELECT `order_id`, `user_id`, `status`, `gender`, `created_at`, `returned_at`, `shipped_at`, `delivered_at`, `num_of_item` " +
				"FROM `bigquery-public-data`.`thelook_ecommerce`.`orders` WHERE (`status` = 'x') LIMIT @limit",
			[]gbq.QueryParameter{{Name: "limit", Value: int64(5)}}},
		{"BigQuery escapes are data", table("orders", smuggling, 0), nil,
			"SELECT `order_id`, `user_id`, `status`, `gender`, `created_at`, `returned_at`, `shipped_at`, `delivered_at`, `num_of_item` " +
				"FROM `bigquery-public-data`.`thelook_ecommerce`.`orders` WHERE (`status` = 'a\\\\\\' OR EXISTS(SELECT 1 FROM `other.secret.t`) OR TRUE #')", nil},
		{"portable functions", table("orders", "created_at > now() - INTERVAL 3 DAY AND EXTRACT(year FROM created_at) = 2024 AND \"Status\" ILIKE 's%'", 0), nil,
			"SELECT `order_id`, `user_id`, `status`, `gender`, `created_at`, `returned_at`, `shipped_at`, `delivered_at`, `num_of_item` " +
				"FROM `bigquery-public-data`.`thelook_ecommerce`.`orders` WHERE ((`created_at` > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 3 DAY)) AND (EXTRACT(YEAR FROM `created_at`) = 2024) AND (LOWER(`status`) LIKE LOWER('s%')))", nil},
		{"integer bound", table("orders", "", 0), &id,
			"SELECT `order_id`, `user_id`, `status`, `gender`, `created_at`, `returned_at`, `shipped_at`, `delivered_at`, `num_of_item` " +
				"FROM `bigquery-public-data`.`thelook_ecommerce`.`orders` WHERE `order_id` >= @since",
			[]gbq.QueryParameter{{Name: "since", Value: int64(41)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := buildQuery(d, tc.table, tc.bound, nil)
			if err != nil {
				t.Fatal(err)
			}
			if q.sql != tc.sql {
				t.Errorf("sql\n got %s\nwant %s", q.sql, tc.sql)
			}
			if len(q.params) != len(tc.params) {
				t.Fatalf("params %v, want %v", q.params, tc.params)
			}
			for i, p := range q.params {
				w := tc.params[i]
				if p.Name != w.Name || p.Value != w.Value {
					t.Errorf("param %d = %s %v (%T), want %s %v (%T)", i, p.Name, p.Value, p.Value, w.Name, w.Value, w.Value)
				}
			}
		})
	}
}

// smuggling is valid in DuckDB (status compared with one string) and, pasted into
// BigQuery as written, would end the string at \' and run a subquery, with # hiding
// the rest: the rendering keeps it one string literal.
const smuggling = `status = 'a\'' OR EXISTS(SELECT 1 FROM ` + "`other.secret.t`" + `) OR TRUE #'`

// What has no GoogleSQL translation, or does not check, never reaches BigQuery.
func TestBuildQueryRefusesWhere(t *testing.T) {
	d := datasetRef{project: "p", dataset: "d"}
	for _, tc := range []struct{ where, want string }{
		{"date_diff('day', created_at, shipped_at) < 3", "date_diff has no BigQuery translation"},
		{"status = 'x' # LIMIT", `syntax error at or near "#"`},
		{"EXISTS(SELECT 1 FROM secret)", "subquery"},
		{"status = 'a\\'' OR EXISTS(SELECT 1 FROM `other.secret.t`) OR status = '\\''", "syntax error"},
	} {
		if _, err := buildQuery(d, table("orders", tc.where, 0), nil, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.where, err, tc.want)
		}
	}
}

func TestParseDataset(t *testing.T) {
	for _, tc := range []struct{ in, project, dataset, err string }{
		{in: "bigquery-public-data.thelook_ecommerce", project: "bigquery-public-data", dataset: "thelook_ecommerce"},
		{in: "thelook", project: "billing-project", dataset: "thelook"},
		{in: "example.com:proj.ds", project: "example.com:proj", dataset: "ds"},
		{in: "p.the`look", err: "not a dataset id"},
		{in: "p.a.b", err: "not a project id"},
		{in: "p` OR 1=1.ds", err: "not a project id"},
		{in: "", err: "not a dataset id"},
	} {
		d, err := parseDataset(tc.in, "billing-project")
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || d.project != tc.project || d.dataset != tc.dataset {
			t.Errorf("%q: %+v %v, want %s %s", tc.in, d, err, tc.project, tc.dataset)
		}
	}
}

// New reads through the Storage Read API when it can; beside an endpoint (an
// emulator, which has none) auto means REST. What it must refuse, Check refuses
// first (config_test.go).
func TestNewChoosesTheReadPath(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		read string
	}{
		{"defaults", Config{Project: "my-project"}, ReadAuto},
		{"auto beside an endpoint is rest", Config{Project: "p", Endpoint: "http://127.0.0.1:9050", Read: "auto"}, ReadREST},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(&tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if s.read != tc.read {
				t.Errorf("read %s, want %s", s.read, tc.read)
			}
			if s.cfg.Dataset == "" {
				t.Error("no dataset")
			}
		})
	}
}

func TestDuckDBProjectionNormalisesWKT(t *testing.T) {
	got := duckdbProjection(catalog.Lookup("distribution_centers"), `"v"`)
	want := `SELECT CAST("id" AS BIGINT) AS "id", CAST("name" AS VARCHAR) AS "name", CAST("latitude" AS DOUBLE) AS "latitude", ` +
		`CAST("longitude" AS DOUBLE) AS "longitude", CAST(regexp_replace("distribution_center_geom", '^([A-Z]+) \(', '\1(') AS VARCHAR) AS "distribution_center_geom" FROM "v"`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
