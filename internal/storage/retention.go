package storage

import (
	"fmt"
	"time"
)

// ApplyRetention applies Kafka's deletion rules in Kafka's order: segments
// wholly below the log start offset, then retention.bytes, then
// retention.ms; see LogAPI. limit is the high watermark: a segment is
// deleted only when all of it lies below limit. When every segment
// qualifies, the active one is rolled first so that the log keeps an
// (empty) active segment at its end. An active segment older than
// segment.ms is rolled even when nothing is appended.
func (l *Log) ApplyRetention(limit int64) (int, error) {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	if l.isClosed() {
		return 0, ErrClosed
	}
	cfg := l.mu.config
	now := l.now()
	act := l.active()
	if act.st.size > 0 && act.st.timeWaitedForRoll(now, now.UnixMilli()) > cfg.SegmentMs-act.rollJitter {
		if err := l.writableLocked(); err != nil {
			return 0, err
		}
		if _, err := l.rollLocked(l.mu.logEndOffset); err != nil {
			return 0, err
		}
	}
	total := 0
	n, err := l.deleteOldSegmentsLocked(limit, func(s, next *segment) bool {
		return next != nil && next.base <= l.mu.logStartOffset
	})
	total += n
	if err != nil {
		return total, err
	}
	if cfg.RetentionBytes >= 0 && l.mu.size > cfg.RetentionBytes {
		diff := l.mu.size - cfg.RetentionBytes
		n, err = l.deleteOldSegmentsLocked(limit, func(s, _ *segment) bool {
			if diff-s.st.size < 0 {
				return false
			}
			diff -= s.st.size
			return true
		})
		total += n
		if err != nil {
			return total, err
		}
	}
	if cfg.RetentionMs >= 0 {
		n, err = l.deleteOldSegmentsLocked(limit, func(s, _ *segment) bool {
			return now.Sub(l.largestTimestamp(s)) > cfg.RetentionMs
		})
		total += n
	}
	return total, err
}

func (l *Log) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.closed
}

// largestTimestamp is Kafka's LogSegment.largestTimestamp: the largest
// record timestamp, or the file's modification time when no batch has one.
func (l *Log) largestTimestamp(s *segment) time.Time {
	ts := s.st.maxTimestamp
	if s.st.sealed {
		var err error
		if ts, _, err = s.sealedMaxTimestamp(s.st.size, l); err != nil {
			l.logger.Warn("cannot read segment's largest timestamp", "segment", s.log.Name(), "err", err)
			return l.now().Add(100 * 365 * 24 * time.Hour) // unknown: keep it
		}
	}
	if ts >= 0 {
		return time.UnixMilli(ts)
	}
	fi, err := s.log.Stat()
	if err != nil {
		return l.now()
	}
	return fi.ModTime()
}

// deleteOldSegmentsLocked deletes segments from the oldest on while pred
// holds and the segment lies wholly below limit (Kafka's deletableSegments).
// An empty active segment is never deleted.
func (l *Log) deleteOldSegmentsLocked(limit int64, pred func(s, next *segment) bool) (int, error) {
	segs := l.mu.segments
	n := 0
	for i, s := range segs {
		var next *segment
		upper := l.mu.logEndOffset
		if i+1 < len(segs) {
			next = segs[i+1]
			upper = next.base
		}
		if limit < upper || (next == nil && s.st.size == 0) || !pred(s, next) {
			break
		}
		n++
	}
	if n == 0 {
		return 0, nil
	}
	if err := l.writableLocked(); err != nil {
		return 0, err
	}
	if n == len(segs) {
		if _, err := l.rollLocked(l.mu.logEndOffset); err != nil {
			return 0, err
		}
	}
	return n, l.removeOldestLocked(n)
}

// removeOldestLocked drops the n oldest segments: the log start offset
// moves up to the next segment's base, the segments leave the list (readers
// holding them keep reading), and their files are renamed .deleted and
// removed after file.delete.delay.
func (l *Log) removeOldestLocked(n int) error {
	l.mu.Lock()
	gone := l.mu.segments[:n:n]
	l.mu.segments = l.mu.segments[n:]
	l.mu.logStartOffset = max(l.mu.logStartOffset, l.mu.segments[0].base)
	for _, s := range gone {
		l.mu.size -= s.st.size
		l.removeDirtyLocked(s)
	}
	epochsChanged := l.mu.epochs.truncateFromStart(l.mu.logStartOffset)
	l.mu.Unlock()
	err := l.retireLocked(gone)
	if epochsChanged {
		if werr := l.writeEpochsLocked(); err == nil {
			err = werr
		}
	}
	return err
}

// retireLocked renames removed segments for deletion and drops the log's
// references to them.
func (l *Log) retireLocked(gone []*segment) error {
	var first error
	for _, s := range gone {
		paths, err := s.renameDeleted()
		if err != nil && first == nil {
			first = fmt.Errorf("delete segment %s: %w", s.path(logSuffix), err)
		}
		l.deleter.schedule(paths, l.mu.config.FileDeleteDelay)
		s.release()
	}
	return first
}

// DeleteRecordsBefore raises the log start offset; see LogAPI.
func (l *Log) DeleteRecordsBefore(offset int64) error {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	if l.isClosed() {
		return ErrClosed
	}
	if offset > l.mu.logEndOffset {
		return fmt.Errorf("delete records before %d past the log end %d: %w", offset, l.mu.logEndOffset, ErrOffsetOutOfRange)
	}
	if offset <= l.mu.logStartOffset {
		return nil
	}
	if err := l.writableLocked(); err != nil {
		return err
	}
	l.mu.Lock()
	l.mu.logStartOffset = offset
	changed := l.mu.epochs.truncateFromStart(offset)
	l.mu.Unlock()
	if changed {
		if err := l.writeEpochsLocked(); err != nil {
			return err
		}
	}
	_, err := l.deleteOldSegmentsLocked(offset, func(_, next *segment) bool {
		return next != nil && next.base <= offset
	})
	return err
}
