package quorum

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

const quorumStateName = "quorum-state"

// quorumState is the quorum-state file: Kafka's QuorumStateData v0 JSON
// (one line, with data_version) plus Samsa's commitIndex. leaderEpoch is
// raft's term and votedId raft's vote in that term, so the file holds the
// whole raft HardState. It is rewritten, fsynced, whenever the term, the
// vote or the known leader changes, and on Close; commitIndex is otherwise
// allowed to lag, since raft relearns the commit index from the leader.
type quorumState struct {
	ClusterID     string        `json:"clusterId"`
	LeaderID      int32         `json:"leaderId"`
	LeaderEpoch   int32         `json:"leaderEpoch"`
	VotedID       int32         `json:"votedId"`
	AppliedOffset int64         `json:"appliedOffset"`
	CurrentVoters []quorumVoter `json:"currentVoters"`
	CommitIndex   uint64        `json:"commitIndex"`
	DataVersion   int           `json:"data_version"`
}

type quorumVoter struct {
	VoterID int32 `json:"voterId"`
}

func (s quorumState) voterIDs() []int32 {
	ids := make([]int32, 0, len(s.CurrentVoters))
	for _, v := range s.CurrentVoters {
		ids = append(ids, v.VoterID)
	}
	slices.Sort(ids)
	return ids
}

func newQuorumState(clusterID string, voters []int32) quorumState {
	s := quorumState{ClusterID: clusterID, LeaderID: -1, VotedID: -1}
	for _, id := range voters {
		s.CurrentVoters = append(s.CurrentVoters, quorumVoter{VoterID: id})
	}
	return s
}

// readQuorumState reads dir/quorum-state; found is false when there is
// none. A file that exists but does not parse is an error, never a reset:
// forgetting a vote could elect two leaders in one term.
func readQuorumState(dir string) (s quorumState, found bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, quorumStateName))
	if errors.Is(err, os.ErrNotExist) {
		return s, false, nil
	}
	if err != nil {
		return s, false, fmt.Errorf("read quorum state: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, false, fmt.Errorf("parse %s: %w", filepath.Join(dir, quorumStateName), err)
	}
	if s.DataVersion != 0 {
		return s, false, fmt.Errorf("quorum state data_version %d: only 0 is supported", s.DataVersion)
	}
	return s, true, nil
}

func writeQuorumState(dir string, s quorumState) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode quorum state: %w", err)
	}
	if err := writeFileAtomic(dir, quorumStateName, ".tmp", append(b, '\n')); err != nil {
		return fmt.Errorf("write quorum state: %w", err)
	}
	return nil
}
