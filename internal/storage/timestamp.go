package storage

import (
	"fmt"
	"math"

	"samsa/internal/record"
)

// OffsetForTimestamp returns the first record at or after the log start
// offset whose timestamp is >= ts; see LogAPI. Segments whose largest
// timestamp is below ts are skipped; in the first other one the time index
// gives a starting batch and the scan reads batch headers, then the records
// of the first batch whose max timestamp reaches ts (decompressing it if
// needed).
func (l *Log) OffsetForTimestamp(ts int64) (TimestampOffset, bool, error) {
	views, logStart, err := l.allViews()
	if err != nil {
		return TimestampOffset{}, false, err
	}
	defer releaseViews(views)
	for i := range views {
		v := &views[i]
		maxTs, err := l.viewMaxTimestamp(v)
		if err != nil {
			return TimestampOffset{}, false, err
		}
		if maxTs < ts || i+1 < len(views) && views[i+1].seg.base <= logStart {
			continue // nothing late enough, or wholly below the log start
		}
		r, found, err := l.searchTimestamp(v, ts, logStart)
		if err != nil || found {
			return r, found, err
		}
	}
	return TimestampOffset{}, false, nil
}

// MaxTimestamp returns the first record with the largest timestamp in the
// log; see LogAPI.
func (l *Log) MaxTimestamp() (TimestampOffset, bool, error) {
	views, _, err := l.allViews()
	if err != nil {
		return TimestampOffset{}, false, err
	}
	defer releaseViews(views)
	best, bestTs := -1, int64(-1)
	for i := range views {
		ts, err := l.viewMaxTimestamp(&views[i])
		if err != nil {
			return TimestampOffset{}, false, err
		}
		if ts > bestTs {
			best, bestTs = i, ts
		}
	}
	if best < 0 {
		return TimestampOffset{}, false, nil
	}
	return l.searchTimestamp(&views[best], bestTs, math.MinInt64)
}

func (l *Log) allViews() ([]segView, int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.closed {
		return nil, 0, ErrClosed
	}
	views := make([]segView, len(l.mu.segments))
	for i := range l.mu.segments {
		views[i] = l.viewLocked(i)
	}
	return views, l.mu.logStartOffset, nil
}

func releaseViews(views []segView) {
	for _, v := range views {
		v.seg.release()
	}
}

// viewMaxTimestamp returns a segment's largest timestamp (-1 when none).
func (l *Log) viewMaxTimestamp(v *segView) (int64, error) {
	if !v.st.sealed {
		return v.st.maxTimestamp, nil
	}
	ts, _, err := v.seg.sealedMaxTimestamp(v.st.size, l)
	return ts, err
}

// searchTimestamp is Kafka's LogSegment.findOffsetByTimestamp: the time
// index entry with the largest timestamp <= ts names the batch where the
// log's running maximum reached it, so no earlier batch holds a record at
// or above ts; the scan starts there (or at minOffset, if later).
func (l *Log) searchTimestamp(v *segView, ts, minOffset int64) (TimestampOffset, bool, error) {
	offIdx, timeIdx := l.indexViews(v)
	start := v.seg.base
	if _, off, ok, err := lookupTime(timeIdx, v.seg.base, ts); err == nil && ok {
		start = off
	}
	start = max(start, minOffset)
	h, pos, err := l.seekBatch(v, offIdx, start)
	var sc scanner
	sc.init(v.seg.log, v.st.size, readChunkBytes)
	defer sc.close()
	for err == nil {
		if h.LastOffset() >= minOffset && h.MaxTimestamp >= ts {
			b, err := sc.bytes(pos, h.Size())
			if err != nil {
				return TimestampOffset{}, false, err
			}
			off, rts, found, err := firstRecordAtOrAfter(b, h, ts, minOffset)
			if err != nil {
				return TimestampOffset{}, false, fmt.Errorf("search timestamp in %s: %w", v.seg.log.Name(), err)
			}
			if found {
				return TimestampOffset{Offset: off, Timestamp: rts, LeaderEpoch: h.PartitionLeaderEpoch}, true, nil
			}
		}
		pos += int64(h.Size())
		h, err = sc.header(pos)
	}
	if err == errEndOfSegment {
		return TimestampOffset{}, false, nil
	}
	return TimestampOffset{}, false, fmt.Errorf("search timestamp in %s: %w", v.seg.log.Name(), err)
}

// firstRecordAtOrAfter returns the offset and timestamp of the first record
// of batch b with timestamp >= ts and offset >= minOffset.
func firstRecordAtOrAfter(b []byte, h record.Header, ts, minOffset int64) (int64, int64, bool, error) {
	for r, err := range (record.Batch{Header: h, Raw: b}).Records() {
		if err != nil {
			return 0, 0, false, err
		}
		if r.Timestamp >= ts && r.Offset >= minOffset {
			return r.Offset, r.Timestamp, true, nil
		}
	}
	return 0, 0, false, nil
}
