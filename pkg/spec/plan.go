package spec

import (
	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/diag"
	"github.com/ecomrun/ecomrun/pkg/rules"
)

// Plan is a checked spec compiled into stages: per table extract -> validate -> load
// -> one stage per sink. Stages of different tables share no edges unless a
// relationship rule makes a table's validation wait for the table it references.
type Plan struct {
	Spec   *Spec       `json:"-"`
	Tables []TablePlan `json:"tables"`
	Stages []Stage     `json:"stages"`
}

// TablePlan is what the engine needs to move one table.
type TablePlan struct {
	Name  string         `json:"name"`
	Model *catalog.Model `json:"-"`
	// Rules are the effective rules: the model's (less disabled, optional ones only when
	// enabled) then the spec's, every one named and with a severity.
	Rules     []rules.Rule `json:"rules"`
	OnInvalid string       `json:"on_invalid"`
	Where     string       `json:"where,omitempty"`
	Limit     int64        `json:"limit,omitempty"`
	// OnDuplicate is keep_first when the key's unique rule keeps the first copy
	// (the rule is then <key>_duplicate); empty for quarantine_all.
	OnDuplicate string `json:"on_duplicate,omitempty"`
	// Incremental is set for tables in incremental mode.
	Incremental *Incremental `json:"incremental,omitempty"`
	// CSV and OnMalformed are the table's own files-source settings (see stages.FilesConfig.CSVOf).
	CSV         *CSV   `json:"csv,omitempty"`
	OnMalformed string `json:"on_malformed,omitempty"`
	// Contract is the table's schema contract, every key decided: the table's over the
	// source's over the model's over catalog.DefaultContract; zero for the generator,
	// whose columns never drift.
	Contract catalog.Contract `json:"contract,omitzero"`
	// MaxBytesBilled is the table's own cap on its query jobs' bytes (bigquery); 0: the source's.
	MaxBytesBilled int64 `json:"max_bytes_billed,omitempty"`
	// Path is the files source's file of the table, SourceTable the bigquery
	// source's table, when the spec names them (Table.Path, Table.SourceTable).
	Path        string `json:"path,omitempty"`
	SourceTable string `json:"table,omitempty"`
	// Sinks names the sinks this table is written to, in spec order.
	Sinks []string `json:"sinks"`
	// Pos is where the spec lists the table.
	Pos diag.Pos `json:"-"`

	plan *Plan // the plan the table belongs to; see Other
}

// Other returns another table of the table's plan, or nil (a TablePlan built by
// hand belongs to no plan).
func (t *TablePlan) Other(name string) *TablePlan {
	if t.plan == nil {
		return nil
	}
	return t.plan.Table(name)
}

// Stage kinds.
const (
	StageExtract  = "extract"
	StageValidate = "validate"
	StageLoad     = "load"
	StageSink     = "sink"
)

// Stage is one node of the DAG.
type Stage struct {
	// ID is "<kind>.<table>" or, for sinks, "sink.<sink>.<table>".
	ID        string   `json:"id"`
	Kind      string   `json:"kind"`
	Table     string   `json:"table"`
	Sink      string   `json:"sink,omitempty"`
	DependsOn []string `json:"depends_on,omitempty"`
	// Pos is where the spec defines what the stage does: the table, or the sink.
	Pos diag.Pos `json:"-"`
}

// Table returns the plan of the named table, or nil.
func (p *Plan) Table(name string) *TablePlan {
	for i := range p.Tables {
		if p.Tables[i].Name == name {
			return &p.Tables[i]
		}
	}
	return nil
}

// Sink returns the named sink of the spec, or nil.
func (p *Plan) Sink(name string) *Sink {
	for i := range p.Spec.Sinks {
		if p.Spec.Sinks[i].Name == name {
			return &p.Spec.Sinks[i]
		}
	}
	return nil
}
