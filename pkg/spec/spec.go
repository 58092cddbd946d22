// Package spec reads a pipeline spec (YAML), checks it against the embedded JSON
// Schema and the semantic rules, and compiles it into a Plan of stages.
package spec

import (
	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/diag"
	"github.com/ecomrun/ecomrun/pkg/rules"
)

// Spec is a pipeline spec after interpolation and checks. Field names follow the YAML keys.
type Spec struct {
	File      string    `json:"-"`
	Version   int       `json:"version"`
	Name      string    `json:"name"`
	Source    Source    `json:"source"`
	Warehouse Warehouse `json:"warehouse"`
	Tables    []Table   `json:"tables"`
	// Models are the model files' paths or globs as written (relative to the spec's folder).
	Models []string `json:"models,omitempty"`
	Sinks  []Sink   `json:"sinks,omitempty"`
	// Lineage, when set, sends OpenLineage events of each run (see pkg/lineage).
	Lineage *Lineage `json:"lineage,omitempty"`

	secrets []string // every value secret anywhere in the spec; see Secrets
	// modelTables are the tables the model files declare, by name (loadModels).
	modelTables map[string]*Table
}

// Source says where rows come from: the keys every source takes, and its kind's
// own (Config). A key every source takes is one more field here, tagged like
// Kind, and one more property of $defs.source in the schema file.
type Source struct {
	Kind string `json:"kind"`
	// Contract is every table's schema contract (files, bigquery), under each table's own.
	Contract *catalog.Contract `json:"contract,omitempty"`
	// Config holds the kind's own keys, decoded into the config type its package
	// registered (SourceConfig), its defaults filled.
	Config SourceConfig `json:"-"`

	Pos diag.Pos `json:"-"`
}

// Describe says what the source reads, in its kind's words (SourceConfig.Describe).
func (s Source) Describe() string {
	if s.Config == nil {
		return s.Kind
	}
	return s.Config.Describe()
}

// MarshalJSON writes the source as the spec does, its kind's keys beside its own.
func (s Source) MarshalJSON() ([]byte, error) {
	type common Source
	return flatJSON(common(s), s.Config)
}

// Warehouse is the DuckDB database every table is loaded into.
type Warehouse struct {
	Path string `json:"path"`
	// MemoryLimit is DuckDB's memory_limit, e.g. "2GB"; empty means warehouse.DefaultMemoryLimit.
	MemoryLimit string   `json:"memory_limit,omitempty"`
	Pos         diag.Pos `json:"-"`
}

// Lineage says where a run's OpenLineage events go: an HTTP receiver (URL and
// Endpoint under it) or a file of one JSON event per line, or both. The
// OPENLINEAGE_* environment variables override it; the API key comes only from there.
type Lineage struct {
	URL       string   `json:"url,omitempty"`
	Endpoint  string   `json:"endpoint,omitempty"`
	Namespace string   `json:"namespace,omitempty"`
	File      string   `json:"file,omitempty"`
	Pos       diag.Pos `json:"-"`
}

// Table is one table to move, with the spec's rules on top of its built-in model.
type Table struct {
	Name      string       `json:"name"`
	OnInvalid string       `json:"on_invalid"` // fail | drop | quarantine (default)
	Rules     []rules.Rule `json:"rules,omitempty"`
	// Enable switches on optional built-in rules by name (the relationships); Disable turns built-in rules off.
	Enable  []string `json:"enable,omitempty"`
	Disable []string `json:"disable,omitempty"`
	// OnDuplicate is what the key's unique rule does with a repeated key: quarantine_all
	// (empty, the default) sets every copy aside; keep_first loads the first copy in
	// source order and sets the later ones aside as <key>_duplicate.
	OnDuplicate string `json:"on_duplicate,omitempty"`
	// Where filters the source rows (pushed into the source's query); Limit caps them, for development.
	Where string `json:"where,omitempty"`
	Limit int64  `json:"limit,omitempty"`
	// Mode is snapshot (replace each run) or incremental (read past the watermark of
	// Cursor, minus Lookback, and merge on PrimaryKey).
	Mode       string `json:"mode,omitempty"`
	Cursor     string `json:"cursor,omitempty"`
	PrimaryKey string `json:"primary_key,omitempty"`
	Lookback   any    `json:"lookback,omitempty"` // "3d", "12h", "30m", "10s", or a whole number
	// CSV and OnMalformed override the files source's for this table.
	CSV         *CSV   `json:"csv,omitempty"`
	OnMalformed string `json:"on_malformed,omitempty"`
	// Contract is the table's schema contract, over the source's (files, bigquery).
	Contract *catalog.Contract `json:"contract,omitempty"`
	// MaxBytesBilled caps this table's query jobs (bigquery), over the source's; 0: the source's.
	MaxBytesBilled int64 `json:"max_bytes_billed,omitempty"`
	// Columns and Key declare the table's model in the spec, for any table; without
	// Columns the name must be one of thelook's seven and takes its built-in model.
	Columns []Column `json:"columns,omitempty"`
	Key     string   `json:"key,omitempty"`
	// Path is the files source's file of this table (default <dir>/<name>.<format>;
	// relative to dir); SourceTable the bigquery source's table in its dataset
	// (default the name).
	Path        string `json:"path,omitempty"`
	SourceTable string `json:"table,omitempty"`

	Pos diag.Pos `json:"-"`
}

// Column is one declared column: a BigQuery type name (catalog.Types) and whether
// it may be NULL.
type Column struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Required bool   `json:"required,omitempty"`
}

// Sink is one output block: the keys every sink takes, and its kind's own (Config).
type Sink struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Tables limits the sink to some tables; empty means every table of the spec.
	Tables []string `json:"tables,omitempty"`
	// Config holds the kind's own keys, decoded into the config type its package
	// registered (SinkConfig), its defaults filled.
	Config SinkConfig `json:"-"`

	Pos diag.Pos `json:"-"`
}

// Describe says where the sink writes, in its kind's words (SinkConfig.Describe).
func (k Sink) Describe() string {
	if k.Config == nil {
		return ""
	}
	return k.Config.Describe()
}

// MarshalJSON writes the sink as the spec does, its kind's keys beside its own.
func (k Sink) MarshalJSON() ([]byte, error) {
	type common Sink
	return flatJSON(common(k), k.Config)
}

// CSV is how the files source reads a CSV file. ecomrun decides it, never a sniffer:
// an empty key takes the default (the delimiter: the one of , ; tab | that splits the
// header into the model's column names). There is never a comment character.
type CSV struct {
	Delimiter string `json:"delimiter,omitempty"`
	Quote     string `json:"quote,omitempty"`    // default "
	Escape    string `json:"escape,omitempty"`   // default: the quote (a doubled quote)
	Header    *bool  `json:"header,omitempty"`   // default true; false: the model's columns in order
	Encoding  string `json:"encoding,omitempty"` // utf-8 (default) | latin-1
	// MaxLineSize is the longest record read, in bytes; a longer one is malformed. 0: 2,000,000.
	MaxLineSize int64 `json:"max_line_size,omitempty"`
}

// On-malformed policies of the files source.
const (
	OnMalformedQuarantine = "quarantine"
	OnMalformedFail       = "fail"
)

// Table modes.
const (
	ModeSnapshot    = "snapshot"
	ModeIncremental = "incremental"
)

// On-duplicate policies.
const (
	OnDuplicateQuarantineAll = "quarantine_all"
	OnDuplicateKeepFirst     = "keep_first"
)

// On-invalid policies.
const (
	OnInvalidFail       = "fail"
	OnInvalidDrop       = "drop"
	OnInvalidQuarantine = "quarantine"
)
