package storage

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"samsa/internal/record"
)

// fill appends n batches of 1-4 records with values of 10-300 bytes.
func fill(t testing.TB, l *Log, a *appended, n int, rng *rand.Rand, ts int64) {
	t.Helper()
	for i := 0; i < n; i++ {
		b := makeBatch(ts+int64(i)*10, 1+rng.IntN(4), 10+rng.IntN(290), byte(i))
		mustAppend(t, l, a, b, 0)
	}
}

func TestAppendReadAcrossSegments(t *testing.T) {
	dir := testDir(t)
	cfg := testConfig()
	l := openTest(t, dir, cfg)
	var a appended
	rng := rand.New(rand.NewPCG(1, 2))
	var next int64
	for i := 0; i < 300; i++ {
		b := makeBatch(1000+int64(i), 1+rng.IntN(4), 10+rng.IntN(290), byte(i))
		h, _ := record.ParseHeader(b)
		info := mustAppend(t, l, &a, b, 0)
		if info.BaseOffset != next || info.LastOffset != next+int64(h.LastOffsetDelta) {
			t.Fatalf("append %d: offsets %d..%d, want %d..%d", i, info.BaseOffset, info.LastOffset, next, next+int64(h.LastOffsetDelta))
		}
		next = info.LastOffset + 1
	}
	if l.LogEndOffset() != next {
		t.Fatalf("log end offset %d, want %d", l.LogEndOffset(), next)
	}
	if l.SegmentCount() < 10 {
		t.Fatalf("only %d segments with segment.bytes=%d", l.SegmentCount(), cfg.SegmentBytes)
	}
	for _, f := range segmentFiles(t, dir, ".log") {
		if s := fileSize(t, f); s > cfg.SegmentBytes {
			t.Fatalf("%s has %d bytes, over segment.bytes", f, s)
		}
	}
	var total int64
	for _, b := range a.batches {
		total += int64(len(b))
	}
	if l.Size() != total {
		t.Fatalf("Size() = %d, want %d", l.Size(), total)
	}
	equalBatches(t, readAll(t, l, 0), a.batches)
	checkEveryOffset(t, l, &a)

	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openTest(t, dir, cfg)
	equalBatches(t, readAll(t, l, 0), a.batches)
	checkEveryOffset(t, l, &a)
	mustAppend(t, l, &a, makeBatch(5000, 2, 50, 9), 0)
	equalBatches(t, readAll(t, l, 0), a.batches)
	l.Close()
}

// checkEveryOffset reads at every offset and checks that the first batch
// returned is the one holding it.
func checkEveryOffset(t *testing.T, l *Log, a *appended) {
	t.Helper()
	leo := l.LogEndOffset()
	bi := 0
	for off := int64(0); off < leo; off++ {
		h, _ := record.ParseHeader(a.batches[bi])
		if h.LastOffset() < off {
			bi++
			h, _ = record.ParseHeader(a.batches[bi])
		}
		res, err := l.Read(off, 1, leo, true)
		if err != nil {
			t.Fatalf("Read(%d): %v", off, err)
		}
		if !bytes.Equal(res.Batches, a.batches[bi]) {
			t.Fatalf("Read(%d, minOneBatch) did not return exactly batch %d..%d", off, h.BaseOffset, h.LastOffset())
		}
	}
}

func TestReadLimits(t *testing.T) {
	l := openTest(t, testDir(t), testConfig())
	defer l.Close()
	var a appended
	for i := 0; i < 6; i++ {
		mustAppend(t, l, &a, makeBatch(100, 2, 100, byte(i)), 0) // offsets 2i, 2i+1
	}
	size := len(a.batches[0])
	leo := l.LogEndOffset()

	res, err := l.Read(0, size-1, leo, false)
	if err != nil || len(res.Batches) != 0 {
		t.Fatalf("maxBytes below one batch, no minOneBatch: %d bytes, %v", len(res.Batches), err)
	}
	res, _ = l.Read(0, size-1, leo, true)
	if !bytes.Equal(res.Batches, a.batches[0]) {
		t.Fatalf("minOneBatch did not return the first batch whole")
	}
	res, _ = l.Read(0, 2*size+size/2, leo, false)
	if len(res.Batches) != 2*size {
		t.Fatalf("maxBytes 2.5 batches returned %d bytes, want %d", len(res.Batches), 2*size)
	}
	// maxOffset (the high watermark) cuts at whole batches below it.
	res, _ = l.Read(0, 1<<20, 4, false)
	if len(res.Batches) != 2*size {
		t.Fatalf("maxOffset 4 returned %d bytes, want 2 batches", len(res.Batches))
	}
	res, _ = l.Read(0, 1<<20, 3, true) // the batch holding 3 ends at 3: excluded
	if len(res.Batches) != size {
		t.Fatalf("maxOffset 3 returned %d bytes, want 1 batch", len(res.Batches))
	}
	res, err = l.Read(4, 1<<20, 4, true)
	if err != nil || len(res.Batches) != 0 {
		t.Fatalf("read at maxOffset: %d bytes, %v", len(res.Batches), err)
	}
	// Offset 3 is inside the second batch: it is returned whole.
	res, _ = l.Read(3, 1<<20, leo, false)
	if !bytes.HasPrefix(res.Batches, a.batches[1]) {
		t.Fatal("read inside a batch does not start with the batch holding the offset")
	}
	if res, err = l.Read(leo, 100, leo, true); err != nil || len(res.Batches) != 0 || res.LogEndOffset != leo {
		t.Fatalf("read at the log end: %d bytes, %v", len(res.Batches), err)
	}
	if _, err = l.Read(leo+1, 100, leo, true); !isOutOfRange(err) {
		t.Fatalf("read past the log end: %v, want ErrOffsetOutOfRange", err)
	}
	if _, err = l.Read(-1, 100, leo, true); !isOutOfRange(err) {
		t.Fatalf("read at -1: %v, want ErrOffsetOutOfRange", err)
	}
}

func TestAppendRejects(t *testing.T) {
	cfg := testConfig()
	l := openTest(t, testDir(t), cfg)
	defer l.Close()
	b := makeBatch(1, 1, 10, 0)
	if _, err := l.Append(b[:len(b)-1], 0); err == nil {
		t.Fatal("append of a short batch succeeded")
	}
	two := append(append([]byte(nil), b...), b...)
	if _, err := l.Append(two, 0); err == nil {
		t.Fatal("append of two batches succeeded")
	}
	big := makeBatch(1, 1, int(cfg.SegmentBytes), 0)
	if _, err := l.Append(big, 0); !errors.Is(err, ErrRecordBatchTooLarge) {
		t.Fatalf("append over segment.bytes: %v", err)
	}
	if l.LogEndOffset() != 0 || l.Size() != 0 {
		t.Fatal("rejected appends changed the log")
	}
}

func TestAppendWithOffsets(t *testing.T) {
	cfg := testConfig()
	dir := testDir(t)
	l := openTest(t, dir, cfg)
	var a appended
	// A run of batches spanning several segments in one call, with a gap
	// (as a compacted leader sends them).
	var run []byte
	off := int64(0)
	for i := 0; i < 40; i++ {
		b := withOffsets(makeBatch(100+int64(i), 3, 200, byte(i)), off, 2)
		run = append(run, b...)
		a.add(b)
		off += 3
		if i == 20 {
			off += 7
		}
	}
	info, err := l.AppendWithOffsets(run)
	if err != nil {
		t.Fatal(err)
	}
	if info.BaseOffset != 0 || info.LastOffset != off-1 || info.Position != 0 {
		t.Fatalf("info %+v, want 0..%d at 0", info, off-1)
	}
	if l.LogEndOffset() != off || l.SegmentCount() < 3 {
		t.Fatalf("log end %d with %d segments, want %d over several", l.LogEndOffset(), l.SegmentCount(), off)
	}
	equalBatches(t, readAll(t, l, 0), a.batches)
	// Reading inside the gap returns the batch after it.
	gapStart := int64(21 * 3)
	res, err := l.Read(gapStart+2, 1<<20, l.LogEndOffset(), true)
	if h, _ := record.ParseHeader(res.Batches); err != nil || h.BaseOffset != gapStart+7 {
		t.Fatalf("read in the gap: base %d, %v", h.BaseOffset, err)
	}
	if _, err := l.AppendWithOffsets(withOffsets(makeBatch(1, 1, 1, 0), off-1, 2)); err == nil {
		t.Fatal("append below the log end succeeded")
	}
	bad := append(withOffsets(makeBatch(1, 2, 1, 0), off+5, 2), withOffsets(makeBatch(1, 1, 1, 0), off+5, 2)...)
	if _, err := l.AppendWithOffsets(bad); err == nil {
		t.Fatal("append with offsets going back succeeded")
	}
	// A jump beyond int32 relative offsets starts a new segment.
	far := int64(1) << 33
	if _, err := l.AppendWithOffsets(withOffsets(makeBatch(1, 1, 1, 0), far, 3)); err != nil {
		t.Fatal(err)
	}
	if l.LogEndOffset() != far+1 {
		t.Fatalf("log end %d, want %d", l.LogEndOffset(), far+1)
	}
	if _, err := os.Stat(filepath.Join(dir, segmentFileName(far, ".log"))); err != nil {
		t.Fatalf("no segment at the far offset: %v", err)
	}
	if got := l.Epochs(); len(got) != 2 || got[0] != (EpochEntry{2, 0}) || got[1] != (EpochEntry{3, far}) {
		t.Fatalf("epochs %v", got)
	}
	l.Close()
	l = openTest(t, dir, cfg)
	defer l.Close()
	if l.LogEndOffset() != far+1 {
		t.Fatalf("after reopen log end %d, want %d", l.LogEndOffset(), far+1)
	}
}

func TestIndexFiles(t *testing.T) {
	dir := testDir(t)
	cfg := testConfig()
	l := openTest(t, dir, cfg)
	var a appended
	fill(t, l, &a, 200, rand.New(rand.NewPCG(3, 4)), 10_000)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for _, logPath := range segmentFiles(t, dir, ".log") {
		checkSegmentIndexes(t, logPath, cfg)
	}
}

// checkSegmentIndexes checks a segment's index files against its data:
// every offset entry points at the start of the batch whose last offset it
// names, entries are at least index.interval.bytes apart, and the time
// index increases and ends with the segment's largest timestamp.
func checkSegmentIndexes(t *testing.T, logPath string, cfg Config) {
	t.Helper()
	base, _ := parseSegmentFileName(filepath.Base(logPath))
	data, _ := os.ReadFile(logPath)
	stem := logPath[:len(logPath)-len(".log")]
	idx, _ := os.ReadFile(stem + ".index")
	tidx, _ := os.ReadFile(stem + ".timeindex")
	if len(idx)%8 != 0 || len(tidx)%12 != 0 {
		t.Fatalf("%s: index sizes %d, %d", stem, len(idx), len(tidx))
	}
	batchAt := map[int32]record.Header{}
	maxTs := int64(-1)
	for pos := 0; pos < len(data); {
		h, err := record.ParseHeader(data[pos:])
		if err != nil {
			t.Fatalf("%s at %d: %v", logPath, pos, err)
		}
		batchAt[int32(pos)] = h
		maxTs = max(maxTs, h.MaxTimestamp)
		pos += h.Size()
	}
	prevPos := int32(-1)
	for i := 0; i < len(idx); i += 8 {
		rel, pos := offsetEntry(idx[i:])
		h, ok := batchAt[pos]
		if !ok || h.LastOffset() != base+int64(rel) {
			t.Fatalf("%s: entry (%d, %d) does not point at a batch ending there", stem, rel, pos)
		}
		if prevPos >= 0 && int64(pos-prevPos) <= cfg.IndexIntervalBytes {
			t.Fatalf("%s: entries at %d and %d closer than the interval", stem, prevPos, pos)
		}
		prevPos = pos
	}
	if len(data) > 2*int(cfg.IndexIntervalBytes)+1000 && len(idx) == 0 {
		t.Fatalf("%s: %d bytes of data and no index entry", stem, len(data))
	}
	prevTs := int64(-1)
	for i := 0; i < len(tidx); i += 12 {
		ts, _ := timeEntry(tidx[i:])
		if ts <= prevTs {
			t.Fatalf("%s: time index not increasing: %d after %d", stem, ts, prevTs)
		}
		prevTs = ts
	}
	if len(data) > 0 && prevTs != maxTs {
		t.Fatalf("%s: last time index entry %d, largest timestamp %d", stem, prevTs, maxTs)
	}
}

func TestEmptyLogAndStartOffset(t *testing.T) {
	dir := testDir(t)
	l := openTest(t, dir, testConfig(), func(o *Options) { o.LogStartOffset = 500 })
	if l.LogStartOffset() != 500 || l.LogEndOffset() != 500 {
		t.Fatalf("empty log at %d..%d, want 500", l.LogStartOffset(), l.LogEndOffset())
	}
	info := mustAppend(t, l, nil, makeBatch(1, 2, 10, 0), 0)
	if info.BaseOffset != 500 {
		t.Fatalf("first append at %d, want 500", info.BaseOffset)
	}
	if _, err := os.Stat(filepath.Join(dir, "00000000000000000500.log")); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := l.MaxTimestamp(); err != nil || !ok {
		t.Fatalf("MaxTimestamp: %v %v", ok, err)
	}
	l.Close()
	// A checkpointed log start beyond the data: the log restarts there.
	l = openTest(t, dir, testConfig(), func(o *Options) { o.LogStartOffset = 900 })
	defer l.Close()
	if l.LogStartOffset() != 900 || l.LogEndOffset() != 900 || l.SegmentCount() != 1 {
		t.Fatalf("log %d..%d with %d segments, want empty at 900", l.LogStartOffset(), l.LogEndOffset(), l.SegmentCount())
	}
}

func TestClosedLog(t *testing.T) {
	l := openTest(t, testDir(t), testConfig())
	mustAppend(t, l, nil, makeBatch(1, 1, 1, 0), 0)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := l.Append(makeBatch(1, 1, 1, 0), 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
	if _, err := l.Read(0, 10, 1, true); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Close: %v", err)
	}
	if _, err := l.Sync(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Sync after Close: %v", err)
	}
}

func TestDelete(t *testing.T) {
	parent := testDir(t)
	dir := filepath.Join(parent, "orders.v1-3")
	l := openTest(t, dir, testConfig())
	fill(t, l, nil, 30, rand.New(rand.NewPCG(1, 1)), 0)
	if err := l.Delete(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 0 {
		t.Fatalf("parent still holds %v", entries[0].Name())
	}
	if _, err := l.Append(makeBatch(1, 1, 1, 0), 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Delete: %v", err)
	}
}

func TestSync(t *testing.T) {
	cfg := testConfig()
	l := openTest(t, testDir(t), cfg)
	defer l.Close()
	if off, err := l.Sync(); err != nil || off != 0 {
		t.Fatalf("Sync of an empty log: %d, %v", off, err)
	}
	fill(t, l, nil, 50, rand.New(rand.NewPCG(5, 5)), 0)
	if l.DurableOffset() != 0 {
		t.Fatalf("durable offset %d before any Sync", l.DurableOffset())
	}
	off, err := l.Sync()
	if err != nil || off != l.LogEndOffset() {
		t.Fatalf("Sync: %d, %v; log end %d", off, err, l.LogEndOffset())
	}
	l.mu.Lock()
	dirty := len(l.mu.dirty)
	l.mu.Unlock()
	if dirty != 0 || l.DurableOffset() != off {
		t.Fatalf("after Sync: %d dirty segments, durable %d", dirty, l.DurableOffset())
	}
	mustAppend(t, l, nil, makeBatch(1, 1, 1, 0), 0)
	if off2, err := l.Sync(); err != nil || off2 != off+1 {
		t.Fatalf("second Sync: %d, %v", off2, err)
	}
}

func TestSegmentFileNames(t *testing.T) {
	for _, c := range []struct {
		base int64
		name string
	}{{0, "00000000000000000000.log"}, {170, "00000000000000000170.log"}, {1 << 62, "04611686018427387904.log"}} {
		if got := segmentFileName(c.base, ".log"); got != c.name {
			t.Errorf("segmentFileName(%d) = %q, want %q", c.base, got, c.name)
		}
		if base, ok := parseSegmentFileName(c.name); !ok || base != c.base {
			t.Errorf("parseSegmentFileName(%q) = %d, %v", c.name, base, ok)
		}
	}
	for _, bad := range []string{"0.log", "0000000000000000000x.log", "00000000000000000000.index", "-0000000000000000001.log"} {
		if _, ok := parseSegmentFileName(bad); ok {
			t.Errorf("parseSegmentFileName(%q) accepted", bad)
		}
	}
}
