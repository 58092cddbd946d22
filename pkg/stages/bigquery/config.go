package bigquery

import (
	"fmt"
	"net/url"
	"slices"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/diag"
	"github.com/ecomrun/ecomrun/pkg/rules"
	"github.com/ecomrun/ecomrun/pkg/spec"
	"github.com/ecomrun/ecomrun/pkg/sqlexpr"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

// The bigquery source as a kind: its keys, their defaults and checks, and what
// plan and lineage say of it. How it reads is source.go and the files it calls.

func init() {
	stages.RegisterSource("bigquery", "a BigQuery dataset", func(_ spec.Source, c *Config) (stages.Source, error) { return New(c) })
}

// Config is the bigquery source's keys.
type Config struct {
	Project     string `json:"project,omitempty" schema:"required" example:"my-project" doc:"the Google Cloud project the queries run in and are billed to"`
	Dataset     string `json:"dataset,omitempty" default:"bigquery-public-data.thelook_ecommerce" doc:"the dataset holding the seven tables, as project.dataset (a bare dataset lives in project)"`
	Location    string `json:"location,omitempty" doc:"the dataset's location, e.g. US or EU"`
	Credentials string `json:"credentials,omitempty" doc:"path of a service-account JSON key; empty uses Application Default Credentials"`
	Endpoint    string `json:"endpoint,omitempty" doc:"the API endpoint URL, for emulators and tests"`
	Read        string `json:"read,omitempty" schema:"enum=storage|rest|auto" default:"auto" doc:"storage reads Arrow through the Storage Read API, rest pages through tabledata.list, auto tries storage first"`
	// Validate says where the rules run: local (DuckDB) or bigquery (inside the
	// extract query; rows arrive with their verdicts).
	Validate       string `json:"validate,omitempty" schema:"enum=local|bigquery" default:"local" doc:"where the rules run: local evaluates them in DuckDB after the read; bigquery evaluates them inside the extract query, so rows arrive with their verdicts and rows an error rule drops never leave BigQuery"`
	Streams        int    `json:"streams,omitempty" schema:"minimum=0,maximum=64" default:"0" doc:"how many Storage Read API streams a read asks for and reads at once; 0 means one per CPU"`
	MaxBytesBilled int64  `json:"max_bytes_billed,omitempty" schema:"minimum=0" default:"0" doc:"the most bytes any query job may bill; BigQuery fails a job that would bill more, and plan refuses a table whose dry run says more. 0 means no cap"`
}

var (
	_ spec.SourceConfig    = (*Config)(nil)
	_ spec.TableKeysReader = (*Config)(nil)
	_ spec.WhereDialect    = (*Config)(nil)
	_ stages.DatasetNamer  = (*Config)(nil)
)

func (c *Config) Describe() string {
	return fmt.Sprintf("bigquery %s (billed to %s)", c.Dataset, c.Project)
}

// TableKeys: a table may name its table in the dataset, and cap its own jobs.
func (c *Config) TableKeys() []string { return []string{"table", "max_bytes_billed"} }

// WhereDialect: a where: goes into the table's query, in GoogleSQL.
func (c *Config) WhereDialect() sqlexpr.Dialect { return sqlexpr.GoogleSQL }

// RulesInSource says the rules run inside the extract query (validate: bigquery).
func (c *Config) RulesInSource() bool { return c.Validate == ValidateBigQuery }

// LineageDataset is the BigQuery table a table is read from, as project.dataset.table.
func (c *Config) LineageDataset(t *spec.TablePlan) (namespace, name string) {
	d, _ := parseDataset(c.Dataset, c.Project) // Check has accepted it
	table := t.Name
	if t.SourceTable != "" {
		table = t.SourceTable
	}
	return "bigquery", d.project + "." + d.dataset + "." + table
}

// Check refuses what a build would: a project or dataset that is no id, an
// endpoint that is no URL, read: storage beside one (the Storage Read API is a
// separate gRPC service an endpoint does not name); and under validate: bigquery,
// what BigQuery cannot check (rulesInBigQuery).
func (c *Config) Check(b *spec.Block) diag.Diagnostics {
	var ds diag.Diagnostics
	if c.Project != "" && !projectRE.MatchString(c.Project) {
		ds = append(ds, b.At("project").Errorf("", "project %q is not a project id", c.Project)...)
	} else if _, err := parseDataset(c.Dataset, c.Project); err != nil && c.Project != "" {
		ds = append(ds, b.At("dataset").Errorf("", "%v", err)...)
	}
	if c.Endpoint != "" {
		if u, err := url.Parse(c.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ds = append(ds, b.At("endpoint").Errorf("", "endpoint %q: want an http(s) URL such as http://127.0.0.1:9050", c.Endpoint)...)
		} else if c.Read == ReadStorage {
			ds = append(ds, b.At("read").Errorf("", "read: storage cannot follow endpoint: (the Storage Read API is a separate gRPC service); use read: rest")...)
		}
	}
	if c.Validate == ValidateBigQuery {
		ds = append(ds, rulesInBigQuery(b)...)
	}
	return ds
}

// textRead are the types the source reads as text and converts in DuckDB: rules
// inside BigQuery would see the text, not the value.
var textRead = []catalog.Type{catalog.Numeric, catalog.Bytes, catalog.Date, catalog.Datetime, catalog.JSON}

// rulesInBigQuery checks each table for validate: bigquery, which runs its rules
// inside BigQuery's query: every column must be one BigQuery reads as a value, not
// text; every expression rule (built-in or the spec's) needs a GoogleSQL
// translation; every pattern rule a column whose text is the same in both engines;
// and keep_first an order of the rows, which a BigQuery table does not have.
func rulesInBigQuery(b *spec.Block) diag.Diagnostics {
	const detail = "validate: bigquery runs every rule inside BigQuery; use validate: local for DuckDB-only conditions"
	var ds diag.Diagnostics
	for i, t := range b.Spec.Tables {
		m := b.Spec.Model(t.Name)
		if m == nil {
			continue // reported as an unknown table
		}
		if b.Spec.Contract(t).ExtraColumns == catalog.Evolve {
			at := b.Table(i, "name")
			switch {
			case t.Contract != nil && t.Contract.ExtraColumns != "":
				at = b.Table(i, "contract", "extra_columns")
			case b.Spec.Source.Contract != nil && b.Spec.Source.Contract.ExtraColumns != "":
				at = b.At("contract", "extra_columns")
			}
			ds = append(ds, at.Errorf("use validate: local to take new columns on",
				"extra_columns: evolve cannot run under validate: bigquery: the rules' query reads the tables' columns as the spec declares them")...)
		}
		if t.OnDuplicate == spec.OnDuplicateKeepFirst {
			ds = append(ds, b.Table(i, "on_duplicate").Errorf("use validate: local: the rows are staged in a stable order and the first copy of each key loads",
				"on_duplicate: keep_first cannot run under validate: bigquery: a BigQuery table has no order to tell the first copy of a key")...)
		}
		for j, col := range m.Columns {
			if !slices.Contains(textRead, col.Type) {
				continue
			}
			at := b.Table(i, "name")
			if t.Declared() {
				at = b.Table(i, "columns", j, "type")
			}
			ds = append(ds, at.Errorf("validate: local checks it after the read", "validate: bigquery cannot check a %s column: it is read as text", col.Type)...)
		}
		for _, r := range spec.BuiltinRules(t, m) {
			if typ, ok := patternTextDiffers(m, r); ok {
				ds = append(ds, b.Table(i).Errorf(patternDetail, "built-in rule %s of table %s: a pattern on %s column %s cannot run in BigQuery, which writes its values as other text than DuckDB",
					r.Name, t.Name, typ, r.Column)...)
			}
			if err := googleSQL(r, m); err != nil {
				ds = append(ds, b.Table(i).Errorf(detail, "built-in rule %s of table %s: %v", r.Name, t.Name, err)...)
			}
		}
		for j, r := range t.NamedRules() {
			if typ, ok := patternTextDiffers(m, r); ok {
				ds = append(ds, b.Table(i, "rules", j, "column").Errorf(patternDetail,
					"rule %s: a pattern on %s column %s cannot run in BigQuery, which writes its values as other text than DuckDB", r.Name, typ, r.Column)...)
			}
			if err := googleSQL(r, m); err != nil && r.SQL != "" {
				ds = append(ds, b.Table(i, "rules", j, "sql").Errorf(detail, "rule %s: %v", r.Name, err)...)
			}
		}
	}
	return ds
}

// googleSQL says why an expression rule has no GoogleSQL translation; nil for one
// that has, or another check.
func googleSQL(r rules.Rule, m *catalog.Model) error {
	if r.Check != rules.Expression {
		return nil
	}
	return rules.CheckCondition(r.SQL, m.ColumnNames(), sqlexpr.GoogleSQL)
}

const patternDetail = "a pattern matches the value as text, and BigQuery's text of a value that is not a STRING or INT64 is not " +
	"always DuckDB's (12.0 is '12' in BigQuery, '12.0' in DuckDB): the verdicts would differ. Use validate: local, or a pattern on a STRING or INT64 column"

// patternTextDiffers says whether a pattern rule's column would show other text
// in BigQuery (CAST AS STRING) than in DuckDB (::VARCHAR), and the column's type:
// only STRING (GEOGRAPHY arrives as WKT text) and INT64 read the same.
func patternTextDiffers(m *catalog.Model, r rules.Rule) (catalog.Type, bool) {
	if r.Check != rules.Pattern {
		return "", false
	}
	col, ok := m.Column(r.Column)
	if !ok {
		return "", false // an unknown column is reported once, by rule
	}
	switch col.Type {
	case catalog.String, catalog.Geography, catalog.Int64:
		return col.Type, false
	}
	return col.Type, true
}
