package storage

import (
	"testing"

	"samsa/internal/record"
)

func TestOffsetForTimestamp(t *testing.T) {
	dir := testDir(t)
	l := openTest(t, dir, testConfig())
	// 100 batches of 4 records: batch i has timestamps 1000+10i .. +3 at
	// offsets 4i .. 4i+3, except batch 50, whose records go back in time.
	for i := 0; i < 100; i++ {
		ts := timestamps(1000+10*int64(i), 4)
		if i == 50 {
			ts = []int64{1600, 1400, 1700, 1450}
		}
		mustAppend(t, l, nil, makeBatchTimes(ts, 100, byte(i)), int32(i/40))
	}
	check := func(ts, wantOffset, wantTs int64, wantEpoch int32) {
		t.Helper()
		r, ok, err := l.OffsetForTimestamp(ts)
		if err != nil || !ok || r.Offset != wantOffset || r.Timestamp != wantTs || r.LeaderEpoch != wantEpoch {
			t.Fatalf("OffsetForTimestamp(%d) = %+v %v %v, want offset %d ts %d epoch %d", ts, r, ok, err, wantOffset, wantTs, wantEpoch)
		}
	}
	run := func() {
		check(0, 0, 1000, 0)
		check(1000, 0, 1000, 0)
		check(1002, 2, 1002, 0)
		check(1004, 4, 1010, 0)
		check(1333, 4*33+3, 1333, 0)
		check(1334, 4*34, 1340, 0)
		check(1500, 4*50, 1600, 1) // the first record >= 1500 is in the out-of-order batch
		check(1650, 4*50+2, 1700, 1)
		check(1993, 4*99+3, 1993, 2)
		if _, ok, err := l.OffsetForTimestamp(1994); ok || err != nil {
			t.Fatalf("timestamp past the last record found: %v %v", ok, err)
		}
		r, ok, err := l.MaxTimestamp()
		if err != nil || !ok || r.Offset != 4*99+3 || r.Timestamp != 1993 {
			t.Fatalf("MaxTimestamp = %+v %v %v", r, ok, err)
		}
	}
	run()
	l.Close()
	l = openTest(t, dir, testConfig()) // sealed segments now load lazily
	run()
	// The log start offset bounds the search.
	if err := l.DeleteRecordsBefore(4*20 + 1); err != nil {
		t.Fatal(err)
	}
	check(0, 4*20+1, 1201, 0)
	l.Close()
}

func TestMaxTimestampFirstOfEqual(t *testing.T) {
	l := openTest(t, testDir(t), testConfig())
	defer l.Close()
	mustAppend(t, l, nil, makeBatchTimes([]int64{5, 9, 7}, 10, 0), 0) // 0..2
	mustAppend(t, l, nil, makeBatchTimes([]int64{9, 9}, 10, 0), 0)    // 3..4
	r, ok, err := l.MaxTimestamp()
	if err != nil || !ok || r.Offset != 1 || r.Timestamp != 9 {
		t.Fatalf("MaxTimestamp = %+v %v %v, want offset 1", r, ok, err)
	}
	empty := openTest(t, testDir(t), testConfig())
	defer empty.Close()
	if _, ok, err := empty.MaxTimestamp(); ok || err != nil {
		t.Fatalf("MaxTimestamp of an empty log: %v %v", ok, err)
	}
}

func TestOffsetForTimestampCompressed(t *testing.T) {
	l := openTest(t, testDir(t), testConfig())
	defer l.Close()
	for i, codec := range []record.Codec{record.CodecGzip, record.CodecSnappy, record.CodecLZ4, record.CodecZstd} {
		var recs []record.Record
		for j := 0; j < 5; j++ {
			recs = append(recs, record.Record{Timestamp: int64(100*i + 10*j), Value: []byte("value")})
		}
		b, err := record.Build(record.BuildOptions{Codec: codec}, recs)
		if err != nil {
			t.Fatal(err)
		}
		mustAppend(t, l, nil, b, 0)
	}
	for i := 0; i < 4; i++ {
		r, ok, err := l.OffsetForTimestamp(int64(100*i + 25))
		if err != nil || !ok || r.Offset != int64(5*i+3) || r.Timestamp != int64(100*i+30) {
			t.Fatalf("codec %d: %+v %v %v, want offset %d", i, r, ok, err, 5*i+3)
		}
	}
}
