package record

import (
	"fmt"
	"iter"

	"github.com/twmb/franz-go/pkg/kerr"
)

// Record is one record of a batch, as readers see it.
type Record struct {
	Offset    int64
	Timestamp int64  // the batch's maxTimestamp when it is LogAppendTime
	Key       []byte // nil for a null key, empty for an empty one
	Value     []byte // nil for a null value (a tombstone)
	Headers   []RecordHeader
}

// RecordHeader is one record header; a nil Value is a null one.
type RecordHeader struct {
	Key   string
	Value []byte
}

// Batch is one batch of a log segment or fetch response.
type Batch struct {
	Header
	// Raw is the whole batch, header included; it aliases the iterated
	// bytes.
	Raw []byte
}

// Batches iterates over the batches laid end to end in b, without checking
// their CRCs (see Batch.Check). A batch cut short at the end of b, as fetch
// responses may end, yields an error wrapping ErrTruncated and stops.
func Batches(b []byte) iter.Seq2[Batch, error] {
	return func(yield func(Batch, error) bool) {
		for len(b) > 0 {
			if len(b) < HeaderSize {
				yield(Batch{}, fmt.Errorf("%w: %d bytes left, a batch header takes %d", ErrTruncated, len(b), HeaderSize))
				return
			}
			h, err := ParseHeader(b)
			if err != nil {
				yield(Batch{}, fmt.Errorf("%w: %w", err, kerr.CorruptMessage))
				return
			}
			if h.Size() > len(b) {
				yield(Batch{}, fmt.Errorf("%w: batch at offset %d of %d bytes, %d left", ErrTruncated, h.BaseOffset, h.Size(), len(b)))
				return
			}
			if !yield(Batch{Header: h, Raw: b[:h.Size()]}, nil) {
				return
			}
			b = b[h.Size():]
		}
	}
}

// Check verifies the batch's CRC.
func (b Batch) Check() error {
	if !CheckCRC(b.Raw) {
		return corrupt("record batch at offset %d: crc %08x, computed %08x", b.BaseOffset, b.CRC, ComputeCRC(b.Raw))
	}
	return nil
}

// Records iterates over every record of every batch in b, checking each
// batch's CRC before reading it. Key, value and header values alias b for
// uncompressed batches; copy them before changing b.
func Records(b []byte) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		for batch, err := range Batches(b) {
			if err == nil {
				err = batch.Check()
			}
			if err != nil {
				yield(Record{}, err)
				return
			}
			for r, err := range batch.Records() {
				if !yield(r, err) || err != nil {
					return
				}
			}
		}
	}
}

// Records iterates over the batch's records, decompressing them as a
// stream of at most DefaultMaxDecompressedBytes. It checks the structure of
// each record, but not the rules Validate applies to producers (compaction
// leaves gaps in offset deltas, for instance). A malformed record yields an
// error and ends the iteration.
func (b Batch) Records() iter.Seq2[Record, error] {
	return b.RecordsLimited(DefaultMaxDecompressedBytes)
}

// RecordsLimited is Records with another bound on the decompressed bytes.
// Reading keeps one decompressed record at a time, so the bound is also
// about the most one compressed batch can make the reader allocate.
func (b Batch) RecordsLimited(maxDecompressedBytes int64) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		if b.RecordCount < 0 {
			yield(Record{}, invalid("negative record count %d", b.RecordCount))
			return
		}
		if len(b.Raw) < HeaderSize {
			yield(Record{}, invalid("record batch of %d bytes has no header", len(b.Raw)))
			return
		}
		body := b.Raw[HeaderSize:]
		switch c := b.Codec(); {
		case c == CodecNone:
			b.plainRecords(body, yield)
		case c <= CodecZstd:
			b.streamRecords(c, body, maxDecompressedBytes, yield)
		default:
			yield(Record{}, newError(kerr.UnsupportedCompressionType, "unknown compression codec %d", int8(c)))
		}
	}
}

func (b Batch) plainRecords(body []byte, yield func(Record, error) bool) {
	var r rawRecord
	for i := int32(0); i < b.RecordCount; i++ {
		n, err := parseRecord(body, &r)
		if err != nil {
			yield(Record{}, recordFault(i, err))
			return
		}
		body = body[n:]
		if !yield(b.record(&r), nil) {
			return
		}
	}
	if len(body) > 0 {
		yield(Record{}, invalid("%d bytes after the last of %d records", len(body), b.RecordCount))
	}
}

func (b Batch) streamRecords(c Codec, body []byte, limit int64, yield func(Record, error) bool) {
	s, err := openStream(c, body, limit)
	if err != nil {
		yield(Record{}, err)
		return
	}
	defer s.release()
	var r rawRecord
	for i := int32(0); i < b.RecordCount; i++ {
		rec, err := readRecord(s)
		if err == nil {
			err = parseBody(rec, &r)
		}
		if err != nil {
			yield(Record{}, recordFault(i, err))
			return
		}
		if !yield(b.record(&r), nil) {
			return
		}
	}
	if err := s.expectEnd(); err != nil {
		yield(Record{}, err)
	}
}

// readRecord copies the next record body out of s into its own slice. The
// slice doubles only as bytes arrive and never beyond what the stream may
// still deliver, so a record claiming more than the stream holds costs at
// most twice what the stream does.
func readRecord(s *stream) ([]byte, error) {
	length, err := s.varint()
	if err != nil {
		return nil, err
	}
	if length < minRecordBody {
		return nil, invalid("record length %d below the minimum %d", length, minRecordBody)
	}
	if left := s.limit - s.offset(); int64(length) > left {
		return nil, corrupt("record length %d exceeds the %d decompressed bytes left under the limit", length, left)
	}
	body := make([]byte, min(int(length), streamWindow))
	for filled := 0; ; {
		if err := s.read(body[filled:]); err != nil {
			return nil, err
		}
		filled = len(body)
		if filled == int(length) {
			return body, nil
		}
		grown := make([]byte, min(2*filled, int(length)))
		copy(grown, body)
		body = grown
	}
}

func (b Batch) record(r *rawRecord) Record {
	ts := b.BaseTimestamp + r.timestampDelta
	if b.LogAppendTime() {
		ts = b.MaxTimestamp
	}
	return Record{
		Offset:    b.BaseOffset + int64(r.offsetDelta),
		Timestamp: ts,
		Key:       r.key,
		Value:     r.value,
		Headers:   parseHeaders(r.headers, r.headerCount),
	}
}
