package replica

import (
	"errors"
	"fmt"
	"path/filepath"

	"samsa/internal/storage"
)

// dirCheckpoints are one log directory's checkpoint files, read at start.
type dirCheckpoints struct {
	recoveryPoints  map[storage.TopicPartition]int64
	logStartOffsets map[storage.TopicPartition]int64
}

// readCheckpoints reads the recovery points (below which a log needs no
// validation after an unclean stop) and the log start offsets (raised by
// DeleteRecords and retention) of every log directory.
func (m *Manager) readCheckpoints() (map[string]dirCheckpoints, error) {
	out := map[string]dirCheckpoints{}
	for _, dir := range m.cfg.LogDirs {
		rp, err := storage.ReadOffsetCheckpoint(filepath.Join(dir, storage.RecoveryPointCheckpointFile))
		if err != nil {
			// A damaged checkpoint only costs recovery time: every log
			// is then validated from its start.
			m.log.Warn("ignoring unreadable recovery point checkpoint", "dir", dir, "err", err)
			rp = nil
		}
		ls, err := storage.ReadOffsetCheckpoint(filepath.Join(dir, storage.LogStartOffsetCheckpointFile))
		if err != nil {
			return nil, fmt.Errorf("log start offsets of %s: %w", dir, err)
		}
		out[dir] = dirCheckpoints{recoveryPoints: rp, logStartOffsets: ls}
	}
	return out, nil
}

// writeCheckpoints writes every log directory's recovery points and log
// start offsets.
func (m *Manager) writeCheckpoints() error {
	m.checkpointMu.Lock()
	defer m.checkpointMu.Unlock()
	rp := map[string]map[storage.TopicPartition]int64{}
	ls := map[string]map[storage.TopicPartition]int64{}
	for _, dir := range m.cfg.LogDirs {
		rp[dir], ls[dir] = map[storage.TopicPartition]int64{}, map[storage.TopicPartition]int64{}
	}
	for _, p := range m.Partitions() {
		dir := filepath.Dir(p.dir)
		if rp[dir] == nil {
			continue
		}
		tp := storage.TopicPartition{Topic: p.id.Topic, Partition: p.id.Partition}
		rp[dir][tp] = p.recoveryPoint.Load()
		ls[dir][tp] = p.LogStartOffset()
	}
	var errs []error
	for _, dir := range m.cfg.LogDirs {
		if err := storage.WriteOffsetCheckpoint(filepath.Join(dir, storage.RecoveryPointCheckpointFile), rp[dir]); err != nil {
			errs = append(errs, err)
		}
		if err := storage.WriteOffsetCheckpoint(filepath.Join(dir, storage.LogStartOffsetCheckpointFile), ls[dir]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// DeleteRecordsBefore moves a partition's log start offset and checkpoints
// it before returning, so the deletion survives a crash.
func (m *Manager) DeleteRecordsBefore(p *Partition, offset int64) (int64, error) {
	low, err := p.DeleteRecordsBefore(offset)
	if err != nil {
		return low, err
	}
	if err := m.writeCheckpoints(); err != nil {
		return low, fmt.Errorf("checkpointing the log start offset: %w", err)
	}
	return low, nil
}
