package warehouse

import (
	"context"
	"slices"
	"sync"
	"testing"
)

// TestOnRowsHearsEveryBatchAsItStreams: a stream of 2,500 rows in batches of 1,000
// is heard as 1,000, 2,000, 2,500 rows of its relation, and the table has them all.
func TestOnRowsHearsEveryBatchAsItStreams(t *testing.T) {
	w := open(t)
	var mu sync.Mutex
	var heard []int64
	w.OnRows = func(relation string, rows int64) {
		mu.Lock()
		defer mu.Unlock()
		if relation != `"staged"` {
			t.Errorf("heard of relation %s", relation)
		}
		heard = append(heard, rows)
	}
	n, err := w.CreateFromArrow(context.Background(), `"staged"`, numbers(2500), func(view string) string { return "SELECT * FROM " + view }, false)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if n != 2500 || !slices.Equal(heard, []int64{1000, 2000, 2500}) {
		t.Errorf("%d rows loaded, heard %v; want 2500 and [1000 2000 2500]", n, heard)
	}
}
