package metadata

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
)

// Listener is told about every newly published image, in order, on the
// goroutine that applies the metadata log. It must not block for long: the
// next metadata record waits for it.
type Listener func(prev, next *Image)

// Loader applies committed metadata log entries to the current image and
// publishes each new image atomically. It satisfies the quorum's state
// machine contract (Apply, Snapshot, Restore) and is safe for concurrent
// readers: Current never blocks.
type Loader struct {
	current atomic.Pointer[Image]

	mu        sync.Mutex // serialises Apply/Restore and listener registration
	listeners []Listener
}

// NewLoader returns a loader holding the empty image.
func NewLoader() *Loader {
	l := &Loader{}
	l.current.Store(Empty())
	return l
}

// Current returns the latest published image.
func (l *Loader) Current() *Image { return l.current.Load() }

// Subscribe registers a listener and returns the image it starts from.
func (l *Loader) Subscribe(fn Listener) *Image {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.listeners = append(l.listeners, fn)
	return l.current.Load()
}

// Apply applies one committed entry. index and term are the Raft position;
// the metadata offset is index-1, as Kafka's __cluster_metadata offsets
// start at 0.
func (l *Loader) Apply(index, term uint64, data []byte) error {
	records, err := DecodeRecords(data)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	prev := l.current.Load()
	next, err := prev.Apply(int64(index)-1, int32(term), records)
	if err != nil {
		return err
	}
	l.publishLocked(prev, next)
	return nil
}

func (l *Loader) publishLocked(prev, next *Image) {
	l.current.Store(next)
	for _, fn := range l.listeners {
		fn(prev, next)
	}
}

// snapshot is the stored form of a metadata snapshot.
type snapshot struct {
	Offset  int64           `json:"offset"`
	Epoch   int32           `json:"epoch"`
	Records json.RawMessage `json:"records"`
}

// Snapshot encodes the current image and returns it with the Raft index it
// reflects.
func (l *Loader) Snapshot() ([]byte, uint64, error) {
	im := l.current.Load()
	recs, err := EncodeRecords(im.Records())
	if err != nil {
		return nil, 0, err
	}
	b, err := json.Marshal(snapshot{Offset: im.offset, Epoch: im.epoch, Records: recs})
	if err != nil {
		return nil, 0, fmt.Errorf("encoding metadata snapshot: %w", err)
	}
	return b, uint64(im.offset + 1), nil
}

// Restore replaces the image with the one a snapshot describes.
func (l *Loader) Restore(data []byte, index, term uint64) error {
	var s snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("decoding metadata snapshot: %w", err)
	}
	records, err := DecodeRecords(s.Records)
	if err != nil {
		return err
	}
	next, err := Empty().Apply(int64(index)-1, int32(term), records)
	if err != nil {
		return fmt.Errorf("restoring metadata snapshot: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.publishLocked(l.current.Load(), next)
	return nil
}
