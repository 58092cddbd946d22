package cli

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vbauerster/mpb/v8"

	"github.com/ecomrun/ecomrun/pkg/engine"
	"github.com/ecomrun/ecomrun/pkg/spec"
)

// widePlan is a plan of n tables with two sinks each.
func widePlan(n int) *spec.Plan {
	p := &spec.Plan{Spec: &spec.Spec{Name: "wide"}}
	for i := range n {
		name := fmt.Sprintf("table_%02d", i)
		t := spec.TablePlan{Name: name, Sinks: []string{"files", "lake"}}
		p.Tables = append(p.Tables, t)
		for _, k := range []string{"extract", "validate", "load"} {
			p.Stages = append(p.Stages, spec.Stage{ID: k + "." + name, Kind: k, Table: name})
		}
		for _, s := range t.Sinks {
			p.Stages = append(p.Stages, spec.Stage{ID: "sink." + s + "." + name, Kind: "sink", Table: name, Sink: s})
		}
	}
	return p
}

// TestBarsUnderConcurrentStages drives the bars the way the engine does, a
// goroutine per stage, while mpb renders every millisecond into a buffer. Holding
// the progress lock while calling mpb deadlocked such a loop within tens of rounds;
// the loop runs in a goroutine so that a deadlock fails the test instead of
// hanging it.
func TestBarsUnderConcurrentStages(t *testing.T) {
	rounds := 300
	if testing.Short() {
		rounds = 20
	}
	plan := widePlan(8)
	last := make(chan string, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for round := range rounds {
			var buf bytes.Buffer
			bp := newBarProgress(&buf, plan, mpb.WithAutoRefresh(), mpb.WithRefreshRate(time.Millisecond), mpb.WithWidth(120))
			failTable := ""
			if round%3 == 0 {
				failTable = plan.Tables[round%len(plan.Tables)].Name
			}
			var wg sync.WaitGroup
			for _, st := range plan.Stages {
				wg.Add(1)
				go func() {
					defer wg.Done()
					bp.stage(engine.StageEvent{Stage: st, Status: "running"})
					time.Sleep(time.Duration(rand.IntN(400)) * time.Microsecond)
					if st.Table == failTable && st.Kind == "load" {
						bp.stage(engine.StageEvent{Stage: st, Status: "failed", Err: errors.New("boom")})
						return
					}
					bp.stage(engine.StageEvent{Stage: st, Status: "ok", Rows: int64(1000 + round)})
				}()
			}
			wg.Wait()
			bp.done()
			if round == rounds-1 {
				last <- buf.String()
			}
		}
	}()
	select {
	case <-finished:
	case <-time.After(60 * time.Second):
		t.Fatal("the bars deadlocked: a round did not finish within 60s")
	}
	out := <-last
	if out == "" {
		t.Fatal("mpb rendered nothing: the test did not exercise the render goroutine")
	}
	// The last frame shows each table done (or failed), with its rows.
	tail := out[strings.LastIndex(out, "table_00"):]
	for _, tb := range plan.Tables {
		if !strings.Contains(tail, tb.Name) {
			t.Errorf("last frame lacks %s:\n%s", tb.Name, tail)
		}
	}
	if !strings.Contains(tail, "done") || !strings.Contains(tail, "rows") {
		t.Errorf("last frame shows no finished table:\n%s", tail)
	}
}
