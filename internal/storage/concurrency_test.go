package storage

import (
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"samsa/internal/record"
)

// TestConcurrentUse runs appenders, readers, syncers and retention
// together (run it with -race). Readers check that every batch they get is
// whole, has a valid CRC and continues the previous one; syncers that the
// durable offset never goes back nor past the log end.
func TestConcurrentUse(t *testing.T) {
	cfg := testConfig()
	cfg.RetentionBytes = 40_000
	cfg.FileDeleteDelay = 5 * time.Millisecond
	dir := testDir(t)
	l := openTest(t, dir, cfg)
	const appenders, perAppender = 3, 400
	var appendedRecords atomic.Int64
	var wg, bg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 16)
	report := func(err error) {
		select {
		case errs <- err:
		default:
		}
	}

	for w := 0; w < appenders; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 9))
			for i := 0; i < perAppender; i++ {
				n := 1 + rng.IntN(5)
				b := makeBatch(time.Now().UnixMilli(), n, 20+rng.IntN(300), byte(i))
				var err error
				if i%50 == 49 {
					err = l.DeleteRecordsBefore(l.LogEndOffset() - 100)
					if isOutOfRange(err) {
						err = nil
					}
				}
				if err == nil {
					_, err = l.Append(b, int32(i/100))
				}
				if err != nil {
					report(err)
					return
				}
				appendedRecords.Add(int64(n))
			}
		}(w)
	}
	for r := 0; r < 3; r++ {
		bg.Add(1)
		go func(r int) {
			defer bg.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 99))
			for !stopped(stop) {
				if err := readRandom(l, rng); err != nil {
					report(err)
					return
				}
			}
		}(r)
	}
	bg.Add(2)
	go func() {
		defer bg.Done()
		last := int64(0)
		for !stopped(stop) {
			off, err := l.Sync()
			if err != nil {
				report(err)
				return
			}
			if off < last || off > l.LogEndOffset() {
				report(errors.New("durable offset went back or past the log end"))
				return
			}
			last = off
		}
	}()
	go func() {
		defer bg.Done()
		for !stopped(stop) {
			if _, err := l.ApplyRetention(l.LogEndOffset()); err != nil {
				report(err)
				return
			}
			l.OffsetForTimestamp(0)
			time.Sleep(time.Millisecond)
		}
	}()
	wg.Wait()
	close(stop)
	bg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	if l.LogEndOffset() != appendedRecords.Load() {
		t.Fatalf("log end %d, appended %d records", l.LogEndOffset(), appendedRecords.Load())
	}
	if off, err := l.Sync(); err != nil || off != l.LogEndOffset() {
		t.Fatalf("final Sync %d, %v", off, err)
	}
	readAll(t, l, l.LogStartOffset())
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openTest(t, dir, cfg, func(o *Options) { o.LogStartOffset = 0 })
	defer l.Close()
	if l.LogEndOffset() != appendedRecords.Load() {
		t.Fatalf("after reopen log end %d, want %d", l.LogEndOffset(), appendedRecords.Load())
	}
}

func stopped(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// readRandom reads at a random offset and checks the batches it gets.
func readRandom(l *Log, rng *rand.Rand) error {
	start, end := l.LogStartOffset(), l.LogEndOffset()
	if end <= start {
		return nil
	}
	off := start + rng.Int64N(end-start)
	res, err := l.Read(off, 1+rng.IntN(3000), end, rng.IntN(2) == 0)
	if isOutOfRange(err) {
		return nil // retention moved the start meanwhile
	}
	if err != nil {
		return err
	}
	next := int64(-1)
	for b := res.Batches; len(b) > 0; {
		h, err := record.ParseHeader(b)
		if err != nil || h.Size() > len(b) || !record.CheckCRC(b[:h.Size()]) {
			return errors.New("read returned a torn or corrupt batch")
		}
		if next < 0 && h.LastOffset() < off || next >= 0 && h.BaseOffset != next || h.LastOffset() >= end {
			return errors.New("read returned batches out of order or range")
		}
		next = h.NextOffset()
		b = b[h.Size():]
	}
	return nil
}
