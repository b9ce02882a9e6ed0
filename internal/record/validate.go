package record

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"github.com/twmb/franz-go/pkg/kerr"
)

// Origin says who is appending a batch; clients are held to more rules than
// the broker's own coordinators, as in Kafka's AppendOrigin.
type Origin int8

const (
	// OriginClient is a producer: base offset 0, count > 0, no control
	// batches, sequences set when a producer id is.
	OriginClient Origin = iota
	// OriginCoordinator is the group or transaction coordinator writing its
	// own records and transaction markers.
	OriginCoordinator
)

// DefaultMaxDecompressedBytes bounds the records of one compressed batch
// when ValidateOptions.MaxDecompressedBytes is zero, and always bounds
// iteration. It is far above what a max.message.bytes-sized batch of real
// data expands to, and low enough that decompressing up to it costs well
// under a second of one core.
const DefaultMaxDecompressedBytes = 256 << 20

// NoTimestamp is Kafka's timestamp for a record that has none.
const NoTimestamp = -1

// ValidateOptions are the topic's and the request's settings that Validate
// checks a batch against. The zero value checks timestamps with no
// tolerance at all; start from DefaultValidateOptions.
type ValidateOptions struct {
	// Now is the broker's time in milliseconds since the epoch.
	Now int64
	// LogAppendTime is true when the topic's message.timestamp.type is
	// LogAppendTime; record timestamps are then not checked.
	LogAppendTime bool
	// TimestampBeforeMaxMs and TimestampAfterMaxMs are the topic's
	// message.timestamp.before.max.ms and message.timestamp.after.max.ms:
	// how far a CreateTime timestamp may lie behind or ahead of Now.
	TimestampBeforeMaxMs int64
	TimestampAfterMaxMs  int64
	// MaxMessageBytes is the topic's max.message.bytes; a larger batch is
	// MESSAGE_TOO_LARGE. Zero disables the check.
	MaxMessageBytes int
	// MaxDecompressedBytes bounds the decompressed records of a compressed
	// batch; beyond it the batch is CORRUPT_MESSAGE. Zero means
	// DefaultMaxDecompressedBytes.
	MaxDecompressedBytes int64
	// Compacted is true for topics with cleanup.policy=compact, where every
	// record needs a key.
	Compacted bool
	// Origin is who appends the batch.
	Origin Origin
	// ProduceVersion is the Produce request's version; below 7, zstd is
	// UNSUPPORTED_COMPRESSION_TYPE. Zero skips that check.
	ProduceVersion int16
}

// DefaultValidateOptions returns Kafka 4's topic defaults at time now:
// timestamps may be any age and at most one hour ahead (KIP-1030).
func DefaultValidateOptions(now int64) ValidateOptions {
	return ValidateOptions{
		Now:                  now,
		TimestampBeforeMaxMs: math.MaxInt64,
		TimestampAfterMaxMs:  3600000,
	}
}

// Info describes a batch that passed Validate.
type Info struct {
	// Size is the batch's size in bytes.
	Size int
	// RecordCount is the number of records, as declared and as decoded.
	RecordCount int32
	// LastOffsetDelta is the header's last offset delta.
	LastOffsetDelta int32
	// Codec is the batch's compression codec.
	Codec Codec
	// FirstTimestamp is the timestamp of the first record.
	FirstTimestamp int64
	// MaxTimestamp is the largest record timestamp, computed from the
	// records, or NoTimestamp when no record has one. The header's
	// maxTimestamp is not trusted; when it differs, HeaderMaxTimestamp
	// shows it and the broker rewrites it with SetCreateTime, as Kafka does.
	MaxTimestamp int64
	// OffsetDeltaOfMaxTimestamp is the offset delta of the first record
	// carrying MaxTimestamp, or -1.
	OffsetDeltaOfMaxTimestamp int32
	// HeaderMaxTimestamp is the maxTimestamp the producer wrote.
	HeaderMaxTimestamp int64
	// LogAppendTime reports the batch's timestamp type attribute.
	LogAppendTime bool

	// ProducerID, ProducerEpoch and BaseSequence are the idempotent
	// producer's state (-1 without one), for the broker's deduplication.
	ProducerID    int64
	ProducerEpoch int16
	BaseSequence  int32
	// Transactional and Control are the batch's attribute bits.
	Transactional bool
	Control       bool

	// UncompressedBytes is the size of the records after decompression.
	UncompressedBytes int64
}

// Validate checks that b, the records field of one partition of a Produce
// request, holds exactly one well-formed v2 batch that the topic accepts.
// It never modifies b. Errors are *ValidationError values unwrapping to the
// Kafka error code (see the package doc for which check answers which).
func Validate(b []byte, opts ValidateOptions) (Info, error) {
	h, err := validateFraming(b, opts)
	if err != nil {
		return Info{}, err
	}
	if err := validateHeader(h, opts); err != nil {
		return Info{}, err
	}
	v := recordChecker{opts: opts, h: h, maxDelta: -1, maxTimestamp: NoTimestamp}
	records := b[HeaderSize:]
	if h.Codec() == CodecNone {
		err = v.validatePlain(records)
	} else {
		err = v.validateCompressed(h.Codec(), records)
	}
	if err == nil {
		err = v.recordErrors()
	}
	if err != nil {
		return Info{}, err
	}
	return Info{
		Size:                      len(b),
		RecordCount:               h.RecordCount,
		LastOffsetDelta:           h.LastOffsetDelta,
		Codec:                     h.Codec(),
		FirstTimestamp:            v.firstTimestamp,
		MaxTimestamp:              v.maxTimestamp,
		OffsetDeltaOfMaxTimestamp: v.maxDelta,
		HeaderMaxTimestamp:        h.MaxTimestamp,
		LogAppendTime:             h.LogAppendTime(),
		ProducerID:                h.ProducerID,
		ProducerEpoch:             h.ProducerEpoch,
		BaseSequence:              h.BaseSequence,
		Transactional:             h.Transactional(),
		Control:                   h.Control(),
		UncompressedBytes:         v.uncompressed,
	}, nil
}

// validateFraming checks what Kafka checks while splitting the request into
// batches, and the CRC; it returns the parsed header.
func validateFraming(b []byte, opts ValidateOptions) (Header, error) {
	if len(b) < LengthOverhead {
		return Header{}, invalid("produce request has no record batch (%d bytes)", len(b))
	}
	length := int32(binary.BigEndian.Uint32(b[posLength:]))
	if length < legacyMinLength {
		return Header{}, corrupt("record batch length %d below the minimum record overhead %d", length, legacyMinLength)
	}
	if len(b) <= posMagic {
		return Header{}, invalid("produce request has no complete record batch (%d bytes)", len(b))
	}
	if magic := int8(b[posMagic]); magic < 0 || magic > 2 {
		return Header{}, corrupt("invalid magic %d", magic)
	} else if magic != 2 {
		return Header{}, invalid("record batch magic %d: produce requests may only carry magic 2", magic)
	}
	size := int64(length) + LengthOverhead
	if size > int64(len(b)) {
		return Header{}, invalid("record batch of %d bytes truncated to %d", size, len(b))
	}
	if size < int64(len(b)) {
		return Header{}, invalid("produce request holds %d bytes after its record batch: exactly one batch is allowed", int64(len(b))-size)
	}
	if len(b) < HeaderSize {
		return Header{}, corrupt("record batch size %d below the minimum %d", len(b), HeaderSize)
	}
	h, _ := ParseHeader(b)
	if h.Codec() == CodecZstd && opts.ProduceVersion > 0 && opts.ProduceVersion < 7 {
		return h, newError(kerr.UnsupportedCompressionType, "produce version %d may not use zstd", opts.ProduceVersion)
	}
	if opts.Origin == OriginClient && h.BaseOffset != 0 {
		return h, invalid("record batch base offset %d: a producer must send 0", h.BaseOffset)
	}
	if opts.MaxMessageBytes > 0 && len(b) > opts.MaxMessageBytes {
		return h, newError(kerr.MessageTooLarge, "record batch of %d bytes exceeds max.message.bytes %d", len(b), opts.MaxMessageBytes)
	}
	if !CheckCRC(b) {
		return h, corrupt("record batch crc %08x, computed %08x", h.CRC, ComputeCRC(b))
	}
	return h, nil
}

// legacyMinLength is the smallest batch length Kafka's batch splitter
// accepts before it knows the magic: the size of a v0 message.
const legacyMinLength = 14

// validateHeader applies the header rules of Kafka's LogValidator.
func validateHeader(h Header, opts ValidateOptions) error {
	if c := h.Codec(); c > CodecZstd {
		return newError(kerr.UnsupportedCompressionType, "unknown compression codec %d", int8(c))
	}
	if h.RecordCount < 0 {
		return invalid("negative record count %d", h.RecordCount)
	}
	if opts.Origin != OriginClient {
		return nil
	}
	if h.LastOffsetDelta < 0 {
		return invalid("invalid offset range: last offset delta %d", h.LastOffsetDelta)
	}
	if h.RecordCount == 0 {
		return invalid("record count 0: a producer must send at least one record")
	}
	if int64(h.LastOffsetDelta)+1 != int64(h.RecordCount) {
		return invalid("last offset delta %d inconsistent with record count %d", h.LastOffsetDelta, h.RecordCount)
	}
	if h.Control() {
		return invalid("producers may not write control batches")
	}
	if h.ProducerID >= 0 && h.BaseSequence < 0 {
		return invalid("invalid base sequence %d with producer id %d", h.BaseSequence, h.ProducerID)
	}
	return nil
}

// recordChecker applies the per-record rules and gathers the batch's
// timestamps. Structural faults stop validation at once; key and timestamp
// faults are collected over the whole batch, as Kafka reports them.
type recordChecker struct {
	opts ValidateOptions
	h    Header

	firstTimestamp int64
	maxTimestamp   int64
	maxDelta       int32
	uncompressed   int64

	timestampFault bool
	faults         []RecordError
	faultCount     int
}

// validatePlain walks the records of an uncompressed batch in place.
func (v *recordChecker) validatePlain(b []byte) error {
	v.uncompressed = int64(len(b))
	var r rawRecord
	for i := int32(0); i < v.h.RecordCount; i++ {
		if len(b) == 0 {
			return invalid("record count %d but the batch ends after %d records", v.h.RecordCount, i)
		}
		n, err := parseRecord(b, &r)
		if err != nil {
			return recordFault(i, err)
		}
		if err := v.check(i, r.timestampDelta, r.offsetDelta, r.key == nil); err != nil {
			return err
		}
		b = b[n:]
	}
	if len(b) > 0 {
		return invalid("%d bytes after the last of %d records", len(b), v.h.RecordCount)
	}
	return nil
}

// recordFault prefixes a record's structural error with its index.
func recordFault(i int32, err error) error {
	if ve, ok := err.(*ValidationError); ok && ve.Code == kerr.InvalidRecord {
		ve.Reason = "record " + strconv.Itoa(int(i)) + ": " + ve.Reason
		return ve
	}
	return err
}

// check applies the rules every record must meet once parsed.
func (v *recordChecker) check(i int32, timestampDelta int64, offsetDelta int32, nullKey bool) error {
	if offsetDelta != i {
		return invalid("record %d has offset delta %d: deltas must run 0..count-1", i, offsetDelta)
	}
	ts := v.h.BaseTimestamp + timestampDelta // wraps as Kafka's long arithmetic does
	if v.h.LogAppendTime() {
		ts = v.h.MaxTimestamp
	}
	if i == 0 {
		v.firstTimestamp = ts
	}
	if ts > v.maxTimestamp {
		v.maxTimestamp, v.maxDelta = ts, i
	}
	if v.opts.Compacted && nullKey {
		v.fault(i, false, "compacted topic cannot accept a record without a key")
	}
	v.checkTimestamp(i, ts)
	return nil
}

// checkTimestamp mirrors Kafka's LogValidator.validateTimestamp, including
// its rule that a producer may not claim LogAppendTime unless the topic is
// CreateTime and the timestamp is in range.
func (v *recordChecker) checkTimestamp(i int32, ts int64) {
	o := &v.opts
	if !o.LogAppendTime && ts != NoTimestamp {
		diff := o.Now - ts
		if diff > o.TimestampBeforeMaxMs || -diff > o.TimestampAfterMaxMs {
			v.fault(i, true, "timestamp %d of record %d is out of range: it must lie within [%d, %d]",
				ts, i, saturate(o.Now, -o.TimestampBeforeMaxMs), saturate(o.Now, o.TimestampAfterMaxMs))
		}
		return
	}
	if v.h.LogAppendTime() {
		v.fault(i, true, "record %d: producers may not set the LogAppendTime timestamp type", i)
	}
}

func (v *recordChecker) fault(i int32, timestamp bool, format string, args ...any) {
	v.timestampFault = v.timestampFault || timestamp
	v.faultCount++
	if len(v.faults) < maxRecordErrors {
		v.faults = append(v.faults, RecordError{BatchIndex: i, Message: fmt.Sprintf(format, args...)})
	}
}

// recordErrors turns collected key and timestamp faults into Kafka's answer:
// INVALID_TIMESTAMP if any timestamp was wrong, else INVALID_RECORD.
func (v *recordChecker) recordErrors() error {
	if v.faultCount == 0 {
		return nil
	}
	var e *ValidationError
	if v.timestampFault {
		e = newError(kerr.InvalidTimestamp, "%d records rejected, first: %s", v.faultCount, v.faults[0].Message)
	} else {
		e = invalid("%d records rejected, first: %s", v.faultCount, v.faults[0].Message)
	}
	e.RecordErrors = v.faults
	return e
}

// saturate adds without wrapping, so an unbounded setting prints as the
// extreme it means rather than as a wrapped number.
func saturate(a, b int64) int64 {
	sum := a + b
	switch {
	case b > 0 && sum < a:
		return math.MaxInt64
	case b < 0 && sum > a:
		return math.MinInt64
	}
	return sum
}
