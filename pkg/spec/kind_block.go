package spec

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/ecomrun/ecomrun/pkg/diag"
)

// Block is a kind's block of a spec as its Check sees it: where each of its keys is
// written, and the spec around it. A Spec built in Go has no positions but the
// blocks' own (their Pos fields), and its checks report there.
type Block struct {
	// Spec is the whole spec: its tables and their models (Spec.Model).
	Spec   *Spec
	c      *checker
	path   []any    // where the block is in the document: "source", or "sinks", i
	pos    diag.Pos // the block's Pos
	tables []string
}

// At is the place of the value at key under the block: a key, then list indexes
// or keys below it ("partition_by", 2).
func (b *Block) At(key ...any) Place {
	return b.c.place(b.pos, append(slices.Clone(b.path), key...))
}

// Table is the place of the value at key under the spec's i-th table.
func (b *Block) Table(i int, key ...any) Place {
	return b.c.place(b.Spec.Tables[i].Pos, append([]any{"tables", i}, key...))
}

// Tables names the tables the block is about, in spec order: the tables a sink
// writes (all of them unless it names some), every table for a source.
func (b *Block) Tables() []string { return b.tables }

// Place is where a value is written.
type Place struct {
	Pos diag.Pos
	// reported says the schema or the interpolation has already found the value wrong.
	reported bool
}

// Errorf is a problem with the value at p, and detail what to do about it ("" for
// nothing to add). It is none when the value has been reported already: one
// mistake, one diagnostic.
func (p Place) Errorf(detail, format string, args ...any) diag.Diagnostics {
	if p.reported {
		return nil
	}
	return diag.Diagnostics{{Severity: diag.Error, Pos: p.Pos, Message: fmt.Sprintf(format, args...), Detail: detail}}
}

// place is where the value at path is, for a Block.
func (c *checker) place(fallback diag.Pos, path []any) Place {
	pos, ok := c.where(fallback, path)
	return Place{Pos: pos, reported: !ok}
}

// block is the Block of the value at path (its Pos fallback), about tables.
func (c *checker) block(fallback diag.Pos, tables []string, path ...any) *Block {
	return &Block{Spec: c.s, c: c, path: path, pos: fallback, tables: tables}
}

// sinkTables are the tables a sink writes: those it names, else all of the spec's.
func (c *checker) sinkTables(k Sink) []string {
	if len(k.Tables) > 0 {
		return k.Tables
	}
	return c.order
}

// kinds runs the Check of the source's and every sink's kind, on their configs with
// the defaults filled, which later checks read (sourceConfig, sinkConfigs).
func (c *checker) kinds() {
	src := c.s.Source
	if cfg, ok := c.config("source", src.Kind, src.Pos, []any{"source"}, src.Config, sourceKinds); ok {
		c.sourceConfig = cfg.(SourceConfig)
		c.diags = append(c.diags, c.sourceConfig.Check(c.block(src.Pos, c.order, "source"))...)
	}
	c.sinkConfigs = make([]SinkConfig, len(c.s.Sinks))
	for i, k := range c.s.Sinks {
		if cfg, ok := c.config("sink", k.Kind, k.Pos, []any{"sinks", i}, k.Config, sinkKinds); ok {
			c.sinkConfigs[i] = cfg.(SinkConfig)
			c.diags = append(c.diags, c.sinkConfigs[i].Check(c.block(k.Pos, c.sinkTables(k), "sinks", i))...)
		}
	}
}

// config returns a block's config with its defaults filled, or reports why there is
// none: an unknown kind (the schema has said so for a loaded spec), or a Spec built
// in Go whose config is not of its kind's type.
func (c *checker) config(what, kind string, pos diag.Pos, path []any, cfg any, r *registry) (any, bool) {
	k, known := r.lookup(kind)
	switch {
	case kind == "" && c.doc != nil:
		return nil, false // the schema has reported the missing kind
	case !known:
		c.report(pos, append(path, "kind"), "", "unknown %s kind %q", what, kind)
		return nil, false
	case cfg == nil:
		return WithDefaults(k.New()), true
	case reflect.TypeOf(cfg) != reflect.PointerTo(k.config):
		c.report(pos, path, "", "the %s's config is a %T, not kind %s's %T", what, cfg, kind, k.New())
		return nil, false
	}
	return WithDefaults(cfg), true
}

// CheckSource runs the Check of the source's kind as validate does, for the
// stages that build it (stages.NewSource): a Spec built in Go is refused as a
// loaded one is.
func (s *Spec) CheckSource() diag.Diagnostics {
	c := s.bareChecker()
	if cfg, ok := c.config("source", s.Source.Kind, s.Source.Pos, nil, s.Source.Config, sourceKinds); ok {
		c.diags = append(c.diags, cfg.(SourceConfig).Check(c.block(s.Source.Pos, c.order))...)
	}
	return c.diags
}

// CheckSink is CheckSource for a sink of s (stages.NewSink).
func (s *Spec) CheckSink(k Sink) diag.Diagnostics {
	c := s.bareChecker()
	if cfg, ok := c.config("sink", k.Kind, k.Pos, nil, k.Config, sinkKinds); ok {
		c.diags = append(c.diags, cfg.(SinkConfig).Check(c.block(k.Pos, c.sinkTables(k)))...)
	}
	return c.diags
}

// bareChecker is a checker of a Spec built in Go that knows its tables, for
// checking one block: the spec's own problems are Compile's to report.
func (s *Spec) bareChecker() *checker {
	c := &checker{s: s, edges: map[string][]edge{}}
	c.tableNames()
	c.diags = nil
	return c
}
