// Package atomicfile writes files so that a reader sees the old content or the new,
// never a part: the data goes to a temporary file beside the target, is flushed,
// then renamed over it (google/renameio), and the folder is flushed after the
// rename, so that after a power cut the name points at the new file. The file
// gets the mode any other file gets (0666 less the umask), not a temporary file's 0600.
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/google/renameio/v2"
)

// Write writes data to path atomically and durably.
func Write(path string, data []byte) error {
	// renameio flushes the temporary file before the rename, but never the folder:
	// until the folder is flushed, the rename itself may be lost.
	if err := renameio.WriteFile(path, data, 0o666); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// syncDir flushes a folder's entries to disk; a variable so a test can see when
// it runs.
var syncDir = func(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("flushing folder %s: %w", dir, err)
	}
	defer d.Close()
	err = d.Sync()
	// Some file systems (network ones, some FUSE) cannot flush a folder: the write
	// happened, and there is nothing more to ask of them.
	if err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return fmt.Errorf("flushing folder %s: %w", dir, err)
	}
	return nil
}
