package stages

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
)

// filesSource reads one <table>.csv or <table>.parquet per table from a folder.
// Values arrive as they are in the file (CSV: text) and are cast during validation,
// so a value that does not parse is a row violation, not a crash.
type filesSource struct{ dir, format string }

var (
	_ Source    = (*filesSource)(nil)
	_ Describer = (*filesSource)(nil)
)

func init() {
	RegisterSource("files", func(s spec.Source) (Source, error) {
		format := s.Format
		if format == "" {
			format = "csv"
		}
		return &filesSource{dir: s.Dir, format: format}, nil
	})
}

func (s *filesSource) Extract(ctx context.Context, run *Run, t *spec.TablePlan, relation string) (bool, error) {
	path, reader := s.reader(t)
	if _, err := os.Stat(path); err != nil {
		return false, fmt.Errorf("source file for table %s: %w (the files source wants one %s.%s per table in %s)", t.Name, err, t.Name, s.format, s.dir)
	}
	if err := s.checkColumns(ctx, run, t, reader, path); err != nil {
		return false, err
	}
	q, err := projection(t, reader, true, run.Bound(t.Name))
	if err != nil {
		return false, err
	}
	err = run.Warehouse.Exec(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s AS %s", relation, q))
	return true, err
}

// reader is a table's file and the DuckDB table function that reads it.
func (s *filesSource) reader(t *spec.TablePlan) (path, reader string) {
	path = filepath.Join(s.dir, t.Name+"."+s.format)
	reader = fmt.Sprintf("read_parquet(%s)", sqlq.String(path))
	if s.format == "csv" {
		reader = fmt.Sprintf("read_csv(%s, header = true, all_varchar = true)", sqlq.String(path))
	}
	return path, reader
}

// Describe is the query Extract runs over the table's file.
func (s *filesSource) Describe(t *spec.TablePlan) string {
	_, reader := s.reader(t)
	q, err := projection(t, reader, true, nil)
	if err != nil {
		return err.Error()
	}
	return q
}

// checkColumns names every model column the file lacks, in one error.
func (s *filesSource) checkColumns(ctx context.Context, run *Run, t *spec.TablePlan, reader, path string) error {
	rows, err := run.Warehouse.DB.QueryContext(ctx, "SELECT column_name FROM (DESCRIBE SELECT * FROM "+reader+")")
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return err
		}
		have[c] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var missing []string
	for _, c := range t.Model.Columns {
		if !have[c.Name] {
			missing = append(missing, c.Name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s lacks the columns %s of table %s", path, strings.Join(missing, ", "), t.Name)
	}
	return nil
}
