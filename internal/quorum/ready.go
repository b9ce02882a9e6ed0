package quorum

import (
	"fmt"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// handleReady does one Ready in the order raft's safety needs: persist the
// snapshot, the HardState and the entries (fsynced) before any message
// leaves, since a message may be a vote or an append acknowledgement; then
// send; then apply what is committed; then Advance.
func (n *Node) handleReady() error {
	rd := n.rn.Ready()
	if err := n.matchProposals(rd.Entries); err != nil {
		return err
	}
	if rd.SoftState != nil {
		n.role, n.leader = rd.SoftState.RaftState, rd.SoftState.Lead
		n.leaderChanged(n.rn.BasicStatus().GetTerm())
	}
	if rd.HardState != nil {
		n.commit = rd.HardState.GetCommit()
	}
	committed := rd.CommittedEntries
	var restore *pendingRestore
	if !raft.IsEmptySnap(rd.Snapshot) {
		var err error
		if restore, err = n.installSnapshot(rd.Snapshot); err != nil {
			return err
		}
	} else {
		// Committed entries that earlier Readies made durable are applied
		// before this Ready's fsync, so their proposers return (and propose
		// again) while it runs: a proposal waits for one fsync, not two.
		var err error
		if committed, err = n.applyDurable(committed, rd.Entries); err != nil {
			return err
		}
	}
	if err := n.saveHardState(rd.HardState); err != nil {
		return err
	}
	if err := n.appendEntries(rd.Entries, rd.MustSync); err != nil {
		return err
	}
	n.cfg.Transport.Send(rd.Messages)
	if restore != nil {
		if err := n.restoreSnapshot(restore); err != nil {
			return err
		}
	}
	if err := n.applyCommitted(committed); err != nil {
		return err
	}
	n.rn.Advance(rd)
	return n.maybeSnapshot(time.Now())
}

// matchProposals gives the proposals handed to raft since the last Ready
// their entries: raft appended them last and in order, so they are the
// tail of this Ready's entries.
func (n *Node) matchProposals(ents []*raftpb.Entry) error {
	k := len(n.proposed)
	if k == 0 {
		return nil
	}
	if len(ents) < k {
		return fmt.Errorf("raft appended %d entries for %d proposals", len(ents), k)
	}
	tail := ents[len(ents)-k:]
	for i, p := range n.proposed {
		e := tail[i]
		if e.GetType() != raftpb.EntryNormal || len(e.Data) != len(p.data) {
			return fmt.Errorf("raft entry %d does not match proposal %d of %d", e.GetIndex(), i, k)
		}
		p.index, p.term = e.GetIndex(), e.GetTerm()
		n.waiters.push(p)
		n.proposed[i] = nil
	}
	n.proposed = n.proposed[:0]
	return nil
}

// saveHardState keeps raft's memory current and rewrites quorum-state when
// the term, the vote or the known leader changed. A commit-only change is
// kept in memory: raft relearns it, and Close records it.
func (n *Node) saveHardState(hs *raftpb.HardState) error {
	if hs != nil {
		if err := n.mem.SetHardState(hs); err != nil {
			return fmt.Errorf("set hard state: %w", err)
		}
	}
	st := n.persist
	if hs != nil {
		epoch, err := epochOf(hs.GetTerm())
		if err != nil {
			return err
		}
		st.LeaderEpoch, st.VotedID = epoch, NodeIDOf(hs.GetVote())
	}
	st.LeaderID = NodeIDOf(n.leader)
	if st.LeaderEpoch == n.persist.LeaderEpoch && st.VotedID == n.persist.VotedID && st.LeaderID == n.persist.LeaderID {
		return nil
	}
	st.CommitIndex = n.commit
	if err := writeQuorumState(n.dir, st); err != nil {
		return err
	}
	n.persist = st
	return nil
}

// appendEntries writes entries to the log as one append, truncating a
// conflicting suffix first, then fsyncs when raft requires it.
func (n *Node) appendEntries(ents []*raftpb.Entry, mustSync bool) error {
	if len(ents) == 0 {
		return nil
	}
	first := int64(ents[0].GetIndex()) - 1
	if end := n.log.LogEndOffset(); first < end {
		if err := n.log.TruncateTo(first); err != nil {
			return fmt.Errorf("truncate metadata log to %d: %w", first, err)
		}
	} else if first > end {
		return fmt.Errorf("raft entry %d leaves a gap after log end offset %d", first+1, end)
	}
	buf, err := n.encodeEntries(ents)
	if err != nil {
		return err
	}
	if _, err := n.log.AppendWithOffsets(buf); err != nil {
		return fmt.Errorf("append to metadata log: %w", err)
	}
	if mustSync {
		if err := n.syncLog(); err != nil {
			return err
		}
	}
	if err := n.mem.Append(ents); err != nil {
		return fmt.Errorf("append to raft memory: %w", err)
	}
	n.lastIdx = ents[len(ents)-1].GetIndex()
	return nil
}

func (n *Node) encodeEntries(ents []*raftpb.Entry) ([]byte, error) {
	now := time.Now().UnixMilli()
	size := 0
	for _, e := range ents {
		size += len(e.Data) + 80
	}
	buf := make([]byte, 0, size)
	var err error
	term := n.rn.BasicStatus().GetTerm()
	for _, e := range ents {
		leader := int32(-1)
		if e.GetTerm() == term {
			leader = NodeIDOf(n.leader)
		}
		if buf, err = n.encoder.appendEntry(buf, e, leader, now); err != nil {
			return nil, err
		}
	}
	return buf, nil
}

func (n *Node) syncLog() error {
	durable, err := n.log.Sync()
	if err != nil {
		return fmt.Errorf("sync metadata log: %w", err)
	}
	n.syncs.Add(1)
	if end := n.log.LogEndOffset(); durable < end {
		return fmt.Errorf("sync metadata log: durable to offset %d, log end %d", durable, end)
	}
	return nil
}

// applyDurable applies the leading committed entries that are durable in
// the log and not about to be rewritten by ents, and returns the rest.
func (n *Node) applyDurable(committed, ents []*raftpb.Entry) ([]*raftpb.Entry, error) {
	durable := n.lastIdx
	if len(ents) > 0 {
		durable = min(durable, ents[0].GetIndex()-1)
	}
	i := 0
	for i < len(committed) && committed[i].GetIndex() <= durable {
		i++
	}
	return committed[i:], n.applyCommitted(committed[:i])
}

// applyCommitted applies committed entries, publishes the status, and then
// decides the proposals they settle, so that a proposer sees its entry in
// Status too.
func (n *Node) applyCommitted(ents []*raftpb.Entry) error {
	start := 0
	for start < len(ents) && ents[start].GetIndex() <= n.applied {
		start++ // inside a snapshot restored in this Ready
	}
	ents = ents[start:]
	for _, e := range ents {
		if err := n.applyEntry(e); err != nil {
			return err
		}
	}
	if len(ents) == 0 {
		return nil
	}
	n.publishStatus()
	for _, e := range ents {
		n.waiters.applied(e.GetIndex(), e.GetTerm(), n.release)
	}
	n.leaderEntryApplied(ents[len(ents)-1].GetTerm())
	return nil
}
