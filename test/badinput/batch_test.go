package badinput

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"strconv"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Record batches built by hand, independently of Samsa's record package, so
// that a bug there cannot hide behind the same bug here.

// Compression codecs, as in the batch attributes.
const (
	codecNone   = 0
	codecGzip   = 1
	codecSnappy = 2
	codecLZ4    = 3
	codecZstd   = 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// record encodes one record with the varint length prefix.
func record(offsetDelta int32, value []byte) []byte {
	r := kmsg.Record{OffsetDelta: offsetDelta, Value: value}
	body := r.AppendTo(nil)[1:] // drop the zero Length varint
	return append(binary.AppendVarint(nil, int64(len(body))), body...)
}

// records encodes count records with short distinct values.
func records(count int) []byte {
	var b []byte
	for i := range count {
		b = append(b, record(int32(i), []byte("v"+strconv.Itoa(i)))...)
	}
	return b
}

// batch assembles a v2 batch around already encoded (and possibly
// compressed) records; edit may change any header field before the length
// and CRC are computed.
func batch(codec int16, count int32, payload []byte, edit func(*kmsg.RecordBatch)) []byte {
	now := time.Now().UnixMilli()
	rb := kmsg.RecordBatch{
		Magic: 2, Attributes: codec, LastOffsetDelta: count - 1,
		FirstTimestamp: now, MaxTimestamp: now,
		ProducerID: -1, ProducerEpoch: -1, FirstSequence: -1,
		NumRecords: count, Records: payload,
	}
	if edit != nil {
		edit(&rb)
	}
	b := rb.AppendTo(nil)
	binary.BigEndian.PutUint32(b[8:], uint32(len(b)-12))
	binary.BigEndian.PutUint32(b[17:], crc32.Checksum(b[21:], castagnoli))
	return b
}

// validBatch is an uncompressed batch of count records.
func validBatch(count int) []byte { return batch(codecNone, int32(count), records(count), nil) }

// compress compresses b with a codec as Kafka producers frame it: gzip
// members, snappy in xerial framing, LZ4 frames, zstd frames.
func compress(codec int16, b []byte) []byte {
	var out bytes.Buffer
	switch codec {
	case codecGzip:
		w, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
		w.Write(b)
		w.Close()
	case codecSnappy:
		out.Write(xerialHeader())
		for len(b) > 0 {
			n := min(len(b), 32<<10)
			block := s2.EncodeSnappy(nil, b[:n])
			out.Write(binary.BigEndian.AppendUint32(nil, uint32(len(block))))
			out.Write(block)
			b = b[n:]
		}
	case codecLZ4:
		w := lz4.NewWriter(&out)
		w.Apply(lz4.CompressionLevelOption(lz4.Level9))
		w.Write(b)
		w.Close()
	case codecZstd:
		w, _ := zstd.NewWriter(&out, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithWindowSize(1<<20))
		w.Write(b)
		w.Close()
	}
	return out.Bytes()
}

// xerialHeader is snappy-java's stream header: magic, version 1,
// compatible version 1.
func xerialHeader() []byte {
	return []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1}
}

// produceRequest wraps partition batches of one topic in a Produce v9
// request (flexible, so every path of the decoder is the current one).
func produceRequest(topic string, acks int16, batches map[int32][]byte) *kmsg.ProduceRequest {
	req := kmsg.NewPtrProduceRequest()
	req.SetVersion(9)
	req.Acks, req.TimeoutMillis = acks, 10000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = topic
	for p, b := range batches {
		rp := kmsg.NewProduceRequestTopicPartition()
		rp.Partition, rp.Records = p, b
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	return req
}
