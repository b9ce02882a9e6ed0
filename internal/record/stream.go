package record

import (
	"errors"
	"io"
	"runtime"
	"sync"
)

// streamWindow is how many decompressed bytes a stream holds at once: the
// whole of Validate's memory for a compressed batch besides the decoder's.
const streamWindow = 32 << 10

// maxEmptyReads bounds consecutive reads that return nothing, so a decoder
// that stops making progress cannot spin a request handler forever.
const maxEmptyReads = 100

var errLimit = errors.New("decompressed records exceed the limit")

// decodeSlots bounds how many compressed batches Validate decompresses at
// once. Decompressing is CPU-bound, so more than a couple per core gains
// nothing, while each decoder may hold what its stream declares (a zstd
// window of up to maxZstdWindow, an lz4 block of up to 4 MiB): the bound
// turns the broker's worst case from a multiple of its connections into a
// constant. Iteration takes no slot, since its caller may pause between
// records for as long as it likes.
var decodeSlots = make(chan struct{}, 2*runtime.GOMAXPROCS(0))

// stream reads decompressed records through a fixed window, counting the
// bytes against a limit. Validation never holds more than the window; the
// iterator copies whole records out of it.
type stream struct {
	r        decompressor
	buf      []byte
	pos, end int
	total    int64 // bytes taken from r
	limit    int64
	err      error // sticky: io.EOF, errLimit or a decompression error
}

var streamPool = sync.Pool{New: func() any { return &stream{buf: make([]byte, streamWindow)} }}

// openStream starts decompressing src, reporting a bad stream header as
// CORRUPT_MESSAGE.
func openStream(c Codec, src []byte, limit int64) (*stream, error) {
	d, err := newDecompressor(c, src)
	if err != nil {
		return nil, corrupt("%v records: %v", c, err)
	}
	if sr, ok := d.(*snappyReader); ok {
		sr.setLimit(limit)
	}
	s := streamPool.Get().(*stream)
	s.r, s.pos, s.end, s.total, s.limit, s.err = d, 0, 0, 0, limit, nil
	return s, nil
}

func (s *stream) release() {
	s.r.release()
	s.r, s.err = nil, nil
	streamPool.Put(s)
}

// offset is the number of decompressed bytes consumed so far.
func (s *stream) offset() int64 { return s.total - int64(s.end-s.pos) }

// fill refills the window; it reports false once the stream has ended or
// failed, with the reason in s.err. It reads one byte past the limit, so
// that a stream of exactly the limit passes and a longer one is caught.
func (s *stream) fill() bool {
	for empty := 0; s.err == nil; empty++ {
		if empty == maxEmptyReads {
			s.err = io.ErrNoProgress
			break
		}
		room := min(int64(len(s.buf)), s.limit-s.total+1)
		n, err := s.r.Read(s.buf[:room])
		s.total += int64(n)
		s.pos, s.end = 0, n
		if err != nil {
			s.err = err
		}
		if s.total > s.limit {
			s.err, s.end = errLimit, 0
			return false
		}
		if n > 0 {
			return true
		}
	}
	return false
}

// failure maps why the stream stopped to Kafka's error: running out of
// records is the producer's INVALID_RECORD, a broken or oversized stream is
// CORRUPT_MESSAGE.
func (s *stream) failure() error {
	switch {
	case s.err == io.EOF:
		return invalid("decompressed records end early, after %d bytes", s.total)
	case errors.Is(s.err, errLimit):
		return corrupt("decompressed records exceed %d bytes", s.limit)
	}
	return corrupt("decompressing records: %v", s.err)
}

func (s *stream) byte() (byte, error) {
	if s.pos == s.end && !s.fill() {
		return 0, s.failure()
	}
	c := s.buf[s.pos]
	s.pos++
	return c, nil
}

func (s *stream) uvarint(max int) (uint64, error) {
	var u uint64
	for i := 0; i < max; i++ {
		c, err := s.byte()
		if err != nil {
			return 0, err
		}
		if i == 9 && c > 1 {
			break
		}
		u |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return u, nil
		}
	}
	return 0, invalid("malformed varint")
}

func (s *stream) varint() (int32, error) {
	u, err := s.uvarint(5)
	if err != nil {
		return 0, err
	}
	if u > 0xffffffff {
		return 0, invalid("malformed varint")
	}
	x := uint32(u)
	return int32(x>>1) ^ -int32(x&1), nil
}

func (s *stream) varlong() (int64, error) {
	u, err := s.uvarint(10)
	return int64(u>>1) ^ -int64(u&1), err
}

func (s *stream) skip(n int64) error {
	for n > 0 {
		if s.pos == s.end && !s.fill() {
			return s.failure()
		}
		k := min(n, int64(s.end-s.pos))
		s.pos += int(k)
		n -= k
	}
	return nil
}

// read fills p.
func (s *stream) read(p []byte) error {
	for len(p) > 0 {
		if s.pos == s.end && !s.fill() {
			return s.failure()
		}
		k := copy(p, s.buf[s.pos:s.end])
		s.pos += k
		p = p[k:]
	}
	return nil
}

// expectEnd checks that the stream ends where the declared records do.
func (s *stream) expectEnd() error {
	if s.pos < s.end || s.fill() {
		return invalid("decompressed data continues after the declared records")
	}
	if s.err == io.EOF {
		return nil
	}
	return s.failure()
}

// skipBytes reads a nullable length and skips that many bytes, which must
// end by end. It returns the length (negative for null).
func (s *stream) skipBytes(end int64, what string) (int32, error) {
	l, err := s.varint()
	if err != nil {
		return 0, err
	}
	if l < 0 {
		return l, nil
	}
	if left := end - s.offset(); int64(l) > left {
		return 0, invalid("%s length %d exceeds the %d bytes left in the record", what, l, left)
	}
	return l, s.skip(int64(l))
}

// validateCompressed decompresses the records through a stream, checking
// each without keeping it.
func (v *recordChecker) validateCompressed(c Codec, src []byte) error {
	limit := v.opts.MaxDecompressedBytes
	if limit <= 0 {
		limit = DefaultMaxDecompressedBytes
	}
	decodeSlots <- struct{}{}
	defer func() { <-decodeSlots }()
	s, err := openStream(c, src, limit)
	if err != nil {
		return err
	}
	defer s.release()
	for i := int32(0); i < v.h.RecordCount; i++ {
		if err := v.streamRecord(s, i); err != nil {
			return err
		}
	}
	if err := s.expectEnd(); err != nil {
		return err
	}
	v.uncompressed = s.total
	return nil
}

// streamRecord checks one record read from s, by the same rules as
// parseRecord.
func (v *recordChecker) streamRecord(s *stream, i int32) error {
	length, err := s.varint()
	if err != nil {
		return recordFault(i, err)
	}
	if length < minRecordBody {
		return invalid("record %d: length %d below the minimum %d", i, length, minRecordBody)
	}
	end := s.offset() + int64(length)
	tsDelta, offsetDelta, keyLength, err := streamFields(s, end)
	if err != nil {
		return recordFault(i, err)
	}
	if at := s.offset(); at > end {
		return invalid("record %d: length %d but its fields take at least %d bytes", i, length, at-end+int64(length))
	}
	if err := streamHeaders(s, end); err != nil {
		return recordFault(i, err)
	}
	if at := s.offset(); at != end {
		return invalid("record %d: length %d but its fields take %d bytes", i, length, at-end+int64(length))
	}
	return v.check(i, tsDelta, offsetDelta, keyLength < 0)
}

// streamFields reads a record's fields up to its headers.
func streamFields(s *stream, end int64) (tsDelta int64, offsetDelta, keyLength int32, err error) {
	if err = s.skip(1); err != nil { // attributes
		return
	}
	if tsDelta, err = s.varlong(); err != nil {
		return
	}
	if offsetDelta, err = s.varint(); err != nil {
		return
	}
	if keyLength, err = s.skipBytes(end, "key"); err != nil {
		return
	}
	_, err = s.skipBytes(end, "value")
	return
}

func streamHeaders(s *stream, end int64) error {
	count, err := s.varint()
	if err != nil {
		return err
	}
	if count < 0 {
		return invalid("negative header count %d", count)
	}
	if left := end - s.offset(); int64(count)*2 > left {
		return invalid("header count %d exceeds the %d bytes left in the record", count, left)
	}
	for h := int32(0); h < count; h++ {
		l, err := s.varint()
		if err != nil {
			return err
		}
		if left := end - s.offset(); l < 0 || int64(l) > left {
			return invalid("header %d: key length %d outside the %d bytes left", h, l, left)
		}
		if err := s.skip(int64(l)); err != nil {
			return err
		}
		if _, err := s.skipBytes(end, "header value"); err != nil {
			return err
		}
	}
	return nil
}
