package storage

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"samsa/internal/record"
)

// ErrRecordBatchTooLarge reports a batch larger than segment.bytes (Kafka's
// RECORD_BATCH_TOO_LARGE).
var ErrRecordBatchTooLarge = errors.New("record batch larger than segment.bytes")

// Log is one partition's log on disk; see the package documentation for
// the design. Use Open; the zero value is not usable.
//
// Lock order: appendMu, then syncMu, then mu, then a segment's files lock.
// appendMu serialises every change to the log (appends, rolls, retention,
// truncation, Close); its holder does file I/O. mu guards the published
// state and is held only for copies and pointer swaps, never across I/O, so
// Read, Sync and the accessors do not wait for a write in progress.
type Log struct {
	dir     string
	logger  *slog.Logger
	now     func() time.Time
	deleter deleter

	appendMu sync.Mutex
	// markerPresent: the clean-shutdown marker of the last Close is still on
	// disk and must be removed (durably) before the first change.
	markerPresent bool

	syncMu sync.Mutex // serialises Sync with itself and with TruncateTo/Close

	mu struct {
		sync.Mutex
		config         Config
		segments       []*segment // by base offset; the last is the active segment
		logStartOffset int64
		logEndOffset   int64
		size           int64
		epochs         epochCache
		dirty          []*segment // segments written or sealed since the last Sync
		dirDirty       bool       // segment files created or removed since the last Sync
		durable        int64      // everything below is on stable storage
		closed         bool
		failed         error // sticky: a write or fsync failed, the log accepts no more writes
	}
}

var _ LogAPI = (*Log)(nil)

// Validate checks a Config for values the log cannot work with.
func (c Config) Validate() error {
	switch {
	case c.SegmentBytes < record.HeaderSize || c.SegmentBytes > math.MaxInt32:
		return fmt.Errorf("segment.bytes %d outside [%d, %d]", c.SegmentBytes, record.HeaderSize, math.MaxInt32)
	case c.SegmentMs <= 0:
		return fmt.Errorf("segment.ms %v must be positive", c.SegmentMs)
	case c.SegmentJitterMs < 0:
		return fmt.Errorf("segment.jitter.ms %v must not be negative", c.SegmentJitterMs)
	case c.SegmentIndexBytes < offsetEntrySize:
		return fmt.Errorf("segment.index.bytes %d below %d", c.SegmentIndexBytes, offsetEntrySize)
	case c.IndexIntervalBytes < 0:
		return fmt.Errorf("index.interval.bytes %d must not be negative", c.IndexIntervalBytes)
	case c.FileDeleteDelay < 0:
		return fmt.Errorf("file.delete.delay.ms %v must not be negative", c.FileDeleteDelay)
	}
	return nil
}

// maxOffsetEntries and maxTimeEntries are the index capacities. At least
// two time entries are kept, since the last slot is reserved for the entry
// written on roll (as in Kafka's TimeIndex.isFull).
func (c *Config) maxOffsetEntries() int { return int(max(c.SegmentIndexBytes/offsetEntrySize, 1)) }
func (c *Config) maxTimeEntries() int   { return int(max(c.SegmentIndexBytes/timeEntrySize, 2)) }

// randomJitter is Kafka's per-segment roll jitter: uniform in
// [0, min(segment.jitter.ms, segment.ms)).
func randomJitter(c *Config) time.Duration {
	limit := min(c.SegmentJitterMs, c.SegmentMs)
	if limit <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(limit)))
}

// Dir returns the partition directory.
func (l *Log) Dir() string { return l.dir }

// Config returns the configuration in force.
func (l *Log) Config() Config {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.config
}

// SetConfig replaces the configuration. An invalid configuration is
// ignored with a warning: callers validate with Config.Validate first.
func (l *Log) SetConfig(c Config) {
	if err := c.Validate(); err != nil {
		l.logger.Warn("ignoring invalid log configuration", "err", err)
		return
	}
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	l.mu.Lock()
	l.mu.config = c
	l.mu.Unlock()
}

// LogStartOffset returns the first offset readable from the log.
func (l *Log) LogStartOffset() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.logStartOffset
}

// LogEndOffset returns the offset the next appended record gets.
func (l *Log) LogEndOffset() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.logEndOffset
}

// DurableOffset returns the offset below which everything was on stable
// storage at the last Sync (or Open).
func (l *Log) DurableOffset() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.durable
}

// Size returns the bytes of all segments.
func (l *Log) Size() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.size
}

// SegmentCount returns the number of segments.
func (l *Log) SegmentCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.mu.segments)
}

// EndOffsetForEpoch answers OffsetForLeaderEpoch; see LogAPI.
func (l *Log) EndOffsetForEpoch(epoch int32) (int32, int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.epochs.endOffsetFor(epoch, l.mu.logEndOffset)
}

// Epochs returns a copy of the leader-epoch cache.
func (l *Log) Epochs() []EpochEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.epochs.clone()
}

// active returns the active segment; the caller holds appendMu or mu.
func (l *Log) active() *segment { return l.mu.segments[len(l.mu.segments)-1] }

// writableLocked reports whether the log accepts changes; the caller holds
// appendMu. It also removes the clean-shutdown marker before the first
// change, so that a crash after it is recovered as unclean.
func (l *Log) writableLocked() error {
	l.mu.Lock()
	closed, failed := l.mu.closed, l.mu.failed
	l.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if failed != nil {
		return fmt.Errorf("log %s failed earlier: %w", l.dir, failed)
	}
	if l.markerPresent {
		if err := removeMarker(l.dir); err != nil {
			return err
		}
		l.markerPresent = false
	}
	return nil
}

// fail makes an I/O error sticky: after a failed write or fsync the page
// cache may no longer match the file, so the log refuses further writes
// and syncs until it is reopened (and recovered).
func (l *Log) fail(err error) error {
	l.mu.Lock()
	if l.mu.failed == nil {
		l.mu.failed = err
	}
	l.mu.Unlock()
	l.logger.Error("log failed", "err", err)
	return err
}

// markDirtyLocked queues s for the next Sync; the caller holds mu.
func (l *Log) markDirtyLocked(s *segment) {
	if !s.dirty {
		s.dirty = true
		l.mu.dirty = append(l.mu.dirty, s)
	}
}

// floorSegmentLocked returns the index of the segment that would hold
// offset: the last one whose base is <= offset (0 if none).
func (l *Log) floorSegmentLocked(offset int64) int {
	segs := l.mu.segments
	i := sort.Search(len(segs), func(i int) bool { return segs[i].base > offset })
	return max(i-1, 0)
}
