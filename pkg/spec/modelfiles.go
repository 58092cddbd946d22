package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/diag"
	"github.com/ecomrun/ecomrun/pkg/rules"
)

// A model file, named by the spec's models, lists table models with the keys a spec
// table declares its model with (name, key, columns, rules), so that specs share them:
//
//	- name: customers
//	  key: customer_id
//	  columns: [{name: customer_id, type: INT64, required: true}, ...]
//	  rules: [{check: range, column: lifetime_value, min: 0}]
//
// A spec table without columns takes the model of its name from the model files, over
// thelook's built-in model of that name; one with columns keeps its own. The model
// file's rules are the model's built-in rules (disable turns one off; a relationship
// is optional, as thelook's are, and enable turns it on). Model files are read as
// written: ${VAR} is not interpolated in them.

// modelFile is one model file as read: its document, whose root is a mapping that
// holds the file's list under both "models" (the schema's locations) and "tables"
// (the checker's paths), and the tables it declares.
type modelFile struct {
	doc    *document
	tables []Table
}

// loadModels reads the model files the spec names, checks each against the schema's
// model_file and the checks of a declared table, and keeps their tables in
// s.modelTables. Problems are reported in the model file, at FILE:LINE:COL; a glob
// that matches nothing is reported at the spec's entry.
func (s *Spec) loadModels(doc *document, b *binder) diag.Diagnostics {
	var diags diag.Diagnostics
	if len(s.Models) == 0 {
		return nil
	}
	dir := filepath.Dir(doc.file)
	var files []string
	named := map[string]diag.Pos{} // a file's first entry in models, where a file that cannot be read is reported
	for i, pattern := range s.Models {
		n, _ := doc.lookup("models", i)
		at := doc.pos(n)
		if doc.bad[n] || pattern == "" {
			continue
		}
		path := pattern
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		if !strings.ContainsAny(pattern, "*?[") {
			if !slices.Contains(files, path) {
				files = append(files, path)
				named[path] = at
			}
			continue
		}
		matches, err := filepath.Glob(path)
		switch {
		case err != nil:
			diags.Errorf(at, "models[%d]: %q is not a valid glob: %v", i, pattern, err)
		case len(matches) == 0:
			detail := "paths are relative to the spec's folder"
			if !filepath.IsAbs(pattern) && dir != "." {
				detail += ", " + dir
			}
			diags = append(diags, diag.Diagnostic{Severity: diag.Error, Pos: at,
				Message: fmt.Sprintf("models[%d]: %q matches no file", i, pattern), Detail: detail})
		}
		for _, m := range matches {
			if !slices.Contains(files, m) {
				files = append(files, m)
				named[m] = at
			}
		}
	}
	s.modelTables = map[string]*Table{}
	var mfs []*modelFile
	for _, path := range files {
		mf, more, err := readModelFile(path)
		if err != nil {
			diags.Errorf(named[path], "model file %s: %v", relativeTo(dir, path), err)
			continue
		}
		diags = append(diags, more...)
		if mf == nil {
			continue
		}
		mfs = append(mfs, mf)
		for i := range mf.tables {
			t := &mf.tables[i]
			if t.Name == "" {
				continue // the schema has reported it
			}
			if first, dup := s.modelTables[t.Name]; dup {
				n, _ := mf.doc.lookup("tables", i, "name")
				diags = append(diags, diag.Diagnostic{Severity: diag.Error, Pos: mf.doc.pos(n),
					Message: fmt.Sprintf("table %q is declared by two model files", t.Name),
					Detail:  fmt.Sprintf("first declared at %s:%d:%d", first.Pos.File, first.Pos.Line, first.Pos.Col)})
				continue
			}
			s.modelTables[t.Name] = t
		}
	}
	for _, mf := range mfs {
		diags = append(diags, s.checkModelFile(mf, b)...)
	}
	return diags
}

// readModelFile reads, parses, checks against the schema and decodes one model
// file; err says why it could not be read at all (reported at the spec's entry).
func readModelFile(path string) (*modelFile, diag.Diagnostics, error) {
	src, err := ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = errors.New("not found")
		}
		return nil, nil, err
	}
	doc, diags := parseAs(path, src, "a model file lists tables: - {name: ..., columns: [...]}", "a model file")
	if diags.HasErrors() {
		return nil, diags, nil
	}
	root := doc.root
	doc.root = &node{Kind: mappingNode, Content: []*node{
		{Kind: scalarNode, Value: "models"}, root,
		{Kind: scalarNode, Value: "tables"}, root,
	}}
	v, more := convertModelFile(doc, root)
	diags = append(diags, more...)
	if more.HasErrors() {
		return nil, diags, nil
	}
	more = validateAgainst(loadSchema().modelFile, doc, v, []string{"models"})
	diags = append(diags, more...)
	mf := &modelFile{doc: doc}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, diags, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	_ = dec.Decode(&mf.tables) // a value of the wrong type is skipped; the schema has reported it
	placeTables(doc, mf.tables)
	for i := range mf.tables {
		for j, r := range mf.tables[i].Rules {
			mf.tables[i].Rules[j] = withDefaults(r, j+1)
		}
	}
	return mf, diags, nil
}

// convertModelFile turns the file's list (root) into a JSON-like value.
func convertModelFile(doc *document, root *node) (any, diag.Diagnostics) {
	c := &converter{doc: doc, left: maxValues}
	return c.value(root), c.diags
}

// checkModelFile runs a declared table's checks on each table of a model file: its
// columns, key and rules, at their places in the file. A relationship rule is checked
// when a spec enables it.
func (s *Spec) checkModelFile(mf *modelFile, b *binder) diag.Diagnostics {
	sub := &Spec{Source: s.Source, Tables: mf.tables}
	c := &checker{s: sub, doc: mf.doc, edges: map[string][]edge{}, bind: b, sourceConfig: s.Source.Config}
	for i := range mf.tables {
		t := &mf.tables[i]
		c.declaration(i, t)
		if t.Name == "" || len(t.Columns) == 0 {
			continue
		}
		m := sub.Model(t.Name)
		seen := map[string]int{}
		for _, r := range m.Rules {
			seen[r.Name] = -1
		}
		for j, r := range t.Rules {
			at := func(field string) []any { return []any{"tables", i, "rules", j, field} }
			if r.Check != rules.Relationship {
				c.rule(t, m, r, at)
			}
			switch earlier, dup := seen[r.Name]; {
			case r.Name == "":
			case dup && earlier < 0:
				c.report(r.Pos, at("name"), "rename it: required and key derive these names",
					"rule %q of table %s has the name of a rule its columns derive", r.Name, t.Name)
			case dup:
				c.report(r.Pos, at("name"), c.firstAt(t.Rules[earlier].Pos, []any{"tables", i, "rules", earlier, "name"}),
					"duplicate rule %q in table %s", r.Name, t.Name)
			default:
				seen[r.Name] = j
			}
		}
	}
	return c.diags
}

// ModelFile is the model file that declares the table's model, "" when none does.
func (s *Spec) ModelFile(table string) string {
	if t, ok := s.modelTables[table]; ok {
		return t.Pos.File
	}
	return ""
}

// modelOf is the model a model file declares for the table, with the file's rules
// as built-in rules, or nil.
func (s *Spec) modelOf(table string) *catalog.Model {
	t, ok := s.modelTables[table]
	if !ok {
		return nil
	}
	m := declaredModel(*t)
	for _, r := range t.Rules {
		r.Builtin = true
		r.Optional = r.Check == rules.Relationship
		m.Rules = append(m.Rules, r)
	}
	return m
}

// relativeTo is path as the spec's folder dir sees it, when it is inside it.
func relativeTo(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}
