package lineage

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
	"github.com/ecomrun/ecomrun/pkg/stages/bigquery"
)

// TestDatasetNaming: datasets are named as OpenLineage's Naming.md says for the
// stores it covers (BigQuery: namespace bigquery, name project.dataset.table; S3:
// s3://bucket and the object key; a local file: file and its absolute path), and
// as ecomrun's own convention for those it does not (DuckDB files, MotherDuck, the
// generator).
func TestDatasetNaming(t *testing.T) {
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	type want struct{ namespace, name string }
	sources := []struct {
		name  string
		src   spec.Source
		table spec.TablePlan
		want  want
	}{
		{"bigquery public dataset", spec.Source{Kind: "bigquery", Config: &bigquery.Config{Project: "my-project", Dataset: "bigquery-public-data.thelook_ecommerce"}}, spec.TablePlan{Name: "orders"},
			want{"bigquery", "bigquery-public-data.thelook_ecommerce.orders"}},
		{"bigquery dataset of the billing project", spec.Source{Kind: "bigquery", Config: &bigquery.Config{Project: "my-project", Dataset: "thelook"}}, spec.TablePlan{Name: "users"},
			want{"bigquery", "my-project.thelook.users"}},
		{"bigquery domain-scoped project", spec.Source{Kind: "bigquery", Config: &bigquery.Config{Project: "my-project", Dataset: "example.com:shop.thelook"}}, spec.TablePlan{Name: "events"},
			want{"bigquery", "example.com:shop.thelook.events"}},
		{"files relative dir", spec.Source{Kind: "files", Config: &stages.FilesConfig{Dir: "in", Format: "csv"}}, spec.TablePlan{Name: "orders"},
			want{"file", filepath.Join(cwd, "in", "orders.csv")}},
		{"files absolute dir, cleaned", spec.Source{Kind: "files", Config: &stages.FilesConfig{Dir: "/data/x/../exports/", Format: "parquet"}}, spec.TablePlan{Name: "users"},
			want{"file", "/data/exports/users.parquet"}},
		{"bigquery table named apart", spec.Source{Kind: "bigquery", Config: &bigquery.Config{Project: "p", Dataset: "crm"}}, spec.TablePlan{Name: "customers", SourceTable: "customers_v2"},
			want{"bigquery", "p.crm.customers_v2"}},
		{"files path of a table", spec.Source{Kind: "files", Config: &stages.FilesConfig{Dir: "/data", Format: "csv"}}, spec.TablePlan{Name: "customers", Path: "exports/c-2024.parquet"},
			want{"file", "/data/exports/c-2024.parquet"}},
		{"thelook", spec.Source{Kind: "thelook", Config: &stages.TheLookConfig{Seed: 42, Scale: 0.1}}, spec.TablePlan{Name: "orders"},
			want{"thelook", "seed=42/scale=0.1/orders"}},
	}
	for _, tc := range sources {
		t.Run("source/"+tc.name, func(t *testing.T) {
			ns, name := sourceDataset(tc.src, &tc.table)
			if got := (want{ns, name}); got != tc.want {
				t.Errorf("sourceDataset = %q %q, want %q %q", ns, name, tc.want.namespace, tc.want.name)
			}
		})
	}

	outputs := []struct {
		name, path string
		want       want
	}{
		{"s3 object under a prefix", "s3://lake/raw/orders/orders.parquet", want{"s3://lake", "raw/orders/orders.parquet"}},
		{"s3 object at the bucket's root", "s3://lake/orders.csv", want{"s3://lake", "orders.csv"}},
		{"s3 partitioned object", "s3://lake/raw/orders/status=Shipped/part-0.parquet", want{"s3://lake", "raw/orders/status=Shipped/part-0.parquet"}},
		{"local file, absolute", "/srv/out/csv/orders.csv", want{"file", "/srv/out/csv/orders.csv"}},
		{"local file, relative", "out/csv/orders.quarantine.csv", want{"file", filepath.Join(cwd, "out/csv/orders.quarantine.csv")}},
		{"local file with # in its folder", "/srv/run#2/csv/orders.csv", want{"file", "/srv/run#2/csv/orders.csv"}},
		{"duckdb file, absolute", "/srv/copy.duckdb#main.orders", want{"duckdb:///srv/copy.duckdb", "main.orders"}},
		{"duckdb file, relative", "copy.duckdb#main.users", want{"duckdb://" + filepath.Join(cwd, "copy.duckdb"), "main.users"}},
		{"duckdb file with # in its folder", "/srv/run#2/copy.duckdb#main.orders", want{"duckdb:///srv/run#2/copy.duckdb", "main.orders"}},
		{"motherduck", "md:analytics#main.orders", want{"md:analytics", "main.orders"}},
	}
	for _, tc := range outputs {
		t.Run("output/"+tc.name, func(t *testing.T) {
			ns, name := outputDataset(tc.path)
			if got := (want{ns, name}); got != tc.want {
				t.Errorf("outputDataset(%q) = %q %q, want %q %q", tc.path, ns, name, tc.want.namespace, tc.want.name)
			}
		})
	}

	// The warehouse: its tables and quarantine tables share the file's namespace.
	if got, want := duckdbNamespace("out/ecom.duckdb"), "duckdb://"+filepath.Join(cwd, "out/ecom.duckdb"); got != want {
		t.Errorf("duckdbNamespace = %q, want %q", got, want)
	}
}
