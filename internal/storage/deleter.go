package storage

import (
	"errors"
	"log/slog"
	"os"
	"sync"
	"time"
)

// deleter removes the files of deleted segments after file.delete.delay, so
// that a fetch that found a segment just before retention dropped it can
// still open its index. It owns one timer per pending deletion and no
// goroutine of its own; close stops the timers and removes their files at
// once (what is left after a crash, Open removes).
type deleter struct {
	logger *slog.Logger
	wg     sync.WaitGroup

	mu      sync.Mutex
	pending map[*pendingDeletion]struct{}
	closed  bool
}

type pendingDeletion struct {
	paths []string
	timer *time.Timer
}

func (d *deleter) schedule(paths []string, delay time.Duration) {
	if len(paths) == 0 {
		return
	}
	d.mu.Lock()
	if delay <= 0 || d.closed {
		d.mu.Unlock()
		d.remove(paths)
		return
	}
	if d.pending == nil {
		d.pending = make(map[*pendingDeletion]struct{})
	}
	p := &pendingDeletion{paths: paths}
	d.pending[p] = struct{}{}
	d.wg.Add(1)
	p.timer = time.AfterFunc(delay, func() {
		defer d.wg.Done()
		d.mu.Lock()
		_, ok := d.pending[p]
		delete(d.pending, p)
		d.mu.Unlock()
		if ok {
			d.remove(p.paths)
		}
	})
	d.mu.Unlock()
}

// close removes every pending file now and waits for running timers.
func (d *deleter) close() {
	d.mu.Lock()
	d.closed = true
	var now [][]string
	for p := range d.pending {
		if p.timer.Stop() {
			d.wg.Done()
		}
		now = append(now, p.paths)
	}
	d.pending = nil
	d.mu.Unlock()
	for _, paths := range now {
		d.remove(paths)
	}
	d.wg.Wait()
}

func (d *deleter) remove(paths []string) {
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			d.logger.Warn("cannot remove deleted segment file", "file", p, "err", err)
		}
	}
}
