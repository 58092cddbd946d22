// Package atomicdir replaces a folder's content in one step, so that a reader of any
// of its files, or of a manifest that describes them, sees the old set or the new
// set, never a mix: a run killed at any moment leaves one of the two.
//
// The next content is built in a sibling folder that starts as hard links to every
// file of the current one, then the two folders are exchanged with one
// renameat2(RENAME_EXCHANGE) call. The folder keeps its path and stays a plain
// folder; what a killed run leaves beside it is swept by the next run's Sweep.
// Where the file system cannot exchange two folders, two renames do it, and a kill
// between them leaves the folder absent: Sweep then puts the old content back.
package atomicdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/ecomrun/ecomrun/internal/failpoint"
)

// Update builds dir's next content and puts it in place atomically. build gets a
// fresh folder holding hard links to dir's current files (a missing dir starts
// empty) and changes it as it likes; only files it renames or writes there change.
// Files are never modified in place, so the links share nothing that changes. tag
// names the work folders, which must be unique among concurrent Updates of dir: the
// caller serialises Updates of one dir.
func Update(dir, tag string, build func(next string) error) error {
	dir = filepath.Clean(dir)
	next := workPath(dir, tag)
	if err := os.RemoveAll(next); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(next, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(next)
	_, err := os.Stat(dir)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if exists {
		if err := linkTree(dir, next); err != nil {
			return fmt.Errorf("prepare %s: %w", dir, err)
		}
	}
	if err := build(next); err != nil {
		return err
	}
	if err := syncDir(next); err != nil {
		return err
	}
	failpoint.Hit("atomicdir.exchange")
	if !exists {
		err = os.Rename(next, dir)
	} else if err = unix.Renameat2(unix.AT_FDCWD, next, unix.AT_FDCWD, dir, unix.RENAME_EXCHANGE); errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		err = swapByRenames(dir, next)
	}
	if err != nil {
		return fmt.Errorf("publish %s: %w", dir, err)
	}
	failpoint.Hit("atomicdir.exchanged")
	return syncDir(filepath.Dir(dir)) // next, removed by the defer, now holds the old content
}

// Sweep removes the work folders that Updates of dir killed before they finished
// left beside it. Call it before the first Update of a run, while no Update of dir runs.
//
// An Update killed between swapByRenames' two renames leaves dir absent and its old
// content in a ".old" work folder: Sweep renames that back to dir first, so the
// kill leaves the old generation, as a kill anywhere else does, instead of none.
func Sweep(dir string) error {
	dir = filepath.Clean(dir)
	left, err := filepath.Glob(workPath(dir, "*"))
	if err != nil {
		return err
	}
	switch _, err := os.Lstat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		for _, p := range left {
			if strings.HasSuffix(p, oldSuffix) {
				if err := os.Rename(p, dir); err != nil {
					return fmt.Errorf("restore %s: %w", dir, err)
				}
				if err := syncDir(filepath.Dir(dir)); err != nil {
					return err
				}
				break
			}
		}
	case err != nil:
		return err
	}
	for _, p := range left {
		if err := os.RemoveAll(p); err != nil {
			return err
		}
	}
	return nil
}

// workPath is where Update builds dir's next content: a hidden sibling, so that it
// is on the same file system (links and renames need that) and out of dir's listing.
func workPath(dir, tag string) string {
	return filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".next-"+tag)
}

// linkTree fills dst with hard links to every file under src, recreating folders
// and symbolic links. Temporary files of older versions (".*.tmp-*") stay out.
func linkTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil || rel == "." {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.Mkdir(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case strings.HasPrefix(d.Name(), ".") && strings.Contains(d.Name(), ".tmp-"):
			return nil
		default:
			return os.Link(path, target)
		}
	})
}

// oldSuffix marks the work folder that holds dir's old content during swapByRenames.
const oldSuffix = ".old"

// swapByRenames is the fallback where the file system cannot exchange two names
// (some network file systems): dir is absent for the moment between two renames,
// but never holds a mix of old and new; after a kill there, Sweep restores it.
func swapByRenames(dir, next string) error {
	old := next + oldSuffix
	if err := os.Rename(dir, old); err != nil {
		return err
	}
	if err := os.Rename(next, dir); err != nil {
		return errors.Join(err, os.Rename(old, dir))
	}
	return os.Rename(old, next)
}

func syncDir(path string) error {
	d, err := os.Open(path)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, unix.EINVAL) {
		return err
	}
	return nil
}
