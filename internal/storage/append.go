package storage

import (
	"fmt"
	"math"
	"os"
	"time"

	"samsa/internal/record"
)

// Append writes one batch at the log end; see LogAPI. The batch must be
// exactly one v2 batch; its base offset and leader epoch are rewritten in
// place (the CRC does not cover them). The common case is one pwrite.
func (l *Log) Append(batch []byte, epoch int32) (AppendInfo, error) {
	h, err := record.ParseHeader(batch)
	if err != nil {
		return AppendInfo{}, fmt.Errorf("append: %w", err)
	}
	if h.Size() != len(batch) || h.LastOffsetDelta < 0 {
		return AppendInfo{}, fmt.Errorf("append: batch of %d bytes says %d, last offset delta %d",
			len(batch), h.Size(), h.LastOffsetDelta)
	}
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	if err := l.writableLocked(); err != nil {
		return AppendInfo{}, err
	}
	cfg := &l.mu.config
	if int64(len(batch)) > cfg.SegmentBytes {
		return AppendInfo{}, fmt.Errorf("append %d bytes: %w", len(batch), ErrRecordBatchTooLarge)
	}
	base := l.mu.logEndOffset
	if base > math.MaxInt64-int64(h.LastOffsetDelta)-1 {
		return AppendInfo{}, fmt.Errorf("append: offset %d overflows", base)
	}
	record.SetBaseOffset(batch, base)
	record.SetPartitionLeaderEpoch(batch, epoch)
	h.BaseOffset, h.PartitionLeaderEpoch = base, epoch
	if err := l.assignEpochLocked(epoch, base); err != nil {
		return AppendInfo{}, err
	}
	seg, err := l.segmentForLocked(&h, len(batch))
	if err != nil {
		return AppendInfo{}, err
	}
	st := seg.st
	pos := st.size
	accountBatch(&st, seg.base, &h, pos, cfg)
	if err := l.writeLocked(seg, batch, pos); err != nil {
		return AppendInfo{}, err
	}
	l.publishLocked(seg, st, int64(len(batch)))
	return AppendInfo{BaseOffset: base, LastOffset: h.LastOffset(), MaxTimestamp: h.MaxTimestamp, Position: pos}, nil
}

// AppendWithOffsets writes batches that carry their offsets and epochs;
// see LogAPI. Batches are written in one pwrite per segment they land in.
// Only their framing and offsets are checked here; the caller (the replica
// fetcher, the metadata quorum) checks CRCs as it receives them.
func (l *Log) AppendWithOffsets(batches []byte) (AppendInfo, error) {
	info, err := checkBatches(batches)
	if err != nil {
		return AppendInfo{}, err
	}
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	if err := l.writableLocked(); err != nil {
		return AppendInfo{}, err
	}
	cfg := &l.mu.config
	if info.BaseOffset < l.mu.logEndOffset {
		return AppendInfo{}, fmt.Errorf("append: first offset %d below the log end offset %d", info.BaseOffset, l.mu.logEndOffset)
	}
	info.Position = -1
	seg := l.active()
	st := seg.st
	groupStart, groupPos := 0, st.size
	for p := 0; p < len(batches); {
		h, _ := record.ParseHeader(batches[p:]) // checked by checkBatches
		size := h.Size()
		if int64(size) > cfg.SegmentBytes {
			return AppendInfo{}, fmt.Errorf("append %d bytes at offset %d: %w", size, h.BaseOffset, ErrRecordBatchTooLarge)
		}
		if err := l.assignEpochLocked(h.PartitionLeaderEpoch, h.BaseOffset); err != nil {
			return AppendInfo{}, err
		}
		if l.shouldRollLocked(seg, &st, &h, size) || overflows(seg, &st, &h) {
			if p > groupStart {
				if err := l.writeLocked(seg, batches[groupStart:p], groupPos); err != nil {
					return AppendInfo{}, err
				}
				l.publishLocked(seg, st, int64(p-groupStart))
			}
			if seg, err = l.rollLocked(h.BaseOffset); err != nil {
				return AppendInfo{}, err
			}
			st = seg.st
			groupStart, groupPos = p, st.size
		}
		if info.Position < 0 {
			info.Position = st.size
		}
		accountBatch(&st, seg.base, &h, st.size, cfg)
		p += size
	}
	if err := l.writeLocked(seg, batches[groupStart:], groupPos); err != nil {
		return AppendInfo{}, err
	}
	l.publishLocked(seg, st, int64(len(batches)-groupStart))
	return info, nil
}

// checkBatches checks the framing of a run of batches with assigned
// offsets: whole batches, increasing offsets (gaps allowed, as compaction
// leaves them). It returns their offsets and largest timestamp.
func checkBatches(b []byte) (AppendInfo, error) {
	info := AppendInfo{BaseOffset: -1, MaxTimestamp: -1}
	next := int64(-1)
	for p := 0; p < len(b); {
		h, err := record.ParseHeader(b[p:])
		if err != nil {
			return info, fmt.Errorf("append: batch at byte %d: %w", p, err)
		}
		if h.Size() > len(b)-p || h.LastOffsetDelta < 0 || h.BaseOffset < 0 ||
			h.BaseOffset > math.MaxInt64-int64(h.LastOffsetDelta)-1 {
			return info, fmt.Errorf("append: malformed batch at byte %d (size %d of %d left, offsets %d+%d)",
				p, h.Size(), len(b)-p, h.BaseOffset, h.LastOffsetDelta)
		}
		if h.BaseOffset < next {
			return info, fmt.Errorf("append: batch offset %d follows offset %d", h.BaseOffset, next-1)
		}
		if info.BaseOffset < 0 {
			info.BaseOffset = h.BaseOffset
		}
		info.LastOffset = h.LastOffset()
		info.MaxTimestamp = max(info.MaxTimestamp, h.MaxTimestamp)
		next = h.NextOffset()
		p += h.Size()
	}
	if info.BaseOffset < 0 {
		return info, fmt.Errorf("append: no batches")
	}
	return info, nil
}

// assignEpochLocked records a batch's leader epoch in the cache and the
// checkpoint when it is new. The cache only changes under appendMu, so the
// check needs no lock.
func (l *Log) assignEpochLocked(epoch int32, start int64) error {
	if !l.mu.epochs.needsAssign(epoch, start) {
		return nil
	}
	l.mu.Lock()
	changed := l.mu.epochs.assign(epoch, start)
	l.mu.Unlock()
	if !changed {
		return nil
	}
	return l.writeEpochsLocked()
}

// segmentForLocked returns the segment a batch goes to, rolling first when
// needed.
func (l *Log) segmentForLocked(h *record.Header, size int) (*segment, error) {
	seg := l.active()
	if l.shouldRollLocked(seg, &seg.st, h, size) || overflows(seg, &seg.st, h) {
		return l.rollLocked(h.BaseOffset)
	}
	return seg, nil
}

// shouldRollLocked is Kafka's LogSegment.shouldRoll: the batch would push
// the segment past segment.bytes, the segment is older than segment.ms
// minus its jitter, or an index is full. An empty segment never rolls.
func (l *Log) shouldRollLocked(seg *segment, st *segState, h *record.Header, size int) bool {
	if st.size == 0 {
		return false
	}
	cfg := &l.mu.config
	if st.size > cfg.SegmentBytes-int64(size) ||
		st.offsets.count(offsetEntrySize) >= cfg.maxOffsetEntries() ||
		st.times.count(timeEntrySize) >= cfg.maxTimeEntries()-1 ||
		h.LastOffset()-seg.base > math.MaxInt32 {
		return true
	}
	limit := cfg.SegmentMs - seg.rollJitter
	if st.firstTimestamp >= 0 { // the common case needs no clock read
		return time.Duration(h.MaxTimestamp-st.firstTimestamp)*time.Millisecond > limit
	}
	return st.timeWaitedForRoll(l.now(), h.MaxTimestamp) > limit
}

// overflows reports a batch whose offsets do not fit the relative offsets
// of an (empty) segment: a follower's batch after a large gap.
func overflows(seg *segment, st *segState, h *record.Header) bool {
	return st.size == 0 && h.LastOffset()-seg.base > math.MaxInt32
}

// accountBatch folds a batch written at pos into the segment state: sizes,
// offsets, timestamps and index entries, as Kafka's LogSegment.append.
func accountBatch(st *segState, base int64, h *record.Header, pos int64, cfg *Config) {
	if st.size == 0 {
		st.firstTimestamp = h.MaxTimestamp
	}
	if h.MaxTimestamp > st.maxTimestamp {
		st.maxTimestamp, st.offsetOfMaxTimestamp = h.MaxTimestamp, h.LastOffset()
	}
	if st.bytesSinceIndex > cfg.IndexIntervalBytes {
		st.offsets.tail = appendOffsetEntry(st.offsets.tail, int32(h.LastOffset()-base), int32(pos))
		if st.maxTimestamp > st.lastTimeEntry {
			st.times.tail = appendTimeEntry(st.times.tail, st.maxTimestamp, int32(st.offsetOfMaxTimestamp-base))
			st.lastTimeEntry = st.maxTimestamp
		}
		st.bytesSinceIndex = 0
	}
	size := int64(h.Size())
	st.bytesSinceIndex += size
	st.size += size
	st.nextOffset = h.NextOffset()
}

// writeLocked writes data at pos. A failed write is undone by truncating the
// file back, so that no partial batch stays behind the published end; when
// even that fails the log fails.
func (l *Log) writeLocked(seg *segment, data []byte, pos int64) error {
	if _, err := seg.log.WriteAt(data, pos); err != nil {
		if terr := seg.log.Truncate(pos); terr != nil {
			return l.fail(fmt.Errorf("append to %s: %w (and truncating back: %v)", seg.log.Name(), err, terr))
		}
		return fmt.Errorf("append to %s: %w", seg.log.Name(), err)
	}
	return nil
}

// publishLocked makes written bytes visible to readers and to Sync. Index
// entries past indexTailFlushBytes are written out first, so memory stays
// bounded between rolls.
func (l *Log) publishLocked(seg *segment, st segState, written int64) {
	if len(st.offsets.tail) >= indexTailFlushBytes || len(st.times.tail) >= indexTailFlushBytes {
		l.flushIndexTails(seg, &st)
	}
	l.mu.Lock()
	seg.st = st
	l.mu.logEndOffset = st.nextOffset
	l.mu.size += written
	l.markDirtyLocked(seg)
	l.mu.Unlock()
}

// flushIndexTails writes the in-memory index entries to the files. A
// failure is not the data's: the entries stay in memory and are retried.
func (l *Log) flushIndexTails(seg *segment, st *segState) {
	off, tim, err := seg.indexFiles(true)
	if err == nil {
		var o, t indexState
		if o, err = writeIndexTail(off, st.offsets, offsetEntrySize); err == nil {
			st.offsets = o
			if t, err = writeIndexTail(tim, st.times, timeEntrySize); err == nil {
				st.times = t
			}
		}
	}
	if err != nil {
		l.logger.Warn("cannot write index entries; keeping them in memory", "segment", seg.log.Name(), "err", err)
	}
}

// rollLocked starts a new active segment at max(newBase, log end offset):
// it seals the current one (final time index entry, index files written
// and trimmed) and creates the new files. An empty active segment is
// replaced instead, as Kafka does when a follower's batch jumps far ahead.
func (l *Log) rollLocked(newBase int64) (*segment, error) {
	old := l.active()
	newBase = max(newBase, l.mu.logEndOffset)
	cfg := &l.mu.config
	if old.st.size == 0 {
		if old.base == newBase {
			return old, nil
		}
		return l.replaceEmptyActiveLocked(old, newBase)
	}
	st := old.st
	if err := l.sealLocked(old, &st); err != nil {
		return nil, err
	}
	seg, err := createSegment(l.dir, newBase, l.now(), cfg)
	if err != nil {
		return nil, err
	}
	old.setSealed(&st)
	l.mu.Lock()
	old.st = st
	old.needIndexSync = true
	l.markDirtyLocked(old)
	l.mu.segments = append(l.mu.segments, seg)
	l.mu.logEndOffset = newBase
	l.mu.dirDirty = true
	l.mu.Unlock()
	l.logger.Debug("rolled segment", "base_offset", newBase, "previous_size", st.size)
	return seg, nil
}

func (l *Log) replaceEmptyActiveLocked(old *segment, newBase int64) (*segment, error) {
	paths, err := old.renameDeleted()
	if err != nil {
		return nil, fmt.Errorf("roll: %w", err)
	}
	seg, err := createSegment(l.dir, newBase, l.now(), &l.mu.config)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.mu.segments[len(l.mu.segments)-1] = seg
	l.mu.logEndOffset = newBase
	l.mu.dirDirty = true
	l.removeDirtyLocked(old)
	l.mu.Unlock()
	l.deleter.schedule(paths, l.mu.config.FileDeleteDelay)
	old.release()
	return seg, nil
}

// sealLocked ends a segment's life as the active one: the time index gets
// the segment's largest timestamp (readers of sealed segments take it from
// there), and both index files are written out and trimmed.
func (l *Log) sealLocked(seg *segment, st *segState) error {
	if st.maxTimestamp > st.lastTimeEntry {
		st.times.tail = appendTimeEntry(st.times.tail, st.maxTimestamp, int32(st.offsetOfMaxTimestamp-seg.base))
		st.lastTimeEntry = st.maxTimestamp
	}
	off, tim, err := seg.indexFiles(true)
	if err != nil {
		return fmt.Errorf("seal segment: %w", err)
	}
	o, err := writeIndexTail(off, st.offsets, offsetEntrySize)
	if err != nil {
		return err
	}
	t, err := writeIndexTail(tim, st.times, timeEntrySize)
	if err != nil {
		return err
	}
	for _, w := range []struct {
		f    *os.File
		size int64
	}{{off, int64(o.flushed * offsetEntrySize)}, {tim, int64(t.flushed * timeEntrySize)}} {
		if err := w.f.Truncate(w.size); err != nil {
			return fmt.Errorf("seal segment: %w", err)
		}
	}
	st.offsets, st.times = o, t
	st.sealed = true
	return nil
}

// removeDirtyLocked drops a removed segment from the Sync queue; the caller
// holds mu.
func (l *Log) removeDirtyLocked(s *segment) {
	if !s.dirty {
		return
	}
	s.dirty = false
	for i, d := range l.mu.dirty {
		if d == s {
			l.mu.dirty = append(l.mu.dirty[:i:i], l.mu.dirty[i+1:]...)
			return
		}
	}
}
