package storage

import (
	"fmt"
)

// Sync makes everything appended before the call durable and returns the
// offset below which the log is durable; see LogAPI.
//
// It holds Log.mu only to take the queue of segments written since the
// last Sync (and the log end offset they cover), then fdatasyncs them
// without locks, so appends continue meanwhile and land in the next Sync.
// A segment sealed by a roll is in the queue with its index files, and the
// directory is synced when segments were created, so the offset returned
// never counts data in a segment that a crash could lose.
//
// The caller runs the group commit: it calls Sync in a loop while appends
// accumulate. A failed fsync fails the log (see Log.fail).
func (l *Log) Sync() (int64, error) {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	return l.syncLocked()
}

type syncJob struct {
	seg     *segment
	indexes bool
}

func (l *Log) syncLocked() (int64, error) {
	l.mu.Lock()
	if l.mu.closed {
		l.mu.Unlock()
		return 0, ErrClosed
	}
	if l.mu.failed != nil {
		err := l.mu.failed
		l.mu.Unlock()
		return 0, fmt.Errorf("log %s failed earlier: %w", l.dir, err)
	}
	target := l.mu.logEndOffset
	if len(l.mu.dirty) == 0 && !l.mu.dirDirty {
		l.mu.durable = max(l.mu.durable, target)
		l.mu.Unlock()
		return target, nil
	}
	jobs := make([]syncJob, 0, len(l.mu.dirty))
	for _, s := range l.mu.dirty {
		s.acquire()
		jobs = append(jobs, syncJob{seg: s, indexes: s.needIndexSync})
		s.dirty, s.needIndexSync = false, false
	}
	l.mu.dirty = nil
	dirDirty := l.mu.dirDirty
	l.mu.dirDirty = false
	l.mu.Unlock()

	var err error
	for _, j := range jobs {
		if err == nil {
			err = syncSegment(j)
		}
		j.seg.release()
	}
	if err == nil && dirDirty {
		err = syncDir(l.dir)
	}
	if err != nil {
		return 0, l.fail(fmt.Errorf("sync: %w", err))
	}
	l.mu.Lock()
	l.mu.durable = max(l.mu.durable, target)
	l.mu.Unlock()
	return target, nil
}

func syncSegment(j syncJob) error {
	if err := fdatasync(j.seg.log); err != nil {
		return err
	}
	if !j.indexes {
		return nil
	}
	off, tim, err := j.seg.indexFiles(false)
	if err != nil {
		return err
	}
	if err := fdatasync(off); err != nil {
		return err
	}
	return fdatasync(tim)
}
