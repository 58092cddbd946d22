package s3test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecomrun/ecomrun/internal/loopback"
)

// MotoPythonEnv names a Python that has moto, when none on PATH does.
const MotoPythonEnv = "ECOMRUN_MOTO_PYTHON"

// motoStartLimit bounds how long moto may take to answer after starting (about
// 0.4 s on these machines); it is a readiness limit, not an assertion on speed.
const motoStartLimit = 60 * time.Second

// Moto starts moto's S3 server (python3 -m moto.server) on a free loopback port and
// stops it when the test ends. Without moto the test fails, saying how to get it:
// the integration tests must not pass by being skipped.
func Moto(t testing.TB) *Server {
	t.Helper()
	python, tried := motoPython()
	if python == "" {
		t.Fatalf("moto's S3 server is needed and no Python has it (tried %s): install it with `python3 -m pip install 'moto[server]'`, or set %s to a Python that has it",
			strings.Join(tried, ", "), MotoPythonEnv)
	}
	// A free port may be taken again before moto binds it (other test packages
	// run at the same time): then moto exits, and it gets another port.
	var err error
	for range 3 {
		var url string
		if url, err = startMoto(t, python, fmt.Sprint(loopback.FreePort(t))); err == nil {
			return NewServer(url)
		}
	}
	t.Fatal(err)
	return nil
}

// startMoto runs moto on port until the test ends, and returns its URL once it
// answers as an S3 server, or why it did not.
func startMoto(t testing.TB, python, port string) (string, error) {
	out := &syncBuffer{}
	cmd := exec.Command(python, "-m", "moto.server", "-H", "127.0.0.1", "-p", port)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = serverEnv()
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start moto with %s: %v", python, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("moto's log:\n%s", tail(out.String(), 4000))
		}
	})
	url := "http://127.0.0.1:" + port
	deadline := time.Now().Add(motoStartLimit)
	for !answers(url) {
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			return "", fmt.Errorf("moto exited before answering (%v):\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("moto did not answer at %s within %v:\n%s", url, motoStartLimit, out.String())
		}
	}
	return url, nil
}

// answers reports whether an S3 server answers at url: ListBuckets, which also
// tells moto from another server that took the port.
func answers(url string) bool {
	resp, err := http.Get(url + "/")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return err == nil && resp.StatusCode == http.StatusOK && bytes.Contains(b, []byte("ListAllMyBucketsResult"))
}

// syncBuffer collects a process's output, which its copying goroutines write
// while the test may read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// motoPython finds a Python that can import moto's server: the one MotoPythonEnv
// names, else python3 on PATH, else pyenv's (which these machines ship moto in,
// and which a non-login shell may not have on PATH), else the venv that
// scripts/moto-python.sh installs it into. It caches the answer.
var motoPython = sync.OnceValues(func() (string, []string) {
	var candidates []string
	if p := os.Getenv(MotoPythonEnv); p != "" {
		candidates = append(candidates, p)
	}
	candidates = append(candidates, "python3")
	root := os.Getenv("PYENV_ROOT")
	if home, err := os.UserHomeDir(); root == "" && err == nil {
		root = filepath.Join(home, ".pyenv")
	}
	if root != "" {
		candidates = append(candidates, filepath.Join(root, "shims", "python3"))
	}
	cache := os.Getenv("ECOMRUN_CACHE")
	if home, err := os.UserHomeDir(); cache == "" && err == nil {
		cache = filepath.Join(home, ".cache", "ecomrun")
	}
	if cache != "" {
		candidates = append(candidates, filepath.Join(cache, "moto-venv", "bin", "python3"))
	}
	candidates = append(candidates, "/usr/bin/python3")
	for _, c := range candidates {
		if exec.Command(c, "-c", "import moto.server").Run() == nil {
			return c, candidates
		}
	}
	return "", candidates
})

// serverEnv is the environment without the test's AWS settings, which are the
// client's: moto reads them too, and answers 500 to everything when AWS_PROFILE is
// set but empty.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return env
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
