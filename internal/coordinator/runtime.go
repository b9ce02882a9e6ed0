// Package coordinator is the runtime of Samsa's coordinators (the group
// coordinator now, the transaction coordinator later): state kept in the
// partitions of an internal, compacted topic, one shard per partition.
//
// A shard owns the state of one partition of the internal topic while this
// broker leads that partition. It runs on one goroutine: every operation
// on its state is a function submitted to it and run in turn, so the state
// needs no locks. When the broker becomes leader, the shard loads the
// partition by replaying every record from the log start to the high
// watermark into its state (COORDINATOR_LOAD_IN_PROGRESS until then); when
// the broker stops leading, the shard and its state are dropped
// (NOT_COORDINATOR).
//
// Operations change persistent state only by writing records: Op.Write
// replays the record into the state at once — the same code that loads
// the log — and queues it. When the operation returns, its records are
// appended to the partition as one batch, and the functions it registered
// with AfterCommit run, on the shard goroutine, once that batch is durable
// (below the high watermark). Responses that report a change are sent
// from there, so a client never hears of a change a crash could undo.
// Operations without records that register AfterCommit wait for the
// shard's writes before them, so they never answer from state whose
// records are still in flight. A write that fails (the disk, or lost
// leadership) fails its callbacks and unloads the shard; a later leader
// reloads the partition from what was durable.
package coordinator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"samsa/internal/metadata"
	"samsa/internal/record"
)

// Record is one key and value of the internal topic; a nil Value is a
// tombstone.
type Record struct {
	Key, Value []byte
}

// State is a shard's state machine.
type State interface {
	// Replay applies one record: from the log while loading, or from an
	// operation's Write. An error while loading fails the load.
	Replay(r Record) error
}

// Log is the local replica of one partition of the internal topic.
type Log interface {
	// Append writes a batch the coordinator built.
	Append(batch []byte) (Pending, error)
	// Read returns whole batches from the one holding offset, at most
	// about maxBytes, none at or past the high watermark.
	Read(offset int64, maxBytes int) ([][]byte, error)
	HighWatermark() int64
	LogStartOffset() int64
}

// Pending is a batch on its way into the log.
type Pending interface {
	Wait(ctx context.Context, deadline time.Time) error
}

// Config configures a runtime.
type Config struct {
	// Topic is the internal topic whose partitions the shards own.
	Topic    string
	BrokerID int32
	Logger   *slog.Logger
	// NewState returns the empty state of a partition's shard.
	NewState func(partition int32, sh *Shard) State
	// Log returns the local replica of a partition of Topic.
	Log func(partition int32) (Log, bool)
	// Images returns the latest metadata image.
	Images func() *metadata.Image
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// WriteTimeout bounds how long a write may take to become durable
	// before the shard gives up on it (offsets.commit.timeout.ms).
	WriteTimeout time.Duration
	// QueueSize bounds the operations waiting for a shard.
	QueueSize int
	// OnLoad, when set, runs as the first operation of a shard once it
	// has loaded (to start its periodic work).
	OnLoad func(op *Op)
}

// Runtime runs the shards of the internal topic's partitions this broker
// leads. It is safe for concurrent use.
type Runtime struct {
	cfg Config
	log *slog.Logger

	mu     sync.Mutex
	shards map[int32]*Shard
	closed bool
}

// New returns a runtime with no shards; OnImage starts them.
func New(cfg Config) *Runtime {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 5 * time.Second
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 1024
	}
	return &Runtime{cfg: cfg, log: cfg.Logger, shards: map[int32]*Shard{}}
}

// OnImage starts a shard for every partition of the topic this broker now
// leads (at its leader epoch) and stops the others. It is a
// metadata.Listener; loading happens on the shards' goroutines.
func (rt *Runtime) OnImage(_, next *metadata.Image) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closed {
		return
	}
	led := map[int32]int32{}
	if t, ok := next.Topic(rt.cfg.Topic); ok {
		for _, p := range t.Partitions {
			if p.Leader == rt.cfg.BrokerID {
				led[p.ID] = p.LeaderEpoch
			}
		}
	}
	for id, sh := range rt.shards {
		if epoch, ok := led[id]; !ok || epoch != sh.epoch {
			sh.stop()
			delete(rt.shards, id)
		}
	}
	for id, epoch := range led {
		if rt.shards[id] != nil {
			continue
		}
		lg, ok := rt.cfg.Log(id)
		if !ok {
			continue // the replica is not open yet; a later image retries
		}
		sh := newShard(rt, id, epoch, lg)
		rt.shards[id] = sh
		go sh.run()
	}
}

// Close stops every shard and waits for them.
func (rt *Runtime) Close() {
	rt.mu.Lock()
	rt.closed = true
	shards := rt.shards
	rt.shards = map[int32]*Shard{}
	rt.mu.Unlock()
	for _, sh := range shards {
		sh.stop()
		<-sh.done
	}
}

// unload drops a failed shard. After a failed write its state holds
// records the log does not, so it is replaced at once by a shard that
// reloads the partition from what is in the log (reload); a shard whose
// load failed is not, to avoid a loop on a broken log: a later metadata
// change retries it.
//
// unload runs on the shard's goroutine, which then exits; the reload
// starts only once the shard's other writes have settled (run), so the
// new shard loads every record the old one got into the log.
func (rt *Runtime) unload(sh *Shard, err error, reload bool) {
	rt.mu.Lock()
	if rt.shards[sh.partition] == sh {
		delete(rt.shards, sh.partition)
	}
	rt.mu.Unlock()
	sh.reload = reload
	sh.stop()
	if reload {
		rt.log.Error("coordinator shard reloading after a failed write", "topic", rt.cfg.Topic, "partition", sh.partition, "err", err)
	} else {
		rt.log.Error("coordinator shard unloaded; it loads again on the next metadata change",
			"topic", rt.cfg.Topic, "partition", sh.partition, "err", err)
	}
}

// restart replaces a shard that unloaded itself, if this broker still
// leads its partition at the same epoch and nothing replaced it yet.
func (rt *Runtime) restart(old *Shard) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closed || rt.shards[old.partition] != nil {
		return
	}
	t, ok := rt.cfg.Images().Topic(rt.cfg.Topic)
	if !ok || int(old.partition) >= len(t.Partitions) {
		return
	}
	if p := t.Partitions[old.partition]; p.Leader != rt.cfg.BrokerID || p.LeaderEpoch != old.epoch {
		return
	}
	next := newShard(rt, old.partition, old.epoch, old.lg)
	rt.shards[old.partition] = next
	go next.run()
}

// Submit runs fn on the shard of partition, after the operations submitted
// before it. It fails at once with NOT_COORDINATOR when this broker does
// not lead the partition and COORDINATOR_LOAD_IN_PROGRESS while the shard
// loads; fn then never runs. The returned channel closes when the shard
// stops, so a caller waiting for an answer fn sends later (a parked
// JoinGroup) stops waiting with NOT_COORDINATOR.
func (rt *Runtime) Submit(ctx context.Context, partition int32, fn func(op *Op)) (stopped <-chan struct{}, err error) {
	rt.mu.Lock()
	sh := rt.shards[partition]
	rt.mu.Unlock()
	if sh == nil {
		if rt.leads(partition) {
			// The image is published before its listeners run: the
			// shard is about to start.
			return nil, kerr.CoordinatorLoadInProgress
		}
		return nil, kerr.NotCoordinator
	}
	return sh.quit, sh.submit(ctx, fn)
}

// leads reports whether the latest image names this broker leader of
// partition.
func (rt *Runtime) leads(partition int32) bool {
	t, ok := rt.cfg.Images().Topic(rt.cfg.Topic)
	return ok && int(partition) < len(t.Partitions) && t.Partitions[partition].Leader == rt.cfg.BrokerID
}

// Partitions returns the partitions this broker leads whose shards have
// loaded, and whether any is still loading.
func (rt *Runtime) Partitions() (loaded []int32, loading bool) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for id, sh := range rt.shards {
		if sh.isLoaded() {
			loaded = append(loaded, id)
		} else {
			loading = true
		}
	}
	return loaded, loading
}

// Loaded reports whether this broker leads partition and has loaded it.
func (rt *Runtime) Loaded(partition int32) bool {
	rt.mu.Lock()
	sh := rt.shards[partition]
	rt.mu.Unlock()
	return sh != nil && sh.isLoaded()
}

// ErrShardStopped fails operations of a shard that stopped.
var ErrShardStopped = fmt.Errorf("coordinator shard stopped: %w", kerr.NotCoordinator)

// Shard owns one partition's state. Its fields are owned by its goroutine
// except those under mu.
type Shard struct {
	rt        *Runtime
	partition int32
	epoch     int32
	lg        Log
	state     State

	queue    chan func()
	quit     chan struct{}
	done     chan struct{}
	stopOnce sync.Once

	mu     sync.Mutex
	loaded bool

	// writers counts the goroutines waiting for writes to settle.
	writers sync.WaitGroup

	// Owned by the shard goroutine.
	reload   bool                // replace the shard once it has stopped
	inflight *write              // the newest write, done or not
	pending  map[*write]struct{} // writes not yet durable
	timers   map[string]*timer
}

// write is one batch in flight and what waits for it.
type write struct {
	done      bool
	callbacks []func(error)
}

type timer struct {
	t   *time.Timer
	gen uint64
}

func newShard(rt *Runtime, partition, epoch int32, lg Log) *Shard {
	sh := &Shard{rt: rt, partition: partition, epoch: epoch, lg: lg,
		queue: make(chan func(), rt.cfg.QueueSize), quit: make(chan struct{}), done: make(chan struct{}),
		pending: map[*write]struct{}{}, timers: map[string]*timer{}}
	sh.state = rt.cfg.NewState(partition, sh)
	return sh
}

// Partition is the partition the shard owns.
func (sh *Shard) Partition() int32 { return sh.partition }

// Images returns the latest metadata image.
func (sh *Shard) Images() *metadata.Image { return sh.rt.cfg.Images() }

// Logger is the runtime's logger.
func (sh *Shard) Logger() *slog.Logger { return sh.rt.log }

func (sh *Shard) isLoaded() bool {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.loaded
}

func (sh *Shard) stop() { sh.stopOnce.Do(func() { close(sh.quit) }) }

func (sh *Shard) submit(ctx context.Context, fn func(op *Op)) error {
	if !sh.isLoaded() {
		return kerr.CoordinatorLoadInProgress
	}
	task := func() { sh.runOp(fn) }
	select {
	case sh.queue <- task:
		return nil
	case <-sh.quit:
		return ErrShardStopped
	case <-ctx.Done():
		return fmt.Errorf("waiting for the coordinator: %w", kerr.RequestTimedOut)
	}
}

// post queues work from the runtime itself (timers, completions); it never
// blocks the caller for long, since the shard drains its queue.
func (sh *Shard) post(fn func()) {
	select {
	case sh.queue <- fn:
	case <-sh.quit:
	}
}

func (sh *Shard) run() {
	defer func() {
		if sh.reload {
			sh.writers.Wait()
			sh.rt.restart(sh)
		}
	}()
	defer close(sh.done)
	defer sh.failInflight()
	defer sh.stopTimers()
	if err := sh.load(); err != nil {
		sh.rt.log.Error("loading coordinator partition failed", "topic", sh.rt.cfg.Topic, "partition", sh.partition, "err", err)
		sh.rt.unload(sh, err, false)
		return
	}
	for {
		select {
		case fn := <-sh.queue:
			fn()
		case <-sh.quit:
			return
		}
	}
}

// loadChunk bounds one read while loading.
const loadChunk = 4 << 20

// load replays the partition from its log start to its high watermark.
func (sh *Shard) load() error {
	start := time.Now()
	offset, end := sh.lg.LogStartOffset(), sh.lg.HighWatermark()
	records := 0
	for offset < end {
		select {
		case <-sh.quit:
			return ErrShardStopped
		default:
		}
		chunks, err := sh.lg.Read(offset, loadChunk)
		if err != nil {
			return fmt.Errorf("reading %s-%d at %d: %w", sh.rt.cfg.Topic, sh.partition, offset, err)
		}
		if len(chunks) == 0 {
			break
		}
		for _, chunk := range chunks {
			next, n, err := sh.replayBatches(chunk, offset)
			if err != nil {
				return err
			}
			offset, records = next, records+n
		}
	}
	sh.mu.Lock()
	sh.loaded = true
	sh.mu.Unlock()
	sh.rt.log.Info("loaded coordinator partition", "topic", sh.rt.cfg.Topic, "partition", sh.partition,
		"records", records, "took", time.Since(start).Round(time.Millisecond))
	if sh.rt.cfg.OnLoad != nil {
		sh.runOp(sh.rt.cfg.OnLoad)
	}
	return nil
}

// replayBatches replays the records at or after from in the batches of
// chunk and returns the offset after them.
func (sh *Shard) replayBatches(chunk []byte, from int64) (next int64, n int, err error) {
	next = from
	for b, err := range record.Batches(chunk) {
		if err != nil {
			return next, n, fmt.Errorf("loading %s-%d: %w", sh.rt.cfg.Topic, sh.partition, err)
		}
		next = max(next, b.NextOffset())
		if b.Control() {
			continue
		}
		for r, err := range b.Records() {
			if err != nil {
				return next, n, fmt.Errorf("loading %s-%d at %d: %w", sh.rt.cfg.Topic, sh.partition, b.BaseOffset, err)
			}
			if r.Offset < from || r.Key == nil {
				continue
			}
			if err := sh.state.Replay(Record{Key: r.Key, Value: r.Value}); err != nil {
				return next, n, fmt.Errorf("replaying %s-%d offset %d: %w", sh.rt.cfg.Topic, sh.partition, r.Offset, err)
			}
			n++
		}
	}
	return next, n, nil
}

// Op is one operation on a shard's state, passed to the function given to
// Submit or Schedule. It must not be kept after that function returns.
type Op struct {
	sh        *Shard
	records   []record.Record
	callbacks []func(error)
	replayErr error
}

// State is the shard's state.
func (op *Op) State() State { return op.sh.state }

// Shard is the shard the operation runs on.
func (op *Op) Shard() *Shard { return op.sh }

// Now is the runtime's clock.
func (op *Op) Now() time.Time { return op.sh.rt.cfg.Now() }

// Write replays r into the state and queues it for the partition.
func (op *Op) Write(r Record) {
	if err := op.sh.state.Replay(r); err != nil && op.replayErr == nil {
		op.replayErr = err
	}
	op.records = append(op.records, record.Record{Key: r.Key, Value: r.Value})
}

// AfterCommit runs fn on the shard once the operation's records (or, for
// an operation without records, every write before it) are durable, or
// with the error that failed them.
func (op *Op) AfterCommit(fn func(err error)) { op.callbacks = append(op.callbacks, fn) }

// Schedule runs fn as an operation after d, replacing any timer scheduled
// under the same key.
func (op *Op) Schedule(key string, d time.Duration, fn func(op *Op)) { op.sh.schedule(key, d, fn) }

// Cancel stops the timer scheduled under key, if any.
func (op *Op) Cancel(key string) { op.sh.cancel(key) }

func (sh *Shard) runOp(fn func(op *Op)) {
	op := &Op{sh: sh}
	fn(op)
	if op.replayErr != nil {
		// The operation's own records do not apply: a bug, not input.
		sh.rt.log.Error("coordinator record did not apply", "partition", sh.partition, "err", op.replayErr)
	}
	sh.commit(op)
}

// commit appends the operation's records and arranges its callbacks.
func (sh *Shard) commit(op *Op) {
	if len(op.records) == 0 {
		if len(op.callbacks) == 0 {
			return
		}
		if w := sh.inflight; w != nil && !w.done {
			w.callbacks = append(w.callbacks, op.callbacks...)
			return
		}
		for _, cb := range op.callbacks {
			cb(nil)
		}
		return
	}
	now := op.Now().UnixMilli()
	for i := range op.records {
		op.records[i].Timestamp = now
	}
	batch, err := record.Build(record.BuildOptions{PartitionLeaderEpoch: sh.epoch}, op.records)
	var pending Pending
	if err == nil {
		pending, err = sh.lg.Append(batch)
	}
	// Later operations without records wait for this write; when it is
	// durable, every write before it is too (the log is in order).
	w := &write{callbacks: op.callbacks}
	sh.inflight = w
	sh.pending[w] = struct{}{}
	if err != nil {
		sh.complete(w, fmt.Errorf("appending to %s-%d: %w", sh.rt.cfg.Topic, sh.partition, err))
		return
	}
	deadline := time.Now().Add(sh.rt.cfg.WriteTimeout)
	sh.writers.Add(1)
	go func() {
		defer sh.writers.Done()
		err := pending.Wait(context.Background(), deadline)
		sh.post(func() { sh.complete(w, err) })
	}()
}

// complete finishes a write: its callbacks run with err. A failed write
// unloads the shard, since its state holds records the log may not.
func (sh *Shard) complete(w *write, err error) {
	if w.done {
		return
	}
	w.done = true
	delete(sh.pending, w)
	for _, cb := range w.callbacks {
		cb(err)
	}
	w.callbacks = nil
	if err != nil {
		sh.rt.unload(sh, err, true)
	}
}

// failInflight fails the callbacks still waiting when the shard stops.
func (sh *Shard) failInflight() {
	for w := range sh.pending {
		w.done = true
		delete(sh.pending, w)
		for _, cb := range w.callbacks {
			cb(ErrShardStopped)
		}
	}
}

func (sh *Shard) schedule(key string, d time.Duration, fn func(op *Op)) {
	t := sh.timers[key]
	if t == nil {
		t = &timer{}
		sh.timers[key] = t
	} else if t.t != nil {
		t.t.Stop()
	}
	t.gen++
	gen := t.gen
	t.t = time.AfterFunc(d, func() {
		sh.post(func() {
			if cur := sh.timers[key]; cur == nil || cur.gen != gen {
				return // replaced or cancelled meanwhile
			}
			delete(sh.timers, key)
			sh.runOp(fn)
		})
	})
}

func (sh *Shard) cancel(key string) {
	if t := sh.timers[key]; t != nil {
		t.t.Stop()
		delete(sh.timers, key)
	}
}

func (sh *Shard) stopTimers() {
	for key, t := range sh.timers {
		t.t.Stop()
		delete(sh.timers, key)
	}
}

// IsRetriable reports whether a Submit error only means "not here, or not
// yet": NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS.
func IsRetriable(err error) bool {
	return errors.Is(err, kerr.NotCoordinator) || errors.Is(err, kerr.CoordinatorLoadInProgress)
}
