package failpoint

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		name string
		k    int64
	}{
		{"", "", 1},
		{"load.orders", "load.orders", 1},
		{"atomicdir.exchange#3", "atomicdir.exchange", 3},
		{"atomicdir.exchange#1", "atomicdir.exchange", 1},
		{"odd#name", "odd#name", 1}, // not a count: the whole value is the name
		{"point#0", "point#0", 1},   // passages count from 1
		{"point#-2", "point#-2", 1}, // nor negative
		{"a#b#12", "a#b", 12},       // the last # counts
	} {
		if name, k := Parse(c.in); name != c.name || k != c.k {
			t.Errorf("Parse(%q) = %q, %d; want %q, %d", c.in, name, k, c.name, c.k)
		}
	}
}

// childEnv makes the test binary, run again, pass points instead of testing.
const childEnv = "ECOMRUN_FAILPOINT_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		for i := 1; i <= 4; i++ {
			Hit("other")
			fmt.Printf("before %d\n", i)
			Hit("p")
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The process dies at the passage the environment names, not before, and other
// points do not count.
func TestHitKillsAtTheKthPassage(t *testing.T) {
	for _, c := range []struct {
		env  string
		want string // what the child printed before it died
	}{
		{"p", "before 1\n"},
		{"p#1", "before 1\n"},
		{"p#3", "before 1\nbefore 2\nbefore 3\n"},
	} {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), childEnv+"=1", Env+"="+c.env)
		out, err := cmd.Output()
		if err == nil || !strings.Contains(err.Error(), "killed") {
			t.Errorf("%s=%s: the process was not killed: %v", Env, c.env, err)
		}
		if string(out) != c.want {
			t.Errorf("%s=%s: printed %q before it died, want %q", Env, c.env, out, c.want)
		}
	}
	// A passage the run never reaches kills nothing.
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"=1", Env+"=p#5")
	if out, err := cmd.Output(); err != nil || strings.Count(string(out), "before") != 4 {
		t.Errorf("%s=p#5 with 4 passages: %v, printed %q", Env, err, out)
	}
}
