// Package replica is the replica manager: it owns every partition replica
// this broker hosts, opens and recovers their logs at start, follows the
// metadata image to create, reconfigure and delete them, and runs the
// group commit that makes acknowledged batches durable (partition.go).
//
// The set of partitions is an immutable map swapped atomically on metadata
// changes, so the produce and fetch paths look partitions up without a
// lock.
package replica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"samsa/internal/metadata"
	"samsa/internal/storage"
)

// Config configures the manager.
type Config struct {
	BrokerID int32
	LogDirs  []string
	Logger   *slog.Logger
	// LogConfig resolves a topic's configuration from the image (its
	// dynamic configs over the broker's).
	LogConfig func(im *metadata.Image, topic string) LogConfig
	// RetentionCheckInterval is log.retention.check.interval.ms.
	RetentionCheckInterval time.Duration
	// FlushCheckInterval is log.flush.scheduler.interval.ms, how often
	// flush.ms is checked in write-caching mode.
	FlushCheckInterval time.Duration
	// CheckpointInterval is log.flush.offset.checkpoint.interval.ms: how
	// often the recovery points and log start offsets are checkpointed.
	CheckpointInterval time.Duration
}

// Manager owns the local partition replicas. It is safe for concurrent use.
type Manager struct {
	cfg Config
	log *slog.Logger

	parts atomic.Pointer[map[ID]*Partition]
	// tailBytes is what every partition's tail cache holds together.
	tailBytes atomic.Int64

	mu     sync.Mutex // serialises changes to the partition set
	closed bool

	checkpointMu sync.Mutex // serialises checkpoint file writes

	committersMu sync.Mutex
	committers   map[string]*committer // by log directory
}

// committerFor returns the group commit of a log directory.
func (m *Manager) committerFor(dir string) *committer {
	m.committersMu.Lock()
	defer m.committersMu.Unlock()
	if m.committers == nil {
		m.committers = map[string]*committer{}
	}
	c := m.committers[dir]
	if c == nil {
		c = &committer{}
		m.committers[dir] = c
	}
	return c
}

// Open opens every partition log found in the log directories that the
// image still assigns to this broker (recovering it after an unclean stop),
// deletes the ones it no longer does, and creates the missing ones.
func Open(cfg Config, im *metadata.Image) (*Manager, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.RetentionCheckInterval <= 0 {
		cfg.RetentionCheckInterval = 5 * time.Minute
	}
	if cfg.FlushCheckInterval <= 0 {
		cfg.FlushCheckInterval = time.Second
	}
	if cfg.CheckpointInterval <= 0 {
		cfg.CheckpointInterval = time.Minute
	}
	m := &Manager{cfg: cfg, log: cfg.Logger}
	empty := map[ID]*Partition{}
	m.parts.Store(&empty)
	for _, dir := range cfg.LogDirs {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("creating log directory: %w", err)
		}
	}
	parts := map[ID]*Partition{}
	if err := m.openExisting(im, parts); err != nil {
		m.closeAll(parts)
		return nil, err
	}
	removed, err := m.reconcile(im, parts)
	m.deleteAll(removed)
	if err != nil {
		m.closeAll(parts)
		return nil, err
	}
	m.parts.Store(&parts)
	return m, nil
}

// Partition returns the local replica, or nil.
func (m *Manager) Partition(id ID) *Partition { return (*m.parts.Load())[id] }

// Partitions returns every local replica ordered by name.
func (m *Manager) Partitions() []*Partition {
	cur := *m.parts.Load()
	out := make([]*Partition, 0, len(cur))
	for _, p := range cur {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].id.Topic != out[j].id.Topic {
			return out[i].id.Topic < out[j].id.Topic
		}
		return out[i].id.Partition < out[j].id.Partition
	})
	return out
}

// LogDirs returns the configured log directories.
func (m *Manager) LogDirs() []string { return m.cfg.LogDirs }

// openExisting opens the partition directories the image still wants here
// and removes the rest (topics deleted while the broker was down).
func (m *Manager) openExisting(im *metadata.Image, parts map[ID]*Partition) error {
	checkpoints, err := m.readCheckpoints()
	if err != nil {
		return err
	}
	for _, dir := range m.cfg.LogDirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("reading log directory %s: %w", dir, err)
		}
		for _, e := range entries {
			pd, err := storage.ParsePartitionDir(e.Name())
			if !e.IsDir() || err != nil || pd.Topic == metadata.ClusterMetadataTopic {
				// The metadata log may share the directory; the
				// quorum owns it.
				continue
			}
			path := filepath.Join(dir, e.Name())
			if pd.Kind == storage.DirDeleted {
				// A deletion interrupted by a stop: finish it.
				if err := os.RemoveAll(path); err != nil {
					return fmt.Errorf("removing deleted partition %s: %w", path, err)
				}
				continue
			}
			id := ID{Topic: pd.Topic, Partition: pd.Partition}
			topicID, _ := storage.ReadPartitionMetadata(path)
			t, ok := im.Topic(id.Topic)
			wanted := pd.Kind == storage.DirLive && ok && t.ID == metadata.Uuid(topicID) &&
				int(id.Partition) < len(t.Partitions) && t.Partitions[id.Partition].HasReplica(m.cfg.BrokerID)
			if !wanted || parts[id] != nil {
				m.log.Info("removing partition no longer assigned to this broker", "dir", path)
				if err := os.RemoveAll(path); err != nil {
					return fmt.Errorf("removing stray partition %s: %w", path, err)
				}
				continue
			}
			p, err := m.openPartition(im, t, id, path, checkpoints[dir])
			if err != nil {
				return err
			}
			parts[id] = p
		}
	}
	return nil
}

// reconcile creates missing replicas and takes out of parts (modified in
// place) those the image no longer assigns here, returning them: the caller
// deletes them once the new set is published, so no request finds a
// partition that is being deleted.
func (m *Manager) reconcile(im *metadata.Image, parts map[ID]*Partition) ([]*Partition, error) {
	wanted := map[ID]*metadata.Topic{}
	for _, t := range im.Topics() {
		for _, p := range t.Partitions {
			if p.HasReplica(m.cfg.BrokerID) {
				wanted[ID{Topic: t.Name, Partition: p.ID}] = t
			}
		}
	}
	var removed []*Partition
	for id, p := range parts {
		if t, ok := wanted[id]; ok && t.ID == p.topicID {
			continue
		}
		delete(parts, id)
		removed = append(removed, p)
	}
	var errs []error
	for id, t := range wanted {
		if parts[id] != nil {
			continue
		}
		path := filepath.Join(m.pickDir(parts), storage.PartitionDirName(id.Topic, id.Partition))
		p, err := m.openPartition(im, t, id, path, dirCheckpoints{})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		parts[id] = p
	}
	for id, p := range parts {
		t := wanted[id]
		p.update(t.Partitions[id.Partition], m.cfg.LogConfig(im, id.Topic))
	}
	return removed, errors.Join(errs...)
}

func (m *Manager) deleteAll(removed []*Partition) {
	for _, p := range removed {
		m.log.Info("deleting partition", "partition", p.id.String())
		if err := p.delete(); err != nil {
			m.log.Error("deleting partition failed", "partition", p.id.String(), "err", err)
		}
	}
}

// pickDir chooses the log directory with the fewest partitions, as Kafka
// does.
func (m *Manager) pickDir(parts map[ID]*Partition) string {
	counts := map[string]int{}
	for _, p := range parts {
		counts[filepath.Dir(p.dir)]++
	}
	best := m.cfg.LogDirs[0]
	for _, d := range m.cfg.LogDirs[1:] {
		if counts[d] < counts[best] {
			best = d
		}
	}
	return best
}

func (m *Manager) openPartition(im *metadata.Image, t *metadata.Topic, id ID, path string, cp dirCheckpoints) (*Partition, error) {
	cfg := m.cfg.LogConfig(im, id.Topic)
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("creating partition directory: %w", err)
	}
	if err := storage.WritePartitionMetadata(path, t.ID); err != nil {
		return nil, err
	}
	tp := storage.TopicPartition{Topic: id.Topic, Partition: id.Partition}
	lg, err := storage.Open(storage.Options{Dir: path, Config: cfg.Storage, Logger: m.log,
		RecoveryPoint: cp.recoveryPoints[tp], LogStartOffset: cp.logStartOffsets[tp]})
	if err != nil {
		return nil, fmt.Errorf("opening partition %s: %w", id, err)
	}
	p := &Partition{id: id, topicID: t.ID, dir: path, log: lg, logger: m.log, committer: m.committerFor(filepath.Dir(path))}
	p.tail.budget = &m.tailBytes
	p.cfg.Store(&cfg)
	p.leaderEpoch.Store(t.Partitions[id.Partition].LeaderEpoch)
	// Everything that survived recovery is either fsynced (write caching
	// off: recovery kept what a previous Sync covered, and possibly more
	// the OS had written) or the page cache's (write caching on). Both
	// are visible after a restart.
	p.highWatermark.Store(lg.LogEndOffset())
	p.recoveryPoint.Store(lg.LogEndOffset())
	return p, nil
}

// OnImage follows metadata changes. It is a metadata.Listener.
func (m *Manager) OnImage(prev, next *metadata.Image) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	parts := maps.Clone(*m.parts.Load())
	removed, err := m.reconcile(next, parts)
	if err != nil {
		m.log.Error("applying metadata to partitions", "offset", next.Offset(), "err", err)
	}
	m.parts.Store(&parts)
	m.deleteAll(removed)
}

// update applies the image's leadership and the resolved configuration.
func (p *Partition) update(mp *metadata.Partition, cfg LogConfig) {
	p.leaderEpoch.Store(mp.LeaderEpoch)
	old := p.cfg.Load()
	if *old != cfg {
		p.cfg.Store(&cfg)
		p.log.SetConfig(cfg.Storage)
		if old.WriteCaching && !cfg.WriteCaching {
			p.committer.mark(p)
		}
	}
}

// delete closes the partition and removes its files. Producers still
// waiting get the storage error.
func (p *Partition) delete() error {
	p.turnMu.Lock()
	defer p.turnMu.Unlock()
	p.closed = true
	p.appendMu.Lock()
	p.gone = true
	queue := p.queue
	p.queue = nil
	p.appendMu.Unlock()
	for _, pa := range queue {
		pa.finish(AppendResult{}, kerr.NotLeaderForPartition)
	}
	p.tail.clear()
	err := p.log.Delete()
	p.hwWatchers.Notify()
	return err
}

// close waits for a running group commit turn, writes and syncs what is
// still queued, and closes the log.
func (p *Partition) close() error {
	p.turnMu.Lock()
	defer p.turnMu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	p.syncAndPublish(p.writeQueue())
	p.tail.clear()
	return p.log.Close()
}

func (m *Manager) closeAll(parts map[ID]*Partition) error {
	var errs []error
	for _, p := range parts {
		if err := p.close(); err != nil {
			errs = append(errs, fmt.Errorf("closing %s: %w", p.id, err))
		}
	}
	return errors.Join(errs...)
}

// Close closes every partition. The caller stops request handling first.
func (m *Manager) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	err := m.closeAll(*m.parts.Load())
	if cerr := m.writeCheckpoints(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	return err
}

// Run applies retention, flush.ms and checkpoints until ctx ends.
func (m *Manager) Run(ctx context.Context) {
	retention := time.NewTicker(m.cfg.RetentionCheckInterval)
	defer retention.Stop()
	flush := time.NewTicker(m.cfg.FlushCheckInterval)
	defer flush.Stop()
	checkpoint := time.NewTicker(m.cfg.CheckpointInterval)
	defer checkpoint.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-retention.C:
			m.applyRetention()
		case <-flush.C:
			m.flushDue(time.Now())
		case <-checkpoint.C:
			if err := m.writeCheckpoints(); err != nil {
				m.log.Error("writing log directory checkpoints", "err", err)
			}
		}
	}
}

func (m *Manager) applyRetention() {
	for _, p := range m.Partitions() {
		n, err := p.log.ApplyRetention(p.HighWatermark())
		if err != nil {
			m.log.Error("retention failed", "partition", p.id.String(), "err", err)
			continue
		}
		if n > 0 {
			m.log.Info("deleted segments past retention", "partition", p.id.String(), "segments", n,
				"log.start.offset", p.LogStartOffset())
		}
	}
}

// flushDue flushes write-caching partitions whose flush.ms has passed.
func (m *Manager) flushDue(now time.Time) {
	for _, p := range m.Partitions() {
		cfg := p.cfg.Load()
		if !cfg.WriteCaching || cfg.FlushMs <= 0 || p.log.LogEndOffset() == p.recoveryPoint.Load() {
			continue
		}
		if now.UnixMilli()-p.lastFlush.Load() >= cfg.FlushMs.Milliseconds() {
			p.committer.mark(p)
		}
	}
}
