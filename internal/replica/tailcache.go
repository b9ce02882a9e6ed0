package replica

import (
	"sort"
	"sync"
	"sync/atomic"
)

// Tail cache bounds: a partition keeps at most tailCacheMax bytes of its
// newest batches, and all partitions of a broker together at most
// tailCacheBudget.
const (
	tailCacheMax    = 4 << 20
	tailCacheBudget = 128 << 20
)

// tailCache keeps the batches most recently written to a partition, as
// they were written: the slices alias the produce requests that carried
// them, so caching copies nothing. Consumers that keep up read at the log
// end, and are served from here without reading the file; a consumer
// further behind misses and reads the log.
//
// The cached batches are contiguous in offsets. A write that does not
// continue them (after a truncation, say) starts the cache afresh.
type tailCache struct {
	budget *atomic.Int64 // bytes cached by every partition of the broker

	mu      sync.Mutex
	entries []cachedBatch
	bytes   int
}

type cachedBatch struct {
	base, next int64 // offsets [base, next)
	data       []byte
}

// add caches a batch just written at [base, next).
func (c *tailCache) add(base, next int64, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := len(c.entries); n > 0 && c.entries[n-1].next != base {
		c.dropLocked(len(c.entries))
	}
	c.entries = append(c.entries, cachedBatch{base: base, next: next, data: data})
	c.bytes += len(data)
	total := c.budget.Add(int64(len(data)))
	// Evict this partition's oldest batches until both bounds hold (or
	// only the new batch is left).
	drop := 0
	for drop < len(c.entries)-1 && (c.bytes > tailCacheMax || total > tailCacheBudget) {
		total -= int64(len(c.entries[drop].data))
		c.bytes -= len(c.entries[drop].data)
		c.budget.Add(-int64(len(c.entries[drop].data)))
		drop++
	}
	if drop > 0 {
		c.entries = append(c.entries[:0:0], c.entries[drop:]...)
	}
}

// dropLocked removes the n oldest batches.
func (c *tailCache) dropLocked(n int) {
	freed := 0
	for _, e := range c.entries[:n] {
		freed += len(e.data)
	}
	c.bytes -= freed
	c.budget.Add(-int64(freed))
	c.entries = append(c.entries[:0:0], c.entries[n:]...)
}

// clear empties the cache (the partition is closing or being truncated).
func (c *tailCache) clear() {
	c.mu.Lock()
	c.dropLocked(len(c.entries))
	c.mu.Unlock()
}

// read returns the cached batches from the one containing offset on, none
// reaching limit, at most maxBytes of them unless minOne lets the first
// exceed it. hit is false when offset is not cached.
func (c *tailCache) read(offset, limit int64, maxBytes int, minOne bool) (batches [][]byte, size int, hit bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(c.entries)
	if n == 0 || offset < c.entries[0].base || offset >= c.entries[n-1].next {
		return nil, 0, false
	}
	i := sort.Search(n, func(i int) bool { return c.entries[i].next > offset })
	for ; i < n; i++ {
		e := c.entries[i]
		if e.next > limit || (size+len(e.data) > maxBytes && !(minOne && size == 0)) {
			break
		}
		batches = append(batches, e.data)
		size += len(e.data)
	}
	return batches, size, true
}
