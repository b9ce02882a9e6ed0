package replica

import (
	"bytes"
	"sync/atomic"
	"testing"
)

func batchOf(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }

func TestTailCacheReadsWholeBatchesBelowLimit(t *testing.T) {
	c := tailCache{budget: new(atomic.Int64)}
	c.add(0, 10, batchOf(100, 1))
	c.add(10, 20, batchOf(100, 2))
	c.add(20, 25, batchOf(50, 3))
	cases := []struct {
		offset, limit int64
		max           int
		minOne        bool
		want          []byte // first byte of each batch returned
		hit           bool
	}{
		{0, 25, 1000, true, []byte{1, 2, 3}, true},
		{15, 25, 1000, true, []byte{2, 3}, true}, // the batch holding offset 15 comes whole
		{0, 20, 1000, true, []byte{1, 2}, true},  // nothing at or past the high watermark
		{0, 25, 150, true, []byte{1}, true},      // max bytes
		{0, 25, 50, true, []byte{1}, true},       // the first batch comes even when larger
		{0, 25, 50, false, nil, true},
		{25, 30, 1000, true, nil, false}, // past the cache
	}
	for _, tc := range cases {
		got, size, hit := c.read(tc.offset, tc.limit, tc.max, tc.minOne)
		var firsts []byte
		n := 0
		for _, g := range got {
			firsts = append(firsts, g[0])
			n += len(g)
		}
		if hit != tc.hit || !bytes.Equal(firsts, tc.want) || n != size {
			t.Errorf("read(%d, %d, %d, %v) = %v size %d hit %v, want %v hit %v",
				tc.offset, tc.limit, tc.max, tc.minOne, firsts, size, hit, tc.want, tc.hit)
		}
	}
}

func TestTailCacheBounds(t *testing.T) {
	budget := new(atomic.Int64)
	c := tailCache{budget: budget}
	big := tailCacheMax / 4
	for i := int64(0); i < 10; i++ {
		c.add(i*10, i*10+10, batchOf(big, byte(i)))
	}
	if c.bytes > tailCacheMax || budget.Load() != int64(c.bytes) {
		t.Fatalf("cache holds %d bytes, budget %d, max %d", c.bytes, budget.Load(), tailCacheMax)
	}
	if _, _, hit := c.read(0, 100, 1<<30, true); hit {
		t.Fatalf("evicted batch still served")
	}
	if got, _, hit := c.read(95, 100, 1<<30, true); !hit || got[0][0] != 9 {
		t.Fatalf("newest batch not served")
	}
	c.add(500, 510, batchOf(10, 7)) // not contiguous: starts afresh
	if _, _, hit := c.read(95, 600, 1<<30, true); hit {
		t.Fatalf("batches before a gap still served")
	}
	c.clear()
	if budget.Load() != 0 {
		t.Fatalf("budget %d after clear", budget.Load())
	}
}
