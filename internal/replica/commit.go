package replica

import "sync"

// committer is the group commit of one log directory. Partitions with
// queued batches (or, with write caching, a flush due) mark themselves;
// each turn takes every marked partition, writes all their queued batches,
// fsyncs their logs concurrently, and only then moves their high
// watermarks. Turns run back to back while partitions keep marking
// themselves, on one goroutine that exists only while there is work.
//
// Syncing the partitions of a directory together, rather than each on its
// own schedule, means a produce request that wrote to several partitions
// is answered after one turn instead of after the slowest of several
// unaligned ones, and the fsyncs of one turn share the file system's
// journal commit.
type committer struct {
	mu    sync.Mutex
	dirty []*Partition
	w     worker
}

// mark queues p for the next turn.
func (c *committer) mark(p *Partition) {
	c.mu.Lock()
	if !p.marked {
		p.marked = true
		c.dirty = append(c.dirty, p)
	}
	c.mu.Unlock()
	c.w.kick(c.turn)
}

// turn is one round of group commit over the marked partitions.
func (c *committer) turn() {
	c.mu.Lock()
	parts := c.dirty
	c.dirty = nil
	for _, p := range parts {
		p.marked = false
	}
	c.mu.Unlock()
	wrote := make([]bool, len(parts))
	live := parts[:0:0]
	for _, p := range parts {
		// Only the committer takes several turnMus, always in this
		// order within one turn; close and delete take one.
		p.turnMu.Lock()
		if p.closed {
			p.turnMu.Unlock()
			continue
		}
		wrote[len(live)] = p.writeQueue()
		live = append(live, p)
	}
	switch len(live) {
	case 0:
	case 1:
		live[0].syncAndPublish(wrote[0])
	default:
		var wg sync.WaitGroup
		for i, p := range live {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.syncAndPublish(wrote[i])
			}()
		}
		wg.Wait()
	}
	for _, p := range live {
		p.turnMu.Unlock()
	}
}
