package replica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"samsa/internal/metadata"
	"samsa/internal/purgatory"
	"samsa/internal/record"
	"samsa/internal/storage"
)

// LogConfig is a partition's resolved topic configuration.
type LogConfig struct {
	Storage              storage.Config
	MaxMessageBytes      int   // max.message.bytes
	LogAppendTime        bool  // message.timestamp.type=LogAppendTime
	TimestampBeforeMaxMs int64 // message.timestamp.before.max.ms
	TimestampAfterMaxMs  int64 // message.timestamp.after.max.ms
	Compacted            bool  // cleanup.policy contains compact
	// WriteCaching acknowledges batches once written to the page cache
	// (Kafka's behaviour) instead of once fsynced; FlushMessages and FlushMs
	// (flush.messages, flush.ms) then govern explicit flushes.
	WriteCaching      bool
	FlushMessages     int64
	FlushMs           time.Duration
	MinInsyncReplicas int
}

// ID names a partition.
type ID struct {
	Topic     string
	Partition int32
}

func (id ID) String() string { return fmt.Sprintf("%s-%d", id.Topic, id.Partition) }

// Partition is the local replica of one partition, the leader in a single
// node. The high watermark is what consumers may read: with write caching
// off it is the durable offset, so no consumer ever sees a record that a
// crash could take back; with write caching on it is the log end.
type Partition struct {
	id      ID
	topicID metadata.Uuid
	dir     string
	log     *storage.Log
	logger  *slog.Logger

	cfg           atomic.Pointer[LogConfig]
	leaderEpoch   atomic.Int32
	highWatermark atomic.Int64
	recoveryPoint atomic.Int64 // everything below is fsynced

	// hwWatchers are woken whenever the high watermark moves: parked
	// acks=all produces and long-poll fetches.
	hwWatchers purgatory.Watchers

	// appendMu orders writes to the log and guards queue, the batches
	// waiting for the next group commit turn.
	appendMu sync.Mutex
	queue    []*Pending
	gone     bool // the partition was deleted: refuse appends
	// unflushed counts messages appended since the last flush, for
	// flush.messages in write-caching mode.
	unflushed atomic.Int64
	lastFlush atomic.Int64 // unix ms

	// committer runs this partition's group commit turns, together with
	// the other partitions of its log directory. turnMu is held during a
	// turn; closed (guarded by turnMu) keeps later turns away.
	committer *committer
	marked    bool // in committer.dirty; guarded by committer.mu
	turnMu    sync.Mutex
	closed    bool
	tail      tailCache
	// failure is set when the disk refused a write or a sync; the
	// partition then answers KAFKA_STORAGE_ERROR.
	failure atomic.Pointer[error]
}

// ID returns the partition's name.
func (p *Partition) ID() ID { return p.id }

// TopicID returns the id of the partition's topic.
func (p *Partition) TopicID() metadata.Uuid { return p.topicID }

// Dir is the partition's directory.
func (p *Partition) Dir() string { return p.dir }

// Config returns the partition's current configuration.
func (p *Partition) Config() *LogConfig { return p.cfg.Load() }

// LeaderEpoch is the partition's current leader epoch.
func (p *Partition) LeaderEpoch() int32 { return p.leaderEpoch.Load() }

// HighWatermark is the offset below which records are visible to consumers.
func (p *Partition) HighWatermark() int64 { return p.highWatermark.Load() }

// LastStableOffset is the read_committed bound. Without transactions it is
// the high watermark.
func (p *Partition) LastStableOffset() int64 { return p.highWatermark.Load() }

// LogStartOffset is the first offset still in the log.
func (p *Partition) LogStartOffset() int64 { return p.log.LogStartOffset() }

// LogEndOffset is the offset the next record will get.
func (p *Partition) LogEndOffset() int64 { return p.log.LogEndOffset() }

// Size is the partition's size on disk in bytes.
func (p *Partition) Size() int64 { return p.log.Size() }

// Log gives access to the underlying log for reads that need no
// partition-level state (offset lookups by time, epochs).
func (p *Partition) Log() *storage.Log { return p.log }

// Watchers returns the set to park on for high watermark changes.
func (p *Partition) Watchers() *purgatory.Watchers { return &p.hwWatchers }

func (p *Partition) failed() error {
	if e := p.failure.Load(); e != nil {
		return *e
	}
	return nil
}

func (p *Partition) fail(err error) {
	err = fmt.Errorf("partition %s: %w: %w", p.id, kerr.KafkaStorageError, err)
	if p.failure.CompareAndSwap(nil, &err) {
		p.logger.Error("partition disk failure; the partition stops serving", "partition", p.id.String(), "err", err)
	}
	p.hwWatchers.Notify()
}

// AppendResult tells a producer where its batch went.
type AppendResult struct {
	BaseOffset     int64
	LastOffset     int64
	LogAppendTime  int64 // -1 unless the topic uses LogAppendTime
	LogStartOffset int64
}

// Pending is a produced batch on its way into the log. Wait returns where
// it went once it is below the high watermark (durable, and in a cluster
// replicated), or why it failed.
type Pending struct {
	part  *Partition
	batch []byte
	done  chan struct{} // closed once res or err is set
	res   AppendResult
	err   error
}

// Wait waits for the batch to be written and below the high watermark.
func (pa *Pending) Wait(ctx context.Context, deadline time.Time) (AppendResult, error) {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case <-pa.done:
	case <-timer.C:
		return AppendResult{}, kerr.RequestTimedOut
	case <-ctx.Done():
		return AppendResult{}, kerr.RequestTimedOut
	}
	if pa.err != nil {
		return AppendResult{}, pa.err
	}
	if err := pa.part.WaitDurable(ctx, pa.res.LastOffset, deadline); err != nil {
		return AppendResult{}, err
	}
	return pa.res, nil
}

func (pa *Pending) finish(res AppendResult, err error) {
	pa.res, pa.err = res, err
	pa.batch = nil
	close(pa.done)
}

// Append validates one produced batch against the topic's configuration and
// hands it to the log; Pending.Wait reports the outcome. The batch is
// rewritten in place (offsets, leader epoch, timestamps) and must not be
// reused until Wait returns.
//
// With write caching the batch is written at once. Otherwise it joins the
// partition's queue, and the group commit writes the queue and fsyncs in
// turns (committer.turn): no append ever writes into a file page that an fsync
// is writing back, which would block the connection's reader for the
// length of the fsync (stable pages), and one write covers every batch
// that arrived during the previous fsync.
func (p *Partition) Append(batch []byte, produceVersion int16, now time.Time) (*Pending, error) {
	return p.append(batch, produceVersion, record.OriginClient, now)
}

// AppendInternal appends a batch that a coordinator built for its
// internal topic; it is held to the coordinator's rules, not a client's.
func (p *Partition) AppendInternal(batch []byte, now time.Time) (*Pending, error) {
	return p.append(batch, 0, record.OriginCoordinator, now)
}

func (p *Partition) append(batch []byte, produceVersion int16, origin record.Origin, now time.Time) (*Pending, error) {
	if err := p.failed(); err != nil {
		return nil, err
	}
	cfg := p.cfg.Load()
	nowMs := now.UnixMilli()
	opts := record.ValidateOptions{
		Now:                  nowMs,
		LogAppendTime:        cfg.LogAppendTime,
		TimestampBeforeMaxMs: cfg.TimestampBeforeMaxMs,
		TimestampAfterMaxMs:  cfg.TimestampAfterMaxMs,
		MaxMessageBytes:      cfg.MaxMessageBytes,
		Compacted:            cfg.Compacted,
		ProduceVersion:       produceVersion,
		Origin:               origin,
	}
	info, err := record.Validate(batch, opts)
	if err != nil {
		return nil, err
	}
	logAppendTime := int64(-1)
	if cfg.LogAppendTime {
		logAppendTime = nowMs
		record.SetLogAppendTime(batch, nowMs)
	} else {
		// Kafka stores the true max timestamp, not the producer's claim.
		record.SetCreateTime(batch, info.MaxTimestamp)
	}
	pa := &Pending{part: p, batch: batch, done: make(chan struct{}), res: AppendResult{LogAppendTime: logAppendTime}}
	p.appendMu.Lock()
	if p.gone {
		p.appendMu.Unlock()
		return nil, kerr.NotLeaderForPartition
	}
	if cfg.WriteCaching && len(p.queue) == 0 {
		// Nothing queued from before a switch to write caching, so
		// writing now keeps the partition's order.
		p.write(pa)
		p.appendMu.Unlock()
		if pa.err != nil {
			return nil, pa.err
		}
		p.advanceHighWatermark(p.log.LogEndOffset())
		if cfg.FlushMessages > 0 && p.unflushed.Add(int64(info.RecordCount)) >= cfg.FlushMessages {
			p.committer.mark(p)
		}
		return pa, nil
	}
	p.queue = append(p.queue, pa)
	p.appendMu.Unlock()
	p.committer.mark(p)
	return pa, nil
}

// write appends one batch to the log and finishes it. The caller holds
// appendMu, which orders writes.
func (p *Partition) write(pa *Pending) {
	ai, err := p.log.Append(pa.batch, p.leaderEpoch.Load())
	if err != nil {
		if errors.Is(err, storage.ErrRecordBatchTooLarge) {
			pa.finish(AppendResult{}, fmt.Errorf("%w: %w", kerr.RecordListTooLarge, err))
			return
		}
		p.fail(err)
		pa.finish(AppendResult{}, p.failed())
		return
	}
	p.tail.add(ai.BaseOffset, ai.LastOffset+1, pa.batch)
	res := pa.res
	res.BaseOffset, res.LastOffset = ai.BaseOffset, ai.LastOffset
	res.LogStartOffset = p.log.LogStartOffset()
	pa.finish(res, nil)
}

// writeQueue writes every queued batch: the first half of a group commit
// turn (committer.turn). The caller holds turnMu.
func (p *Partition) writeQueue() (wrote bool) {
	p.appendMu.Lock()
	defer p.appendMu.Unlock()
	queue := p.queue
	p.queue = nil
	for _, pa := range queue {
		if err := p.failed(); err != nil {
			pa.finish(AppendResult{}, err)
			continue
		}
		p.write(pa)
	}
	return len(queue) > 0
}

// syncAndPublish fsyncs what was written and moves the high watermark to
// the durable offset (unless write caching already moved it), waking the
// producers: the second half of a group commit turn. The caller holds
// turnMu.
func (p *Partition) syncAndPublish(wrote bool) {
	if p.failed() != nil {
		return
	}
	p.unflushed.Store(0)
	durable, err := p.log.Sync()
	if err != nil {
		if !errors.Is(err, storage.ErrClosed) {
			p.fail(err)
		}
		return
	}
	p.lastFlush.Store(time.Now().UnixMilli())
	p.recoveryPoint.Store(durable)
	if !p.cfg.Load().WriteCaching || wrote {
		p.advanceHighWatermark(durable)
	}
}

// advanceHighWatermark raises the high watermark (never lowers it) and wakes
// waiters.
func (p *Partition) advanceHighWatermark(offset int64) {
	for {
		cur := p.highWatermark.Load()
		if offset <= cur {
			return
		}
		if p.highWatermark.CompareAndSwap(cur, offset) {
			p.hwWatchers.Notify()
			return
		}
	}
}

// WaitDurable waits until the record at offset is below the high watermark
// (durable, and in a cluster replicated to the ISR) or the deadline passes.
func (p *Partition) WaitDurable(ctx context.Context, offset int64, deadline time.Time) error {
	ok := purgatory.Await(ctx, []*purgatory.Watchers{&p.hwWatchers}, deadline, func() bool {
		return p.highWatermark.Load() > offset || p.failed() != nil
	})
	if err := p.failed(); err != nil {
		return err
	}
	if !ok {
		return kerr.RequestTimedOut
	}
	return nil
}

// Isolation levels of Fetch and ListOffsets.
const (
	ReadUncommitted int8 = 0
	ReadCommitted   int8 = 1
)

// FetchResult is what a fetch of one partition returns.
type FetchResult struct {
	// Batches are whole record batches in offset order; Size is their
	// total length.
	Batches          [][]byte
	Size             int
	HighWatermark    int64
	LastStableOffset int64
	LogStartOffset   int64
}

// Read returns batches from offset up to the high watermark (or the last
// stable offset for read_committed). An offset between the high watermark
// and the log end is not out of range: it returns nothing yet.
func (p *Partition) Read(offset int64, maxBytes int, isolation int8, minOneBatch bool) (FetchResult, error) {
	if err := p.failed(); err != nil {
		return FetchResult{}, err
	}
	hw := p.highWatermark.Load()
	res := FetchResult{HighWatermark: hw, LastStableOffset: p.LastStableOffset()}
	limit := hw
	if isolation == ReadCommitted {
		limit = res.LastStableOffset
	}
	res.LogStartOffset = p.log.LogStartOffset()
	if offset >= limit && offset <= p.log.LogEndOffset() && offset >= res.LogStartOffset {
		return res, nil
	}
	if offset >= res.LogStartOffset {
		if batches, size, hit := p.tail.read(offset, limit, maxBytes, minOneBatch); hit {
			res.Batches, res.Size = batches, size
			return res, nil
		}
	}
	rr, err := p.log.Read(offset, maxBytes, limit, minOneBatch)
	if err != nil {
		if errors.Is(err, storage.ErrOffsetOutOfRange) {
			return res, kerr.OffsetOutOfRange
		}
		return res, fmt.Errorf("reading %s at %d: %w", p.id, offset, err)
	}
	if len(rr.Batches) > 0 {
		res.Batches, res.Size = [][]byte{rr.Batches}, len(rr.Batches)
	}
	res.LogStartOffset = rr.LogStartOffset
	return res, nil
}

// DeleteRecordsBefore moves the log start offset up to offset (-1: the high
// watermark), as DeleteRecords asks, and returns the new low watermark.
func (p *Partition) DeleteRecordsBefore(offset int64) (int64, error) {
	hw := p.highWatermark.Load()
	if offset == -1 {
		offset = hw
	}
	if offset < 0 || offset > hw {
		return -1, kerr.OffsetOutOfRange
	}
	if err := p.log.DeleteRecordsBefore(offset); err != nil {
		return -1, fmt.Errorf("deleting records of %s before %d: %w", p.id, offset, err)
	}
	return p.log.LogStartOffset(), nil
}

// worker runs a function on at most one goroutine at a time, again and again
// while kicks keep arriving, and exits when idle: no goroutine lives while
// there is nothing to do, and no kick is lost.
type worker struct {
	state atomic.Int32 // 0 idle, 1 running, 2 running and kicked again
	wg    sync.WaitGroup
}

func (w *worker) kick(fn func()) {
	for {
		switch s := w.state.Load(); s {
		case 0:
			if w.state.CompareAndSwap(0, 1) {
				w.wg.Add(1)
				go w.loop(fn)
				return
			}
		case 1:
			if w.state.CompareAndSwap(1, 2) {
				return
			}
		default:
			return
		}
	}
}

func (w *worker) loop(fn func()) {
	defer w.wg.Done()
	for {
		fn()
		if w.state.CompareAndSwap(1, 0) {
			return
		}
		w.state.Store(1) // was 2: run again for the kicks that came in
	}
}

// wait blocks until the worker is idle.
func (w *worker) wait() { w.wg.Wait() }
