package lineage

import (
	"net/url"
	"path/filepath"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

// Dataset names follow OpenLineage's naming conventions (Naming.md of the
// specification): BigQuery is namespace "bigquery" and name project.dataset.table;
// a local file is namespace "file" and its absolute path; an S3 object is namespace
// s3://bucket and its key. DuckDB has no convention there: a DuckDB file is
// namespace duckdb://<absolute path> and name <schema>.<table>, MotherDuck is
// md:<database> and <schema>.<table>. The generator is a namespace of its own,
// "thelook", whose names carry the seed and scale that decide its rows.

// sourceDataset names the dataset a table is read from, as the source's kind
// does (stages.DatasetNamer): the file or BigQuery table it reads (a table's path:
// or table: included), the generator's rows; a kind that says nothing names it
// by its kind and table.
func sourceDataset(s spec.Source, t *spec.TablePlan) (namespace, name string) {
	if n, ok := s.Config.(stages.DatasetNamer); ok {
		return n.LineageDataset(t)
	}
	return s.Kind, t.Name
}

// duckdbNamespace is the namespace of a DuckDB file's tables.
func duckdbNamespace(path string) string { return "duckdb://" + absPath(path) }

// outputDataset names a file or object a sink wrote, from the path the report
// gives it: a local path, s3://bucket/key, or <database>#<schema>.<table>. A
// table follows the last '#' and holds no '/', so a '#' in a folder's name
// (run#2/csv/orders.csv, run#2/copy.duckdb#main.orders) is part of the path.
func outputDataset(path string) (namespace, name string) {
	if rest, ok := strings.CutPrefix(path, "s3://"); ok {
		bucket, key, _ := strings.Cut(rest, "/")
		return "s3://" + bucket, key
	}
	if i := strings.LastIndex(path, "#"); i >= 0 && !strings.ContainsRune(path[i+1:], '/') {
		db, table := path[:i], path[i+1:]
		if strings.HasPrefix(db, "md:") {
			return db, table
		}
		return duckdbNamespace(db), table
	}
	return "file", absPath(path)
}

// absPath makes a path absolute (names must not depend on where ecomrun ran),
// or keeps it when that fails.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// producer is the URI that names ecomrun as the events' producer.
func producer(version string) string {
	return "https://github.com/ecomrun/ecomrun/tree/" + url.PathEscape(version)
}
