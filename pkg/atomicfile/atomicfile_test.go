package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// A report or manifest gets the same mode as the data files beside it: 0666 less
// the umask (0644 under the usual 022), not a temporary file's 0600.
func TestWriteRespectsTheUmaskAndReplaces(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "report.json")
	for _, data := range []string{"first", "second"} {
		if err := Write(path, []byte(data)); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil || string(b) != data {
			t.Fatalf("read back %q (%v), want %q", b, err, data)
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := st.Mode().Perm(); mode != 0o644 {
		t.Fatalf("mode %o, want 644", mode)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*")); len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

// TestWriteFlushesTheFolderAfterTheRename: the folder is flushed once per write,
// when the new content is already in place under the target's name (after the
// rename, not before), and an error flushing it is the write's error.
func TestWriteFlushesTheFolderAfterTheRename(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "manifest.json")
	var synced []string
	real := syncDir
	defer func() { syncDir = real }()
	syncDir = func(d string) error {
		b, _ := os.ReadFile(path)
		synced = append(synced, d+" "+string(b))
		return real(d)
	}
	for _, data := range []string{"first", "second"} {
		if err := Write(path, []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{dir + " first", dir + " second"}; !slices.Equal(synced, want) {
		t.Fatalf("folder flushes %q, want %q", synced, want)
	}
	syncDir = func(string) error { return syscall.EIO }
	if err := Write(path, []byte("third")); !errors.Is(err, syscall.EIO) {
		t.Fatalf("a failed folder flush gave %v, want EIO", err)
	}
}
