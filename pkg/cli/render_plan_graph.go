package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/plandiff"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// graph is a plan's DAG as the diagram formats draw it: a group per table, its
// stages in it, and, for a plan diff, a mark on what is added, removed or changed.
type graph struct {
	tables []string
	nodes  []graphNode
	edges  []graphEdge
}

type graphNode struct {
	id, table, label string
	mark             string // "", or a plandiff change kind
}

type graphEdge struct {
	from, to string
	cross    bool // between tables: a relationship rule waits for the other table's load
}

func planGraph(p *spec.Plan) graph {
	var g graph
	for _, t := range p.Tables {
		g.tables = append(g.tables, t.Name)
	}
	for _, s := range p.Stages {
		g.addStage(s, "")
	}
	return g
}

func (g *graph) addStage(s spec.Stage, mark string) {
	label := s.Kind
	if s.Sink != "" {
		label = "sink " + s.Sink
	}
	g.nodes = append(g.nodes, graphNode{id: s.ID, table: s.Table, label: label, mark: mark})
	for _, d := range s.DependsOn {
		e := graphEdge{from: d, to: s.ID, cross: !strings.HasSuffix(d, "."+s.Table)}
		if !slices.Contains(g.edges, e) {
			g.edges = append(g.edges, e)
		}
	}
}

// diffGraph draws the new plan with the old plan's removed stages kept, so a
// reviewer sees both what goes and what comes. The stages of a changed table are
// marked changed; a stage only one plan has is added or removed.
func diffGraph(old, new *spec.Plan, d *plandiff.Diff) graph {
	change := map[string]string{}
	for _, t := range d.Tables {
		change[t.Name] = t.Change
	}
	inOld := map[string]bool{}
	for _, s := range old.Stages {
		inOld[s.ID] = true
	}
	var g graph
	for _, t := range new.Tables {
		g.tables = append(g.tables, t.Name)
	}
	for _, t := range old.Tables {
		if !slices.Contains(g.tables, t.Name) {
			g.tables = append(g.tables, t.Name)
		}
	}
	var inNew = map[string]bool{}
	for _, s := range new.Stages {
		inNew[s.ID] = true
		mark := change[s.Table]
		if !inOld[s.ID] {
			mark = plandiff.Added
		}
		g.addStage(s, mark)
	}
	for _, s := range old.Stages {
		if !inNew[s.ID] {
			g.addStage(s, plandiff.Removed)
		}
	}
	// Keep the table groups in table order, each table's stages in plan order.
	slices.SortStableFunc(g.nodes, func(a, b graphNode) int {
		return slices.Index(g.tables, a.table) - slices.Index(g.tables, b.table)
	})
	return g
}

// nodeID makes a stage id safe as a Mermaid id: letters, digits and underscores.
func nodeID(id string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, id)
}

// mermaidText escapes a label for Mermaid's quoted strings.
func mermaidText(s string) string { return strings.ReplaceAll(s, `"`, "#quot;") }

// printMermaid writes a Mermaid flowchart, which GitHub draws inside a
// ```mermaid block of a pull request comment.
func printMermaid(w io.Writer, g graph) {
	fmt.Fprintln(w, "flowchart LR")
	for _, t := range g.tables {
		fmt.Fprintf(w, "  subgraph %s [\"%s\"]\n", nodeID("table."+t), mermaidText(t))
		for _, n := range g.nodes {
			if n.table == t {
				fmt.Fprintf(w, "    %s[\"%s\"]\n", nodeID(n.id), mermaidText(n.label))
			}
		}
		fmt.Fprintln(w, "  end")
	}
	for _, e := range g.edges {
		arrow := "-->"
		if e.cross {
			arrow = "-.->"
		}
		fmt.Fprintf(w, "  %s %s %s\n", nodeID(e.from), arrow, nodeID(e.to))
	}
	marked := map[string][]string{}
	for _, n := range g.nodes {
		if n.mark != "" {
			marked[n.mark] = append(marked[n.mark], nodeID(n.id))
		}
	}
	for _, m := range []struct{ mark, style string }{
		{plandiff.Added, "fill:#dafbe1,stroke:#1a7f37,color:#1a7f37"},
		{plandiff.Changed, "fill:#fff8c5,stroke:#9a6700,color:#9a6700"},
		{plandiff.Removed, "fill:#ffebe9,stroke:#cf222e,color:#cf222e,stroke-dasharray:4 3"},
	} {
		if ids := marked[m.mark]; len(ids) > 0 {
			fmt.Fprintf(w, "  classDef %s %s\n", m.mark, m.style)
			fmt.Fprintf(w, "  class %s %s\n", strings.Join(ids, ","), m.mark)
		}
	}
}

// printDot writes the DAG for Graphviz: a cluster per table, dashed edges
// between tables, and for a diff the marks as colours.
func printDot(w io.Writer, name string, g graph) {
	q := func(s string) string { return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"` }
	fmt.Fprintf(w, "digraph %s {\n", q(name))
	fmt.Fprintln(w, "  rankdir=LR;")
	fmt.Fprintln(w, `  node [shape=box, style="rounded", fontname="Helvetica"];`)
	colors := map[string]string{plandiff.Added: "#1a7f37", plandiff.Changed: "#9a6700", plandiff.Removed: "#cf222e"}
	for _, t := range g.tables {
		fmt.Fprintf(w, "  subgraph %s {\n    label=%s;\n", q("cluster_"+t), q(t))
		for _, n := range g.nodes {
			if n.table != t {
				continue
			}
			attrs := "label=" + q(n.label)
			if c, ok := colors[n.mark]; ok {
				attrs += fmt.Sprintf(", color=%s, fontcolor=%s, tooltip=%s", q(c), q(c), q(n.mark))
				if n.mark == plandiff.Removed {
					attrs += `, style="rounded,dashed"`
				}
			}
			fmt.Fprintf(w, "    %s [%s];\n", q(n.id), attrs)
		}
		fmt.Fprintln(w, "  }")
	}
	for _, e := range g.edges {
		attrs := ""
		if e.cross {
			attrs = " [style=dashed]"
		}
		fmt.Fprintf(w, "  %s -> %s%s;\n", q(e.from), q(e.to), attrs)
	}
	fmt.Fprintln(w, "}")
}
