package group

import (
	"fmt"
	"slices"
)

// Replaying consumer group records. This is the only code that changes a
// consumer group: the heartbeat writes records and reads the result back,
// and a new coordinator rebuilds the same group from the log. Tombstones
// for a group or member that is not there are ignored: compaction may have
// removed what they delete.

func init() {
	registerReplayer(keyConsumerGroupMetadata, replayCGMetadata)
	registerReplayer(keyConsumerGroupPartitionMeta, replayCGPartitionMetadata)
	registerReplayer(keyConsumerGroupMemberMeta, replayCGMember)
	registerReplayer(keyConsumerGroupTargetMeta, replayCGTargetMetadata)
	registerReplayer(keyConsumerGroupTargetMember, replayCGTargetMember)
	registerReplayer(keyConsumerGroupCurrentMember, replayCGCurrent)
	registerLoadHook((*State).onLoadConsumerGroups)
}

// consumerGroup returns the consumer group id, creating it when create
// is set; another kind of group under the id is an error, as in Kafka
// (the records of a converted group are deleted before the new ones).
func (st *State) replayConsumerGroup(id string, create bool) (*consumerGroup, error) {
	switch g := st.groups[id].(type) {
	case *consumerGroup:
		return g, nil
	case nil:
		if !create {
			return nil, nil
		}
		cg := newConsumerGroup(id)
		st.groups[id] = cg
		return cg, nil
	default:
		return nil, fmt.Errorf("group %s is a %s group, not a consumer group", id, g.Type())
	}
}

func replayCGMetadata(st *State, key, value []byte) error {
	id, _, err := decodeCGKey(keyConsumerGroupMetadata, key, false)
	if err != nil {
		return err
	}
	g, err := st.replayConsumerGroup(id, value != nil)
	if err != nil || g == nil {
		return err
	}
	if value == nil {
		delete(st.groups, id)
		return nil
	}
	v, err := decodeCGMetadataValue(value)
	if err != nil {
		return err
	}
	g.epoch = v.Epoch
	return nil
}

func replayCGPartitionMetadata(st *State, key, value []byte) error {
	id, _, err := decodeCGKey(keyConsumerGroupPartitionMeta, key, false)
	if err != nil {
		return err
	}
	g, err := st.replayConsumerGroup(id, value != nil)
	if err != nil || g == nil {
		return err
	}
	g.subscription = map[string]cgTopicMetadata{}
	if value == nil {
		return nil
	}
	topics, err := decodeCGPartitionMetadata(value)
	if err != nil {
		return err
	}
	for _, t := range topics {
		g.subscription[t.Name] = t
	}
	return nil
}

func replayCGMember(st *State, key, value []byte) error {
	id, memberID, err := decodeCGKey(keyConsumerGroupMemberMeta, key, true)
	if err != nil {
		return err
	}
	g, err := st.replayConsumerGroup(id, value != nil)
	if err != nil || g == nil {
		return err
	}
	m := g.members[memberID]
	if value == nil {
		if m != nil {
			g.releaseOwned(m)
			if m.instanceID != nil && g.staticMembers[*m.instanceID] == memberID {
				delete(g.staticMembers, *m.instanceID)
			}
			delete(g.members, memberID)
		}
		return nil
	}
	v, err := decodeCGMemberValue(value)
	if err != nil {
		return err
	}
	if m == nil {
		m = &consumerMember{id: memberID, assigned: cgOwned{}, pendingRevoke: cgOwned{}}
		g.members[memberID] = m
	}
	if m.instanceID != nil && g.staticMembers[*m.instanceID] == memberID {
		delete(g.staticMembers, *m.instanceID)
	}
	m.instanceID, m.rackID, m.clientID, m.clientHost = v.InstanceID, v.RackID, v.ClientID, v.ClientHost
	m.subscribedNames = normalizeTopicNames(v.SubscribedTopicNames)
	m.subscribedRegex, m.serverAssignor = "", ""
	if v.SubscribedTopicRegex != nil {
		m.subscribedRegex = *v.SubscribedTopicRegex
	}
	if v.ServerAssignor != nil {
		m.serverAssignor = *v.ServerAssignor
	}
	m.rebalanceTimeoutMs = v.RebalanceTimeoutMs
	if m.instanceID != nil {
		g.staticMembers[*m.instanceID] = memberID
	}
	return nil
}

func replayCGTargetMetadata(st *State, key, value []byte) error {
	id, _, err := decodeCGKey(keyConsumerGroupTargetMeta, key, false)
	if err != nil {
		return err
	}
	g, err := st.replayConsumerGroup(id, value != nil)
	if err != nil || g == nil {
		return err
	}
	if value == nil {
		g.assignmentEpoch = 0
		return nil
	}
	epoch, err := decodeCGTargetMetadata(value)
	if err != nil {
		return err
	}
	g.assignmentEpoch = epoch
	return nil
}

func replayCGTargetMember(st *State, key, value []byte) error {
	id, memberID, err := decodeCGKey(keyConsumerGroupTargetMember, key, true)
	if err != nil {
		return err
	}
	g, err := st.replayConsumerGroup(id, value != nil)
	if err != nil || g == nil {
		return err
	}
	if value == nil {
		delete(g.target, memberID)
		return nil
	}
	topics, err := decodeCGTargetMember(value)
	if err != nil {
		return err
	}
	g.target[memberID] = assignmentFromRecords(topics)
	return nil
}

func replayCGCurrent(st *State, key, value []byte) error {
	id, memberID, err := decodeCGKey(keyConsumerGroupCurrentMember, key, true)
	if err != nil {
		return err
	}
	g, err := st.replayConsumerGroup(id, value != nil)
	if err != nil || g == nil {
		return err
	}
	m := g.members[memberID]
	if value == nil {
		// The member leaves: its partitions are free before its
		// metadata tombstone removes it.
		if m != nil {
			return g.setCurrent(m, cgLeaveEpoch, cgLeaveEpoch, cgStateStable, cgOwned{}, cgOwned{})
		}
		return nil
	}
	v, err := decodeCGCurrentValue(value)
	if err != nil {
		return err
	}
	if m == nil {
		m = &consumerMember{id: memberID, assigned: cgOwned{}, pendingRevoke: cgOwned{}}
		g.members[memberID] = m
	}
	state := v.State
	if state != cgStateStable && state != cgStateUnrevokedPartitions && state != cgStateUnreleasedPartitions {
		state = cgStateUnknown
	}
	return g.setCurrent(m, v.MemberEpoch, v.PreviousMemberEpoch, state,
		ownedFromRecords(v.Assigned, v.MemberEpoch), ownedFromRecords(v.PendingRevocation, v.MemberEpoch))
}

// normalizeTopicNames sorts names and drops duplicates and empty names.
func normalizeTopicNames(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if n != "" {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
