package bench

import (
	"bufio"
	"database/sql"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" database/sql driver, for its version
)

// Machine describes where the figures come from, as BENCHMARKS.md must say: CPUs
// and their model, memory, Go and DuckDB versions, and the date.
func Machine() string {
	model := procField("/proc/cpuinfo", "model name")
	mem := "? GiB"
	if kb, err := strconv.ParseFloat(strings.Fields(procField("/proc/meminfo", "MemTotal") + " 0")[0], 64); err == nil && kb > 0 {
		mem = fmt.Sprintf("%.1f GiB", kb/(1<<20))
	}
	return fmt.Sprintf("%d CPUs (%s), %s RAM, %s, DuckDB %s, %s",
		runtime.NumCPU(), model, mem, runtime.Version(), duckDBVersion(), time.Now().UTC().Format("2006-01-02"))
}

// procField returns the value of the first "name: value" line of a /proc file.
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return "?"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

func duckDBVersion() string {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return "?"
	}
	defer db.Close()
	var v string
	if err := db.QueryRow("SELECT version()").Scan(&v); err != nil {
		return "?"
	}
	return v
}
