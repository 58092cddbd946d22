package lineage

import "time"

// The schema versions of the OpenLineage specification the events follow (the
// copies in lineagetest/testdata/openlineage are the same files).
const (
	specURL    = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
	facetsBase = "https://openlineage.io/spec/facets/"
)

// Event types of a run's life: one START, then one of COMPLETE, FAIL or ABORT.
const (
	Start    = "START"
	Complete = "COMPLETE"
	Fail     = "FAIL"
	Abort    = "ABORT"
)

// RunEvent is OpenLineage's RunEvent: a job's run changed state, with the datasets it read and wrote.
type RunEvent struct {
	EventType string    `json:"eventType"`
	EventTime time.Time `json:"eventTime"`
	Producer  string    `json:"producer"`
	SchemaURL string    `json:"schemaURL"`
	Run       Run       `json:"run"`
	Job       Job       `json:"job"`
	Inputs    []Dataset `json:"inputs"`
	Outputs   []Dataset `json:"outputs"`
}

// Run is a run of a job, by its UUID.
type Run struct {
	RunID  string         `json:"runId"`
	Facets map[string]any `json:"facets,omitempty"`
}

// Job is what runs: a pipeline (<pipeline>) or one of its tables (<pipeline>.<table>).
type Job struct {
	Namespace string         `json:"namespace"`
	Name      string         `json:"name"`
	Facets    map[string]any `json:"facets,omitempty"`
}

// Dataset is an input or an output, named by OpenLineage's naming conventions.
type Dataset struct {
	Namespace    string         `json:"namespace"`
	Name         string         `json:"name"`
	Facets       map[string]any `json:"facets,omitempty"`
	InputFacets  map[string]any `json:"inputFacets,omitempty"`
	OutputFacets map[string]any `json:"outputFacets,omitempty"`
}

// facet is the part every facet has: who wrote it and which schema it follows.
type facet struct {
	Producer  string `json:"_producer"`
	SchemaURL string `json:"_schemaURL"`
}

func (b *builder) facet(version, name string) facet {
	return facet{Producer: b.producer, SchemaURL: facetsBase + version + "/" + name + ".json#/$defs/" + name}
}

type schemaFacet struct {
	facet
	Fields []Field `json:"fields"`
}

// Field is one column of a schema facet.
type Field struct {
	Name            string `json:"name"`
	Type            string `json:"type"`
	OrdinalPosition int    `json:"ordinal_position"`
}

type outputStatisticsFacet struct {
	facet
	RowCount  int64  `json:"rowCount"`
	Size      *int64 `json:"size,omitempty"`
	FileCount *int64 `json:"fileCount,omitempty"`
}

type dataQualityMetricsFacet struct {
	facet
	RowCount      int64                    `json:"rowCount"`
	ColumnMetrics map[string]ColumnMetrics `json:"columnMetrics"`
}

// ColumnMetrics are the counts of one column of the rows evaluated.
type ColumnMetrics struct {
	NullCount int64 `json:"nullCount"`
}

type dataQualityAssertionsFacet struct {
	facet
	Assertions []Assertion `json:"assertions"`
}

// Assertion is one rule and whether every row kept it.
type Assertion struct {
	Assertion string `json:"assertion"`
	Success   bool   `json:"success"`
	Column    string `json:"column,omitempty"`
	Severity  string `json:"severity,omitempty"`
	Name      string `json:"name,omitempty"`
	Expected  string `json:"expected,omitempty"`
	Actual    string `json:"actual,omitempty"`
	Content   string `json:"content,omitempty"`
	// ContentType says what Content is: "expression" for a SQL condition.
	ContentType string `json:"contentType,omitempty"`
}

type errorMessageFacet struct {
	facet
	Message             string `json:"message"`
	ProgrammingLanguage string `json:"programmingLanguage"`
}

type processingEngineFacet struct {
	facet
	Version                   string `json:"version"`
	Name                      string `json:"name"`
	OpenlineageAdapterVersion string `json:"openlineageAdapterVersion"`
	// DuckDBVersion is ecomrun's own field (facets may carry more): the engine under it.
	DuckDBVersion string `json:"duckdbVersion,omitempty"`
}

type jobTypeFacet struct {
	facet
	ProcessingType string `json:"processingType"`
	Integration    string `json:"integration"`
	JobType        string `json:"jobType"`
}

type parentFacet struct {
	facet
	Run  parentRun `json:"run"`
	Job  parentJob `json:"job"`
	Root *root     `json:"root,omitempty"`
}

type parentRun struct {
	RunID string `json:"runId"`
}

type parentJob struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

type root struct {
	Run parentRun `json:"run"`
	Job parentJob `json:"job"`
}

// ecomrunFacet ties the event to ecomrun's own run id (in the report, the
// quarantine's _run_id, the sinks' manifests) and the spec file.
type ecomrunFacet struct {
	facet
	RunID string `json:"runId"`
	Spec  string `json:"spec,omitempty"`
}
