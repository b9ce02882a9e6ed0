package storage

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestRollBySize(t *testing.T) {
	dir := testDir(t)
	cfg := testConfig()
	cfg.SegmentBytes = 1000
	l := openTest(t, dir, cfg)
	defer l.Close()
	b := makeBatch(1, 1, 300, 0) // 61 + ~310 bytes: two fit, three do not
	size := int64(len(b))
	for i := 0; i < 7; i++ {
		mustAppend(t, l, nil, makeBatch(1, 1, 300, byte(i)), 0)
	}
	if per := cfg.SegmentBytes / size; per != 2 {
		t.Fatalf("test assumes 2 batches per segment, got %d", per)
	}
	want := []string{"00000000000000000000.log", "00000000000000000002.log", "00000000000000000004.log", "00000000000000000006.log"}
	got := segmentFiles(t, dir, ".log")
	if len(got) != len(want) {
		t.Fatalf("segments %v, want %v", got, want)
	}
	for i := range want {
		if filepath.Base(got[i]) != want[i] {
			t.Fatalf("segment %d is %s, want %s", i, got[i], want[i])
		}
	}
}

func TestRollByTime(t *testing.T) {
	clk := newClock()
	cfg := testConfig()
	cfg.SegmentMs = time.Hour
	l := openTest(t, testDir(t), cfg, withClock(clk))
	defer l.Close()
	base := clk.Now().UnixMilli()
	mustAppend(t, l, nil, makeBatch(base, 1, 10, 0), 0)
	// Kafka measures from the first batch's timestamp to the new batch's.
	mustAppend(t, l, nil, makeBatch(base+time.Hour.Milliseconds(), 1, 10, 0), 0)
	if n := l.SegmentCount(); n != 1 {
		t.Fatalf("rolled at exactly segment.ms: %d segments", n)
	}
	mustAppend(t, l, nil, makeBatch(base+time.Hour.Milliseconds()+1, 1, 10, 0), 0)
	if n := l.SegmentCount(); n != 2 {
		t.Fatalf("did not roll past segment.ms: %d segments", n)
	}

	// Without timestamps the wall clock since creation counts.
	mustAppend(t, l, nil, makeBatchTimes([]int64{-1}, 10, 0), 0)
	clk.Advance(30 * time.Minute)
	mustAppend(t, l, nil, makeBatchTimes([]int64{-1}, 10, 0), 0)
	if n := l.SegmentCount(); n != 2 {
		t.Fatalf("rolled early: %d segments", n)
	}
	// The second segment's first batch had a timestamp: only message
	// timestamps count. Start a segment whose first batch has none.
	l.appendMu.Lock()
	if _, err := l.rollLocked(l.mu.logEndOffset); err != nil {
		t.Fatal(err)
	}
	l.appendMu.Unlock()
	mustAppend(t, l, nil, makeBatchTimes([]int64{-1}, 10, 0), 0)
	clk.Advance(61 * time.Minute)
	mustAppend(t, l, nil, makeBatchTimes([]int64{-1}, 10, 0), 0)
	if n := l.SegmentCount(); n != 4 {
		t.Fatalf("no roll after an hour of wall time: %d segments", n)
	}
	// An idle active segment older than segment.ms is rolled by retention.
	clk.Advance(2 * time.Hour)
	if _, err := l.ApplyRetention(0); err != nil {
		t.Fatal(err)
	}
	if n := l.SegmentCount(); n != 5 {
		t.Fatalf("idle segment not rolled: %d segments", n)
	}
	if _, err := l.ApplyRetention(0); err != nil || l.SegmentCount() != 5 {
		t.Fatalf("empty active segment rolled again: %d segments, %v", l.SegmentCount(), err)
	}
}

func TestRollJitter(t *testing.T) {
	cfg := testConfig()
	cfg.SegmentMs = time.Hour
	cfg.SegmentJitterMs = 30 * time.Minute
	for i := 0; i < 100; i++ {
		j := randomJitter(&cfg)
		if j < 0 || j >= 30*time.Minute {
			t.Fatalf("jitter %v outside [0, 30m)", j)
		}
	}
	cfg.SegmentJitterMs = 0
	if j := randomJitter(&cfg); j != 0 {
		t.Fatalf("jitter %v with segment.jitter.ms=0", j)
	}
}

func TestRollWhenIndexFull(t *testing.T) {
	cfg := testConfig()
	cfg.IndexIntervalBytes = 0 // an entry for every batch after the first
	cfg.SegmentIndexBytes = 40 // 5 offset entries, 3 time entries (one kept for the roll)
	l := openTest(t, testDir(t), cfg)
	defer l.Close()
	for i := 0; i < 12; i++ {
		mustAppend(t, l, nil, makeBatch(int64(100+i), 1, 10, 0), 0)
	}
	// Each segment takes a batch without entry, then entries until the time
	// index has 2 of its 3 slots: 3 batches a segment.
	if n := l.SegmentCount(); n != 4 {
		t.Fatalf("%d segments, want 4", n)
	}
	equalBatches(t, readAll(t, l, 0), readAll(t, l, 0))
}

func TestRetentionByTime(t *testing.T) {
	clk := newClock()
	cfg := testConfig()
	cfg.RetentionMs = 24 * time.Hour
	dir := testDir(t)
	l := openTest(t, dir, cfg, withClock(clk))
	defer l.Close()
	now := clk.Now().UnixMilli()
	day := (24 * time.Hour).Milliseconds()
	var a appended
	// Three segments of old data, then two of recent data.
	for i := 0; i < 5; i++ {
		ts := now - 3*day
		if i >= 3 {
			ts = now - day/2
		}
		for j := 0; j < 8; j++ {
			mustAppend(t, l, &a, makeBatch(ts+int64(j), 2, 200, byte(j)), 0)
		}
		l.appendMu.Lock()
		l.rollLocked(l.mu.logEndOffset)
		l.appendMu.Unlock()
	}
	segs := l.SegmentCount()
	leo := l.LogEndOffset()
	// Nothing at or above the high watermark goes: limit inside segment 2.
	l.mu.Lock()
	third := l.mu.segments[2].base
	l.mu.Unlock()
	n, err := l.ApplyRetention(third + 1)
	if err != nil || n != 2 {
		t.Fatalf("ApplyRetention(limit in 3rd segment) removed %d, %v; want 2", n, err)
	}
	n, err = l.ApplyRetention(leo)
	if err != nil || n != 1 {
		t.Fatalf("ApplyRetention removed %d, %v; want 1", n, err)
	}
	if l.SegmentCount() != segs-3 {
		t.Fatalf("%d segments left, want %d", l.SegmentCount(), segs-3)
	}
	start := l.LogStartOffset()
	equalBatches(t, readAll(t, l, start), a.upTo(leo)[len(a.upTo(start)):])
	if _, err := l.Read(start-1, 100, leo, true); !isOutOfRange(err) {
		t.Fatalf("read below the log start: %v", err)
	}
	if len(segmentFiles(t, dir, ".deleted")) != 0 {
		t.Fatal("deleted files left with file.delete.delay=0")
	}
	// A day later everything is old: the active segment is rolled and all
	// data goes; appends continue at the same offset.
	clk.Advance(24 * time.Hour)
	if _, err := l.ApplyRetention(leo); err != nil {
		t.Fatal(err)
	}
	if l.SegmentCount() != 1 || l.LogStartOffset() != leo || l.LogEndOffset() != leo || l.Size() != 0 {
		t.Fatalf("after expiring everything: %d segments, %d..%d, %d bytes",
			l.SegmentCount(), l.LogStartOffset(), l.LogEndOffset(), l.Size())
	}
	if info := mustAppend(t, l, nil, makeBatch(now, 1, 10, 0), 0); info.BaseOffset != leo {
		t.Fatalf("append after full expiry at %d, want %d", info.BaseOffset, leo)
	}
}

func TestRetentionBySize(t *testing.T) {
	cfg := testConfig()
	l := openTest(t, testDir(t), cfg)
	defer l.Close()
	fill(t, l, nil, 200, rand.New(rand.NewPCG(7, 7)), 0)
	cfg.RetentionBytes = 10_000
	l.SetConfig(cfg)
	before := l.Size()
	n, err := l.ApplyRetention(l.LogEndOffset())
	if err != nil || n == 0 {
		t.Fatalf("ApplyRetention: %d, %v", n, err)
	}
	// Kafka deletes while size - segment >= retention.bytes: what is left is
	// at least retention.bytes and less than that plus one segment.
	if l.Size() < cfg.RetentionBytes || l.Size() >= cfg.RetentionBytes+cfg.SegmentBytes {
		t.Fatalf("size %d -> %d with retention.bytes %d", before, l.Size(), cfg.RetentionBytes)
	}
	if n, _ := l.ApplyRetention(l.LogEndOffset()); n != 0 {
		t.Fatalf("second pass removed %d", n)
	}
	readAll(t, l, l.LogStartOffset())
}

func TestFileDeleteDelay(t *testing.T) {
	cfg := testConfig()
	cfg.FileDeleteDelay = 100 * time.Millisecond
	dir := testDir(t)
	l := openTest(t, dir, cfg)
	fill(t, l, nil, 60, rand.New(rand.NewPCG(8, 8)), 0)
	// A reader holding the first segment keeps reading it after deletion.
	l.mu.Lock()
	v := l.viewLocked(0)
	l.mu.Unlock()
	if err := l.DeleteRecordsBefore(l.LogEndOffset() - 1); err != nil {
		t.Fatal(err)
	}
	if len(segmentFiles(t, dir, ".log.deleted")) == 0 {
		t.Fatal("no .deleted files right after deletion")
	}
	data, found, err := l.readSegment(&v, 0, 1<<20, 1<<40, true)
	v.seg.release()
	if err != nil || !found || len(data) == 0 {
		t.Fatalf("read of a deleted segment held by a reader: %d bytes, %v %v", len(data), found, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(segmentFiles(t, dir, ".deleted")) > 0 {
		if time.Now().After(deadline) {
			t.Fatal(".deleted files not removed after file.delete.delay")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Close removes what is still pending.
	if err := l.TruncateTo(l.LogStartOffset()); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if left := segmentFiles(t, dir, ".deleted"); len(left) != 0 {
		t.Fatalf("Close left %v", left)
	}
}

func TestDeleteRecordsBefore(t *testing.T) {
	dir := testDir(t)
	cfg := testConfig()
	l := openTest(t, dir, cfg)
	var a appended
	for i := 0; i < 60; i++ {
		mustAppend(t, l, &a, makeBatch(int64(i), 2, 200, byte(i)), int32(i/20))
	}
	segs := l.SegmentCount()
	if err := l.DeleteRecordsBefore(l.LogEndOffset() + 1); !isOutOfRange(err) {
		t.Fatalf("delete past the log end: %v", err)
	}
	// Offset 51 is inside the batch 50..51 in some middle segment.
	if err := l.DeleteRecordsBefore(51); err != nil {
		t.Fatal(err)
	}
	if l.LogStartOffset() != 51 {
		t.Fatalf("log start %d, want 51", l.LogStartOffset())
	}
	if l.SegmentCount() >= segs {
		t.Fatal("no segment removed")
	}
	if _, err := l.Read(50, 100, l.LogEndOffset(), true); !isOutOfRange(err) {
		t.Fatalf("read below the new log start: %v", err)
	}
	res, err := l.Read(51, 1<<20, l.LogEndOffset(), true)
	if err != nil || len(res.Batches) == 0 || res.LogStartOffset != 51 {
		t.Fatalf("read at the log start: %v", err)
	}
	// Epoch 1 covered 40..79: it now starts at 51; epoch 0 is gone.
	if got := l.Epochs(); len(got) != 2 || got[0] != (EpochEntry{1, 51}) {
		t.Fatalf("epochs %v", got)
	}
	if err := l.DeleteRecordsBefore(10); err != nil || l.LogStartOffset() != 51 {
		t.Fatalf("lower log start: %d, %v", l.LogStartOffset(), err)
	}
	// Up to the log end: all but the active segment go.
	if err := l.DeleteRecordsBefore(l.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	if l.SegmentCount() != 1 {
		t.Fatalf("%d segments", l.SegmentCount())
	}
	l.Close()
	// The caller checkpoints the log start; Open takes it back.
	l = openTest(t, dir, cfg, func(o *Options) { o.LogStartOffset = 120 })
	defer l.Close()
	if l.LogStartOffset() != 120 || l.LogEndOffset() != 120 {
		t.Fatalf("reopened at %d..%d", l.LogStartOffset(), l.LogEndOffset())
	}
	if _, err := os.Stat(filepath.Join(dir, LeaderEpochCheckpointFile)); err != nil {
		t.Fatal(err)
	}
}
