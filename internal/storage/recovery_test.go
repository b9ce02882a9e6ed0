package storage

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"samsa/internal/record"
)

// crashedLog writes 40 batches over several segments and stops without
// Close. It returns the directory, what was appended and the active
// segment's path.
func crashedLog(t *testing.T) (string, *appended, string) {
	t.Helper()
	dir := testDir(t)
	l := openTest(t, dir, testConfig())
	a := &appended{}
	rng := rand.New(rand.NewPCG(11, 12))
	for i := 0; i < 40; i++ {
		mustAppend(t, l, a, makeBatch(int64(1000+i), 1+rng.IntN(3), 50+rng.IntN(200), byte(i)), int32(i/10))
	}
	if l.SegmentCount() < 3 {
		t.Fatalf("only %d segments", l.SegmentCount())
	}
	l.mu.Lock()
	active := l.active().path(logSuffix)
	l.mu.Unlock()
	crash(l)
	return dir, a, active
}

// batchEnds returns the positions where the batches of a segment file end.
func batchEnds(t *testing.T, path string) []int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ends []int64
	for pos := 0; pos < len(data); {
		h, err := record.ParseHeader(data[pos:])
		if err != nil {
			t.Fatal(err)
		}
		pos += h.Size()
		ends = append(ends, int64(pos))
	}
	return ends
}

// reopenAndCheck opens a damaged copy, checks that exactly the batches
// below wantEnd survive, and that appends continue at wantEnd.
func reopenAndCheck(t *testing.T, dir string, a *appended, wantEnd int64, mods ...func(*Options)) {
	t.Helper()
	l := openTest(t, dir, testConfig(), mods...)
	if l.LogEndOffset() != wantEnd {
		t.Fatalf("log end %d, want %d", l.LogEndOffset(), wantEnd)
	}
	equalBatches(t, readAll(t, l, 0), a.upTo(wantEnd))
	for _, e := range l.Epochs() {
		if e.StartOffset >= wantEnd {
			t.Fatalf("epoch %v survived past the log end %d", e, wantEnd)
		}
	}
	info, err := l.Append(makeBatch(9999, 2, 20, 1), 77)
	if err != nil || info.BaseOffset != wantEnd {
		t.Fatalf("append after recovery: %+v, %v; want base %d", info, err, wantEnd)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openTest(t, dir, testConfig(), mods...)
	defer l.Close()
	if l.LogEndOffset() != wantEnd+2 {
		t.Fatalf("after a clean reopen log end %d, want %d", l.LogEndOffset(), wantEnd+2)
	}
	readAll(t, l, 0)
}

// endOffsetAt returns the offset after the last batch of the segment at
// path that ends at or before cut.
func endOffsetAt(t *testing.T, a *appended, path string, cut int64) int64 {
	base, _ := parseSegmentFileName(filepath.Base(path))
	end := base
	data, _ := os.ReadFile(path)
	for pos := int64(0); pos < int64(len(data)); {
		h, _ := record.ParseHeader(data[pos:])
		if pos+int64(h.Size()) > cut {
			break
		}
		pos += int64(h.Size())
		end = h.NextOffset()
	}
	return end
}

func TestRecoverTornTail(t *testing.T) {
	src, a, active := crashedLog(t)
	ends := batchEnds(t, active)
	size := ends[len(ends)-1]
	cuts := map[int64]bool{0: true, size - 1: true}
	for _, e := range ends {
		for d := int64(-2); d <= 2; d++ {
			if e+d >= 0 && e+d < size {
				cuts[e+d] = true
			}
		}
	}
	rng := rand.New(rand.NewPCG(21, 22))
	for len(cuts) < 120 && len(cuts) < int(size) {
		cuts[rng.Int64N(size)] = true
	}
	base, _ := parseSegmentFileName(filepath.Base(active))
	for cut := range cuts {
		dir := filepath.Join(testDir(t), "p-0")
		copyDir(t, src, dir)
		if err := os.Truncate(filepath.Join(dir, filepath.Base(active)), cut); err != nil {
			t.Fatal(err)
		}
		want := endOffsetAt(t, a, active, cut)
		// Recovery from the start and from the active segment agree.
		rp := int64(0)
		if cut%2 == 1 {
			rp = base
		}
		reopenAndCheck(t, dir, a, want, withRecoveryPoint(rp))
	}
}

func TestRecoverGarbageTail(t *testing.T) {
	src, a, active := crashedLog(t)
	leo := a.upTo(1 << 62)
	h, _ := record.ParseHeader(leo[len(leo)-1])
	rng := rand.New(rand.NewPCG(31, 32))
	for _, n := range []int{1, 11, 60, 61, 62, 500, 5000} {
		dir := filepath.Join(testDir(t), "p-0")
		copyDir(t, src, dir)
		garbage := make([]byte, n)
		for i := range garbage {
			garbage[i] = byte(rng.IntN(256))
		}
		if n > 20 {
			garbage[16] = 2 // a plausible magic, so the CRC has to catch it
		}
		f, _ := os.OpenFile(filepath.Join(dir, filepath.Base(active)), os.O_WRONLY|os.O_APPEND, 0)
		f.Write(garbage)
		f.Close()
		reopenAndCheck(t, dir, a, h.NextOffset())
		if got := fileSize(t, filepath.Join(dir, filepath.Base(active))); got != batchEnds(t, active)[len(batchEnds(t, active))-1]+int64(len(makeBatch(9999, 2, 20, 1))) {
			t.Fatalf("garbage not cut: active segment has %d bytes", got)
		}
	}
}

func TestRecoverFlippedCRC(t *testing.T) {
	src, a, active := crashedLog(t)
	data, _ := os.ReadFile(active)
	ends := batchEnds(t, active)
	victim := int64(0)
	if len(ends) > 2 {
		victim = ends[len(ends)/2-1] // the start of a middle batch
	}
	h, _ := record.ParseHeader(data[victim:])
	for _, at := range []int64{17, 30, int64(h.Size()) - 1} { // the CRC, a header field, the last record byte
		dir := filepath.Join(testDir(t), "p-0")
		copyDir(t, src, dir)
		path := filepath.Join(dir, filepath.Base(active))
		damaged := append([]byte(nil), data...)
		damaged[victim+at] ^= 0x40
		os.WriteFile(path, damaged, 0o644)
		reopenAndCheck(t, dir, a, h.BaseOffset)
	}
}

func TestRecoverCorruptSealedSegment(t *testing.T) {
	src, a, _ := crashedLog(t)
	logs := segmentFiles(t, src, ".log")
	second := logs[1]
	base, _ := parseSegmentFileName(filepath.Base(second))
	ends := batchEnds(t, second)
	data, _ := os.ReadFile(second)
	h, _ := record.ParseHeader(data[ends[0]:])

	// From a recovery point at or before the segment, the flip is found:
	// the log ends before the damaged batch and later segments go.
	dir := filepath.Join(testDir(t), "p-0")
	copyDir(t, src, dir)
	damaged := append([]byte(nil), data...)
	damaged[ends[0]+40] ^= 1
	os.WriteFile(filepath.Join(dir, filepath.Base(second)), damaged, 0o644)
	reopenAndCheck(t, dir, a, h.BaseOffset, withRecoveryPoint(base))
	if n := len(segmentFiles(t, dir, ".log")); n != 2 {
		t.Fatalf("%d segments left, want 2", n)
	}
	// A segment whose base is past the previous one's end is also cut.
	dir = filepath.Join(testDir(t), "p-0")
	copyDir(t, src, dir)
	os.Rename(filepath.Join(dir, filepath.Base(logs[2])), filepath.Join(dir, segmentFileName(base+1, ".log")))
	reopenAndCheck(t, dir, a, mustBase(t, logs[2]))
}

func mustBase(t *testing.T, path string) int64 {
	base, ok := parseSegmentFileName(filepath.Base(path))
	if !ok {
		t.Fatalf("not a segment: %s", path)
	}
	return base
}

func TestRebuildMissingAndCorruptIndexes(t *testing.T) {
	dir := testDir(t)
	l := openTest(t, dir, testConfig())
	var a appended
	fill(t, l, &a, 150, rand.New(rand.NewPCG(41, 42)), 0)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	logs := segmentFiles(t, dir, ".log")
	if len(logs) < 5 {
		t.Fatalf("%d segments", len(logs))
	}
	original := map[string][]byte{}
	for _, p := range append(segmentFiles(t, dir, ".index"), segmentFiles(t, dir, ".timeindex")...) {
		original[p], _ = os.ReadFile(p)
	}
	stem := func(i int) string { return logs[i][:len(logs[i])-len(".log")] }
	for _, clean := range []bool{true, false} {
		os.Remove(stem(1) + ".index")
		os.Remove(stem(2) + ".timeindex")
		os.WriteFile(stem(3)+".index", bytes.Repeat([]byte{0xff}, 24), 0o644)
		os.WriteFile(stem(4)+".timeindex", []byte{1, 2, 3}, 0o644)
		// A plausible but wrong index: each entry names the batch before
		// the one it points at. Following it would skip data.
		shifted := append([]byte(nil), original[stem(5)+".index"]...)
		for i := 0; i+16 <= len(shifted); i += 8 {
			copy(shifted[i+4:i+8], shifted[i+12:i+16])
		}
		os.WriteFile(stem(5)+".index", shifted[:len(shifted)-8], 0o644)
		if !clean {
			os.Remove(filepath.Join(dir, cleanShutdownFile))
		}
		l = openTest(t, dir, testConfig(), withRecoveryPoint(l.LogEndOffset()))
		equalBatches(t, readAll(t, l, 0), a.batches)
		checkEveryOffset(t, l, &a)
		if _, ok, err := l.OffsetForTimestamp(0); !ok || err != nil {
			t.Fatalf("OffsetForTimestamp: %v %v", ok, err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		// Missing indexes are rebuilt by Open, corrupt ones by Open after an
		// unclean stop and on first use after a clean one; they come out as
		// the roll wrote them.
		check := []string{stem(1) + ".index", stem(2) + ".timeindex", stem(3) + ".index", stem(4) + ".timeindex"}
		os.WriteFile(stem(5)+".index", original[stem(5)+".index"], 0o644)
		for _, p := range check {
			got, err := os.ReadFile(p)
			if err != nil || !bytes.Equal(got, original[p]) {
				t.Fatalf("clean=%v: %s rebuilt as %d bytes (%v), want %d", clean, p, len(got), err, len(original[p]))
			}
		}
	}
}

func TestCleanShutdownMarker(t *testing.T) {
	dir := testDir(t)
	marker := filepath.Join(dir, cleanShutdownFile)
	l := openTest(t, dir, testConfig())
	var a appended
	fill(t, l, &a, 30, rand.New(rand.NewPCG(51, 52)), 0)
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Fatal("marker present while the log is open")
	}
	l.Close()
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("no marker after Close: %v", err)
	}
	l = openTest(t, dir, testConfig())
	if !l.markerPresent {
		t.Fatal("clean open did not take the marker")
	}
	readAll(t, l, 0) // reads do not invalidate it
	if _, err := os.Stat(marker); err != nil {
		t.Fatal("a read removed the marker")
	}
	mustAppend(t, l, &a, makeBatch(1, 1, 1, 0), 0)
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Fatal("marker survived a change")
	}
	l.Close()

	// Bytes added after a clean close do not match the marker: recovered.
	active := segmentFiles(t, dir, ".log")
	path := active[len(active)-1]
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.Write(bytes.Repeat([]byte{7}, 100))
	f.Close()
	reopenAndCheck(t, dir, &a, l.LogEndOffset())

	// A corrupt active index after a clean close is rebuilt.
	l = openTest(t, dir, testConfig())
	l.Close()
	os.WriteFile(path[:len(path)-4]+".index", bytes.Repeat([]byte{9}, 16), 0o644)
	l = openTest(t, dir, testConfig())
	defer l.Close()
	if l.markerPresent {
		t.Fatal("open with a corrupt active index counted as clean")
	}
	readAll(t, l, 0)
}

func TestRecoverLeftovers(t *testing.T) {
	dir, a, _ := crashedLog(t)
	leftovers := []string{
		"00000000000000000000.log.deleted", "00000000000000000000.index.deleted",
		"00000000000000000005.log.cleaned", "00000000000000000005.log.swap",
		"leader-epoch-checkpoint.tmp", "00000000000000099999.index", "00000000000000099999.timeindex",
	}
	for _, name := range leftovers {
		os.WriteFile(filepath.Join(dir, name), []byte("junk"), 0o644)
	}
	os.WriteFile(filepath.Join(dir, PartitionMetadataFile), []byte("version: 0\ntopic_id: fwECAwQFBgcICQoLDA0O_w"), 0o644)
	l := openTest(t, dir, testConfig())
	defer l.Close()
	for _, name := range leftovers {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("%s not removed", name)
		}
	}
	if _, err := ReadPartitionMetadata(dir); err != nil {
		t.Fatalf("partition.metadata touched: %v", err)
	}
	equalBatches(t, readAll(t, l, 0), a.batches)
}

func TestRecoverEmptyFiles(t *testing.T) {
	dir := testDir(t)
	// A crash right after a roll created the files: an empty active
	// segment after full ones, and a segment file with no index at all.
	l := openTest(t, dir, testConfig())
	var a appended
	fill(t, l, &a, 20, rand.New(rand.NewPCG(61, 62)), 0)
	leo := l.LogEndOffset()
	crash(l)
	os.WriteFile(filepath.Join(dir, segmentFileName(leo, ".log")), nil, 0o644)
	reopenAndCheck(t, dir, &a, leo)

	// A directory holding only a garbage segment opens, empty.
	dir = testDir(t)
	os.WriteFile(filepath.Join(dir, segmentFileName(0, ".log")), bytes.Repeat([]byte{0xee}, 1000), 0o644)
	reopenAndCheck(t, dir, &appended{}, 0)
}

func TestRecoverBelowLogStartAfterRebuild(t *testing.T) {
	// Open rebuilds a sealed segment's missing index, then finds the whole
	// log below the checkpointed log start and starts empty: the first
	// Sync must not touch the removed segment.
	src, _, _ := crashedLog(t)
	logs := segmentFiles(t, src, ".log")
	os.Remove(logs[0][:len(logs[0])-4] + ".index")
	l := openTest(t, src, testConfig(), withRecoveryPoint(1<<40), func(o *Options) { o.LogStartOffset = 1 << 40 })
	defer l.Close()
	if off, err := l.Sync(); err != nil || off != 1<<40 {
		t.Fatalf("Sync: %d, %v", off, err)
	}
}
