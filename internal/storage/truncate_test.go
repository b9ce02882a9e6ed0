package storage

import (
	"os"
	"path/filepath"
	"testing"

	"samsa/internal/record"
)

// truncLog appends 60 batches of 2 records (offsets 2i, 2i+1) over several
// segments, in epochs 0, 1, 2 of 20 batches each.
func truncLog(t *testing.T, dir string) (*Log, *appended) {
	l := openTest(t, dir, testConfig())
	a := &appended{}
	for i := 0; i < 60; i++ {
		mustAppend(t, l, a, makeBatch(int64(1000+i), 2, 150, byte(i)), int32(i/20))
	}
	return l, a
}

func TestTruncateTo(t *testing.T) {
	cases := []struct {
		name   string
		offset func(l *Log) int64
		want   int64 // log end after; -1: the offset itself
	}{
		{"boundary in a middle segment", func(*Log) int64 { return 50 }, -1},
		{"segment base", func(l *Log) int64 {
			l.mu.Lock()
			defer l.mu.Unlock()
			return l.mu.segments[2].base
		}, -1},
		{"inside a batch", func(*Log) int64 { return 51 }, 50},
		{"in the active segment", func(l *Log) int64 { return l.LogEndOffset() - 4 }, -1},
		{"log end", func(l *Log) int64 { return l.LogEndOffset() }, -1},
		{"start", func(*Log) int64 { return 0 }, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := testDir(t)
			l, a := truncLog(t, dir)
			off := c.offset(l)
			want := c.want
			if want < 0 {
				want = off
			}
			if err := l.TruncateTo(off); err != nil {
				t.Fatal(err)
			}
			checkTruncated(t, l, a, want)
			// New appends continue at the new end, and survive a reopen
			// (clean and unclean).
			info := mustAppend(t, l, nil, makeBatch(5000, 3, 100, 7), 9)
			if info.BaseOffset != want {
				t.Fatalf("append after truncation at %d, want %d", info.BaseOffset, want)
			}
			b := readAll(t, l, 0)
			l.Close()
			l = openTest(t, dir, testConfig())
			equalBatches(t, readAll(t, l, 0), b)
			crash(l)
			os.Remove(filepath.Join(dir, cleanShutdownFile))
			l = openTest(t, dir, testConfig())
			equalBatches(t, readAll(t, l, 0), b)
			if e := l.Epochs(); e[len(e)-1] != (EpochEntry{9, want}) {
				t.Fatalf("epochs after reopen %v", e)
			}
			l.Close()
		})
	}
}

func checkTruncated(t *testing.T, l *Log, a *appended, end int64) {
	t.Helper()
	if l.LogEndOffset() != end {
		t.Fatalf("log end %d, want %d", l.LogEndOffset(), end)
	}
	equalBatches(t, readAll(t, l, 0), a.upTo(end))
	var size int64
	for _, b := range a.upTo(end) {
		size += int64(len(b))
	}
	if l.Size() != size {
		t.Fatalf("size %d, want %d", l.Size(), size)
	}
	for _, e := range l.Epochs() {
		if e.StartOffset >= end {
			t.Fatalf("epoch %v at or past the log end %d", e, end)
		}
	}
	l.mu.Lock()
	segs := l.mu.segments
	last := segs[len(segs)-1]
	l.mu.Unlock()
	if last.base > end {
		t.Fatalf("active segment based at %d past the end %d", last.base, end)
	}
	if _, err := l.Read(end+1, 100, end+1, true); !isOutOfRange(err) {
		t.Fatalf("read past the truncation: %v", err)
	}
}

func TestTruncateErrorsAndFull(t *testing.T) {
	dir := testDir(t)
	l, _ := truncLog(t, dir)
	defer l.Close()
	if err := l.TruncateTo(l.LogEndOffset() + 1); !isOutOfRange(err) {
		t.Fatalf("truncate past the end: %v", err)
	}
	if err := l.TruncateTo(-1); !isOutOfRange(err) {
		t.Fatalf("truncate to -1: %v", err)
	}
	if err := l.DeleteRecordsBefore(70); err != nil {
		t.Fatal(err)
	}
	// Below the first segment: the log restarts empty at the offset.
	l.mu.Lock()
	first := l.mu.segments[0].base
	l.mu.Unlock()
	if err := l.TruncateTo(first - 3); err != nil {
		t.Fatal(err)
	}
	if l.LogStartOffset() != first-3 || l.LogEndOffset() != first-3 || l.SegmentCount() != 1 || len(l.Epochs()) != 0 {
		t.Fatalf("after full truncation: %d..%d, %d segments, epochs %v",
			l.LogStartOffset(), l.LogEndOffset(), l.SegmentCount(), l.Epochs())
	}
	if err := l.TruncateFullyAndStartAt(1000); err != nil {
		t.Fatal(err)
	}
	info := mustAppend(t, l, nil, makeBatch(1, 1, 1, 0), 4)
	if info.BaseOffset != 1000 || l.LogStartOffset() != 1000 {
		t.Fatalf("append after restart at %d, start %d", info.BaseOffset, l.LogStartOffset())
	}
	if _, err := os.Stat(filepath.Join(dir, "00000000000000001000.log")); err != nil {
		t.Fatal(err)
	}
}

func TestTruncateKeepsReaderData(t *testing.T) {
	l, a := truncLog(t, testDir(t))
	defer l.Close()
	// A reader that took its snapshot before a truncation reads the old
	// bytes or a shorter, still whole, prefix: never a torn batch.
	l.mu.Lock()
	v := l.viewLocked(len(l.mu.segments) - 1)
	l.mu.Unlock()
	if err := l.TruncateTo(v.seg.base); err != nil {
		t.Fatal(err)
	}
	data, _, err := l.readSegment(&v, v.seg.base, 1<<20, 1<<40, true)
	v.seg.release()
	if err != nil {
		t.Fatalf("read after truncation: %v", err)
	}
	for len(data) > 0 {
		h, err := record.ParseHeader(data)
		if err != nil || h.Size() > len(data) || !record.CheckCRC(data[:h.Size()]) {
			t.Fatalf("torn batch after truncation: %v", err)
		}
		data = data[h.Size():]
	}
	_ = a
}
