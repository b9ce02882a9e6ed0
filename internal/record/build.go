package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// xerialBlockSize is the block size of snappy-java's stream, which Build
// copies so that Java consumers see what a Java producer would send.
const xerialBlockSize = 32 << 10

// BuildOptions describe the batch Build writes. The zero value is an
// uncompressed CreateTime batch at base offset 0 with no producer.
type BuildOptions struct {
	BaseOffset           int64
	PartitionLeaderEpoch int32
	Codec                Codec
	// ProducerID, ProducerEpoch and BaseSequence are written when
	// Idempotent is set; otherwise the batch carries Kafka's "none" (-1).
	Idempotent    bool
	ProducerID    int64
	ProducerEpoch int16
	BaseSequence  int32
	Transactional bool
	Control       bool
}

// Build encodes records as one v2 batch. Record i gets offset delta i (the
// records' Offset fields are ignored) and the batch's base timestamp is the
// first record's, as Kafka's producer writes them. The timestamp type is
// CreateTime; SetLogAppendTime rewrites it.
func Build(opts BuildOptions, records []Record) ([]byte, error) {
	if len(records) == 0 {
		return nil, errors.New("build record batch: no records")
	}
	if len(records) > math.MaxInt32 {
		return nil, fmt.Errorf("build record batch: %d records", len(records))
	}
	base := records[0].Timestamp
	maxTimestamp := int64(NoTimestamp)
	var body []byte
	for i := range records {
		maxTimestamp = max(maxTimestamp, records[i].Timestamp)
		body = appendRecord(body, &records[i], int32(i), records[i].Timestamp-base)
	}
	out := make([]byte, HeaderSize, HeaderSize+len(body)/2)
	out, err := appendCompressed(out, opts.Codec, body)
	if err != nil {
		return nil, fmt.Errorf("build record batch: %w", err)
	}
	if len(out)-LengthOverhead > math.MaxInt32 {
		return nil, fmt.Errorf("build record batch: %d bytes", len(out))
	}
	writeHeader(out, &opts, int32(len(records)), base, maxTimestamp)
	return out, nil
}

func writeHeader(out []byte, opts *BuildOptions, count int32, base, maxTimestamp int64) {
	be := binary.BigEndian
	be.PutUint64(out[posBaseOffset:], uint64(opts.BaseOffset))
	be.PutUint32(out[posLength:], uint32(len(out)-LengthOverhead))
	be.PutUint32(out[posLeaderEpoch:], uint32(opts.PartitionLeaderEpoch))
	out[posMagic] = 2
	attributes := uint16(opts.Codec) & attrCodecMask
	if opts.Transactional {
		attributes |= attrTransactional
	}
	if opts.Control {
		attributes |= attrControl
	}
	be.PutUint16(out[posAttributes:], attributes)
	be.PutUint32(out[posLastOffsetDelta:], uint32(count-1))
	be.PutUint64(out[posBaseTimestamp:], uint64(base))
	be.PutUint64(out[posMaxTimestamp:], uint64(maxTimestamp))
	producerID, epoch, sequence := int64(-1), int16(-1), int32(-1)
	if opts.Idempotent {
		producerID, epoch, sequence = opts.ProducerID, opts.ProducerEpoch, opts.BaseSequence
	}
	be.PutUint64(out[posProducerID:], uint64(producerID))
	be.PutUint16(out[posProducerEpoch:], uint16(epoch))
	be.PutUint32(out[posBaseSequence:], uint32(sequence))
	be.PutUint32(out[posRecordCount:], uint32(count))
	be.PutUint32(out[posCRC:], ComputeCRC(out))
}

// appendRecord appends one encoded record.
func appendRecord(dst []byte, r *Record, offsetDelta int32, timestampDelta int64) []byte {
	size := 1 + varintSize(timestampDelta) + varintSize(int64(offsetDelta)) +
		bytesSize(r.Key) + bytesSize(r.Value) + varintSize(int64(len(r.Headers)))
	for _, h := range r.Headers {
		size += varintSize(int64(len(h.Key))) + len(h.Key) + bytesSize(h.Value)
	}
	dst = appendVarint(dst, int64(size))
	dst = append(dst, 0) // attributes
	dst = appendVarint(dst, timestampDelta)
	dst = appendVarint(dst, int64(offsetDelta))
	dst = appendBytes(dst, r.Key)
	dst = appendBytes(dst, r.Value)
	dst = appendVarint(dst, int64(len(r.Headers)))
	for _, h := range r.Headers {
		dst = appendVarint(dst, int64(len(h.Key)))
		dst = append(dst, h.Key...)
		dst = appendBytes(dst, h.Value)
	}
	return dst
}

func bytesSize(b []byte) int {
	if b == nil {
		return 1
	}
	return varintSize(int64(len(b))) + len(b)
}

// appendBytes appends a nullable byte string: length -1 for nil.
func appendBytes(dst, b []byte) []byte {
	if b == nil {
		return appendVarint(dst, -1)
	}
	return append(appendVarint(dst, int64(len(b))), b...)
}

var (
	gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}
	lz4Writers  = sync.Pool{New: func() any {
		w := lz4.NewWriter(nil)
		// Kafka's producer writes 64 KiB blocks; readers then need no
		// more than that per block.
		if err := w.Apply(lz4.BlockSizeOption(lz4.Block64Kb)); err != nil {
			panic(fmt.Sprintf("record: lz4 writer options: %v", err))
		}
		return w
	}}
	// zstdEncoder is safe for concurrent EncodeAll calls. Its window stays
	// well inside maxZstdWindow so that Samsa's own batches always decode.
	zstdEncoder = sync.OnceValue(func() *zstd.Encoder {
		e, err := zstd.NewWriter(nil, zstd.WithWindowSize(1<<20), zstd.WithEncoderConcurrency(1))
		if err != nil {
			panic(fmt.Sprintf("record: zstd encoder options: %v", err))
		}
		return e
	})
)

// appendCompressed appends body compressed with c.
func appendCompressed(dst []byte, c Codec, body []byte) ([]byte, error) {
	switch c {
	case CodecNone:
		return append(dst, body...), nil
	case CodecGzip:
		w := gzipWriters.Get().(*gzip.Writer)
		defer gzipWriters.Put(w)
		return appendStream(dst, w, body)
	case CodecSnappy:
		return appendXerial(dst, body), nil
	case CodecLZ4:
		w := lz4Writers.Get().(*lz4.Writer)
		defer lz4Writers.Put(w)
		return appendStream(dst, w, body)
	case CodecZstd:
		return zstdEncoder().EncodeAll(body, dst), nil
	}
	return nil, fmt.Errorf("unknown compression codec %d", int8(c))
}

// resetWriter is what gzip's and lz4's writers have in common.
type resetWriter interface {
	Reset(w io.Writer)
	Write(p []byte) (int, error)
	Close() error
}

func appendStream(dst []byte, w resetWriter, body []byte) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	w.Reset(buf)
	if _, err := w.Write(body); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// appendXerial appends body as xerial-framed snappy blocks.
func appendXerial(dst, body []byte) []byte {
	dst = append(dst, xerialMagic...)
	dst = binary.BigEndian.AppendUint32(dst, 1) // version
	dst = binary.BigEndian.AppendUint32(dst, 1) // minimum compatible version
	for len(body) > 0 {
		n := min(len(body), xerialBlockSize)
		at := len(dst)
		dst = append(dst, 0, 0, 0, 0)
		dst = append(dst, snappy.Encode(nil, body[:n])...)
		binary.BigEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
		body = body[n:]
	}
	return dst
}
