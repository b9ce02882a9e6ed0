package storage

import (
	"sync"
	"sync/atomic"
	"testing"
)

// benchBatch is 16 records of 1 KiB values: a 16 KiB batch, as producers
// with the default batch.size send them.
func benchBatch() []byte { return makeBatch(1_700_000_000_000, 16, 1024, 1) }

func benchConfig() Config {
	c := DefaultConfig()
	c.SegmentBytes = 128 << 20
	c.RetentionBytes = 512 << 20 // bound the disk a long run takes
	c.RetentionMs = -1
	c.FileDeleteDelay = 0
	return c
}

// BenchmarkAppend measures Append alone (no fsync) on the disk.
func BenchmarkAppend(b *testing.B) {
	l := openTest(b, b.TempDir(), benchConfig())
	defer l.Close()
	batch := benchBatch()
	b.SetBytes(int64(len(batch)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := l.Append(batch, 0); err != nil {
			b.Fatal(err)
		}
		if i%4096 == 4095 {
			l.ApplyRetention(l.LogEndOffset())
		}
	}
}

// BenchmarkAppendSync appends with an fsync every N appends, on the disk.
func BenchmarkAppendSync(b *testing.B) {
	for _, every := range []int{1, 8, 64} {
		b.Run(itoa(every), func(b *testing.B) {
			l := openTest(b, b.TempDir(), benchConfig())
			defer l.Close()
			batch := benchBatch()
			b.SetBytes(int64(len(batch)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := l.Append(batch, 0); err != nil {
					b.Fatal(err)
				}
				if i%every == every-1 {
					if _, err := l.Sync(); err != nil {
						b.Fatal(err)
					}
				}
			}
			l.Sync()
		})
	}
}

// BenchmarkAppendGroupCommit runs four appenders and one goroutine calling
// Sync in a loop, as the replica manager's group commit does; an append
// counts when a Sync covers it.
func BenchmarkAppendGroupCommit(b *testing.B) {
	l := openTest(b, b.TempDir(), benchConfig())
	defer l.Close()
	batch := benchBatch()
	b.SetBytes(int64(len(batch)))
	var done atomic.Bool
	var syncs atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		last := int64(0)
		for !done.Load() {
			off, err := l.Sync()
			if err != nil {
				b.Error(err)
				return
			}
			if off > last { // a Sync that found nothing new did no fsync
				syncs.Add(1)
				last = off
			}
		}
	}()
	b.ResetTimer()
	b.SetParallelism(2) // 4 appenders on 2 cores
	b.RunParallel(func(pb *testing.PB) {
		own := append([]byte(nil), batch...)
		for pb.Next() {
			if _, err := l.Append(own, 0); err != nil {
				b.Error(err)
				return
			}
		}
	})
	l.Sync()
	b.StopTimer()
	done.Store(true)
	wg.Wait()
	if n := syncs.Load(); n > 0 {
		b.ReportMetric(float64(b.N)/float64(n), "appends/sync")
	}
}

// BenchmarkRead reads a 64 MiB log sequentially in 1 MiB fetches.
func BenchmarkRead(b *testing.B) {
	l := openTest(b, b.TempDir(), benchConfig())
	defer l.Close()
	batch := benchBatch()
	for l.Size() < 64<<20 {
		if _, err := l.Append(batch, 0); err != nil {
			b.Fatal(err)
		}
	}
	leo := l.LogEndOffset()
	b.ReportAllocs()
	b.ResetTimer()
	var total int64
	off := int64(0)
	for i := 0; i < b.N; i++ {
		res, err := l.Read(off, 1<<20, leo, true)
		if err != nil {
			b.Fatal(err)
		}
		total += int64(len(res.Batches))
		off += 16 * int64(len(res.Batches)/len(batch))
		if off >= leo {
			off = 0
		}
	}
	b.SetBytes(total / int64(b.N))
}

// BenchmarkReadTail is a consumer at the log end: one small batch a fetch.
func BenchmarkReadTail(b *testing.B) {
	l := openTest(b, b.TempDir(), benchConfig())
	defer l.Close()
	batch := makeBatch(1, 1, 100, 0)
	for i := 0; i < 100_000; i++ {
		if _, err := l.Append(batch, 0); err != nil {
			b.Fatal(err)
		}
	}
	leo := l.LogEndOffset()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := l.Read(leo-1-int64(i%64), 1<<20, leo, true); err != nil {
			b.Fatal(err)
		}
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return "every" + string(b)
}
