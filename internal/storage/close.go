package storage

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Close makes the log durable and closes it; see LogAPI. After a clean
// close (everything synced, indexes written and synced) it leaves the
// clean-shutdown marker, so that the next Open skips recovery. Readers in
// flight finish on their own references. Closing twice is a no-op.
func (l *Log) Close() error {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	closed, failed := l.mu.closed, l.mu.failed
	l.mu.Unlock()
	if closed {
		return nil
	}
	var err error
	if failed == nil {
		err = l.closeCleanLocked()
	}
	l.shutLocked()
	if err != nil {
		return fmt.Errorf("close log %s: %w", l.dir, err)
	}
	return nil
}

// closeCleanLocked writes out the active segment's indexes (with the final
// time index entry, as Kafka's LogSegment.close), syncs everything and
// writes the marker.
func (l *Log) closeCleanLocked() error {
	act := l.active()
	st := act.st
	if st.maxTimestamp > st.lastTimeEntry {
		st.times.tail = appendTimeEntry(st.times.tail, st.maxTimestamp, int32(st.offsetOfMaxTimestamp-act.base))
		st.lastTimeEntry = st.maxTimestamp
	}
	off, tim, err := act.indexFiles(true)
	if err != nil {
		return err
	}
	if st.offsets, err = writeIndexTail(off, st.offsets, offsetEntrySize); err != nil {
		return err
	}
	if st.times, err = writeIndexTail(tim, st.times, timeEntrySize); err != nil {
		return err
	}
	if err := errors.Join(off.Truncate(int64(st.offsets.flushed*offsetEntrySize)),
		tim.Truncate(int64(st.times.flushed*timeEntrySize))); err != nil {
		return fmt.Errorf("trim index: %w", err)
	}
	l.mu.Lock()
	act.st = st
	leo := l.mu.logEndOffset
	l.mu.Unlock()
	if _, err := l.syncLocked(); err != nil {
		return err
	}
	if err := errors.Join(fdatasync(off), fdatasync(tim)); err != nil {
		return fmt.Errorf("sync index: %w", err)
	}
	m := shutdownMarker{logEndOffset: leo, activeBase: act.base, activeSize: st.size}
	if err := writeFileAtomic(filepath.Join(l.dir, cleanShutdownFile), m.encode()); err != nil {
		return err
	}
	l.markerPresent = false
	return nil
}

// shutLocked marks the log closed, stops the deleter and drops the log's
// references to its segments.
func (l *Log) shutLocked() {
	l.mu.Lock()
	l.mu.closed = true
	segs := l.mu.segments
	l.mu.dirty = nil
	l.mu.Unlock()
	l.deleter.close()
	for _, s := range segs {
		s.release()
	}
}

// Delete closes the log without syncing it, renames its directory to
// <topic>-<partition>.<id>-delete (as Kafka marks a log for deletion, so a
// crash part way leaves a directory the log manager recognises and
// removes) and removes it.
func (l *Log) Delete() error {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	if !l.isClosed() {
		l.shutLocked()
	}
	name := filepath.Base(l.dir)
	target := filepath.Join(filepath.Dir(l.dir), deleteDirNameFor(name))
	if err := os.Rename(l.dir, target); err != nil {
		return fmt.Errorf("delete log %s: %w", l.dir, err)
	}
	if err := syncDir(filepath.Dir(l.dir)); err != nil {
		return fmt.Errorf("delete log %s: %w", l.dir, err)
	}
	if err := os.RemoveAll(target); err != nil {
		return fmt.Errorf("delete log %s: %w", l.dir, err)
	}
	return nil
}

// deleteDirNameFor names the directory of a log being deleted.
func deleteDirNameFor(dirName string) string {
	if p, err := ParsePartitionDir(dirName); err == nil && p.Kind == DirLive {
		return DeleteDirName(p.Topic, p.Partition)
	}
	return dirName + "." + uniqueID() + DeleteDirSuffix
}

// uniqueID is Kafka's unique suffix: a random UUID in hex without dashes.
func uniqueID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b[:])
}
