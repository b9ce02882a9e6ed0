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
