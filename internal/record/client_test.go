package record

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// These tests hold Samsa's reader and validator against franz-go's encoder
// and decoder, and against the snappy framings other clients send.

var kgoCodecs = map[Codec]kgo.CompressionCodec{
	CodecGzip:   kgo.GzipCompression(),
	CodecSnappy: kgo.SnappyCompression(),
	CodecLZ4:    kgo.Lz4Compression(),
	CodecZstd:   kgo.ZstdCompression(),
}

// kmsgRecords encodes recs the way franz-go's producer does.
func kmsgRecords(recs []Record) []byte {
	var body []byte
	for i, r := range recs {
		kr := kmsg.Record{
			TimestampDelta64: r.Timestamp - recs[0].Timestamp,
			OffsetDelta:      int32(i),
			Key:              r.Key,
			Value:            r.Value,
		}
		for _, h := range r.Headers {
			kr.Headers = append(kr.Headers, kmsg.Header{Key: h.Key, Value: h.Value})
		}
		kr.Length = int32(len(kr.AppendTo(nil)) - 1) // less the one byte Length 0 took
		body = kr.AppendTo(body)
	}
	return body
}

// kmsgBatch frames compressed records with kmsg.RecordBatch.
func kmsgBatch(codec Codec, count int32, base, maxTimestamp int64, records []byte) []byte {
	rb := kmsg.RecordBatch{
		Magic:           2,
		Attributes:      int16(codec),
		LastOffsetDelta: count - 1,
		FirstTimestamp:  base,
		MaxTimestamp:    maxTimestamp,
		ProducerID:      77,
		ProducerEpoch:   1,
		FirstSequence:   5,
		NumRecords:      count,
		Records:         records,
	}
	rb.Length = int32(HeaderSize - LengthOverhead + len(records))
	b := rb.AppendTo(nil)
	rb.CRC = int32(crc32.Checksum(b[posAttributes:], castagnoli))
	return rb.AppendTo(nil)
}

func TestFranzGoBatchesValidate(t *testing.T) {
	recs := sampleRecords(300, 200)
	body := kmsgRecords(recs)
	if !bytes.Equal(body, encodeRecords(recs)) {
		t.Fatal("Samsa and franz-go encode records differently")
	}
	for _, codec := range allCodecs {
		t.Run(codec.String(), func(t *testing.T) {
			compressed := body
			if codec != CodecNone {
				c, err := kgo.DefaultCompressor(kgoCodecs[codec])
				if err != nil {
					t.Fatal(err)
				}
				out, used := c.Compress(new(bytes.Buffer), body)
				if used != kgo.CompressionCodecType(codec) {
					t.Fatalf("franz-go compressed with %v", used)
				}
				compressed = bytes.Clone(out)
			}
			b := kmsgBatch(codec, int32(len(recs)), recs[0].Timestamp, recs[len(recs)-1].Timestamp, compressed)
			info, err := Validate(b, defaultOpts())
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if info.RecordCount != 300 || info.ProducerID != 77 || info.BaseSequence != 5 || info.UncompressedBytes != int64(len(body)) {
				t.Fatalf("info %+v", info)
			}
			sameRecords(t, collect(t, b), recs, 0)
		})
	}
}

// TestFranzGoReadsSamsaBatches decodes Build's output with franz-go's
// decompressor and record parser, as a consumer would.
func TestFranzGoReadsSamsaBatches(t *testing.T) {
	recs := sampleRecords(300, 200)
	d := kgo.DefaultDecompressor()
	for _, codec := range allCodecs {
		t.Run(codec.String(), func(t *testing.T) {
			b := mustBuild(t, BuildOptions{Codec: codec}, recs)
			var rb kmsg.RecordBatch
			if err := rb.ReadFrom(b); err != nil {
				t.Fatal(err)
			}
			raw, err := d.Decompress(rb.Records, kgo.CompressionCodecType(codec))
			if err != nil {
				t.Fatalf("franz-go decompress: %v", err)
			}
			if !bytes.Equal(raw, encodeRecords(recs)) {
				t.Fatal("franz-go decompressed different records")
			}
			for i := range recs {
				var kr kmsg.Record
				if err := kr.ReadFrom(raw); err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
				if !sameBytes(kr.Key, recs[i].Key) || !sameBytes(kr.Value, recs[i].Value) {
					t.Fatalf("record %d differs", i)
				}
				raw = raw[int(kr.Length)+varintSize(int64(kr.Length)):]
			}
		})
	}
}

// TestSnappyFramings covers the two snappy framings clients send: raw
// blocks (Sarama, kafka-python, librdkafka, franz-go's one-shot compressor)
// and xerial framing (the Java producer, franz-go's streaming producer),
// with small blocks so a batch spans many.
func TestSnappyFramings(t *testing.T) {
	recs := sampleRecords(500, 300)
	body := encodeRecords(recs)
	xerial := append([]byte{}, xerialMagic...)
	xerial = binary.BigEndian.AppendUint32(xerial, 1)
	xerial = binary.BigEndian.AppendUint32(xerial, 1)
	for rest := body; len(rest) > 0; {
		n := min(len(rest), 4096)
		block := s2.EncodeSnappy(nil, rest[:n])
		xerial = binary.BigEndian.AppendUint32(xerial, uint32(len(block)))
		xerial = append(xerial, block...)
		rest = rest[n:]
	}
	for name, payload := range map[string][]byte{
		"raw":          s2.EncodeSnappy(nil, body),
		"xerial":       xerial,
		"samsa xerial": appendXerial(nil, body),
	} {
		t.Run(name, func(t *testing.T) {
			b := kmsgBatch(CodecSnappy, int32(len(recs)), recs[0].Timestamp, recs[len(recs)-1].Timestamp, payload)
			if _, err := Validate(b, defaultOpts()); err != nil {
				t.Fatal(err)
			}
			sameRecords(t, collect(t, b), recs, 0)
		})
	}
}
