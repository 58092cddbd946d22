package stages

import (
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// Describer is a Source that can say, without reading anything, what it will read
// for a table: the query it runs or sends, over the file or table it names. Plans
// show it, so a reviewer sees what a spec change reads, not only which table.
// It is optional: a source that cannot say much (the generator) does not implement it.
type Describer interface {
	Describe(table *spec.TablePlan) string
}

// DescribeRead returns what a spec's source reads for a table, when its kind can
// say. It builds the source without opening it (see NewSource): nothing connects.
func DescribeRead(sp *spec.Spec, table *spec.TablePlan) (string, bool) {
	s, err := NewSource(sp)
	if err != nil {
		return "", false
	}
	d, ok := s.(Describer)
	if !ok {
		return "", false
	}
	return d.Describe(table), true
}

// DatasetNamer is a source config that names, by OpenLineage's conventions (see
// pkg/lineage), the dataset a table is read from: a file, a BigQuery table, the
// generator's rows.
type DatasetNamer interface {
	LineageDataset(t *spec.TablePlan) (namespace, name string)
}
