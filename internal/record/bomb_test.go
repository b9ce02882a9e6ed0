package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"runtime"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/twmb/franz-go/pkg/kerr"
)

const (
	bombBytes  = 1 << 30 // what the bombs decompress to
	bombLimit  = 32 << 20
	bombMemory = 12 << 20 // what one Validate of a bomb may allocate
)

// bombPrefix is the start of one record whose value claims almost all of
// bombBytes, so the records stay well-formed until the limit cuts them off.
func bombPrefix() []byte {
	length := int64(bombBytes - 16)
	rec := appendVarint(nil, length)
	rec = append(rec, 0)                // attributes
	rec = appendVarint(rec, 0)          // timestamp delta
	rec = appendVarint(rec, 0)          // offset delta
	rec = appendVarint(rec, -1)         // null key
	return appendVarint(rec, length-10) // value length: the rest but for the header count
}

// bomb returns a batch whose records decompress to about bombBytes,
// concatenating gzip members, lz4 and zstd frames or xerial blocks of zeros
// so that making it costs little.
func bomb(t testing.TB, codec Codec) []byte {
	t.Helper()
	var payload []byte
	if codec == CodecSnappy {
		payload = appendXerial(nil, bombPrefix())
		block := s2.EncodeSnappy(nil, make([]byte, xerialBlockSize))
		for n := 0; n < bombBytes; n += xerialBlockSize {
			payload = binary.BigEndian.AppendUint32(payload, uint32(len(block)))
			payload = append(payload, block...)
		}
	} else {
		var err error
		if payload, err = appendCompressed(nil, codec, bombPrefix()); err != nil {
			t.Fatal(err)
		}
		unit, err := appendCompressed(nil, codec, make([]byte, 1<<20))
		if err != nil {
			t.Fatal(err)
		}
		payload = append(payload, bytes.Repeat(unit, bombBytes>>20)...)
	}
	out := append(make([]byte, HeaderSize), payload...)
	writeHeader(out, &BuildOptions{Codec: codec}, 1, testNow, testNow)
	return out
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestDecompressionBombs(t *testing.T) {
	if testing.Short() {
		t.Skip("decompresses 32 MiB per codec")
	}
	for _, codec := range allCodecs[1:] {
		t.Run(codec.String(), func(t *testing.T) {
			b := bomb(t, codec)
			t.Logf("%d compressed bytes claim %d", len(b), bombBytes)
			opts := defaultOpts()
			opts.MaxDecompressedBytes = bombLimit
			var err error
			Validate(b, opts) // fill the pools
			mem := allocated(func() { _, err = Validate(b, opts) })
			if !errors.Is(err, kerr.CorruptMessage) {
				t.Fatalf("err %v, want CORRUPT_MESSAGE", err)
			}
			t.Logf("Validate: %v; allocated %d bytes", err, mem)
			if mem > bombMemory {
				t.Fatalf("Validate allocated %d bytes, bound %d", mem, bombMemory)
			}

			// Reading holds one record, so it may allocate up to the
			// iteration limit, but no more, and must fail the same way.
			mem = allocated(func() {
				for batch := range Batches(b) {
					for _, err = range batch.RecordsLimited(bombLimit) {
						if err != nil {
							break
						}
					}
				}
			})
			if !errors.Is(err, kerr.CorruptMessage) {
				t.Fatalf("Records err %v, want CORRUPT_MESSAGE", err)
			}
			t.Logf("Records: allocated %d bytes", mem)
			if mem > 3*bombLimit {
				t.Fatalf("Records allocated %d bytes", mem)
			}
		})
	}
}

// TestSnappyClaimsChecked covers CVE-2023-34455's shape: a snappy block
// whose header claims a huge output is refused before anything is
// allocated for it, raw or inside xerial framing.
func TestSnappyClaimsChecked(t *testing.T) {
	claim := binary.AppendUvarint(nil, 1<<31-1)
	claim = append(claim, 0, 0, 0, 0) // a few bytes that cannot make 2 GiB
	xerial := appendXerial(nil, nil)
	xerial = binary.BigEndian.AppendUint32(xerial, uint32(len(claim)))
	xerial = append(xerial, claim...)
	for name, payload := range map[string][]byte{"raw": claim, "xerial": xerial} {
		t.Run(name, func(t *testing.T) {
			b := append(make([]byte, HeaderSize), payload...)
			writeHeader(b, &BuildOptions{Codec: CodecSnappy}, 1, testNow, testNow)
			var err error
			Validate(b, defaultOpts())
			mem := allocated(func() { _, err = Validate(b, defaultOpts()) })
			if !errors.Is(err, kerr.CorruptMessage) {
				t.Fatalf("err %v, want CORRUPT_MESSAGE", err)
			}
			if mem > 1<<20 {
				t.Fatalf("allocated %d bytes for a %d-byte batch", mem, len(b))
			}
		})
	}
}

// TestRecordClaimBoundedByData gives the reader a record that claims 30 MiB
// in a stream holding a few KiB: the reader must fail having allocated about
// what arrived, not what was claimed.
func TestRecordClaimBoundedByData(t *testing.T) {
	for _, codec := range allCodecs[1:] {
		t.Run(codec.String(), func(t *testing.T) {
			rec := appendVarint(nil, 30<<20)
			rec = append(rec, make([]byte, 4096)...)
			b := batchFromBody(t, BuildOptions{Codec: codec}, 1, testNow, testNow, rec)
			var err error
			mem := allocated(func() {
				for _, err = range Records(b) {
					if err != nil {
						break
					}
				}
			})
			if !errors.Is(err, kerr.InvalidRecord) {
				t.Fatalf("err %v, want INVALID_RECORD", err)
			}
			if mem > 1<<20 {
				t.Fatalf("allocated %d bytes for a record of 4 KiB", mem)
			}
		})
	}
}

// TestZstdWindowBounded hand-frames zstd: a frame asking for a 16 MiB window
// is refused before the decoder allocates it, an 8 MiB one is accepted.
func TestZstdWindowBounded(t *testing.T) {
	body := encodeRecords(sampleRecords(3, 10))
	frame := func(windowLog byte) []byte {
		f := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, (windowLog - 10) << 3} // magic, no flags, window descriptor
		header := uint32(1 | len(body)<<3)                               // last raw block
		f = append(f, byte(header), byte(header>>8), byte(header>>16))
		return append(f, body...)
	}
	for _, tt := range []struct {
		windowLog byte
		ok        bool
	}{{23, true}, {24, false}, {30, false}} {
		b := append(make([]byte, HeaderSize), frame(tt.windowLog)...)
		writeHeader(b, &BuildOptions{Codec: CodecZstd}, 3, testNow, testNow)
		var err error
		mem := allocated(func() { _, err = Validate(b, defaultOpts()) })
		if tt.ok {
			checkCode(t, err, nil)
			t.Logf("window 2^%d accepted, %d bytes allocated", tt.windowLog, mem)
			continue
		}
		checkCode(t, err, kerr.CorruptMessage)
		if mem > 1<<20 {
			t.Fatalf("window 2^%d: allocated %d bytes before refusing", tt.windowLog, mem)
		}
	}
}
