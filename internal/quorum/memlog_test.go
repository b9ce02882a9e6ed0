package quorum

import (
	"fmt"
	"sync"

	"samsa/internal/record"
	"samsa/internal/storage"
)

// memDisk stands in for the disk under partition logs: it keeps each
// directory's log across reopen, and crash drops every batch that was not
// synced, as a power loss would. It lets tests check that the quorum
// fsyncs what it acknowledges, which a kill -9 cannot show (the page cache
// survives it).
type memDisk struct {
	mu   sync.Mutex
	logs map[string]*memLog
}

func newMemDisk() *memDisk { return &memDisk{logs: make(map[string]*memLog)} }

func (d *memDisk) opener(opts logOptions) (partitionLog, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	l, ok := d.logs[opts.dir]
	if !ok {
		l = &memLog{}
		d.logs[opts.dir] = l
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.end < opts.logStartOffset {
		l.batches, l.synced = nil, 0
		l.start, l.end, l.syncedEnd = opts.logStartOffset, opts.logStartOffset, opts.logStartOffset
	}
	l.start = max(l.start, opts.logStartOffset)
	l.closed = false
	return l, nil
}

// crashDir drops the unsynced tail of one directory's log.
func (d *memDisk) crashDir(dir string) {
	d.mu.Lock()
	l := d.logs[dir]
	d.mu.Unlock()
	if l == nil {
		return
	}
	l.mu.Lock()
	l.batches = l.batches[:l.synced]
	l.end = l.syncedEnd
	l.mu.Unlock()
}

// crash drops the unsynced tail of every log.
func (d *memDisk) crash() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, l := range d.logs {
		l.mu.Lock()
		l.batches = l.batches[:l.synced]
		l.end = l.syncedEnd
		l.mu.Unlock()
	}
}

type memBatch struct {
	base, next int64
	data       []byte
}

type memLog struct {
	mu                    sync.Mutex
	start, end, syncedEnd int64
	batches               []memBatch
	synced                int
	closed                bool
}

func (l *memLog) AppendWithOffsets(b []byte) (storage.AppendInfo, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return storage.AppendInfo{}, storage.ErrClosed
	}
	info := storage.AppendInfo{BaseOffset: -1}
	for batch, err := range record.Batches(b) {
		if err != nil {
			return info, err
		}
		if batch.BaseOffset != l.end {
			return info, fmt.Errorf("append at offset %d, log end %d", batch.BaseOffset, l.end)
		}
		if info.BaseOffset < 0 {
			info.BaseOffset = batch.BaseOffset
		}
		info.LastOffset = batch.LastOffset()
		l.batches = append(l.batches, memBatch{base: batch.BaseOffset, next: batch.NextOffset(), data: append([]byte{}, batch.Raw...)})
		l.end = batch.NextOffset()
	}
	return info, nil
}

func (l *memLog) Read(offset int64, maxBytes int, maxOffset int64, minOneBatch bool) (storage.ReadResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	res := storage.ReadResult{LogStartOffset: l.start, LogEndOffset: l.end}
	if offset < l.start || offset > l.end {
		return res, storage.ErrOffsetOutOfRange
	}
	for _, b := range l.batches {
		if b.next <= offset {
			continue
		}
		if b.base >= maxOffset || (len(res.Batches)+len(b.data) > maxBytes && !(minOneBatch && len(res.Batches) == 0)) {
			break
		}
		res.Batches = append(res.Batches, b.data...)
	}
	return res, nil
}

func (l *memLog) Sync() (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.synced, l.syncedEnd = len(l.batches), l.end
	return l.end, nil
}

func (l *memLog) TruncateTo(offset int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if offset < l.start || offset > l.end {
		return storage.ErrOffsetOutOfRange
	}
	i := 0
	for i < len(l.batches) && l.batches[i].base < offset {
		i++
	}
	l.batches = l.batches[:i]
	l.synced = min(l.synced, i)
	l.end = offset
	l.syncedEnd = min(l.syncedEnd, offset)
	return nil
}

func (l *memLog) DeleteRecordsBefore(offset int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	offset = min(offset, l.end)
	if offset <= l.start {
		return nil
	}
	l.start = offset
	i := 0
	for i < len(l.batches) && l.batches[i].next <= offset {
		i++
	}
	l.batches = l.batches[i:]
	l.synced = max(l.synced-i, 0)
	return nil
}

func (l *memLog) LogStartOffset() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.start
}

func (l *memLog) LogEndOffset() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.end
}

func (l *memLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return nil
}
