package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/record"
)

// testConfig is a configuration with tiny segments and indexes, so that a
// few hundred batches cross many segments and index entries.
func testConfig() Config {
	c := DefaultConfig()
	c.SegmentBytes = 4096
	c.IndexIntervalBytes = 256
	c.SegmentIndexBytes = 1024
	c.RetentionMs = -1
	c.RetentionBytes = -1
	c.FileDeleteDelay = 0
	return c
}

var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		os.Exit(runChild(dir))
	}
	code := m.Run()
	if fuzzTemplate.dir != "" {
		os.RemoveAll(fuzzTemplate.dir)
	}
	os.Exit(code)
}

// testDir returns a fresh directory for a log. It is on tmpfs when the
// machine has one: the tests exercise the file operations, and fsync on a
// shared disk would make them slow and noisy. The benchmarks use the disk.
func testDir(t testing.TB) string {
	t.Helper()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		dir, err := os.MkdirTemp("/dev/shm", "samsa-storage-")
		if err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}

// clock is an injectable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.UnixMilli(1_700_000_000_000)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func openTest(t testing.TB, dir string, cfg Config, mods ...func(*Options)) *Log {
	t.Helper()
	opts := Options{Dir: dir, Config: cfg, Logger: quietLogger}
	for _, m := range mods {
		m(&opts)
	}
	l, err := Open(opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return l
}

func withClock(c *clock) func(*Options) { return func(o *Options) { o.Now = c.Now } }

func withRecoveryPoint(p int64) func(*Options) { return func(o *Options) { o.RecoveryPoint = p } }

// makeBatch builds an uncompressed v2 batch of n records with timestamps
// ts, ts+1, ... and values of valueSize bytes derived from seed, with a
// valid CRC. The base offset is 0 and there is no leader epoch.
func makeBatch(ts int64, n, valueSize int, seed byte) []byte {
	return makeBatchTimes(timestamps(ts, n), valueSize, seed)
}

func timestamps(ts int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = ts + int64(i)
	}
	return out
}

func makeBatchTimes(ts []int64, valueSize int, seed byte) []byte {
	var recs []byte
	maxTs := ts[0]
	for i, t := range ts {
		maxTs = max(maxTs, t)
		body := []byte{0}
		body = binary.AppendVarint(body, t-ts[0])
		body = binary.AppendVarint(body, int64(i))
		body = binary.AppendVarint(body, -1)
		body = binary.AppendVarint(body, int64(valueSize))
		for j := 0; j < valueSize; j++ {
			body = append(body, seed+byte(i)+byte(j))
		}
		body = binary.AppendVarint(body, 0)
		recs = binary.AppendVarint(recs, int64(len(body)))
		recs = append(recs, body...)
	}
	rb := kmsg.RecordBatch{
		PartitionLeaderEpoch: -1,
		Magic:                2,
		LastOffsetDelta:      int32(len(ts) - 1),
		FirstTimestamp:       ts[0],
		MaxTimestamp:         maxTs,
		ProducerID:           -1,
		ProducerEpoch:        -1,
		FirstSequence:        -1,
		NumRecords:           int32(len(ts)),
		Records:              recs,
	}
	b := rb.AppendTo(nil)
	binary.BigEndian.PutUint32(b[8:], uint32(len(b)-record.LengthOverhead))
	binary.BigEndian.PutUint32(b[17:], record.ComputeCRC(b))
	return b
}

// withOffsets returns a copy of batch with its base offset and epoch set,
// as a leader would send it to a follower.
func withOffsets(batch []byte, base int64, epoch int32) []byte {
	b := append([]byte(nil), batch...)
	record.SetBaseOffset(b, base)
	record.SetPartitionLeaderEpoch(b, epoch)
	return b
}

// appended remembers what a test appended, to compare reads against.
type appended struct {
	batches [][]byte // as stored (offsets assigned)
}

func (a *appended) add(b []byte) { a.batches = append(a.batches, append([]byte(nil), b...)) }

// upTo returns the batches whose last offset is below end.
func (a *appended) upTo(end int64) [][]byte {
	var out [][]byte
	for _, b := range a.batches {
		h, _ := record.ParseHeader(b)
		if h.LastOffset() < end {
			out = append(out, b)
		}
	}
	return out
}

func mustAppend(t testing.TB, l *Log, a *appended, batch []byte, epoch int32) AppendInfo {
	t.Helper()
	info, err := l.Append(batch, epoch)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if a != nil {
		a.add(batch)
	}
	return info
}

// readAll reads the log from `from` to its end with small fetches and
// returns the batches, checking that each is whole, has a valid CRC and
// continues the previous one.
func readAll(t testing.TB, l *Log, from int64) [][]byte {
	t.Helper()
	var out [][]byte
	next := from
	leo := l.LogEndOffset()
	for next < leo {
		res, err := l.Read(next, 700, leo, true)
		if err != nil {
			t.Fatalf("Read(%d): %v", next, err)
		}
		if len(res.Batches) == 0 {
			t.Fatalf("Read(%d) below the log end %d returned nothing", next, leo)
		}
		for b := res.Batches; len(b) > 0; {
			h, err := record.ParseHeader(b)
			if err != nil || h.Size() > len(b) {
				t.Fatalf("Read(%d): bad batch framing: %v", next, err)
			}
			if !record.CheckCRC(b[:h.Size()]) {
				t.Fatalf("Read(%d): batch at %d has a bad crc", next, h.BaseOffset)
			}
			if h.LastOffset() < next {
				t.Fatalf("Read(%d): batch %d..%d is below the requested offset", next, h.BaseOffset, h.LastOffset())
			}
			out = append(out, append([]byte(nil), b[:h.Size()]...))
			next = h.NextOffset()
			b = b[h.Size():]
		}
	}
	return out
}

func equalBatches(t testing.TB, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d batches, want %d", len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			gh, _ := record.ParseHeader(got[i])
			wh, _ := record.ParseHeader(want[i])
			t.Fatalf("batch %d differs: got offsets %d..%d (%d bytes), want %d..%d (%d bytes)",
				i, gh.BaseOffset, gh.LastOffset(), len(got[i]), wh.BaseOffset, wh.LastOffset(), len(want[i]))
		}
	}
}

// crash drops a log as a killed process would: files closed, nothing
// synced, no clean-shutdown marker.
func crash(l *Log) {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	l.shutLocked()
}

// copyDir copies a partition directory (files only).
func copyDir(t testing.TB, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func segmentFiles(t testing.TB, dir, suffix string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*"+suffix))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func isOutOfRange(err error) bool { return errors.Is(err, ErrOffsetOutOfRange) }
