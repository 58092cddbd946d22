package spec

import (
	"slices"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/catalog"
	"github.com/ecomrun/ecomrun/pkg/diag"
	"github.com/ecomrun/ecomrun/pkg/rules"
)

// Compile turns a spec into a Plan: per table, in spec order, the effective rules and
// the stages extract -> validate -> load -> one stage per sink. It runs the semantic
// checks again, so a Spec built in Go rather than loaded gets the same guarantees the
// Plan relies on (every table has a model, every relationship's table is planned, no
// cycles); a Spec from Load passes them. It does not change s.
func Compile(s *Spec) (*Plan, diag.Diagnostics) {
	if diags := check(s, nil, nil).Sort(); diags.HasErrors() {
		return nil, diags
	}
	p := &Plan{Spec: s}
	for _, t := range s.Tables {
		p.Tables = append(p.Tables, planTable(s, t))
	}
	for i := range p.Tables {
		p.Tables[i].plan = p
		p.Stages = append(p.Stages, p.tableStages(p.Tables[i])...)
	}
	return p, nil
}

func planTable(s *Spec, t Table) TablePlan {
	m := s.Model(t.Name)
	tp := TablePlan{
		Name:      t.Name,
		Model:     m,
		Rules:     BuiltinRules(t, m),
		OnInvalid: onInvalid(t),
		Where:     t.Where,
		Limit:     t.Limit,
		Sinks:     []string{},
		Pos:       t.Pos,
	}
	tp.Rules = append(tp.Rules, t.NamedRules()...)
	tp.Incremental, _ = incremental(t, m)
	tp.CSV, tp.OnMalformed = t.CSV, t.OnMalformed
	if t.OnDuplicate == OnDuplicateKeepFirst {
		tp.OnDuplicate = OnDuplicateKeepFirst
	}
	tp.MaxBytesBilled = t.MaxBytesBilled
	if !fixedColumns(s.Source.Config) {
		tp.Contract = s.Contract(t)
	}
	tp.Path, tp.SourceTable = t.Path, t.SourceTable
	for _, k := range s.Sinks {
		if len(k.Tables) == 0 || slices.Contains(k.Tables, t.Name) {
			tp.Sinks = append(tp.Sinks, k.Name)
		}
	}
	return tp
}

// BuiltinRules are the model's rules a table runs: all but the disabled ones, and the
// optional ones only when enabled. They are copies placed at the table, so a report
// about one points at the table that switched it on. Under on_duplicate: keep_first
// the key's unique rule becomes <key>_duplicate, which sets aside every copy of a key
// but the first.
func BuiltinRules(t Table, m *catalog.Model) []rules.Rule {
	var rs []rules.Rule
	for _, r := range m.Rules {
		if slices.Contains(t.Disable, r.Name) || r.Optional && !slices.Contains(t.Enable, r.Name) {
			continue
		}
		r.Pos = t.Pos
		if t.OnDuplicate == OnDuplicateKeepFirst && r.Check == rules.Unique && r.Name == m.Key+"_unique" {
			r.Name, r.Check = m.Key+"_duplicate", rules.Duplicate
		}
		rs = append(rs, r)
	}
	return rs
}

// NamedRules are the table's own rules with their defaults: each named and with
// a severity, as the plan runs them.
func (t Table) NamedRules() []rules.Rule {
	rs := make([]rules.Rule, len(t.Rules))
	for j, r := range t.Rules {
		rs[j] = withDefaults(r, j+1)
	}
	return rs
}

// tableStages lists a table's stages. Validation waits for the load of every other
// table a relationship rule references, since it reads that table from the warehouse.
func (p *Plan) tableStages(t TablePlan) []Stage {
	extract, validate, load := StageExtract+"."+t.Name, StageValidate+"."+t.Name, StageLoad+"."+t.Name
	validateDeps := []string{extract}
	for _, r := range t.Rules {
		to, _, _ := strings.Cut(r.To, ".")
		if dep := StageLoad + "." + to; r.Check == rules.Relationship && to != t.Name && !slices.Contains(validateDeps, dep) {
			validateDeps = append(validateDeps, dep)
		}
	}
	stages := []Stage{
		{ID: extract, Kind: StageExtract, Table: t.Name, Pos: t.Pos},
		{ID: validate, Kind: StageValidate, Table: t.Name, DependsOn: validateDeps, Pos: t.Pos},
		{ID: load, Kind: StageLoad, Table: t.Name, DependsOn: []string{validate}, Pos: t.Pos},
	}
	for _, name := range t.Sinks {
		stages = append(stages, Stage{
			ID: StageSink + "." + name + "." + t.Name, Kind: StageSink, Table: t.Name, Sink: name,
			DependsOn: []string{load}, Pos: p.Sink(name).Pos,
		})
	}
	return stages
}

// Contract is a table's schema contract: each key from the first layer that says
// it, the table, the source, the model, then the default.
func (s *Spec) Contract(t Table) catalog.Contract {
	c := catalog.DefaultContract
	if m := s.Model(t.Name); m != nil {
		c = m.Contract.Over(c)
	}
	for _, layer := range []*catalog.Contract{s.Source.Contract, t.Contract} {
		if layer != nil {
			c = layer.Over(c)
		}
	}
	return c
}
