package quorum

import (
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/tracker"
)

// Status is the state of the quorum as this node sees it, in Kafka's terms
// where DescribeQuorum and kafka-metadata-quorum use them. Offsets are
// Kafka offsets: entry index i is offset i-1, so an offset "end" equals the
// index of the last entry.
type Status struct {
	NodeID    int32
	ClusterID string
	Role      string // "leader", "follower", "candidate", "pre-candidate", or "stopped"
	LeaderID  int32  // -1 when unknown
	// LeaderEpoch is raft's term.
	LeaderEpoch int32
	// HighWatermark is the commit index: the offset below which the log
	// is committed.
	HighWatermark  int64
	LogStartOffset int64
	LogEndOffset   int64

	CommitIndex   uint64
	AppliedIndex  uint64
	LastIndex     uint64
	SnapshotIndex uint64 // index of the newest checkpoint; 0 when none

	// Voters lists every voter. Replication progress (LogEndOffset and
	// the timestamps) is known only on the leader; elsewhere it is -1 and
	// zero, except for this node's own log end.
	Voters []ReplicaStatus
	// Observers is empty: brokers do not follow the quorum as observers
	// yet.
	Observers []ReplicaStatus
}

// ReplicaStatus is one replica of the metadata log as DescribeQuorum
// reports it.
type ReplicaStatus struct {
	NodeID   int32
	Endpoint string
	// LogEndOffset is how far the leader knows the replica's log matches
	// its own; -1 when unknown.
	LogEndOffset int64
	// LastFetchTime is when the leader last heard from the replica.
	LastFetchTime time.Time
	// LastCaughtUpTime is when the leader last saw the replica's log
	// reach the leader's log end.
	LastCaughtUpTime time.Time
}

// Status returns the latest state published by the quorum goroutine, which
// publishes after every round of work. It never blocks.
func (n *Node) Status() Status {
	st := *n.status.Load()
	if n.Err() != nil || isClosed(n.done) {
		st.Role = "stopped"
	}
	return st
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// publishStatus builds a fresh Status; the published one is never changed.
func (n *Node) publishStatus() {
	st := &Status{
		NodeID:         n.cfg.NodeID,
		ClusterID:      n.cfg.ClusterID,
		Role:           roleName(n.role),
		LeaderID:       NodeIDOf(n.leader),
		LeaderEpoch:    n.persist.LeaderEpoch,
		HighWatermark:  int64(n.commit),
		LogStartOffset: n.log.LogStartOffset(),
		LogEndOffset:   int64(n.lastIdx),
		CommitIndex:    n.commit,
		AppliedIndex:   n.applied,
		LastIndex:      n.lastIdx,
		SnapshotIndex:  n.snap.index,
		Voters:         n.voterStatuses(),
		Observers:      []ReplicaStatus{},
	}
	n.status.Store(st)
}

func (n *Node) voterStatuses() []ReplicaStatus {
	now := time.Now()
	out := make([]ReplicaStatus, 0, len(n.voters))
	index := make(map[uint64]int, len(n.voters))
	for _, id := range n.voters {
		rs := ReplicaStatus{NodeID: id, Endpoint: n.cfg.Voters[id], LogEndOffset: -1}
		if id == n.cfg.NodeID {
			rs.LogEndOffset = int64(n.lastIdx)
		}
		index[RaftID(id)] = len(out)
		out = append(out, rs)
	}
	if n.role != raft.StateLeader || n.rn == nil {
		return out
	}
	n.rn.WithProgress(func(id uint64, _ raft.ProgressType, pr tracker.Progress) {
		i, ok := index[id]
		if !ok {
			return
		}
		rs := &out[i]
		if id == n.raftID {
			rs.LastFetchTime, rs.LastCaughtUpTime = now, now
			return
		}
		rs.LogEndOffset = int64(pr.Match)
		if pr.Match >= n.lastIdx {
			n.caughtUp[id] = now
		}
		rs.LastFetchTime, rs.LastCaughtUpTime = n.contact[id], n.caughtUp[id]
	})
	return out
}

func roleName(s raft.StateType) string {
	switch s {
	case raft.StateLeader:
		return "leader"
	case raft.StateCandidate:
		return "candidate"
	case raft.StatePreCandidate:
		return "pre-candidate"
	default:
		return "follower"
	}
}
