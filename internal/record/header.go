// Package record reads, validates and rewrites Kafka record batches (message
// format v2, "magic 2"), the unit in which Samsa receives, stores and serves
// data.
//
// A batch on the wire and on disk is laid out as follows (big endian):
//
//	offset  size  field
//	     0     8  baseOffset            assigned by the broker on append
//	     8     4  batchLength           bytes after this field
//	    12     4  partitionLeaderEpoch  stamped by the broker on append
//	    16     1  magic                 always 2
//	    17     4  crc                   CRC-32C of bytes 21..end
//	    21     2  attributes            codec(0-2) tstype(3) txn(4) control(5) deleteHorizon(6)
//	    23     4  lastOffsetDelta
//	    27     8  baseTimestamp
//	    35     8  maxTimestamp
//	    43     8  producerId
//	    51     2  producerEpoch
//	    53     4  baseSequence
//	    57     4  recordCount
//	    61     …  records (possibly compressed)
//
// Because the CRC starts at the attributes, the broker may rewrite the base
// offset and the leader epoch without recomputing it; a LogAppendTime rewrite
// changes maxTimestamp and so recomputes the CRC.
//
// Each record (after decompression) is a varint length followed by that many
// bytes: attributes (unused), varlong timestampDelta, varint offsetDelta,
// varint key length and key, varint value length and value (a negative length
// is null), varint header count, then per header a varint key length (never
// negative), key, varint value length and value. Varints are zigzag encoded.
//
// # Validation
//
// Validate applies to the records field of one partition of a Produce request
// the checks Kafka 4 applies (ProduceRequest.validateRecords, UnifiedLog's
// analyzeAndValidateRecords, LogValidator), in Kafka's order, each answered
// with Kafka's error code:
//
//	fewer than 17 bytes, or a batch running past the end    INVALID_RECORD
//	batchLength < 14                                        CORRUPT_MESSAGE
//	magic outside 0..2                                      CORRUPT_MESSAGE
//	magic 0 or 1                                            INVALID_RECORD
//	anything after the batch (one batch per partition)      INVALID_RECORD
//	batch shorter than its 61-byte header                   CORRUPT_MESSAGE
//	zstd in a Produce request below v7                      UNSUPPORTED_COMPRESSION_TYPE
//	baseOffset other than 0 from a producer                 INVALID_RECORD
//	batch larger than max.message.bytes                     MESSAGE_TOO_LARGE
//	CRC-32C mismatch                                        CORRUPT_MESSAGE
//	codec 5, 6 or 7                                         UNSUPPORTED_COMPRESSION_TYPE
//	negative recordCount                                    INVALID_RECORD
//	from a producer: recordCount 0, lastOffsetDelta other
//	than recordCount-1, a control batch, a producer id
//	with a negative base sequence                           INVALID_RECORD
//	a record's lengths outside the record or the batch, a
//	record longer or shorter than its fields, malformed
//	varints, negative header counts or key lengths, offset
//	deltas other than 0..n-1, more or fewer records than
//	recordCount, bytes after the last record                INVALID_RECORD
//	compressed records that fail to decompress, or that
//	decompress past MaxDecompressedBytes                    CORRUPT_MESSAGE
//	a null key on a compacted topic                         INVALID_RECORD, per record
//	a CreateTime timestamp outside [now-before.max.ms,
//	now+after.max.ms], or LogAppendTime set by a producer   INVALID_TIMESTAMP, per record
//
// Per-record faults are gathered over the whole batch and reported in
// ValidationError.RecordErrors (Kafka's record_errors); a timestamp fault
// makes the answer INVALID_TIMESTAMP even when keys are also at fault.
// Records without a timestamp (-1) are never out of range.
//
// Samsa is stricter than Kafka where Kafka repairs or ignores what no client
// sends: Kafka drops a partial batch after the first one, where Samsa rejects
// the request; Kafka rewrites a compressed batch whose offset deltas are not
// 0..n-1 and ignores them in an uncompressed one, where Samsa rejects both, so
// that a batch is always stored exactly as produced; Java truncates varints
// that carry more than 32 (or 64) bits, Samsa rejects them. Where Kafka
// answers UNKNOWN_SERVER_ERROR (an unknown codec, a stream that does not
// decompress), Samsa gives the specific code above.
//
// Validate does not change the batch. Kafka overwrites a producer's
// maxTimestamp with the one it computes; Validate reports that value
// (Info.MaxTimestamp, with the offset delta of its first record) and the
// broker writes it with SetCreateTime, or stamps LogAppendTime topics with
// SetLogAppendTime, which sets the attribute bit and maxTimestamp and, as
// Kafka's in-place path does, leaves baseTimestamp and the deltas alone.
//
// # Compression
//
// Codecs are gzip (RFC 1952, concatenated members allowed), snappy, lz4
// (the LZ4 frame format, v2's correct header checksum) and zstd. Snappy
// arrives in two framings, both read: a single raw block (Sarama,
// kafka-python, librdkafka, franz-go's one-shot compressor) and snappy-java's
// xerial framing (the Java producer, franz-go's streaming producer); Build
// writes xerial with 32 KiB blocks, as Java does.
//
// Compressed records are never decompressed whole. Validate streams them
// through pooled decoders into a 32 KiB window and checks each record as it
// passes, skipping keys and values, so its memory does not depend on the
// compression ratio: the window, plus gzip's 32 KiB history, lz4's block
// (at most 4 MiB, as the frame declares), a zstd window of at most 8 MiB
// (levels up to 19; frames asking more are CORRUPT_MESSAGE), or for snappy
// one block, which cannot be decoded piecewise and whose claimed size is
// checked against snappy's best ratio (22:1) and the limit before anything
// is allocated for it. No allocation is ever sized from a length field before
// the bytes behind it have arrived. Decompressing stops one byte past
// MaxDecompressedBytes (default 256 MiB), which bounds the CPU a bomb costs,
// and at most two compressed batches per core are validated at once, which
// bounds the decoders' memory however many producers connect.
//
// # Reading
//
// Batches walks the batches of a log segment or fetch response, and
// Batch.Records (or Records, which also checks each CRC) their records,
// decompressing as a stream. Records report LogAppendTime batches' maxTimestamp
// as their timestamp, distinguish null from empty keys and values, and for
// uncompressed batches alias the input. Reading checks structure but not
// producer rules: compaction leaves gaps in offset deltas.
package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Sizes and positions of the batch header fields.
const (
	HeaderSize = 61 // bytes before the first record

	// LengthOverhead is the part of the header not counted by batchLength.
	LengthOverhead = 12

	posBaseOffset      = 0
	posLength          = 8
	posLeaderEpoch     = 12
	posMagic           = 16
	posCRC             = 17
	posAttributes      = 21
	posLastOffsetDelta = 23
	posBaseTimestamp   = 27
	posMaxTimestamp    = 35
	posProducerID      = 43
	posProducerEpoch   = 51
	posBaseSequence    = 53
	posRecordCount     = 57
)

// Attribute bits.
const (
	attrCodecMask     = 0x07
	attrLogAppendTime = 0x08
	attrTransactional = 0x10
	attrControl       = 0x20
)

// Codec is the compression codec of a batch, as stored in its attributes.
type Codec int8

// The codecs of Kafka's attributes field.
const (
	CodecNone   Codec = 0
	CodecGzip   Codec = 1
	CodecSnappy Codec = 2
	CodecLZ4    Codec = 3
	CodecZstd   Codec = 4
)

// String returns the codec's name as Kafka's tools print it.
func (c Codec) String() string {
	switch c {
	case CodecNone:
		return "none"
	case CodecGzip:
		return "gzip"
	case CodecSnappy:
		return "snappy"
	case CodecLZ4:
		return "lz4"
	case CodecZstd:
		return "zstd"
	}
	return fmt.Sprintf("unknown(%d)", int8(c))
}

// ErrTruncated reports that a buffer ends inside a batch.
var ErrTruncated = errors.New("record batch truncated")

// castagnoli is the CRC-32C table Kafka uses for batch checksums.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Header is the decoded fixed-size header of a v2 batch.
type Header struct {
	BaseOffset           int64
	Length               int32 // batchLength: bytes after the length field
	PartitionLeaderEpoch int32
	Magic                int8
	CRC                  uint32
	Attributes           int16
	LastOffsetDelta      int32
	BaseTimestamp        int64
	MaxTimestamp         int64
	ProducerID           int64
	ProducerEpoch        int16
	BaseSequence         int32
	RecordCount          int32
}

// ParseHeader decodes the header at the start of b. It checks only that the
// header is present and that the magic is 2; it does not check the CRC or the
// records (see Validate).
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, ErrTruncated
	}
	h := Header{
		BaseOffset:           int64(binary.BigEndian.Uint64(b[posBaseOffset:])),
		Length:               int32(binary.BigEndian.Uint32(b[posLength:])),
		PartitionLeaderEpoch: int32(binary.BigEndian.Uint32(b[posLeaderEpoch:])),
		Magic:                int8(b[posMagic]),
		CRC:                  binary.BigEndian.Uint32(b[posCRC:]),
		Attributes:           int16(binary.BigEndian.Uint16(b[posAttributes:])),
		LastOffsetDelta:      int32(binary.BigEndian.Uint32(b[posLastOffsetDelta:])),
		BaseTimestamp:        int64(binary.BigEndian.Uint64(b[posBaseTimestamp:])),
		MaxTimestamp:         int64(binary.BigEndian.Uint64(b[posMaxTimestamp:])),
		ProducerID:           int64(binary.BigEndian.Uint64(b[posProducerID:])),
		ProducerEpoch:        int16(binary.BigEndian.Uint16(b[posProducerEpoch:])),
		BaseSequence:         int32(binary.BigEndian.Uint32(b[posBaseSequence:])),
		RecordCount:          int32(binary.BigEndian.Uint32(b[posRecordCount:])),
	}
	if h.Magic != 2 {
		return h, fmt.Errorf("record batch magic %d: only magic 2 is supported", h.Magic)
	}
	if h.Length < HeaderSize-LengthOverhead {
		return h, fmt.Errorf("record batch length %d below the minimum %d", h.Length, HeaderSize-LengthOverhead)
	}
	return h, nil
}

// Size is the total size of the batch in bytes, header included.
func (h Header) Size() int { return int(h.Length) + LengthOverhead }

// LastOffset is the offset of the last record of the batch.
func (h Header) LastOffset() int64 { return h.BaseOffset + int64(h.LastOffsetDelta) }

// NextOffset is the offset that follows the batch.
func (h Header) NextOffset() int64 { return h.LastOffset() + 1 }

// Codec is the batch's compression codec.
func (h Header) Codec() Codec { return Codec(h.Attributes & attrCodecMask) }

// LogAppendTime reports whether the batch's timestamps are LogAppendTime.
func (h Header) LogAppendTime() bool { return h.Attributes&attrLogAppendTime != 0 }

// Transactional reports whether the batch belongs to a transaction.
func (h Header) Transactional() bool { return h.Attributes&attrTransactional != 0 }

// Control reports whether the batch holds control records (transaction markers).
func (h Header) Control() bool { return h.Attributes&attrControl != 0 }

// SetBaseOffset rewrites the base offset of the batch at the start of b.
// The CRC does not cover it.
func SetBaseOffset(b []byte, offset int64) {
	binary.BigEndian.PutUint64(b[posBaseOffset:], uint64(offset))
}

// SetPartitionLeaderEpoch rewrites the leader epoch of the batch at the start
// of b. The CRC does not cover it.
func SetPartitionLeaderEpoch(b []byte, epoch int32) {
	binary.BigEndian.PutUint32(b[posLeaderEpoch:], uint32(epoch))
}

// ComputeCRC returns the CRC-32C of a whole batch as stored in its header.
func ComputeCRC(b []byte) uint32 {
	return crc32.Checksum(b[posAttributes:], castagnoli)
}

// CheckCRC reports whether the stored CRC of the whole batch b matches its
// contents. b must hold exactly one batch.
func CheckCRC(b []byte) bool {
	if len(b) < HeaderSize {
		return false
	}
	return binary.BigEndian.Uint32(b[posCRC:]) == ComputeCRC(b)
}
