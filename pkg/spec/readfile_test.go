package spec

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A FIFO as the spec: read when a writer comes, within the wait; one nothing
// writes to is an error after the wait, never a hang (opening it blocked forever).
func TestReadFileFromAFIFO(t *testing.T) {
	defer func(d time.Duration) { readTimeout = d }(readTimeout)
	readTimeout = 500 * time.Millisecond
	dir := t.TempDir()
	fifo := filepath.Join(dir, "spec.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := ReadFile(fifo)
	if err == nil || !strings.Contains(err.Error(), "nothing to read from") {
		t.Fatalf("a FIFO nothing writes to: %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("it took %v", took)
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			_, _ = f.WriteString("version: 1\n")
			f.Close()
		}
	}()
	b, err := ReadFile(fifo)
	if err != nil || string(b) != "version: 1\n" {
		t.Fatalf("a FIFO written to late: %q, %v", b, err)
	}
}
