package storage

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sync"

	"samsa/internal/record"
)

// errEndOfSegment reports that a scan reached the end of the segment's data.
var errEndOfSegment = errors.New("end of segment")

// invalidBatchError describes why a batch in a segment is not acceptable; a
// recovery truncates the segment at its position.
type invalidBatchError struct {
	position int64
	reason   string
}

func (e *invalidBatchError) Error() string {
	return fmt.Sprintf("invalid batch at position %d: %s", e.position, e.reason)
}

const (
	readChunkBytes     = 8 << 10 // scans that look for one offset
	recoverChunkBytes  = 1 << 20 // sequential scans of whole segments
	maxPooledScanBytes = 4 << 20 // larger buffers (huge batches) are not kept
)

var scanBufPool = sync.Pool{New: func() any { b := make([]byte, readChunkBytes); return &b }}

// scanner reads the batches of a segment file sequentially with large
// positional reads, so that a scan costs a read per chunk, not per batch.
// It never reads at or past end, the immutable prefix it was given.
type scanner struct {
	f      *os.File
	end    int64
	chunk  int
	buf    []byte
	pooled *[]byte
	bufPos int64 // file position of buf[0]
	bufLen int
}

// init prepares a scanner; the caller declares it as a value (no
// allocation on the read path) and must call close.
func (s *scanner) init(f *os.File, end int64, chunk int) {
	*s = scanner{f: f, end: end, chunk: chunk}
	if chunk <= readChunkBytes {
		s.pooled = scanBufPool.Get().(*[]byte)
		s.buf = *s.pooled
	}
}

func (s *scanner) close() {
	if s.pooled != nil && cap(s.buf) <= maxPooledScanBytes {
		*s.pooled = s.buf
		scanBufPool.Put(s.pooled)
	}
	s.pooled, s.buf = nil, nil
}

// bytes returns n bytes at pos; the slice is valid until the next call.
func (s *scanner) bytes(pos int64, n int) ([]byte, error) {
	if pos >= s.bufPos && pos+int64(n) <= s.bufPos+int64(s.bufLen) {
		off := int(pos - s.bufPos)
		return s.buf[off : off+n], nil
	}
	if pos+int64(n) > s.end {
		return nil, fmt.Errorf("read %d bytes at %d past the end %d", n, pos, s.end)
	}
	want := int64(max(n, s.chunk))
	want = min(want, s.end-pos)
	if int64(cap(s.buf)) < want {
		s.buf = make([]byte, want)
	}
	s.buf = s.buf[:cap(s.buf)]
	got, err := s.f.ReadAt(s.buf[:want], pos)
	s.bufPos, s.bufLen = pos, got
	if got < n {
		if errors.Is(err, io.EOF) {
			// The file is shorter than the snapshot: a truncation cut it
			// after the reader copied the segment's end.
			return nil, errEndOfSegment
		}
		if err == nil {
			err = errors.New("short read")
		}
		return nil, fmt.Errorf("read %s at %d: %w", s.f.Name(), pos, err)
	}
	return s.buf[:n], nil
}

// header reads and checks the batch header at pos: the magic, a length that
// fits in the segment, a sane offset delta. It does not check the CRC.
func (s *scanner) header(pos int64) (record.Header, error) {
	if pos >= s.end {
		return record.Header{}, errEndOfSegment
	}
	if s.end-pos < record.HeaderSize {
		return record.Header{}, &invalidBatchError{pos, fmt.Sprintf("%d bytes left, less than a batch header", s.end-pos)}
	}
	b, err := s.bytes(pos, record.HeaderSize)
	if err != nil {
		return record.Header{}, err
	}
	h, err := record.ParseHeader(b)
	if err != nil {
		return h, &invalidBatchError{pos, err.Error()}
	}
	if int64(h.Size()) > s.end-pos {
		return h, &invalidBatchError{pos, fmt.Sprintf("batch of %d bytes but %d left in the segment", h.Size(), s.end-pos)}
	}
	if h.LastOffsetDelta < 0 {
		return h, &invalidBatchError{pos, fmt.Sprintf("negative last offset delta %d", h.LastOffsetDelta)}
	}
	if h.BaseOffset < 0 || h.BaseOffset > math.MaxInt64-int64(h.LastOffsetDelta)-1 {
		return h, &invalidBatchError{pos, fmt.Sprintf("base offset %d out of range", h.BaseOffset)}
	}
	return h, nil
}

// seek returns the first batch at or after pos whose last offset is >= offset.
func (s *scanner) seek(pos, offset int64) (record.Header, int64, error) {
	for {
		h, err := s.header(pos)
		if err != nil {
			return h, pos, err
		}
		if h.LastOffset() >= offset {
			return h, pos, nil
		}
		pos += int64(h.Size())
	}
}
