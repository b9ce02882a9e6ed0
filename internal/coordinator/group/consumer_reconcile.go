package group

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/metadata"
)

// Reconciliation moves a member's current assignment toward its target
// (Kafka's CurrentAssignmentBuilder). A member never gains a partition
// another member still holds, so a partition is never consumed twice:
//
//   - Partitions the member holds and the target keeps stay, with the
//     epoch they were assigned at.
//   - Partitions it holds that the target moves elsewhere become pending
//     revocation. While it still reports owning any of them, it stays at
//     its epoch in UNREVOKED_PARTITIONS and gets nothing new; its next
//     heartbeat without them releases them.
//   - Partitions of the target that another member still holds are
//     unreleased: held back (UNRELEASED_PARTITIONS) until their holder
//     lets go.
//   - Otherwise the member moves to the target epoch with the partitions
//     it may have now (STABLE, or UNRELEASED_PARTITIONS while some are
//     held back).
//
// When the member's subscription changed, partitions of topics it no
// longer subscribes to are revoked at once, even before a new target
// exists (Kafka's enforceSubscriptionConsistency).

// cgReconcileInput is what a reconciliation step looks at.
type cgReconcileInput struct {
	member      *consumerMember
	targetEpoch int32
	target      cgAssignment
	// holder returns the member holding a partition, if any.
	holder func(topic metadata.Uuid, partition int32) (string, bool)
	// owned is what the member reported owning; ownedKnown is false when
	// the heartbeat did not say (then it is assumed to own everything).
	owned      []kmsg.ConsumerGroupHeartbeatRequestTopic
	ownedKnown bool
	// subscribed reports whether the member subscribes to a topic.
	subscribed func(topic metadata.Uuid) bool
	// enforce revokes unsubscribed topics at once.
	enforce bool
}

// cgReconciled is the member's next current assignment.
type cgReconciled struct {
	epoch, previousEpoch int32
	state                int8
	assigned, pending    cgOwned
}

// same reports whether r leaves the member as it is.
func (r *cgReconciled) same(m *consumerMember) bool {
	return r.epoch == m.epoch && r.previousEpoch == m.previousEpoch && r.state == m.state &&
		ownedEqual(r.assigned, m.assigned) && ownedEqual(r.pending, m.pendingRevoke)
}

func unchanged(m *consumerMember) cgReconciled {
	return cgReconciled{epoch: m.epoch, previousEpoch: m.previousEpoch, state: m.state, assigned: m.assigned, pending: m.pendingRevoke}
}

// reconcile computes the member's next state; FENCED_MEMBER_EPOCH for a
// member in a state this version does not know that still owns
// partitions.
func reconcile(in *cgReconcileInput) (cgReconciled, error) {
	m := in.member
	switch m.state {
	case cgStateStable:
		if m.epoch != in.targetEpoch {
			return in.next(m.epoch), nil
		}
		if in.enforce {
			return in.dropUnsubscribed(), nil
		}
		return unchanged(m), nil
	case cgStateUnrevokedPartitions:
		if in.ownsAny(m.pendingRevoke) {
			if in.enforce {
				return in.dropUnsubscribed(), nil
			}
			return unchanged(m), nil
		}
		return in.next(m.epoch), nil
	case cgStateUnreleasedPartitions:
		return in.next(m.epoch), nil
	default:
		if !in.ownedKnown || len(in.owned) > 0 {
			return cgReconciled{}, fmt.Errorf("the member is in an unknown state and must rejoin without partitions: %w", kerr.FencedMemberEpoch)
		}
		return in.next(in.targetEpoch), nil
	}
}

// ownsAny reports whether the member still reports any partition of set.
func (in *cgReconcileInput) ownsAny(set cgOwned) bool {
	if !in.ownedKnown {
		return true
	}
	for _, t := range in.owned {
		for _, p := range t.Partitions {
			if set.has(t.TopicID, p) {
				return true
			}
		}
	}
	return false
}

// next is Kafka's computeNextAssignment from the member's assigned
// partitions at epoch.
func (in *cgReconcileInput) next(epoch int32) cgReconciled {
	m := in.member
	assigned, pending := cgOwned{}, cgOwned{}
	var toAssign []cgPartition
	unreleased := false
	topics := map[metadata.Uuid]bool{}
	for t := range in.target {
		topics[t] = true
	}
	for t := range m.assigned {
		topics[t] = true
	}
	for t := range topics {
		target := map[int32]bool{}
		if in.subscribed(t) {
			for _, p := range in.target[t] {
				target[p] = true
			}
		}
		for p, at := range m.assigned[t] {
			if target[p] {
				addOwned(assigned, t, p, at)
			} else {
				addOwned(pending, t, p, at)
			}
		}
		for _, p := range in.target[t] {
			if !target[p] || assigned.has(t, p) {
				continue
			}
			// A partition this member is still revoking is its own,
			// not held back by another member: it gets it back.
			if holder, held := in.holder(t, p); held && holder != m.id {
				unreleased = true
				continue
			}
			toAssign = append(toAssign, cgPartition{t, p})
		}
	}
	switch {
	case !pending.empty() && in.ownsAny(pending):
		// Revoke first; the new partitions come with the next epoch.
		return cgReconciled{epoch: epoch, previousEpoch: m.epoch, state: cgStateUnrevokedPartitions, assigned: assigned, pending: pending}
	case len(toAssign) > 0:
		for _, key := range toAssign {
			addOwned(assigned, key.topic, key.partition, in.targetEpoch)
		}
		fallthrough
	default:
		state := cgStateStable
		if unreleased {
			state = cgStateUnreleasedPartitions
		}
		return cgReconciled{epoch: in.targetEpoch, previousEpoch: m.epoch, state: state, assigned: assigned, pending: cgOwned{}}
	}
}

// dropUnsubscribed revokes the partitions of topics the member no longer
// subscribes to (Kafka's updateCurrentAssignment).
func (in *cgReconcileInput) dropUnsubscribed() cgReconciled {
	m := in.member
	assigned, pending := cgOwned{}, cloneOwned(m.pendingRevoke)
	dropped := false
	for t, parts := range m.assigned {
		for p, at := range parts {
			if in.subscribed(t) {
				addOwned(assigned, t, p, at)
			} else {
				addOwned(pending, t, p, at)
				dropped = true
			}
		}
	}
	if !dropped {
		return unchanged(m)
	}
	if !pending.empty() && in.ownsAny(pending) {
		return cgReconciled{epoch: m.epoch, previousEpoch: m.epoch, state: cgStateUnrevokedPartitions, assigned: assigned, pending: pending}
	}
	return cgReconciled{epoch: m.epoch, previousEpoch: m.epoch, state: m.state, assigned: assigned, pending: m.pendingRevoke}
}

func addOwned(o cgOwned, t metadata.Uuid, p, epoch int32) {
	parts := o[t]
	if parts == nil {
		parts = map[int32]int32{}
		o[t] = parts
	}
	parts[p] = epoch
}

func cloneOwned(o cgOwned) cgOwned {
	out := cgOwned{}
	for t, parts := range o {
		for p, at := range parts {
			addOwned(out, t, p, at)
		}
	}
	return out
}

func ownedEqual(a, b cgOwned) bool {
	count := func(o cgOwned) int {
		n := 0
		for _, parts := range o {
			n += len(parts)
		}
		return n
	}
	if count(a) != count(b) {
		return false
	}
	for t, parts := range a {
		for p, at := range parts {
			if other, ok := b[t][p]; !ok || other != at {
				return false
			}
		}
	}
	return true
}
