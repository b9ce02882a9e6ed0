package quorum

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// raftMemory is raft's view of the log: raft's MemoryStorage holding the
// newest snapshot and the entries after it (less those compacted away),
// loaded from disk on open and kept in step with it by the Ready loop.
// Its initial configuration is the static voter set until a snapshot
// carries one.
type raftMemory struct {
	*raft.MemoryStorage
	confState *raftpb.ConfState
}

func (m *raftMemory) InitialState() (*raftpb.HardState, *raftpb.ConfState, error) {
	hs, cs, err := m.MemoryStorage.InitialState()
	if len(cs.GetVoters()) == 0 {
		cs = m.confState
	}
	return hs, cs, err
}

// recover rebuilds the node's state from its directory; see Open.
func (n *Node) recover() error {
	if err := os.MkdirAll(n.dir, 0o755); err != nil {
		return fmt.Errorf("create metadata log directory: %w", err)
	}
	if err := n.loadQuorumState(); err != nil {
		return err
	}
	cp, content, payload, err := n.loadNewestCheckpoint()
	if err != nil {
		return err
	}
	n.log, err = n.cfg.openLog(n.logOptions(0))
	if err != nil {
		return fmt.Errorf("open metadata log: %w", err)
	}
	if err := n.alignLog(cp.index); err != nil {
		return err
	}
	n.mem = &raftMemory{MemoryStorage: raft.NewMemoryStorage(), confState: n.confState()}
	if content != nil {
		if err := n.restoreCheckpoint(cp, content, payload); err != nil {
			return err
		}
	}
	ents, err := n.loadEntries(cp)
	if err != nil {
		return err
	}
	hs := n.initialHardState(cp, ents)
	if err := n.mem.SetHardState(hs); err != nil {
		return err
	}
	if err := n.replay(ents, hs.GetCommit()); err != nil {
		return err
	}
	n.rn, err = raft.NewRawNode(n.raftConfig())
	if err != nil {
		return fmt.Errorf("start raft: %w", err)
	}
	n.logger.Info("metadata quorum recovered", "snapshotIndex", cp.index, "applied", n.applied, "lastIndex", n.lastIdx, "term", hs.GetTerm())
	return nil
}

func (n *Node) logOptions(start int64) logOptions {
	return logOptions{dir: n.dir, logStartOffset: start, segmentBytes: n.cfg.SegmentBytes, logger: n.logger}
}

func (n *Node) confState() *raftpb.ConfState {
	cs := &raftpb.ConfState{}
	for _, id := range n.voters {
		cs.Voters = append(cs.Voters, RaftID(id))
	}
	return cs
}

// loadQuorumState reads quorum-state, or writes a fresh one, and checks that
// it belongs to this cluster and voter set.
func (n *Node) loadQuorumState() error {
	s, found, err := readQuorumState(n.dir)
	if err != nil {
		return err
	}
	if !found {
		n.persist = newQuorumState(n.cfg.ClusterID, n.voters)
		return writeQuorumState(n.dir, n.persist)
	}
	if n.cfg.ClusterID != "" && s.ClusterID != n.cfg.ClusterID {
		return fmt.Errorf("quorum state belongs to cluster %q, not %q", s.ClusterID, n.cfg.ClusterID)
	}
	if got := s.voterIDs(); !slices.Equal(got, n.voters) {
		return fmt.Errorf("quorum state has voters %v but the configuration has %v: changing the voter set is not supported", got, n.voters)
	}
	n.persist = s
	return nil
}

// loadNewestCheckpoint returns the newest checkpoint that decodes, its file
// content and the snapshot it holds. Corrupt ones are logged and removed:
// the one before, which the log still extends, takes their place.
func (n *Node) loadNewestCheckpoint() (checkpointFile, []byte, []byte, error) {
	if err := removePartialCheckpoints(n.dir); err != nil {
		return checkpointFile{}, nil, nil, err
	}
	cps, err := listCheckpoints(n.dir)
	if err != nil {
		return checkpointFile{}, nil, nil, err
	}
	for i, cp := range cps {
		path := filepath.Join(n.dir, cp.name)
		content, err := os.ReadFile(path)
		if err != nil {
			return checkpointFile{}, nil, nil, fmt.Errorf("read checkpoint: %w", err)
		}
		payload, err := decodeCheckpoint(content, cp.term)
		if err != nil {
			n.logger.Warn("skipping corrupt checkpoint", "file", cp.name, "err", err)
			if err := os.Remove(path); err != nil {
				return checkpointFile{}, nil, nil, fmt.Errorf("remove corrupt checkpoint: %w", err)
			}
			continue
		}
		if i+1 < len(cps) {
			n.snap.prevIndex = cps[i+1].index
		}
		return cp, content, payload, nil
	}
	return checkpointFile{}, nil, nil, nil
}

// alignLog makes sure the log continues the checkpoint at snapIndex: it
// must start at or before it, and if it ends before it (a crash between
// installing a leader's snapshot and resetting the log) it restarts there.
func (n *Node) alignLog(snapIndex uint64) error {
	start, end := n.log.LogStartOffset(), n.log.LogEndOffset()
	if start > int64(snapIndex) {
		return fmt.Errorf("metadata log starts at offset %d but the newest usable checkpoint ends at %d: the entries between are lost", start, snapIndex)
	}
	if end < int64(snapIndex) {
		return n.resetLog(snapIndex)
	}
	return nil
}

// resetLog leaves the log empty with its next offset at index (the offset
// of entry index+1), as after installing a snapshot at index.
func (n *Node) resetLog(index uint64) error {
	offset := int64(index)
	if offset >= n.log.LogStartOffset() && offset <= n.log.LogEndOffset() {
		if err := n.log.TruncateTo(offset); err != nil {
			return fmt.Errorf("truncate metadata log to %d: %w", offset, err)
		}
		if err := n.log.DeleteRecordsBefore(offset); err != nil {
			return fmt.Errorf("delete metadata log before %d: %w", offset, err)
		}
		return nil
	}
	if err := n.log.Close(); err != nil {
		return fmt.Errorf("close metadata log for reset: %w", err)
	}
	l, err := n.cfg.openLog(n.logOptions(offset))
	if err != nil {
		return fmt.Errorf("reset metadata log to offset %d: %w", offset, err)
	}
	n.log = l
	if l.LogStartOffset() != offset || l.LogEndOffset() != offset {
		return fmt.Errorf("reset metadata log to offset %d: it spans [%d, %d)", offset, l.LogStartOffset(), l.LogEndOffset())
	}
	return nil
}

// restoreCheckpoint loads a checkpoint into raft's memory and the state
// machine.
func (n *Node) restoreCheckpoint(cp checkpointFile, content, payload []byte) error {
	snap := &raftpb.Snapshot{
		Data:     content,
		Metadata: &raftpb.SnapshotMetadata{Index: new(cp.index), Term: new(cp.term), ConfState: n.confState()},
	}
	if err := n.mem.ApplySnapshot(snap); err != nil {
		return fmt.Errorf("load checkpoint %s: %w", cp.name, err)
	}
	if err := n.sm.Restore(payload, cp.index, cp.term); err != nil {
		return fmt.Errorf("restore state machine from checkpoint %s: %w", cp.name, err)
	}
	n.snap.index, n.snap.term = cp.index, cp.term
	n.applied, n.lastIdx, n.lastDataIndex = cp.index, cp.index, cp.index
	n.snap.last = checkpointTime(filepath.Join(n.dir, cp.name))
	return nil
}

func checkpointTime(path string) time.Time {
	if fi, err := os.Stat(path); err == nil {
		return fi.ModTime()
	}
	return time.Now()
}

// loadEntries reads the entries after the checkpoint into raft's memory.
func (n *Node) loadEntries(cp checkpointFile) ([]*raftpb.Entry, error) {
	ents, err := readEntries(n.log, int64(cp.index))
	if err != nil {
		return nil, err
	}
	ents, err = n.dropStaleTail(cp, ents)
	if err != nil {
		return nil, err
	}
	if err := n.mem.Append(ents); err != nil {
		return nil, fmt.Errorf("load entries: %w", err)
	}
	n.lastIdx = cp.index + uint64(len(ents))
	if n.snap.last.IsZero() {
		n.snap.last = time.Now()
	}
	return ents, nil
}

// dropStaleTail checks that the entries continue the checkpoint with terms
// that never decrease. An entry of a lower term can only be an uncommitted
// leftover of an older history, there when the node stopped between
// installing a leader's snapshot and resetting its log; it and everything
// after it are truncated away, as the leader would have them replaced.
func (n *Node) dropStaleTail(cp checkpointFile, ents []*raftpb.Entry) ([]*raftpb.Entry, error) {
	prevTerm := cp.term
	for i, e := range ents {
		if e.GetIndex() != cp.index+1+uint64(i) {
			return nil, fmt.Errorf("%w: entry %d where %d was due", errCorrupt, e.GetIndex(), cp.index+1+uint64(i))
		}
		if e.GetTerm() < prevTerm {
			if e.GetIndex() <= max(n.persist.CommitIndex, cp.index) {
				return nil, fmt.Errorf("%w: committed entry %d has term %d after term %d", errCorrupt, e.GetIndex(), e.GetTerm(), prevTerm)
			}
			n.logger.Warn("truncating entries older than the checkpoint before them", "from", e.GetIndex(), "term", e.GetTerm(), "checkpointTerm", prevTerm)
			if err := n.log.TruncateTo(int64(e.GetIndex()) - 1); err != nil {
				return nil, fmt.Errorf("truncate stale entries: %w", err)
			}
			return ents[:i], nil
		}
		prevTerm = e.GetTerm()
	}
	return ents, nil
}

// initialHardState is the HardState raft restarts from: quorum-state's
// term and vote, and a commit index that is at least the checkpoint's.
// With a single voter every entry on disk was made durable by the only
// voter and so is committed (nothing can replace it), which lets a single
// node replay its whole log before serving.
func (n *Node) initialHardState(cp checkpointFile, ents []*raftpb.Entry) *raftpb.HardState {
	term := uint64(max(n.persist.LeaderEpoch, 0))
	vote := uint64(0)
	if n.persist.VotedID >= 0 {
		vote = RaftID(n.persist.VotedID)
	}
	lastTerm := cp.term
	if len(ents) > 0 {
		lastTerm = ents[len(ents)-1].GetTerm()
	}
	if lastTerm > term {
		n.logger.Warn("quorum state term behind the log; raising it", "stateTerm", term, "logTerm", lastTerm)
		term, vote = lastTerm, 0
	}
	commit := min(max(n.persist.CommitIndex, cp.index), n.lastIdx)
	if len(n.voters) == 1 {
		commit = n.lastIdx
	}
	return &raftpb.HardState{Term: new(term), Vote: new(vote), Commit: new(commit)}
}

// replay applies the loaded entries up to commit to the state machine.
func (n *Node) replay(ents []*raftpb.Entry, commit uint64) error {
	for _, e := range ents {
		if e.GetIndex() > commit {
			break
		}
		if err := n.applyEntry(e); err != nil {
			return err
		}
	}
	n.commit = commit
	return nil
}

// applyEntry applies one committed entry to the state machine.
func (n *Node) applyEntry(e *raftpb.Entry) error {
	switch e.GetType() {
	case raftpb.EntryNormal:
		if len(e.Data) > 0 {
			if err := n.sm.Apply(e.GetIndex(), e.GetTerm(), e.Data); err != nil {
				return fmt.Errorf("apply entry %d: %w", e.GetIndex(), err)
			}
			n.snap.bytesSince += int64(len(e.Data))
			n.lastDataIndex = e.GetIndex()
		}
	default:
		return errors.New("a configuration change entry was committed: changing the voter set is not supported")
	}
	n.applied = e.GetIndex()
	return nil
}

func (n *Node) raftConfig() *raft.Config {
	return &raft.Config{
		ID:                        n.raftID,
		ElectionTick:              n.cfg.ElectionTicks,
		HeartbeatTick:             n.cfg.HeartbeatTicks,
		Storage:                   n.mem,
		Applied:                   n.applied,
		MaxSizePerMsg:             maxSizePerMsg,
		MaxCommittedSizePerReady:  maxCommittedSizePerReady,
		MaxUncommittedEntriesSize: maxUncommittedBytes,
		MaxInflightMsgs:           maxInflightMsgs,
		CheckQuorum:               true,
		PreVote:                   true,
		DisableProposalForwarding: true,
		StepDownOnRemoval:         true,
		Logger:                    raftLogger{n.logger},
	}
}
