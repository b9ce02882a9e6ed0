package quorum

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// snapshotState tracks the checkpoints on disk and when the next is due.
// The directory keeps the newest checkpoint and the one before it, and the
// log from the one before on: should the newest prove unreadable at the
// next start, the older one and the log still rebuild the same state.
// Owned by the quorum goroutine, except done, which the writer sends on.
type snapshotState struct {
	index, term  uint64 // newest durable checkpoint; 0 when none
	prevIndex    uint64 // the checkpoint kept before it; 0 when none
	bytesSince   int64  // entry bytes applied after index
	bytesAtStart int64  // bytesSince when the snapshot in flight was taken
	last         time.Time
	inflight     bool
	done         chan snapshotResult
}

// snapshotResult is what the writer goroutine reports.
type snapshotResult struct {
	index, term uint64
	content     []byte
	err         error
}

// pendingRestore is a leader's snapshot installed on disk, to be restored
// into the state machine once the Ready's messages are out.
type pendingRestore struct {
	data        []byte
	index, term uint64
}

// maybeSnapshot starts a snapshot when enough bytes or time have gone by
// since the last one. The state machine is asked on this goroutine, so its
// state is exactly the applied index; encoding and writing the checkpoint
// happen on a writer goroutine, so that a large snapshot does not hold up
// heartbeats. At most one is in flight.
func (n *Node) maybeSnapshot(now time.Time) error {
	s := &n.snap
	if s.inflight || n.applied <= s.index {
		return nil
	}
	if s.bytesSince < n.cfg.SnapshotMaxBytes && now.Sub(s.last) < n.cfg.SnapshotInterval {
		return nil
	}
	data, index, err := n.sm.Snapshot()
	if err != nil {
		n.logger.Error("state machine snapshot failed; retrying after the snapshot interval", "err", err)
		s.last, s.bytesSince = now, 0
		return nil
	}
	// The state machine sees only entries with data, so its index may
	// trail the applied index by empty entries, which change nothing.
	if index < n.lastDataIndex || index > n.applied {
		return fmt.Errorf("state machine snapshot at index %d, but entries up to %d are applied (%d with data)", index, n.applied, n.lastDataIndex)
	}
	index = n.applied
	term, err := n.mem.Term(index)
	if err != nil {
		return fmt.Errorf("term of snapshot index %d: %w", index, err)
	}
	s.inflight, s.bytesAtStart = true, s.bytesSince
	n.snapWriter.Add(1)
	go n.writeCheckpoint(s.done, data, index, term, now)
	return nil
}

// writeCheckpoint is the writer goroutine: Close waits for it.
func (n *Node) writeCheckpoint(done chan<- snapshotResult, data []byte, index, term uint64, now time.Time) {
	defer n.snapWriter.Done()
	res := snapshotResult{index: index, term: term}
	res.content, res.err = encodeCheckpoint(data, term, now.UnixMilli())
	if res.err == nil {
		res.err = writeFileAtomic(n.dir, checkpointName(index, term), partSuffix, res.content)
	}
	done <- res // buffered for the one snapshot in flight
}

// finishSnapshot makes a durable checkpoint raft's snapshot, then drops
// what it makes redundant: entries in memory below it (but a catch-up
// tail), and on disk the log and checkpoints below the previous one.
func (n *Node) finishSnapshot(res snapshotResult) error {
	s := &n.snap
	s.inflight = false
	if res.err != nil {
		n.logger.Error("writing checkpoint failed; the log still holds everything", "index", res.index, "err", res.err)
		s.last = time.Now()
		return nil
	}
	if res.index <= s.index {
		return n.removeCheckpoint(res.index, res.term) // a leader's snapshot overtook it
	}
	if _, err := n.mem.CreateSnapshot(res.index, n.confState(), res.content); err != nil {
		return fmt.Errorf("record snapshot %d: %w", res.index, err)
	}
	s.prevIndex, s.index, s.term = s.index, res.index, res.term
	s.bytesSince -= s.bytesAtStart
	s.last = time.Now()
	n.logger.Info("checkpoint written", "index", res.index, "term", res.term, "bytes", len(res.content))
	if err := n.compactMemory(); err != nil {
		return err
	}
	return n.compactDisk()
}

func (n *Node) compactMemory() error {
	if n.snap.index <= n.cfg.SnapshotCatchUpEntries {
		return nil
	}
	compactIndex := n.snap.index - n.cfg.SnapshotCatchUpEntries
	first, err := n.mem.FirstIndex()
	if err != nil || compactIndex < first {
		return err
	}
	if err := n.mem.Compact(compactIndex); err != nil && !errors.Is(err, raft.ErrCompacted) {
		return fmt.Errorf("compact raft memory to %d: %w", compactIndex, err)
	}
	return nil
}

func (n *Node) compactDisk() error {
	keep := n.snap.prevIndex
	if keep == 0 {
		return nil
	}
	if err := n.log.DeleteRecordsBefore(int64(keep)); err != nil {
		return fmt.Errorf("delete metadata log before offset %d: %w", keep, err)
	}
	return removeCheckpointsBelow(n.dir, keep)
}

func (n *Node) removeCheckpoint(index, term uint64) error {
	err := os.Remove(filepath.Join(n.dir, checkpointName(index, term)))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove superseded checkpoint: %w", err)
	}
	return nil
}

// installSnapshot persists a snapshot received from the leader: its data
// is the leader's checkpoint file, written here as this node's newest
// checkpoint before the log is reset to continue after it. The state
// machine is restored later, by restoreSnapshot.
func (n *Node) installSnapshot(snap *raftpb.Snapshot) (*pendingRestore, error) {
	index, term := snap.GetMetadata().GetIndex(), snap.GetMetadata().GetTerm()
	payload, err := decodeCheckpoint(snap.GetData(), term)
	if err != nil {
		return nil, fmt.Errorf("snapshot %d from the leader: %w", index, err)
	}
	if err := n.awaitCheckpointWriter(); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(n.dir, checkpointName(index, term), partSuffix, snap.GetData()); err != nil {
		return nil, fmt.Errorf("install snapshot %d: %w", index, err)
	}
	if err := n.mem.ApplySnapshot(snap); err != nil {
		return nil, fmt.Errorf("install snapshot %d: %w", index, err)
	}
	if err := n.resetLog(index); err != nil {
		return nil, err
	}
	if err := removeCheckpointsBelow(n.dir, index); err != nil {
		return nil, err
	}
	n.snap.index, n.snap.term, n.snap.prevIndex = index, term, 0
	n.snap.bytesSince, n.snap.last = 0, time.Now()
	n.lastIdx = index
	n.logger.Info("installed snapshot from the leader", "index", index, "term", term, "bytes", len(snap.GetData()))
	return &pendingRestore{data: payload, index: index, term: term}, nil
}

// awaitCheckpointWriter waits for a local checkpoint being written, which
// the leader's snapshot supersedes.
func (n *Node) awaitCheckpointWriter() error {
	if !n.snap.inflight {
		return nil
	}
	res := <-n.snap.done
	n.snap.inflight = false
	if res.err != nil {
		return nil
	}
	return n.removeCheckpoint(res.index, res.term)
}

func (n *Node) restoreSnapshot(r *pendingRestore) error {
	if err := n.sm.Restore(r.data, r.index, r.term); err != nil {
		return fmt.Errorf("restore state machine from snapshot %d: %w", r.index, err)
	}
	n.applied, n.lastDataIndex = r.index, r.index
	n.waiters.snapshotInstalled(r.index, r.term, n.release)
	return nil
}
