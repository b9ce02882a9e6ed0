package storage

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"samsa/internal/record"
)

// fuzzTemplate is a crashed log with a sealed and an active segment, built
// once and copied for every input.
var fuzzTemplate struct {
	once    sync.Once
	dir     string
	batches [][]byte
	active  string
	err     error
}

func fuzzLog(t testing.TB) (string, [][]byte, string) {
	fuzzTemplate.once.Do(func() {
		dir, err := os.MkdirTemp("", "samsa-fuzz-recover-")
		if err != nil {
			fuzzTemplate.err = err
			return
		}
		cfg := testConfig()
		cfg.SegmentBytes = 600
		l, err := Open(Options{Dir: dir, Config: cfg, Logger: quietLogger})
		if err != nil {
			fuzzTemplate.err = err
			return
		}
		var a appended
		for i := 0; i < 5; i++ {
			b := makeBatch(int64(100+i), 2, 100, byte(i))
			if _, err := l.Append(b, 1); err != nil {
				fuzzTemplate.err = err
				return
			}
			a.add(b)
		}
		l.mu.Lock()
		fuzzTemplate.active = filepath.Base(l.active().path(logSuffix))
		l.mu.Unlock()
		crash(l)
		fuzzTemplate.dir, fuzzTemplate.batches = dir, a.batches
	})
	if fuzzTemplate.err != nil {
		t.Fatal(fuzzTemplate.err)
	}
	return fuzzTemplate.dir, fuzzTemplate.batches, fuzzTemplate.active
}

// FuzzRecover appends arbitrary bytes to the active segment of a crashed
// log: Open must not panic, must succeed, must keep every valid batch, and
// the log must take appends and survive a clean reopen.
func FuzzRecover(f *testing.F) {
	next := makeBatch(999, 1, 5, 3)
	binary.BigEndian.PutUint64(next, 10) // continues the template's offsets 0..9
	f.Add([]byte{}, false)
	f.Add([]byte{0}, true)
	f.Add(bytes.Repeat([]byte{0xff}, 61), false)
	f.Add(next, false)                 // a valid batch: it survives
	f.Add(next[:len(next)-1], true)    // torn
	f.Add(makeBatch(1, 1, 5, 3), true) // offsets going back
	big := append([]byte(nil), next[:record.HeaderSize]...)
	binary.BigEndian.PutUint32(big[8:], 1<<31-1)
	f.Add(big, false)
	f.Fuzz(func(t *testing.T, tail []byte, fromActive bool) {
		src, batches, active := fuzzLog(t)
		dir := filepath.Join(testDir(t), "fuzz-0")
		copyDir(t, src, dir)
		path := filepath.Join(dir, active)
		fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		fh.Write(tail)
		fh.Close()
		opts := Options{Dir: dir, Config: testConfig(), Logger: quietLogger}
		opts.Config.SegmentBytes = 600
		if fromActive {
			opts.RecoveryPoint, _ = parseSegmentFileName(active)
		}
		l, err := Open(opts)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		got := readAll(t, l, 0)
		if len(got) < len(batches) {
			t.Fatalf("%d batches survived, want at least %d", len(got), len(batches))
		}
		equalBatches(t, got[:len(batches)], batches)
		leo := l.LogEndOffset()
		if info, err := l.Append(makeBatch(5, 1, 5, 0), 2); err != nil || info.BaseOffset != leo {
			t.Fatalf("append after recovery: %+v %v, want base %d", info, err, leo)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		l, err = Open(opts)
		if err != nil {
			t.Fatalf("clean reopen: %v", err)
		}
		defer l.Close()
		if l.LogEndOffset() != leo+1 {
			t.Fatalf("clean reopen at %d, want %d", l.LogEndOffset(), leo+1)
		}
	})
}
