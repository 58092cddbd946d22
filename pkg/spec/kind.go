package spec

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/ecomrun/ecomrun/pkg/diag"
	"github.com/ecomrun/ecomrun/pkg/sqlexpr"
)

// A source or sink kind is one registration: its name, the typed config its block
// decodes into (its keys, defaults and JSON Schema come from the struct's tags, see
// kind_config.go), the checks the schema cannot express (Check, which validate and
// the stages' build both run) and what plan shows of it (Describe). The packages
// that build stages register their kinds (stages.RegisterSource, stages.RegisterSink
// call the functions here), so a kind's knowledge sits in one file there: spec
// cannot import them, and knows kinds only through this registry.

// SourceConfig is a source kind's own keys (those besides Source's common ones),
// decoded into its struct: a pointer to a struct whose exported fields carry the
// tags kind_config.go reads.
type SourceConfig interface {
	// Check reports what the schema cannot say about the block: b says where
	// its keys are written and gives the spec around it.
	Check(b *Block) diag.Diagnostics
	// Describe says in a few words what the source reads, for plan.
	Describe() string
}

// SinkConfig is a sink kind's own keys (those besides Sink's common ones); see SourceConfig.
type SinkConfig interface {
	Check(b *Block) diag.Diagnostics
	// Describe says where the sink writes (a path, a URL, a database), for plan.
	Describe() string
	// Writes lists the places the sink writes the given tables to, so that the
	// spec's check refuses two outputs that would overwrite each other.
	Writes(tables []string) []Output
}

// Optional abilities of a source config, which spec's checks and plan ask for by
// type assertion.

// TableKeysReader is a source config that reads keys of the spec's tables besides
// the common ones (the files source reads a table's path, csv and on_malformed): a
// table key that some source kind reads is refused under a source that does not.
type TableKeysReader interface {
	TableKeys() []string
}

// WhereDialect is a source config that reads with a query of its own, in the SQL
// dialect it names: a table's where: is rendered, so checked, in it.
type WhereDialect interface {
	WhereDialect() sqlexpr.Dialect
}

// RulesElsewhere is a source config that may run the rules itself (bigquery's
// validate: bigquery): then they are not bound in DuckDB.
type RulesElsewhere interface {
	RulesInSource() bool
}

// FixedColumns is a source config whose columns are always its models' (the
// generator): nothing can drift, so its tables take no schema contract.
type FixedColumns interface {
	FixedColumns() bool
}

// TableDescriber is a source config with more to say in plan about how it reads
// a table (the files source: its CSV dialect): a heading, the same for every
// table, and the words for the table; an empty heading says nothing.
type TableDescriber interface {
	DescribeTable(t *TablePlan) (heading, words string)
}

// Output is a place a sink (or the warehouse) writes and owns: a file or folder on
// disk, or a place elsewhere (an object-store prefix, a database).
type Output struct {
	// Key is the key of the block whose value names the place, for the position.
	Key string
	// Path is a file or folder on disk as written (relative to the working folder);
	// URL is a place elsewhere, compared as text. One of them is set.
	Path, URL string
	// Folder says the sink owns everything under the place, not just the place.
	Folder bool
	// Fix says how to keep two outputs apart; empty for the general advice.
	Fix string
}

// Kind is a registered source or sink kind.
type Kind struct {
	Name string
	// Doc says in a few words what the kind is, for the schema's kind description.
	Doc    string
	config reflect.Type // the struct its config points to
}

// Key is one of a kind's own keys, as its config struct's tags say.
type Key struct {
	Name, Doc string
	Required  bool
	// Enum lists the values the key takes, when the schema lists them.
	Enum []string
	// Example is a value for a required key, which a test writes in a minimal spec.
	Example string
}

// Keys lists the kind's own keys, in the order of its config struct.
func (k Kind) Keys() []Key {
	var keys []Key
	for _, f := range fieldsOf(k.config) {
		key := Key{Name: f.key, Doc: f.doc, Required: f.required, Example: f.example}
		for _, r := range f.rules {
			if r[0] == "enum" {
				key.Enum = strings.Split(r[1], "|")
			}
		}
		keys = append(keys, key)
	}
	return keys
}

// keyNames are the names of the kind's own keys.
func (k Kind) keyNames() []string {
	var names []string
	for _, key := range k.Keys() {
		names = append(names, key.Name)
	}
	return names
}

// New returns a zero config of the kind: a pointer to its struct.
func (k Kind) New() any { return reflect.New(k.config).Interface() }

// registry is the kinds of one block (sources, or sinks) by name.
type registry struct {
	mu    sync.Mutex
	what  string
	kinds map[string]Kind
}

var (
	sourceKinds = &registry{what: "source", kinds: map[string]Kind{}}
	sinkKinds   = &registry{what: "sink", kinds: map[string]Kind{}}
)

// RegisterSource makes a source kind known to specs: zero is a nil pointer of its
// config type. A duplicate name, or a config struct whose tags do not read, is a
// programming error and panics, at init.
func RegisterSource(name, doc string, zero SourceConfig) { sourceKinds.add(name, doc, zero) }

// RegisterSink makes a sink kind known to specs; see RegisterSource.
func RegisterSink(name, doc string, zero SinkConfig) { sinkKinds.add(name, doc, zero) }

func (r *registry) add(name, doc string, zero any) {
	t := reflect.TypeOf(zero)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("spec: %s kind %s: the config must be a pointer to a struct, not %v", r.what, name, t))
	}
	if err := checkFields(t.Elem()); err != nil {
		panic(fmt.Sprintf("spec: %s kind %s: %v", r.what, name, err))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.kinds[name]; dup {
		panic("spec: " + r.what + " kind registered twice: " + name)
	}
	r.kinds[name] = Kind{Name: name, Doc: doc, config: t.Elem()}
}

// list returns the kinds sorted by name, so everything made from them (the
// schema, messages) is the same on every run whatever the order of registration.
func (r *registry) list() []Kind {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Kind, 0, len(r.kinds))
	for _, k := range r.kinds {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b Kind) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func (r *registry) lookup(name string) (Kind, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k, ok := r.kinds[name]
	return k, ok
}

// SourceKinds lists the registered source kinds by name.
func SourceKinds() []Kind { return sourceKinds.list() }

// SinkKinds lists the registered sink kinds by name.
func SinkKinds() []Kind { return sinkKinds.list() }
