// Package lineagetest helps tests check OpenLineage events: a validator against
// the specification's own JSON Schemas (copied under testdata, so no network and
// no path outside the repository) and a receiver on loopback that records what it is sent.
package lineagetest

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed testdata/openlineage/OpenLineage.json testdata/openlineage/facets/*.json
var schemas embed.FS

// RunEventSchema is the URL of the RunEvent's definition.
const RunEventSchema = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"

// Validator checks events against the specification's schemas.
type Validator struct {
	mu       sync.Mutex
	compiler *jsonschema.Compiler
	compiled map[string]*jsonschema.Schema
	known    map[string]bool // $id of every schema file
}

// NewValidator loads every schema of the specification, each under its $id.
func NewValidator() (*Validator, error) {
	v := &Validator{compiler: jsonschema.NewCompiler(), compiled: map[string]*jsonschema.Schema{}, known: map[string]bool{}}
	v.compiler.AssertFormat()
	err := fs.WalkDir(schemas, "testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := schemas.ReadFile(path)
		if err != nil {
			return err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		id, _ := doc.(map[string]any)["$id"].(string)
		v.known[id] = true
		return v.compiler.AddResource(id, doc)
	})
	return v, err
}

func (v *Validator) schema(url string) (*jsonschema.Schema, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if s, ok := v.compiled[url]; ok {
		return s, nil
	}
	s, err := v.compiler.Compile(url)
	if err == nil {
		v.compiled[url] = s
	}
	return s, err
}

// Validate checks one event: against the RunEvent schema, and each facet against
// the schema its _schemaURL names when that is one of the specification's (a
// custom facet is checked by the RunEvent schema as a base facet only). The
// facets' _schemaURL must name a definition, file#/$defs/Name.
func (v *Validator) Validate(event []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(event))
	if err != nil {
		return err
	}
	s, err := v.schema(RunEventSchema)
	if err != nil {
		return err
	}
	if err := s.Validate(inst); err != nil {
		return fmt.Errorf("RunEvent: %w", err)
	}
	var errs []string
	for _, f := range facets(inst) {
		url, _ := f["_schemaURL"].(string)
		file, _, _ := strings.Cut(url, "#")
		if !v.known[file] {
			if strings.HasPrefix(url, "https://openlineage.io/") {
				errs = append(errs, fmt.Sprintf("facet schema %s is not one of the specification's", url))
			}
			continue
		}
		fs, err := v.schema(url)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if err := fs.Validate(any(f)); err != nil {
			errs = append(errs, fmt.Sprintf("facet %s: %v", url, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}

// facets finds every facet of an event: the values of each facets, inputFacets
// and outputFacets object of the run, the job and the datasets.
func facets(inst any) []map[string]any {
	var out []map[string]any
	collect := func(m any) {
		fm, _ := m.(map[string]any)
		for _, f := range fm {
			if f, ok := f.(map[string]any); ok {
				out = append(out, f)
			}
		}
	}
	ev, _ := inst.(map[string]any)
	for _, k := range []string{"run", "job"} {
		if o, ok := ev[k].(map[string]any); ok {
			collect(o["facets"])
		}
	}
	for _, k := range []string{"inputs", "outputs"} {
		ds, _ := ev[k].([]any)
		for _, d := range ds {
			if d, ok := d.(map[string]any); ok {
				collect(d["facets"])
				collect(d["inputFacets"])
				collect(d["outputFacets"])
			}
		}
	}
	return out
}

// Event is a received event, decoded for assertions; facets stay raw, for the
// test to decode the ones it looks at.
type Event struct {
	EventType string `json:"eventType"`
	EventTime string `json:"eventTime"`
	Producer  string `json:"producer"`
	Run       struct {
		RunID  string                     `json:"runId"`
		Facets map[string]json.RawMessage `json:"facets"`
	} `json:"run"`
	Job struct {
		Namespace string                     `json:"namespace"`
		Name      string                     `json:"name"`
		Facets    map[string]json.RawMessage `json:"facets"`
	} `json:"job"`
	Inputs  []Dataset `json:"inputs"`
	Outputs []Dataset `json:"outputs"`
	// Raw is the event as it was sent.
	Raw []byte `json:"-"`
}

// Dataset is an input or output of a received event.
type Dataset struct {
	Namespace    string                     `json:"namespace"`
	Name         string                     `json:"name"`
	Facets       map[string]json.RawMessage `json:"facets"`
	InputFacets  map[string]json.RawMessage `json:"inputFacets"`
	OutputFacets map[string]json.RawMessage `json:"outputFacets"`
}

// Decode reads events, one JSON object each.
func Decode(raw [][]byte) ([]Event, error) {
	out := make([]Event, len(raw))
	for i, b := range raw {
		if err := json.Unmarshal(b, &out[i]); err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		out[i].Raw = b
	}
	return out, nil
}

// Receiver is an OpenLineage HTTP endpoint on loopback that records each event
// and the Authorization header it came with.
type Receiver struct {
	*httptest.Server
	mu     sync.Mutex
	events [][]byte
	auth   []string
	paths  []string
}

// NewReceiver starts a receiver; Close it when done.
func NewReceiver() *Receiver {
	r := &Receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, err := io.ReadAll(req.Body)
		if err != nil || req.Method != http.MethodPost {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.events = append(r.events, b)
		r.auth = append(r.auth, req.Header.Get("Authorization"))
		r.paths = append(r.paths, req.URL.Path)
		r.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	}))
	return r
}

// Events returns what was received so far, in order.
func (r *Receiver) Events() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.events...)
}

// Requests returns, per event, the path it was posted to and its Authorization header.
func (r *Receiver) Requests() (paths, auth []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.paths...), append([]string(nil), r.auth...)
}
