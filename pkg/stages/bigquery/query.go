package bigquery

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	gbq "cloud.google.com/go/bigquery"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlexpr"
	"github.com/ecomrun/ecomrun/pkg/sqlq"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

// Identifier shapes. Everything that names something in a query is checked against
// one of them before it is backtick-quoted, so no spec value can close a quote.
var (
	// A project id, possibly domain-scoped ("example.com:my-project"). Real ids are
	// 6-30 lower-case letters, digits and hyphens; emulators accept more, so this
	// only keeps out what could break the quoting.
	projectRE = regexp.MustCompile(`^([a-z0-9][a-z0-9.-]*:)?[A-Za-z0-9][A-Za-z0-9_-]{0,127}$`)
	// A dataset id: letters, digits, underscores (BigQuery's own rule).
	datasetRE = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	// A table or column name of the models.
	nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// datasetRef is where the seven tables live.
type datasetRef struct{ project, dataset string }

// parseDataset splits "project.dataset" at the last dot (a domain-scoped project has
// dots of its own); a bare "dataset" lives in the billing project.
func parseDataset(s, billing string) (datasetRef, error) {
	project, dataset := billing, s
	if i := strings.LastIndex(s, "."); i >= 0 {
		project, dataset = s[:i], s[i+1:]
	}
	if !projectRE.MatchString(project) {
		return datasetRef{}, fmt.Errorf("dataset %q: %q is not a project id", s, project)
	}
	if !datasetRE.MatchString(dataset) {
		return datasetRef{}, fmt.Errorf("dataset %q: %q is not a dataset id (letters, digits and underscores)", s, dataset)
	}
	return datasetRef{project: project, dataset: dataset}, nil
}

// quote backtick-quotes a checked identifier.
func quote(id string) string { return "`" + id + "`" }

// table is the quoted path of one table of the dataset.
func (d datasetRef) table(name string) string {
	return quote(d.project) + "." + quote(d.dataset) + "." + quote(name)
}

// tableQuery is the query that reads one table, and its parameters.
type tableQuery struct {
	sql    string
	params []gbq.QueryParameter
}

// buildQuery reads the model's columns of a table, in model order: never SELECT *,
// so columns the source has and the model lacks stay out and a missing one is an
// error at BigQuery, before anything is paid for. GEOGRAPHY is read as WKT text.
// The spec's where: is pushed down as sqlexpr renders it in GoogleSQL, never as
// written; the incremental bound b (nil: none) and limit: are parameters.
//
// drift (nil: none known) is what the table's contract made of the dataset's
// columns: a column the table lacks reads as a typed NULL, a RECORD or an ARRAY as
// its JSON text, and one it types otherwise as its text, which the warehouse side
// converts value by value.
func buildQuery(d datasetRef, t *spec.TablePlan, b *stages.Bound, drift *schemaRead) (tableQuery, error) {
	if t.Model == nil {
		return tableQuery{}, fmt.Errorf("table %s has no model", t.Name)
	}
	if !nameRE.MatchString(t.Name) {
		return tableQuery{}, fmt.Errorf("table name %q is not an identifier", t.Name)
	}
	cols := make([]string, len(t.Model.Columns))
	for i, c := range t.Model.Columns {
		if !nameRE.MatchString(c.Name) {
			return tableQuery{}, fmt.Errorf("table %s: column name %q is not an identifier", t.Name, c.Name)
		}
		col := quote(c.Name)
		switch {
		case drift != nil && drift.Missing[c.Name]:
			col = fmt.Sprintf("CAST(NULL AS %s)", c.Type)
		case drift != nil && drift.nested[strings.ToLower(c.Name)]:
			cols[i] = fmt.Sprintf("IF(%[1]s IS NULL, NULL, TO_JSON_STRING(%[1]s)) AS %[1]s", col)
			continue
		case drift != nil && drift.Changed[c.Name]:
			cols[i] = fmt.Sprintf("CAST(%s AS STRING) AS %s", col, col)
			continue
		}
		cols[i] = col
		if text := asText(c.Type); text != "" {
			cols[i] = fmt.Sprintf("%s AS %s", fmt.Sprintf(text, col), quote(c.Name))
		} else if col != quote(c.Name) {
			cols[i] = col + " AS " + quote(c.Name)
		}
	}
	name := t.Name
	if t.SourceTable != "" {
		name = t.SourceTable
		if !nameRE.MatchString(name) {
			return tableQuery{}, fmt.Errorf("table %s: source table %q is not an identifier", t.Name, name)
		}
	}
	q := tableQuery{sql: fmt.Sprintf("SELECT %s FROM %s", strings.Join(cols, ", "), d.table(name))}
	var where []string
	if w, err := t.WhereSQL(sqlexpr.GoogleSQL); err != nil {
		return tableQuery{}, err
	} else if w != "" {
		where = append(where, w)
	}
	if b != nil {
		p, err := boundParam(b)
		if err != nil {
			return tableQuery{}, fmt.Errorf("table %s: incremental bound: %w", t.Name, err)
		}
		if !nameRE.MatchString(b.Column) {
			return tableQuery{}, fmt.Errorf("table %s: cursor %q is not an identifier", t.Name, b.Column)
		}
		where = append(where, quote(b.Column)+" >= @"+p.Name)
		q.params = append(q.params, p)
	}
	if len(where) > 0 {
		q.sql += " WHERE " + strings.Join(where, " AND ")
	}
	if t.Limit > 0 {
		q.sql += " LIMIT @limit"
		q.params = append(q.params, gbq.QueryParameter{Name: "limit", Value: t.Limit})
	}
	return q, nil
}

// asText is how a column whose type has no Arrow form both read paths share is
// read: as text (a format with %s for the column), which the warehouse side
// (duckdbProjection) converts to the model's type; "" reads the column as it is.
// GEOGRAPHY travels as WKT, BYTES as base64, JSON as its text.
func asText(t catalog.Type) string {
	switch t {
	case catalog.Geography:
		return "ST_ASTEXT(%s)"
	case catalog.Bytes:
		return "TO_BASE64(%s)"
	case catalog.JSON: // TO_JSON_STRING makes SQL NULL the text null
		return "IF(%[1]s IS NULL, NULL, TO_JSON_STRING(%[1]s))"
	case catalog.Numeric, catalog.Date, catalog.Datetime:
		return "CAST(%s AS STRING)"
	}
	return ""
}

// boundParam turns an incremental bound into a typed query parameter. stages.Bound
// carries the bound as a SQL literal (an integer, or TIMESTAMP '...+00'), which this
// reads back rather than pasting it into BigQuery's SQL.
func boundParam(b *stages.Bound) (gbq.QueryParameter, error) {
	p := gbq.QueryParameter{Name: "since"}
	switch b.Type {
	case catalog.Int64:
		n, err := strconv.ParseInt(b.Literal, 10, 64)
		if err != nil {
			return p, err
		}
		p.Value = n
		return p, nil
	case catalog.Timestamp:
		lit, ok := strings.CutPrefix(b.Literal, "TIMESTAMP '")
		if lit, ok = strings.CutSuffix(lit, "'"); !ok {
			return p, fmt.Errorf("%s is not a TIMESTAMP literal", b.Literal)
		}
		ts, err := time.Parse("2006-01-02 15:04:05.999999-07", lit)
		if err != nil {
			return p, err
		}
		p.Value = ts.UTC()
		return p, nil
	}
	return p, fmt.Errorf("a %s cursor cannot bound a read", b.Type)
}

// String shows the query with its parameters, for plan output.
func (q tableQuery) String() string {
	s := q.sql
	for _, p := range q.params {
		s += fmt.Sprintf(" [@%s = %v]", p.Name, p.Value)
	}
	return s
}

// duckdbProjection is the warehouse side: each column cast to the model's type, so
// the staged relation has the model's types whatever Arrow types the read path
// delivered, and geographies in BigQuery's WKT form "POINT(lon lat)". Other
// implementations of ST_ASTEXT (the emulator) print the OGC form "POINT (lon lat)";
// one canonical text keeps the warehouse independent of the server.
func duckdbProjection(m *catalog.Model, view string) string {
	cols := make([]string, len(m.Columns))
	for i, c := range m.Columns {
		id := sqlq.Ident(c.Name)
		expr := id
		switch c.Type {
		case catalog.Geography:
			expr = fmt.Sprintf(`regexp_replace(%s, '^([A-Z]+) \(', '\1(')`, id)
		case catalog.Bytes:
			expr = fmt.Sprintf("from_base64(%s)", id)
		}
		cols[i] = fmt.Sprintf("CAST(%s AS %s) AS %s", expr, c.Type.DuckDB(), id)
	}
	return fmt.Sprintf("SELECT %s FROM %s", strings.Join(cols, ", "), view)
}
