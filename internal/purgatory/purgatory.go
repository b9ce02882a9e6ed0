// Package purgatory parks requests that wait for something to happen to a
// partition: an acks=all produce waiting for its batches to become durable
// (and, in a cluster, replicated), a fetch waiting for min.bytes of new data.
// A Watchers is the set of waiters of one partition; whoever moves the
// partition forward calls Notify, and each woken waiter re-checks its own
// condition. Waking is a non-blocking send on a one-slot channel, so a
// notifier never blocks and a waiter never misses the last wake-up.
package purgatory

import (
	"context"
	"sync"
	"time"
)

// Waiter is one parked request. Its zero value is not usable; use NewWaiter.
type Waiter struct {
	c chan struct{}
}

// NewWaiter returns a waiter with its wake-up slot.
func NewWaiter() *Waiter { return &Waiter{c: make(chan struct{}, 1)} }

// C is signalled after a Notify of any Watchers the waiter is added to.
func (w *Waiter) C() <-chan struct{} { return w.c }

func (w *Waiter) wake() {
	select {
	case w.c <- struct{}{}:
	default:
	}
}

// Watchers is the set of waiters of one key. The zero value is ready.
type Watchers struct {
	mu      sync.Mutex
	waiters map[*Waiter]struct{}
}

// Add parks w until Remove.
func (ws *Watchers) Add(w *Waiter) {
	ws.mu.Lock()
	if ws.waiters == nil {
		ws.waiters = map[*Waiter]struct{}{}
	}
	ws.waiters[w] = struct{}{}
	ws.mu.Unlock()
}

// Remove unparks w.
func (ws *Watchers) Remove(w *Waiter) {
	ws.mu.Lock()
	delete(ws.waiters, w)
	ws.mu.Unlock()
}

// Notify wakes every parked waiter.
func (ws *Watchers) Notify() {
	ws.mu.Lock()
	for w := range ws.waiters {
		w.wake()
	}
	ws.mu.Unlock()
}

// Await parks w on every watchers in set and calls done after each wake-up
// until done reports true, the deadline passes or ctx ends. It returns
// whether done became true. done is called once before waiting, after the
// waiter is parked, so no notification between the check and the park is
// lost.
func Await(ctx context.Context, set []*Watchers, deadline time.Time, done func() bool) bool {
	w := NewWaiter()
	for _, ws := range set {
		ws.Add(w)
	}
	defer func() {
		for _, ws := range set {
			ws.Remove(w)
		}
	}()
	if done() {
		return true
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		select {
		case <-w.C():
			if done() {
				return true
			}
		case <-timer.C:
			return done()
		case <-ctx.Done():
			return false
		}
	}
}
