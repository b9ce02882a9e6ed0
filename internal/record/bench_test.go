package record

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchBatch builds a batch of about 16 KiB of records with values of the
// given size, filled with words so the codecs have something to do without
// the data being trivially compressible.
func benchBatch(b *testing.B, codec Codec, valueSize int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"kafka ", "record ", "batch ", "samsa ", "broker ", "offset ", "topic ", "lorem ", "ipsum "}
	var recs []Record
	for size := 0; size < 16<<10; size += valueSize + 20 {
		v := make([]byte, 0, valueSize)
		for len(v) < valueSize {
			v = append(v, words[rng.IntN(len(words))]...)
			v = append(v, byte('a'+rng.IntN(26)))
		}
		recs = append(recs, Record{Timestamp: testNow, Key: []byte(fmt.Sprintf("key-%d", len(recs))), Value: v[:valueSize]})
	}
	return mustBuild(b, BuildOptions{Codec: codec, Idempotent: true, ProducerID: 1, BaseSequence: 0}, recs)
}

// BenchmarkValidate reports throughput in uncompressed bytes: the batch
// header plus the records as they are after decompression.
func BenchmarkValidate(b *testing.B) {
	for _, codec := range allCodecs {
		for _, valueSize := range []int{1024, 100} {
			b.Run(fmt.Sprintf("%v/%dB", codec, valueSize), func(b *testing.B) {
				batch := benchBatch(b, codec, valueSize)
				opts := defaultOpts()
				info, err := Validate(batch, opts)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(HeaderSize) + info.UncompressedBytes)
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if _, err := Validate(batch, opts); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkRecords measures reading, which the dump tool and the metadata
// log use.
func BenchmarkRecords(b *testing.B) {
	for _, codec := range []Codec{CodecNone, CodecZstd} {
		b.Run(codec.String(), func(b *testing.B) {
			batch := benchBatch(b, codec, 1024)
			info, err := Validate(batch, defaultOpts())
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(HeaderSize) + info.UncompressedBytes)
			b.ReportAllocs()
			for b.Loop() {
				for _, err := range Records(batch) {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
