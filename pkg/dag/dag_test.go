package dag

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// chain builds a -> b -> c per table (b waits for a), for n tables.
func pipeline(tables ...string) *Graph {
	g := New()
	for _, t := range tables {
		g.Add("extract." + t)
		g.Add("load." + t)
		g.Add("sink." + t)
		_ = g.Connect("load."+t, "extract."+t)
		_ = g.Connect("sink."+t, "load."+t)
	}
	return g
}

func TestValidateReportsCycle(t *testing.T) {
	g := New()
	for _, id := range []string{"a", "b", "c"} {
		g.Add(id)
	}
	_ = g.Connect("a", "b")
	_ = g.Connect("b", "c")
	_ = g.Connect("c", "a")
	err := g.Validate()
	if err == nil || err.Error() != "dag: cycle: a -> b -> c -> a" {
		t.Fatalf("Validate() = %v, want the cycle a -> b -> c -> a", err)
	}
	if err := pipeline("x", "y").Validate(); err != nil {
		t.Fatalf("Validate() on a DAG = %v", err)
	}
	if err := g.Connect("a", "nope"); err == nil {
		t.Fatal("Connect to an unknown node succeeded")
	}
}

func TestWalkRunsInDependencyOrder(t *testing.T) {
	g := pipeline("a", "b", "c")
	var mu sync.Mutex
	var order []string
	out := Walk(context.Background(), g, 2, func(ctx context.Context, id string) error {
		mu.Lock()
		order = append(order, id)
		mu.Unlock()
		return nil
	})
	pos := map[string]int{}
	for i, id := range order {
		pos[id] = i
	}
	if len(order) != 9 {
		t.Fatalf("ran %d nodes, want 9: %v", len(order), order)
	}
	for _, id := range g.Nodes() {
		if out[id].Status != Succeeded {
			t.Errorf("%s: %s", id, out[id].Status)
		}
		for _, d := range g.DependsOn(id) {
			if pos[d] > pos[id] {
				t.Errorf("%s ran before its dependency %s", id, d)
			}
		}
	}
}

// With one node at a time, the ready node heading the heaviest chain runs first
// and equals run in insertion order: the big table's chain starts at once, a node
// that a heavy one waits for goes before its own weight says, and a dependency is
// never passed over.
func TestWalkStartsTheHeaviestReadyNodeFirst(t *testing.T) {
	for _, tc := range []struct {
		weights map[string]int64
		want    string
	}{
		{nil, "extract.a extract.b extract.c load.a load.b sink.a load.c sink.b sink.c"},
		{map[string]int64{"extract.b": 9, "load.b": 9, "sink.b": 9, "extract.c": 5, "sink.c": 5},
			"extract.b load.b extract.c sink.b extract.a load.a load.c sink.c sink.a"},
		{map[string]int64{"extract.a": 1, "sink.c": 20, "extract.b": 10}, // c waits for a
			"extract.a extract.c load.a load.c sink.c extract.b sink.a load.b sink.b"},
	} {
		g := pipeline("a", "b", "c")
		_ = g.Connect("load.c", "load.a")
		for id, w := range tc.weights {
			g.Weigh(id, w)
		}
		var order []string
		Walk(context.Background(), g, 1, func(ctx context.Context, id string) error {
			order = append(order, id)
			return nil
		})
		if got := strings.Join(order, " "); got != tc.want {
			t.Errorf("weights %v: ran %s, want %s", tc.weights, got, tc.want)
		}
	}
}

func TestWalkFailureSkipsOnlyDependents(t *testing.T) {
	g := pipeline("good", "bad")
	boom := errors.New("boom")
	out := Walk(context.Background(), g, 4, func(ctx context.Context, id string) error {
		if id == "extract.bad" {
			return boom
		}
		return nil
	})
	want := map[string]Outcome{
		"extract.good": {Status: Succeeded}, "load.good": {Status: Succeeded}, "sink.good": {Status: Succeeded},
		"extract.bad": {Status: Failed, Err: boom},
		"load.bad":    {Status: Skipped, Cause: "extract.bad"},
		"sink.bad":    {Status: Skipped, Cause: "extract.bad"}, // the root cause, not load.bad
	}
	for id, w := range want {
		if got := out[id]; got != w {
			t.Errorf("%s = %+v, want %+v", id, got, w)
		}
	}
}

func TestWalkBoundsParallelism(t *testing.T) {
	g := New()
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
		g.Add(id)
	}
	var now, peak atomic.Int32
	Walk(context.Background(), g, 2, func(ctx context.Context, id string) error {
		n := now.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(5 * time.Millisecond)
		now.Add(-1)
		return nil
	})
	if p := peak.Load(); p != 2 {
		t.Fatalf("peak concurrency %d, want 2", p)
	}
}

func TestWalkCancelStopsAndMarksTheRest(t *testing.T) {
	g := pipeline("a")
	ctx, cancel := context.WithCancel(context.Background())
	out := Walk(ctx, g, 1, func(ctx context.Context, id string) error {
		if id == "extract.a" {
			cancel()
			<-ctx.Done()
			return ctx.Err()
		}
		t.Errorf("%s started after cancel", id)
		return nil
	})
	for _, id := range g.Nodes() {
		if out[id].Status != Canceled {
			t.Errorf("%s = %s, want canceled", id, out[id].Status)
		}
	}
}

// A panicking node fails like an erring one, with the bug's place in one line; the
// process goes on and the rest of the graph runs.
func TestWalkTurnsAPanicIntoAFailure(t *testing.T) {
	g := pipeline("good", "bad")
	out := Walk(context.Background(), g, 4, func(ctx context.Context, id string) error {
		if id == "load.bad" {
			var m map[string]int
			m["x"]++ // a nil map write: a real runtime panic
		}
		return nil
	})
	if o := out["load.bad"]; o.Status != Failed || o.Err == nil ||
		!strings.Contains(o.Err.Error(), "internal error") || !strings.Contains(o.Err.Error(), "dag_test.go:") || strings.Contains(o.Err.Error(), "\n") {
		t.Fatalf("load.bad = %+v, want a one-line failure naming dag_test.go", o)
	}
	if o := out["sink.bad"]; o.Status != Skipped || o.Cause != "load.bad" {
		t.Errorf("sink.bad = %+v, want skipped because of load.bad", o)
	}
	for _, id := range []string{"extract.good", "load.good", "sink.good", "extract.bad"} {
		if out[id].Status != Succeeded {
			t.Errorf("%s = %+v, want ok", id, out[id])
		}
	}
}

// Safely serves a stage's own goroutines: a panic there is the goroutine's error,
// in one line naming its place, and an error or nil passes through.
func TestSafely(t *testing.T) {
	err := Safely(func() error {
		var s []int
		_ = s[3] // an index out of range: a real runtime panic
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "internal error") || !strings.Contains(err.Error(), "dag_test.go:") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Safely = %v, want a one-line internal error naming dag_test.go", err)
	}
	want := errors.New("plain")
	if got := Safely(func() error { return want }); got != want {
		t.Errorf("Safely = %v, want %v", got, want)
	}
	if got := Safely(func() error { return nil }); got != nil {
		t.Errorf("Safely = %v, want nil", got)
	}
}
