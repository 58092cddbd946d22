package atomicdir

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// replace puts a new file into the folder being built, as the files sink does.
func replace(next, name, data string) error {
	os.Remove(filepath.Join(next, name))
	return os.WriteFile(filepath.Join(next, name), []byte(data), 0o644)
}

func TestUpdateCreatesThenReplacesKeepingOtherFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out", "csv")
	if err := Update(dir, "r1", func(next string) error { return replace(next, "a.csv", "a1") }); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "mine.txt"), "a user's file")
	if err := Update(dir, "r2", func(next string) error { return replace(next, "b.csv", "b2") }); err != nil {
		t.Fatal(err)
	}
	if err := Update(dir, "r3", func(next string) error { return replace(next, "a.csv", "a3") }); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"a.csv": "a3", "b.csv": "b2", "mine.txt": "a user's file"} {
		if got := read(t, filepath.Join(dir, name)); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if st, err := os.Lstat(dir); err != nil || !st.IsDir() {
		t.Fatalf("%s is no longer a plain folder: %v", dir, err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".csv.next-*")); len(left) != 0 {
		t.Errorf("work folders left: %v", left)
	}
}

// A build that fails (as a killed run would stop) changes nothing; what it left is swept.
func TestFailedBuildLeavesTheFolderAsItWas(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "csv")
	if err := Update(dir, "r1", func(next string) error { return replace(next, "a.csv", "old") }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Update(dir, "r2", func(next string) error {
		if err := replace(next, "a.csv", "new"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want the build's error", err)
	}
	if got := read(t, filepath.Join(dir, "a.csv")); got != "old" {
		t.Fatalf("a.csv = %q after a failed build, want the old content", got)
	}
	// A killed run leaves its work folder; the next run sweeps it.
	left := workPath(dir, "killed")
	if err := os.MkdirAll(left, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(left, "a.csv"), "half")
	if err := Sweep(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Fatalf("Sweep left %s (%v)", left, err)
	}
	if got := read(t, filepath.Join(dir, "a.csv")); got != "old" {
		t.Fatalf("Sweep touched the folder: a.csv = %q", got)
	}
}

// publishLoop publishes generation after generation of two files and a manifest
// naming the generation, for ever: the child process the kill test kills.
func publishLoop(dir string) {
	for gen := 1; ; gen++ {
		err := Update(dir, fmt.Sprint(gen), func(next string) error {
			for _, name := range []string{"a.csv", "b.csv", "_manifest"} {
				if err := replace(next, name, fmt.Sprint(gen)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
	}
}

func TestMain(m *testing.M) {
	if dir := os.Getenv("ATOMICDIR_PUBLISH_LOOP"); dir != "" {
		publishLoop(dir)
	}
	os.Exit(m.Run())
}

// SIGKILLed at random moments while it publishes, a process leaves the folder at one
// whole generation: every file agrees with the manifest; the next Update sweeps the rest.
func TestKilledAtRandomMomentsLeavesOneWholeGeneration(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "csv")
	published := false
	for i := range 30 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "ATOMICDIR_PUBLISH_LOOP="+dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(5+rand.IntN(40)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		if _, err := os.Stat(dir); os.IsNotExist(err) && !published {
			continue // killed before its first publish
		}
		published = true
		gen := read(t, filepath.Join(dir, "_manifest"))
		t.Logf("kill %d: at generation %s", i, gen)
		for _, name := range []string{"a.csv", "b.csv"} {
			if got := read(t, filepath.Join(dir, name)); got != gen {
				t.Fatalf("kill %d: %s holds generation %s, the manifest says %s", i, name, got, gen)
			}
		}
		if err := Sweep(dir); err != nil {
			t.Fatal(err)
		}
		if left, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".csv.next-*")); len(left) != 0 {
			t.Fatalf("kill %d: Sweep left %v", i, left)
		}
	}
}

// TestSweepRestoresWhatAKillBetweenTwoRenamesLeft: where folders cannot be
// exchanged in one call, swapByRenames moves the folder aside, then the new one in.
// A kill between the two leaves no folder, the old content in ".next-TAG.old" and
// the new in ".next-TAG": Sweep puts the old generation back, whole, and removes
// the rest. With the folder in place, an ".old" leftover is only removed.
func TestSweepRestoresWhatAKillBetweenTwoRenamesLeft(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "csv")
	publish := func(gen string) {
		t.Helper()
		if err := Update(dir, gen, func(next string) error {
			for _, name := range []string{"a.csv", "_manifest"} {
				if err := replace(next, name, gen); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	publish("1")

	// The state swapByRenames leaves after its first rename, for generation 2.
	next := workPath(dir, "2")
	if err := os.Rename(dir, next+oldSuffix); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(next, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(next, "a.csv"), "2")
	write(t, filepath.Join(next, "_manifest"), "2")

	if err := Sweep(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.csv", "_manifest"} {
		if got := read(t, filepath.Join(dir, name)); got != "1" {
			t.Errorf("after Sweep %s holds generation %q, want the old one, 1", name, got)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".csv.next-*")); len(left) != 0 {
		t.Errorf("Sweep left %v", left)
	}

	// A kill after the second rename: the new folder is in place, the old one beside it.
	publish("3")
	if err := os.Mkdir(workPath(dir, "4")+oldSuffix, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Sweep(dir); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(dir, "_manifest")); got != "3" {
		t.Errorf("after Sweep the folder holds generation %q, want 3", got)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".csv.next-*")); len(left) != 0 {
		t.Errorf("Sweep left %v", left)
	}
}
