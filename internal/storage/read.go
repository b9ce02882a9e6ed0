package storage

import (
	"encoding/binary"
	"fmt"
	"sort"

	"samsa/internal/record"
)

// segView is a reader's snapshot of one segment: a reference that keeps its
// files open and a copy of its state taken under Log.mu. Everything below
// st.size is immutable while the reference is held (truncation excepted,
// which readers tolerate by cutting what they read short).
type segView struct {
	seg *segment
	st  segState
}

func (l *Log) viewLocked(i int) segView {
	s := l.mu.segments[i]
	s.acquire()
	return segView{seg: s, st: s.st}
}

// Read returns whole batches from the segment holding offset; see LogAPI.
// Like Kafka it reads from one segment only: a fetch that reaches the end
// of a segment returns what it has, and the next fetch continues in the
// next segment. It holds no lock while reading the file.
func (l *Log) Read(offset int64, maxBytes int, maxOffset int64, minOneBatch bool) (ReadResult, error) {
	l.mu.Lock()
	if l.mu.closed {
		l.mu.Unlock()
		return ReadResult{}, ErrClosed
	}
	res := ReadResult{LogStartOffset: l.mu.logStartOffset, LogEndOffset: l.mu.logEndOffset}
	if offset < res.LogStartOffset || offset > res.LogEndOffset {
		l.mu.Unlock()
		return res, fmt.Errorf("read offset %d outside [%d, %d]: %w", offset, res.LogStartOffset, res.LogEndOffset, ErrOffsetOutOfRange)
	}
	maxOffset = min(maxOffset, res.LogEndOffset)
	if offset >= maxOffset {
		l.mu.Unlock()
		return res, nil
	}
	v := l.viewLocked(l.floorSegmentLocked(offset))
	l.mu.Unlock()
	for {
		data, found, err := l.readSegment(&v, offset, maxBytes, maxOffset, minOneBatch)
		base := v.seg.base
		v.seg.release()
		if err != nil || found {
			res.Batches = data
			return res, err
		}
		// Nothing at or after offset here (a gap, or a segment that ends
		// early): continue in the next segment.
		var ok bool
		if v, ok = l.nextView(base); !ok {
			return res, nil
		}
	}
}

// nextView returns a view of the segment after the one based at base.
func (l *Log) nextView(base int64) (segView, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	segs := l.mu.segments
	i := sort.Search(len(segs), func(i int) bool { return segs[i].base > base })
	if l.mu.closed || i == len(segs) {
		return segView{}, false
	}
	return l.viewLocked(i), true
}

// readSegment reads from one segment. found is false when the segment holds
// no batch at or after offset.
func (l *Log) readSegment(v *segView, offset int64, maxBytes int, maxOffset int64, minOneBatch bool) ([]byte, bool, error) {
	offIdx, _ := l.indexViews(v)
	h, pos, err := l.seekBatch(v, offIdx, offset)
	if err == errEndOfSegment {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if h.LastOffset() >= maxOffset {
		return nil, true, nil
	}
	n := min(v.st.size-pos, int64(max(maxBytes, 0)))
	if int64(h.Size()) > n {
		if !minOneBatch {
			return nil, true, nil
		}
		n = int64(h.Size())
	}
	buf := make([]byte, n)
	got, _ := v.seg.log.ReadAt(buf, pos)
	// A short read means a truncation cut the segment after the snapshot:
	// return the whole batches that were still there.
	return buf[:wholeBatches(buf[:got], maxOffset)], true, nil
}

// seekBatch finds the first batch whose last offset is >= offset, starting
// from the sparse index. A position from the index that does not lead to
// valid batches (a stale or corrupt index) is retried from the segment
// start before it counts as corruption.
func (l *Log) seekBatch(v *segView, offIdx indexView, offset int64) (record.Header, int64, error) {
	start, indexed, err := lookupPosition(offIdx, v.seg.base, offset)
	if err != nil || start >= v.st.size {
		start = 0
	}
	var sc scanner
	sc.init(v.seg.log, v.st.size, readChunkBytes)
	defer sc.close()
	if start > 0 {
		// The entry must name the batch it points at; one that does not
		// (a corrupt index) could skip data, so it is not followed.
		if h, err := sc.header(start); err != nil || h.LastOffset() != indexed {
			l.logger.Warn("index entry does not match the segment; scanning it from the start",
				"segment", v.seg.log.Name(), "position", start, "offset", indexed)
			start = 0
		}
	}
	h, pos, err := sc.seek(start, offset)
	if err != nil && err != errEndOfSegment {
		return h, pos, fmt.Errorf("read %s: %w", v.seg.log.Name(), err)
	}
	return h, pos, err
}

// indexViews returns searchable views of a segment's indexes. An index that
// cannot be opened is treated as empty: lookups then scan from the start.
func (l *Log) indexViews(v *segView) (offsets, times indexView) {
	offsets = indexView{entrySize: offsetEntrySize}
	times = indexView{entrySize: timeEntrySize}
	if v.st.sealed {
		info, err := v.seg.sealedIndexes(v.st.size, l)
		if err != nil {
			return offsets, times
		}
		return info.offsets, info.times
	}
	off, tim, err := v.seg.indexFiles(false)
	if err != nil {
		return offsets, times
	}
	offsets.f, offsets.flushed, offsets.tail = off, v.st.offsets.flushed, v.st.offsets.tail
	times.f, times.flushed, times.tail = tim, v.st.times.flushed, v.st.times.tail
	return offsets, times
}

// wholeBatches returns the length of the prefix of b made of whole batches
// whose last offset is below maxOffset.
func wholeBatches(b []byte, maxOffset int64) int {
	cut := 0
	for len(b)-cut >= record.HeaderSize {
		base := int64(binary.BigEndian.Uint64(b[cut:]))
		size := int(binary.BigEndian.Uint32(b[cut+8:])) + record.LengthOverhead
		lastDelta := int64(int32(binary.BigEndian.Uint32(b[cut+23:])))
		if size < record.HeaderSize || size > len(b)-cut || base+lastDelta >= maxOffset {
			break
		}
		cut += size
	}
	return cut
}
