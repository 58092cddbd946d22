// Package atomicfile writes files so that a reader sees the old content or the new,
// never a part: the data goes to a temporary file beside the target, is flushed,
// then renamed over it, and the folder is flushed too (google/renameio). The file
// gets the mode any other file gets (0666 less the umask), not a temporary file's 0600.
package atomicfile

import "github.com/google/renameio/v2"

// Write writes data to path atomically.
func Write(path string, data []byte) error {
	return renameio.WriteFile(path, data, 0o666)
}
