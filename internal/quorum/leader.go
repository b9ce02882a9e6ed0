package quorum

import "go.etcd.io/raft/v3"

// leaderNotice tracks what the LeaderListener was last told. Owned by the
// quorum goroutine.
type leaderNotice struct {
	told        bool
	leader      uint64 // raft ID last reported
	term        uint64 // term last reported
	pendingTerm uint64 // this node leads in it; report once its entry is applied
}

// leaderChanged runs when raft's SoftState changes. Another node's
// leadership is reported at once, and so is "no leader" when this node was
// the last one reported; this node's own leadership waits for
// leaderEntryApplied.
func (n *Node) leaderChanged(term uint64) {
	if n.leader == n.raftID && n.role == raft.StateLeader {
		n.notify.pendingTerm = term
		return
	}
	n.notify.pendingTerm = 0
	if n.leader == raft.None && !(n.notify.told && n.notify.leader == n.raftID) {
		return // elections in progress matter only to a leader losing its place
	}
	n.tellLeader(n.leader, term)
}

// leaderEntryApplied runs after an entry of term is applied.
func (n *Node) leaderEntryApplied(term uint64) {
	if n.notify.pendingTerm != 0 && term == n.notify.pendingTerm {
		n.notify.pendingTerm = 0
		n.tellLeader(n.raftID, term)
	}
}

func (n *Node) tellLeader(leader, term uint64) {
	if n.notify.told && n.notify.leader == leader && n.notify.term == term {
		return
	}
	n.notify = leaderNotice{told: true, leader: leader, term: term}
	epoch, _ := epochOf(term) // terms are checked when persisted
	n.logger.Info("metadata quorum leader", "leader", NodeIDOf(leader), "epoch", epoch)
	if l, ok := n.sm.(LeaderListener); ok {
		l.LeaderChange(NodeIDOf(leader), epoch)
	}
}
