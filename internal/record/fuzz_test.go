package record

import (
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
)

// fuzzLimit keeps each fuzz input cheap even when it is a bomb.
const fuzzLimit = 1 << 20

// seedBatches are valid batches of every codec plus a few broken ones.
func seedBatches(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, codec := range allCodecs {
		seeds = append(seeds,
			mustBuild(t, BuildOptions{Codec: codec}, sampleRecords(5, 12)),
			mustBuild(t, BuildOptions{Codec: codec, Idempotent: true, ProducerID: 3, Transactional: true}, sampleRecords(1, 0)))
	}
	s := specs(3)
	s[1].headers = append(appendVarint(nil, 1), append(append(appendVarint(nil, 1), 'h'), appendVarint(nil, -1)...)...)
	seeds = append(seeds,
		batchFromBody(t, BuildOptions{}, 3, testNow, testNow, encodeSpecs(s)),
		batchFromBody(t, BuildOptions{Codec: CodecSnappy}, 3, testNow, testNow, encodeSpecs(s)),
		mustBuild(t, BuildOptions{Control: true}, []Record{{Key: []byte{0, 0, 0, 1}, Value: []byte{0, 0, 0, 0, 0, 1}}}))
	return seeds
}

func fuzzOptions(coordinatorOrigin bool) ValidateOptions {
	opts := defaultOpts()
	opts.MaxDecompressedBytes = fuzzLimit
	if coordinatorOrigin {
		opts.Origin = OriginCoordinator
	}
	return opts
}

// FuzzValidate checks that Validate never panics, that its errors carry a
// Kafka code and a reason, and that whatever it accepts the reader reads in
// full. fixCRC lets the fuzzer past the checksum into the records.
func FuzzValidate(f *testing.F) {
	for _, b := range seedBatches(f) {
		f.Add(b, false, false)
		f.Add(b, true, true)
	}
	f.Fuzz(func(t *testing.T, b []byte, fixCRC, coordinatorOrigin bool) {
		if fixCRC && len(b) >= HeaderSize {
			fixCRCInPlace(b)
		}
		info, err := Validate(b, fuzzOptions(coordinatorOrigin))
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Code == nil || ve.Reason == "" {
				t.Fatalf("error without a code and reason: %v", err)
			}
			return
		}
		n := int32(0)
		for batch := range Batches(b) {
			for _, err := range batch.RecordsLimited(fuzzLimit) {
				if err != nil {
					t.Fatalf("Validate accepted a batch the reader rejects: %v", err)
				}
				n++
			}
		}
		if n != info.RecordCount {
			t.Fatalf("Validate counted %d records, the reader %d", info.RecordCount, n)
		}
	})
}

func fixCRCInPlace(b []byte) {
	h, err := ParseHeader(b)
	if err != nil || h.Size() > len(b) || h.Size() < HeaderSize {
		return
	}
	fixCRC(b[:h.Size()])
}

// FuzzIterate checks that reading arbitrary bytes as a log never panics.
func FuzzIterate(f *testing.F) {
	for _, b := range seedBatches(f) {
		f.Add(b)
		f.Add(append(b[:len(b):len(b)], b...))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for batch, err := range Batches(b) {
			if err != nil {
				return
			}
			_ = batch.Check()
			for r, err := range batch.RecordsLimited(fuzzLimit) {
				if err != nil {
					break
				}
				_ = r
			}
		}
	})
}

// FuzzStreamMatchesInPlace frames the same record bytes uncompressed and
// compressed: the in-place and the streaming validators must give the same
// answer, since Kafka does not care how records were compressed.
func FuzzStreamMatchesInPlace(f *testing.F) {
	for _, recs := range [][]Record{sampleRecords(3, 5), sampleRecords(1, 0)} {
		for codec := range allCodecs[1:] {
			f.Add(encodeRecords(recs), int32(len(recs)), uint8(codec))
		}
	}
	f.Add(encodeSpecs(specs(3)), int32(3), uint8(1))
	f.Fuzz(func(t *testing.T, body []byte, count int32, codec uint8) {
		c := allCodecs[1+int(codec)%4]
		plain := batchFromBody(t, BuildOptions{}, count, testNow, testNow, body)
		compressed := batchFromBody(t, BuildOptions{Codec: c}, count, testNow, testNow, body)
		opts := fuzzOptions(true)
		opts.MaxDecompressedBytes = int64(len(body)) + 1
		_, errPlain := Validate(plain, opts)
		_, errCompressed := Validate(compressed, opts)
		if code(errPlain) != code(errCompressed) {
			t.Fatalf("uncompressed: %v\n%v: %v", errPlain, c, errCompressed)
		}
	})
}

func code(err error) *kerr.Error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve.Code
	}
	return nil
}
