package storage

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestEpochCacheRules(t *testing.T) {
	var c epochCache
	c.assign(1, 0)
	c.assign(1, 5) // same epoch, later start: no change
	c.assign(3, 10)
	c.assign(4, 20)
	want := []EpochEntry{{1, 0}, {3, 10}, {4, 20}}
	if !reflect.DeepEqual(c.entries, want) {
		t.Fatalf("entries %v, want %v", c.entries, want)
	}
	for _, q := range []struct {
		epoch     int32
		wantEpoch int32
		wantEnd   int64
	}{
		{4, 4, 30},  // latest: the log end
		{3, 3, 20},  // start of the next epoch
		{2, 1, 10},  // not present: the largest one below
		{1, 1, 10},  //
		{0, 0, 0},   // older than all: its start offset
		{5, -1, -1}, // newer than the latest
		{-1, -1, -1},
	} {
		e, end := c.endOffsetFor(q.epoch, 30)
		if e != q.wantEpoch || end != q.wantEnd {
			t.Errorf("endOffsetFor(%d) = (%d, %d), want (%d, %d)", q.epoch, e, end, q.wantEpoch, q.wantEnd)
		}
	}
	// A lower epoch or an earlier start drops what conflicts with it.
	c.assign(3, 15) // (3,10) and (4,20) conflict with it
	if want := []EpochEntry{{1, 0}, {3, 15}}; !reflect.DeepEqual(c.entries, want) {
		t.Fatalf("after assign(3,15): %v, want %v", c.entries, want)
	}
	c.assign(5, 5)
	if want := []EpochEntry{{1, 0}, {5, 5}}; !reflect.DeepEqual(c.entries, want) {
		t.Fatalf("after assign(5,5): %v, want %v", c.entries, want)
	}
	if !c.truncateFromStart(7) || !reflect.DeepEqual(c.entries, []EpochEntry{{5, 7}}) {
		t.Fatalf("truncateFromStart(7): %v", c.entries)
	}
	if c.truncateFromStart(7) {
		t.Fatal("truncateFromStart at the first start reported a change")
	}
	if !c.truncateFromEnd(7) || len(c.entries) != 0 {
		t.Fatalf("truncateFromEnd(7): %v", c.entries)
	}
	if e, end := c.endOffsetFor(1, 9); e != -1 || end != -1 {
		t.Fatalf("empty cache: (%d, %d)", e, end)
	}
}

func TestEpochCheckpointFormat(t *testing.T) {
	entries := []EpochEntry{{0, 0}, {2, 150}, {7, 9000000000}}
	data := encodeEpochCheckpoint(entries)
	if want := "0\n3\n0 0\n2 150\n7 9000000000\n"; string(data) != want {
		t.Fatalf("encoded %q, want %q", data, want)
	}
	got, err := parseEpochCheckpoint(data)
	if err != nil || !reflect.DeepEqual(got, entries) {
		t.Fatalf("parse: %v, %v", got, err)
	}
	if got, err := parseEpochCheckpoint([]byte("0\n0\n")); err != nil || len(got) != 0 {
		t.Fatalf("empty checkpoint: %v, %v", got, err)
	}
	for _, bad := range []string{"", "1\n0\n", "0\n2\n0 0\n", "0\n1\n0\n", "0\n1\nx 1\n", "0\n2\n3 10\n2 20\n", "0\n1\n-1 0\n"} {
		if _, err := parseEpochCheckpoint([]byte(bad)); err == nil {
			t.Errorf("parse(%q) accepted", bad)
		}
	}
}

func TestLogEpochs(t *testing.T) {
	dir := testDir(t)
	l := openTest(t, dir, testConfig())
	for i, epoch := range []int32{0, 0, 1, 1, 3} {
		mustAppend(t, l, nil, makeBatch(int64(i), 2, 10, 0), epoch)
	}
	want := []EpochEntry{{0, 0}, {1, 4}, {3, 8}}
	if got := l.Epochs(); !reflect.DeepEqual(got, want) {
		t.Fatalf("epochs %v, want %v", got, want)
	}
	data, err := os.ReadFile(filepath.Join(dir, LeaderEpochCheckpointFile))
	if err != nil || string(data) != "0\n3\n0 0\n1 4\n3 8\n" {
		t.Fatalf("checkpoint %q, %v", data, err)
	}
	if e, end := l.EndOffsetForEpoch(3); e != 3 || end != 10 {
		t.Fatalf("EndOffsetForEpoch(3) = (%d, %d)", e, end)
	}
	if e, end := l.EndOffsetForEpoch(2); e != 1 || end != 8 {
		t.Fatalf("EndOffsetForEpoch(2) = (%d, %d)", e, end)
	}
	if err := l.TruncateTo(8); err != nil {
		t.Fatal(err)
	}
	if got := l.Epochs(); !reflect.DeepEqual(got, want[:2]) {
		t.Fatalf("epochs after truncation %v", got)
	}
	l.Close()

	// A corrupt checkpoint is rebuilt from the batches recovery reads.
	os.WriteFile(filepath.Join(dir, LeaderEpochCheckpointFile), []byte("garbage"), 0o644)
	os.Remove(filepath.Join(dir, cleanShutdownFile))
	l = openTest(t, dir, testConfig())
	defer l.Close()
	if got := l.Epochs(); !reflect.DeepEqual(got, want[:2]) {
		t.Fatalf("epochs rebuilt by recovery %v, want %v", got, want[:2])
	}
	data, _ = os.ReadFile(filepath.Join(dir, LeaderEpochCheckpointFile))
	if string(data) != "0\n2\n0 0\n1 4\n" {
		t.Fatalf("rewritten checkpoint %q", data)
	}
}
