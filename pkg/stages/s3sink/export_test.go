package s3sink

import (
	"testing"
	"time"
)

// Tune sets the multipart part size and the longest retry backoff for one test:
// small parts exercise multipart uploads on small files, a short backoff keeps
// fault tests quick while still going through every retry.
func Tune(t testing.TB, part int64, backoff time.Duration) {
	oldPart, oldBackoff := partSize, maxBackoff
	partSize, maxBackoff = part, backoff
	t.Cleanup(func() { partSize, maxBackoff = oldPart, oldBackoff })
}

// StagingPrefix starts the names of the local staging folders of a warehouse's
// table in a sink, as a killed run leaves them.
var StagingPrefix = stagingPrefix
