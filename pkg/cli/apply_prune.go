package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/ecomrun/ecomrun/pkg/engine"
)

// orphanList collects what apply heard of the tables the spec no longer names.
type orphanList struct {
	mu   sync.Mutex
	list []engine.Orphan
}

func (l *orphanList) add(o engine.Orphan) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, o)
}

// print says which dropped tables were pruned and which keep their outputs. A
// prune that failed is among the run's errors; here it is one of those kept.
func (l *orphanList) print(w io.Writer) {
	var kept, pruned []string
	for _, o := range l.list {
		if o.Pruned {
			pruned = append(pruned, o.Table)
		} else {
			kept = append(kept, o.Table)
		}
	}
	if len(pruned) > 0 {
		fmt.Fprintf(w, "\nPruned (no longer in the spec): %s: warehouse table, quarantine, state and every sink's outputs removed\n", strings.Join(pruned, ", "))
	}
	if len(kept) > 0 {
		fmt.Fprintf(w, "\nNo longer in the spec, outputs remain: %s (apply --prune removes them)\n", strings.Join(kept, ", "))
	}
}
