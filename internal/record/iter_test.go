package record

import (
	"bytes"
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
)

func TestBuildRoundTrip(t *testing.T) {
	for _, codec := range allCodecs {
		t.Run(codec.String(), func(t *testing.T) {
			recs := sampleRecords(200, 70)
			b := mustBuild(t, BuildOptions{Codec: codec, BaseOffset: 1000, PartitionLeaderEpoch: 4}, recs)
			h, err := ParseHeader(b)
			if err != nil {
				t.Fatal(err)
			}
			if h.Codec() != codec || h.BaseOffset != 1000 || h.PartitionLeaderEpoch != 4 || h.RecordCount != 200 ||
				h.LastOffsetDelta != 199 || h.ProducerID != -1 || h.ProducerEpoch != -1 || h.BaseSequence != -1 ||
				h.BaseTimestamp != recs[0].Timestamp || h.MaxTimestamp != recs[199].Timestamp || h.Size() != len(b) {
				t.Fatalf("header %+v", h)
			}
			if !CheckCRC(b) {
				t.Fatal("bad crc")
			}
			sameRecords(t, collect(t, b), recs, 1000)
		})
	}
}

func TestBuildRejectsNothing(t *testing.T) {
	if _, err := Build(BuildOptions{}, nil); err == nil {
		t.Fatal("built an empty batch")
	}
	if _, err := Build(BuildOptions{Codec: 6}, sampleRecords(1, 1)); err == nil {
		t.Fatal("built with an unknown codec")
	}
}

func TestSetLogAppendTime(t *testing.T) {
	for _, codec := range allCodecs {
		t.Run(codec.String(), func(t *testing.T) {
			recs := sampleRecords(10, 10)
			b := mustBuild(t, BuildOptions{Codec: codec}, recs)
			before, _ := ParseHeader(b)
			const now = testNow + 5000
			SetLogAppendTime(b, now)
			h, _ := ParseHeader(b)
			if !h.LogAppendTime() || h.MaxTimestamp != now || h.BaseTimestamp != before.BaseTimestamp || h.Codec() != codec {
				t.Fatalf("header after SetLogAppendTime: %+v", h)
			}
			if !CheckCRC(b) {
				t.Fatal("crc not recomputed")
			}
			for i, r := range collect(t, b) {
				if r.Timestamp != now {
					t.Fatalf("record %d timestamp %d, want the log append time %d", i, r.Timestamp, now)
				}
			}
			opts := defaultOpts()
			opts.LogAppendTime = true
			// A batch the broker stamped is what it stores, not what it accepts.
			if _, err := Validate(b, opts); !errors.Is(err, kerr.InvalidTimestamp) {
				t.Fatalf("validate stamped batch: %v", err)
			}
		})
	}
}

func TestSetCreateTime(t *testing.T) {
	recs := sampleRecords(4, 10)
	b := mustBuild(t, BuildOptions{}, recs)
	info, err := Validate(b, defaultOpts())
	if err != nil {
		t.Fatal(err)
	}
	if SetCreateTime(b, info.MaxTimestamp) {
		t.Fatal("rewrote a batch whose maxTimestamp was right")
	}
	SetLogAppendTime(b, 1) // a producer lying about its timestamps
	if !SetCreateTime(b, info.MaxTimestamp) {
		t.Fatal("did not rewrite")
	}
	h, _ := ParseHeader(b)
	if h.LogAppendTime() || h.MaxTimestamp != info.MaxTimestamp || !CheckCRC(b) {
		t.Fatalf("header %+v crc ok %v", h, CheckCRC(b))
	}
}

func TestBatchesAndTruncation(t *testing.T) {
	var log []byte
	var want []Record
	for i, codec := range allCodecs {
		recs := sampleRecords(3+i, 20)
		log = append(log, mustBuild(t, BuildOptions{Codec: codec, BaseOffset: int64(len(want))}, recs)...)
		want = append(want, recs...)
	}
	var got []Record
	for r, err := range Records(log) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	sameRecords(t, got, want, 0)

	// Fetch responses may end inside a batch: every whole batch is
	// read, then the partial one reports ErrTruncated.
	for _, cut := range []int{1, 20, HeaderSize + 3} {
		n, truncated := 0, false
		for _, err := range Batches(log[:len(log)-cut]) {
			if err != nil {
				truncated = errors.Is(err, ErrTruncated)
				break
			}
			n++
		}
		if n != len(allCodecs)-1 || !truncated {
			t.Fatalf("cut %d: %d batches, truncated %v", cut, n, truncated)
		}
	}

	// Stopping early releases the stream and does not panic.
	for range Records(log) {
		break
	}
}

func TestRecordsDetectsCorruption(t *testing.T) {
	b := mustBuild(t, BuildOptions{Codec: CodecLZ4}, sampleRecords(5, 10))
	b[len(b)-2] ^= 0x40
	var err error
	for _, err = range Records(b) {
		if err != nil {
			break
		}
	}
	if !errors.Is(err, kerr.CorruptMessage) {
		t.Fatalf("err %v, want CORRUPT_MESSAGE", err)
	}
	// Batch.Records alone does not check the CRC but still fails cleanly.
	for batch := range Batches(b) {
		for _, err = range batch.Records() {
			if err != nil {
				break
			}
		}
	}
	if err == nil {
		t.Fatal("read a corrupt lz4 stream without error")
	}
}

func TestIterationAllowsCompactedGaps(t *testing.T) {
	s := specs(3)
	s[1].offsetDelta, s[2].offsetDelta = 5, 9 // what compaction leaves
	b := batchFromBody(t, BuildOptions{BaseOffset: 100}, 3, testNow, testNow, encodeSpecs(s))
	var offsets []int64
	for r, err := range Records(b) {
		if err != nil {
			t.Fatal(err)
		}
		offsets = append(offsets, r.Offset)
	}
	if len(offsets) != 3 || offsets[0] != 100 || offsets[1] != 105 || offsets[2] != 109 {
		t.Fatalf("offsets %v", offsets)
	}
}

func TestUncompressedRecordsAliasInput(t *testing.T) {
	b := mustBuild(t, BuildOptions{}, []Record{{Value: []byte("hello")}})
	for r := range Records(b) {
		i := bytes.Index(b, []byte("hello"))
		if &b[i] != &r.Value[0] {
			t.Fatal("uncompressed value was copied")
		}
		if cap(r.Value) != len(r.Value) {
			t.Fatal("value capacity reaches into the next field")
		}
	}
}
