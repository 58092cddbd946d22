package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ecomrun/ecomrun/pkg/report"
)

// printOutputs lists what the sinks wrote, one line per output, except the empty
// quarantine files (a clean table still gets one, so readers find it), which are
// folded into one line per sink: they say nothing but that all went well.
func printOutputs(w io.Writer, outputs []report.Output) {
	tt := textTable{indent: "  ", right: []bool{false, false, true, true}}
	empty := map[string][]string{}
	var sinks []string
	for _, o := range outputs {
		if o.Rows == 0 && isQuarantineFile(o.Path) {
			if _, seen := empty[o.Sink]; !seen {
				sinks = append(sinks, o.Sink)
			}
			empty[o.Sink] = append(empty[o.Sink], o.Table)
			continue
		}
		tt.add(o.Sink, o.Path, fmt.Sprintf("%d rows", o.Rows), report.Bytes(o.Bytes))
	}
	for _, s := range sinks {
		tables := slices.Compact(slices.Sorted(slices.Values(empty[s])))
		tt.add(s, fmt.Sprintf("quarantine files empty: %s", strings.Join(tables, ", ")), "0 rows", "")
	}
	tt.write(w)
}

// isQuarantineFile says a path is a files sink's <table>.quarantine.<format>.
func isQuarantineFile(path string) bool {
	ext := filepath.Ext(path)
	return ext != "" && strings.HasSuffix(strings.TrimSuffix(path, ext), ".quarantine")
}
