package spec

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// DidYouMean returns " (did you mean "x"?)" naming the candidates closest to name, or
// "" when none is close: a typo is the most common mistake in a hand-written spec, and
// naming the fix saves a trip to the docs.
func DidYouMean(name string, candidates []string) string {
	near := closest(name, candidates)
	if len(near) == 0 {
		return ""
	}
	quoted := make([]string, len(near))
	for i, n := range near {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	return " (did you mean " + orList(quoted) + "?)"
}

// columnsOf is the detail of an unknown-column diagnostic: every column of the
// table, so the fix is on screen even when no name is close enough to suggest.
func columnsOf(table string, columns []string) string {
	return "the columns of " + table + " are " + strings.Join(columns, ", ")
}

// closest lists up to three candidates within a small edit distance of name, nearest
// first. The allowed distance grows with the name, so "sead" finds "seed" but "a" does
// not find every one-letter name.
func closest(name string, candidates []string) []string {
	limit := 1 + len(name)/5
	type scored struct {
		name string
		dist int
	}
	var near []scored
	for _, c := range candidates {
		if c == name {
			continue
		}
		d := levenshtein(strings.ToLower(name), strings.ToLower(c))
		if d <= limit && d < len(name) {
			near = append(near, scored{c, d})
		}
	}
	slices.SortFunc(near, func(a, b scored) int { return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.name, b.name)) })
	near = slices.CompactFunc(near, func(a, b scored) bool { return a.name == b.name })
	out := make([]string, 0, 3)
	for i := 0; i < len(near) && i < 3; i++ {
		out = append(out, near[i].name)
	}
	return out
}

// levenshtein is the edit distance between a and b, in bytes (names are ASCII).
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// orList joins "a", "a or b", "a, b or c".
func orList(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
