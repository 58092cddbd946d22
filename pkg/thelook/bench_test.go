package thelook

import (
	"testing"
	"time"

	"github.com/ecomrun/ecomrun/pkg/catalog"
)

// BenchmarkGenerate drains each table at scale 0.1 on one goroutine and reports
// rows per second; "all" drains the seven tables one after another.
func BenchmarkGenerate(b *testing.B) {
	opt := Options{Scale: 0.1, Seed: 1}
	drain := func(b *testing.B, name string) int64 {
		rr, err := Generate(name, opt)
		if err != nil {
			b.Fatal(err)
		}
		defer rr.Release()
		var rows int64
		for rr.Next() {
			rows += rr.RecordBatch().NumRows()
		}
		return rows
	}
	for _, name := range append([]string{"all"}, catalog.Tables...) {
		b.Run(name, func(b *testing.B) {
			tables := []string{name}
			if name == "all" {
				tables = catalog.Tables
			}
			var rows int64
			start := time.Now()
			for b.Loop() {
				for _, t := range tables {
					rows += drain(b, t)
				}
			}
			b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "rows/s")
		})
	}
}
