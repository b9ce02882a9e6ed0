package storage

import (
	"fmt"
)

// TruncateTo removes everything at and after offset; see LogAPI. As in
// Kafka, an offset below the first segment empties the log and restarts it
// at offset, and a log start offset above offset comes down to it. The
// truncation is durable when TruncateTo returns: the cut segment is
// fdatasynced and the directory synced, so that a crash cannot bring back
// a divergent suffix that a follower had removed.
func (l *Log) TruncateTo(offset int64) error {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	if l.isClosed() {
		return ErrClosed
	}
	if offset < 0 {
		return fmt.Errorf("truncate to negative offset %d: %w", offset, ErrOffsetOutOfRange)
	}
	leo := l.mu.logEndOffset
	if offset > leo {
		return fmt.Errorf("truncate to %d past the log end %d: %w", offset, leo, ErrOffsetOutOfRange)
	}
	if offset == leo {
		// Kafka trims the epoch cache even then: a leader may have recorded
		// an epoch it never wrote a batch in.
		return l.truncateEpochsLocked(leo)
	}
	if err := l.writableLocked(); err != nil {
		return err
	}
	if offset < l.mu.segments[0].base {
		return l.truncateFullyLocked(offset)
	}
	return l.truncateLocked(offset)
}

// TruncateFullyAndStartAt removes all data and restarts the log, empty, at
// offset (log start and end): a follower whose log is entirely below the
// leader's log start offset.
func (l *Log) TruncateFullyAndStartAt(offset int64) error {
	if offset < 0 {
		return fmt.Errorf("restart log at negative offset %d: %w", offset, ErrOffsetOutOfRange)
	}
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	if err := l.writableLocked(); err != nil {
		return err
	}
	return l.truncateFullyLocked(offset)
}

func (l *Log) truncateEpochsLocked(end int64) error {
	l.mu.Lock()
	changed := l.mu.epochs.truncateFromEnd(end)
	l.mu.Unlock()
	if !changed {
		return nil
	}
	return l.writeEpochsLocked()
}

func (l *Log) truncateLocked(offset int64) error {
	i := l.floorSegmentLocked(offset)
	seg := l.mu.segments[i]
	later := append([]*segment(nil), l.mu.segments[i+1:]...)
	st, offsets, times, err := l.truncatedState(seg, offset)
	if err != nil {
		return err
	}
	if err := seg.log.Truncate(st.size); err != nil {
		return l.fail(fmt.Errorf("truncate %s: %w", seg.log.Name(), err))
	}
	if err := writeIndexFiles(seg, offsets, times); err != nil {
		return l.fail(err)
	}
	if err := fdatasync(seg.log); err != nil {
		return l.fail(fmt.Errorf("truncate: %w", err))
	}
	seg.unseal()
	l.mu.Lock()
	var removed int64
	for _, s := range later {
		removed += s.st.size
		l.removeDirtyLocked(s)
	}
	l.mu.size -= removed + (seg.st.size - st.size)
	seg.st = st
	l.mu.segments = l.mu.segments[:i+1]
	l.mu.logEndOffset = st.nextOffset
	l.mu.logStartOffset = min(l.mu.logStartOffset, st.nextOffset)
	l.mu.durable = min(l.mu.durable, st.nextOffset)
	l.mu.Unlock()
	l.logger.Info("truncated log", "offset", offset, "log_end_offset", st.nextOffset, "segments_removed", len(later))
	err = l.retireLocked(later)
	if len(later) > 0 {
		if serr := syncDir(l.dir); serr != nil {
			return l.fail(serr)
		}
	}
	if eerr := l.truncateEpochsLocked(st.nextOffset); err == nil {
		err = eerr
	}
	return err
}

// truncatedState computes a segment's state after cutting it at the batch
// holding offset, and its index entries. The log end becomes offset when it
// falls on a batch boundary or in a gap; inside a batch (which a follower's
// epoch-based truncation never asks for) the whole batch goes.
func (l *Log) truncatedState(seg *segment, offset int64) (segState, []byte, []byte, error) {
	v := segView{seg: seg, st: seg.st}
	offIdx, timeIdx := l.indexViews(&v)
	h, pos, err := l.seekBatch(&v, offIdx, offset)
	next := offset
	switch {
	case err == errEndOfSegment:
		pos = v.st.size
	case err != nil:
		return segState{}, nil, nil, err
	case h.BaseOffset < offset:
		next = h.BaseOffset
	}
	offsets, err := offIdx.readAll()
	if err != nil {
		offsets = nil // rebuilt sparser from what follows; lookups stay correct
	}
	times, err := timeIdx.readAll()
	if err != nil {
		times = nil
	}
	k := 0
	for k < len(offsets)/offsetEntrySize {
		if _, p := offsetEntry(offsets[k*offsetEntrySize:]); int64(p) >= pos {
			break
		}
		k++
	}
	offsets = offsets[:k*offsetEntrySize]
	j := 0
	for j < len(times)/timeEntrySize {
		if _, rel := timeEntry(times[j*timeEntrySize:]); seg.base+int64(rel) >= next {
			break
		}
		j++
	}
	times = times[:j*timeEntrySize]

	st := emptyState(seg.base, seg.st.created)
	if seg.st.sealed || pos == 0 {
		st.created = l.now()
	}
	st.size, st.nextOffset = pos, max(next, seg.base)
	st.offsets = indexState{flushed: k}
	st.times = indexState{flushed: j}
	var scanFrom int64
	if k > 0 {
		_, p := offsetEntry(offsets[(k-1)*offsetEntrySize:])
		scanFrom = int64(p)
	}
	st.bytesSinceIndex = pos - scanFrom
	if j > 0 {
		ts, rel := timeEntry(times[(j-1)*timeEntrySize:])
		st.maxTimestamp, st.offsetOfMaxTimestamp, st.lastTimeEntry = ts, seg.base+int64(rel), ts
	}
	if err := l.scanTimestamps(seg, &st, scanFrom); err != nil {
		return segState{}, nil, nil, err
	}
	return st, offsets, times, nil
}

// scanTimestamps completes a truncated state from the batch headers the
// time index does not cover: those from the last offset index entry on.
func (l *Log) scanTimestamps(seg *segment, st *segState, from int64) error {
	var sc scanner
	sc.init(seg.log, st.size, readChunkBytes)
	defer sc.close()
	for pos := from; pos < st.size; {
		h, err := sc.header(pos)
		if err != nil {
			return fmt.Errorf("truncate %s: %w", seg.log.Name(), err)
		}
		if h.MaxTimestamp > st.maxTimestamp {
			st.maxTimestamp, st.offsetOfMaxTimestamp = h.MaxTimestamp, h.LastOffset()
		}
		pos += int64(h.Size())
	}
	if st.size > 0 {
		h, err := sc.header(0)
		if err != nil {
			return fmt.Errorf("truncate %s: %w", seg.log.Name(), err)
		}
		st.firstTimestamp = h.MaxTimestamp
	}
	return nil
}

// truncateFullyLocked replaces every segment with an empty one at offset.
// The old files are renamed before the new ones are created, since the new
// segment may reuse a name.
func (l *Log) truncateFullyLocked(offset int64) error {
	l.mu.Lock()
	gone := l.mu.segments
	l.mu.Unlock()
	for _, s := range gone {
		if _, err := s.renameDeleted(); err != nil {
			return l.fail(fmt.Errorf("restart log at %d: %w", offset, err))
		}
	}
	seg, err := createSegment(l.dir, offset, l.now(), &l.mu.config)
	if err != nil {
		return l.fail(err)
	}
	if err := syncDir(l.dir); err != nil {
		return l.fail(err)
	}
	l.mu.Lock()
	for _, s := range gone {
		l.removeDirtyLocked(s)
	}
	l.mu.segments = []*segment{seg}
	l.mu.logStartOffset, l.mu.logEndOffset = offset, offset
	l.mu.size = 0
	l.mu.durable = offset
	l.mu.epochs = epochCache{}
	l.mu.Unlock()
	l.logger.Info("restarted log", "offset", offset, "segments_removed", len(gone))
	for _, s := range gone {
		l.deleter.schedule(deletedPaths(s), l.mu.config.FileDeleteDelay)
		s.release()
	}
	return l.writeEpochsLocked()
}

func deletedPaths(s *segment) []string {
	return []string{
		s.path(logSuffix + deletedSuffix),
		s.path(indexSuffix + deletedSuffix),
		s.path(timeIndexSuffix + deletedSuffix),
	}
}
