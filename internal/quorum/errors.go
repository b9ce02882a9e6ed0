package quorum

import (
	"errors"
	"fmt"
)

// ErrNotLeader reports a proposal made on a node that is not the leader.
// The error returned is a *NotLeaderError, which matches ErrNotLeader with
// errors.Is and carries the leader's node.id when it is known.
var ErrNotLeader = errors.New("not the metadata quorum leader")

// ErrStopped reports use of a node that has stopped, by Close or because of
// a fatal error (see Node.Err).
var ErrStopped = errors.New("metadata quorum stopped")

// ErrProposalLost reports a proposal that was appended under a leader that
// lost its leadership before the entry was committed: a later leader's log
// replaced it, and it will never be applied. Retrying is safe.
var ErrProposalLost = errors.New("proposal lost to a leader change")

// ErrProposalUnknown reports a proposal whose entry this node skipped by
// installing a snapshot from the leader: it may or may not be part of the
// snapshot's state.
var ErrProposalUnknown = errors.New("proposal outcome unknown: replaced by a snapshot")

// ErrProposalTooLarge reports a proposal above Config.MaxEntryBytes.
var ErrProposalTooLarge = errors.New("proposal too large")

// ErrBusy reports that the leader dropped a proposal because its
// uncommitted log is full or leadership is being transferred. Retry later.
var ErrBusy = errors.New("metadata quorum busy: proposal dropped")

// NotLeaderError is the error of a proposal made on a follower.
type NotLeaderError struct {
	LeaderID int32 // the leader's node.id, or -1 when unknown
}

func (e *NotLeaderError) Error() string {
	if e.LeaderID < 0 {
		return ErrNotLeader.Error() + " (leader unknown)"
	}
	return fmt.Sprintf("%s (leader is node %d)", ErrNotLeader, e.LeaderID)
}

// Is makes errors.Is(err, ErrNotLeader) true.
func (e *NotLeaderError) Is(target error) bool { return target == ErrNotLeader }
