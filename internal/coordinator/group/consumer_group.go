package group

import (
	"fmt"
	"regexp"
	"slices"
	"sort"

	"github.com/twmb/franz-go/pkg/kerr"

	"samsa/internal/coordinator"
	"samsa/internal/metadata"
)

// Member states of record type 8 (Kafka's MemberState).
const (
	cgStateStable               int8 = 0 // reconciled to its target
	cgStateUnrevokedPartitions  int8 = 1 // must revoke partitions before its next epoch
	cgStateUnreleasedPartitions int8 = 2 // at its target epoch, waiting for partitions others still own
	cgStateUnknown              int8 = 127
)

// Member epochs with a meaning of their own.
const (
	cgLeaveEpoch       int32 = -1 // a member leaving for good
	cgStaticLeaveEpoch int32 = -2 // a static member leaving, to come back under a new member id
)

// cgPartition names one partition of a topic by id.
type cgPartition struct {
	topic     metadata.Uuid
	partition int32
}

// cgAssignment is a target assignment: each topic's partitions, sorted.
type cgAssignment map[metadata.Uuid][]int32

// cgOwned is a member's current assignment: each partition with the member
// epoch at which it was assigned to the member (KIP-1251).
type cgOwned map[metadata.Uuid]map[int32]int32

// consumerMember is one member of a consumer group: its metadata (record
// type 5) and its current assignment (record type 8).
type consumerMember struct {
	id                 string
	instanceID         *string
	rackID             *string
	clientID           string
	clientHost         string
	subscribedNames    []string // sorted, without duplicates
	subscribedRegex    string   // "" for none
	rebalanceTimeoutMs int32
	serverAssignor     string // "" for none

	epoch         int32
	previousEpoch int32
	state         int8
	assigned      cgOwned
	pendingRevoke cgOwned
}

// reconciledTo reports a member at the target epoch with nothing left to
// do (Kafka's isReconciledTo).
func (m *consumerMember) reconciledTo(epoch int32) bool {
	return m.epoch == epoch && m.state == cgStateStable
}

func (m *consumerMember) value() *cgMemberValue {
	v := &cgMemberValue{
		InstanceID: m.instanceID, RackID: m.rackID, ClientID: m.clientID, ClientHost: m.clientHost,
		SubscribedTopicNames: slices.Clone(m.subscribedNames), RebalanceTimeoutMs: m.rebalanceTimeoutMs,
	}
	if v.SubscribedTopicNames == nil {
		v.SubscribedTopicNames = []string{}
	}
	if m.subscribedRegex != "" {
		re := m.subscribedRegex
		v.SubscribedTopicRegex = &re
	}
	if m.serverAssignor != "" {
		a := m.serverAssignor
		v.ServerAssignor = &a
	}
	return v
}

func (m *consumerMember) currentValue() *cgCurrentValue {
	return &cgCurrentValue{
		MemberEpoch: m.epoch, PreviousMemberEpoch: m.previousEpoch, State: m.state,
		Assigned: m.assigned.records(), PendingRevocation: m.pendingRevoke.records(),
	}
}

// consumerGroup is a group of the consumer protocol. It is changed only by
// replaying records; the fields below the line are derived caches that a
// reload rebuilds.
type consumerGroup struct {
	id              string
	epoch           int32                      // group epoch, record 3
	assignmentEpoch int32                      // target assignment epoch, record 6
	subscription    map[string]cgTopicMetadata // subscribed topics that exist, record 4
	members         map[string]*consumerMember // records 5 and 8
	target          map[string]cgAssignment    // record 7

	staticMembers map[string]string           // instance id → member id
	owners        map[cgPartition]cgPartOwner // who holds each partition now

	// checkedOffset is the offset of the metadata image the subscription
	// was last checked against (when checked), so a heartbeat recomputes
	// it only after a change.
	checked       bool
	checkedOffset int64
	regexes       map[string]*regexp.Regexp
}

// cgPartOwner is the member holding a partition (assigned or pending
// revocation) and its epoch.
type cgPartOwner struct {
	member string
	epoch  int32
}

func newConsumerGroup(id string) *consumerGroup {
	return &consumerGroup{id: id, subscription: map[string]cgTopicMetadata{}, members: map[string]*consumerMember{},
		target: map[string]cgAssignment{}, staticMembers: map[string]string{}, owners: map[cgPartition]cgPartOwner{},
		regexes: map[string]*regexp.Regexp{}}
}

// Type implements group.
func (g *consumerGroup) Type() string { return "consumer" }

// ProtocolType implements group.
func (g *consumerGroup) ProtocolType() string { return "consumer" }

// StateName implements group: Kafka's ConsumerGroupState.
func (g *consumerGroup) StateName() string {
	switch {
	case len(g.members) == 0:
		return "Empty"
	case g.epoch > g.assignmentEpoch:
		return "Assigning"
	}
	for _, m := range g.members {
		if !m.reconciledTo(g.assignmentEpoch) {
			return "Reconciling"
		}
	}
	return "Stable"
}

// IsEmpty implements group.
func (g *consumerGroup) IsEmpty() bool { return len(g.members) == 0 }

// EmptySince implements group: offsets of an empty consumer group expire
// from their own commit time, as in Kafka (ConsumerGroup's
// offsetExpirationCondition), so it reports none.
func (g *consumerGroup) EmptySince() int64 { return 0 }

// ValidateOffsetCommit implements group (Kafka's
// ConsumerGroup.validateOffsetCommit with KIP-1251): a commit from outside
// the group is accepted while it is empty; a member must exist and may not
// be ahead of its epoch. A member behind its epoch is checked per
// partition by ValidateOffsetCommitPartition.
func (g *consumerGroup) ValidateOffsetCommit(memberID string, _ *string, epoch int32) error {
	if epoch < 0 && len(g.members) == 0 {
		return nil
	}
	m := g.members[memberID]
	if m == nil {
		return fmt.Errorf("member %s is not a member of group %s: %w", memberID, g.id, kerr.UnknownMemberID)
	}
	if epoch > m.epoch {
		return fmt.Errorf("received member epoch %d is newer than the member's epoch %d: %w", epoch, m.epoch, kerr.StaleMemberEpoch)
	}
	return nil
}

// ValidateOffsetCommitPartition checks one partition of a commit that
// ValidateOffsetCommit accepted. A member committing at an older epoch
// (its heartbeat response with the new epoch may still be on its way) may
// commit the partitions it held since that epoch or earlier: those
// assigned to it, or pending revocation, at an assignment epoch no newer
// than the commit's (KIP-1251).
func (g *consumerGroup) ValidateOffsetCommitPartition(memberID string, epoch int32, topic metadata.Uuid, partition int32) error {
	m := g.members[memberID]
	if m == nil || epoch == m.epoch || (epoch < 0 && len(g.members) == 0) {
		return nil
	}
	for _, owned := range []cgOwned{m.assigned, m.pendingRevoke} {
		if at, ok := owned[topic][partition]; ok && at <= epoch {
			return nil
		}
	}
	return fmt.Errorf("member epoch %d is older than the epoch the partition was assigned at, or the member does not own it: %w",
		epoch, kerr.StaleMemberEpoch)
}

// ValidateOffsetFetch implements group: a fetch naming a member must come
// at the member's epoch (Kafka's ConsumerGroup.validateOffsetFetch).
func (g *consumerGroup) ValidateOffsetFetch(memberID *string, memberEpoch int32) error {
	if memberID == nil && memberEpoch < 0 {
		return nil
	}
	var m *consumerMember
	if memberID != nil {
		m = g.members[*memberID]
	}
	if m == nil {
		return fmt.Errorf("the member is not a member of group %s: %w", g.id, kerr.UnknownMemberID)
	}
	if memberEpoch != m.epoch {
		return fmt.Errorf("received member epoch %d does not match the member's epoch %d: %w", memberEpoch, m.epoch, kerr.StaleMemberEpoch)
	}
	return nil
}

// DeleteRecords implements group: tombstones in Kafka's order, current
// assignments first and the group epoch last, so a partial replay never
// holds a member without its metadata.
func (g *consumerGroup) DeleteRecords(groupID string) []coordinator.Record {
	ids := g.memberIDs()
	var out []coordinator.Record
	for _, id := range ids {
		out = append(out, cgTombstone(keyConsumerGroupCurrentMember, groupID, &id))
	}
	for _, id := range ids {
		out = append(out, cgTombstone(keyConsumerGroupTargetMember, groupID, &id))
	}
	out = append(out, cgTombstone(keyConsumerGroupTargetMeta, groupID, nil))
	for _, id := range ids {
		out = append(out, cgTombstone(keyConsumerGroupMemberMeta, groupID, &id))
	}
	out = append(out, cgTombstone(keyConsumerGroupPartitionMeta, groupID, nil), cgTombstone(keyConsumerGroupMetadata, groupID, nil))
	return out
}

// IsSubscribedTo reports whether a member subscribes to topic by name or
// regular expression (OffsetDelete refuses those topics).
func (g *consumerGroup) IsSubscribedTo(topic string) bool {
	for _, m := range g.members {
		if g.memberSubscribes(m, topic) {
			return true
		}
	}
	return false
}

func (g *consumerGroup) memberSubscribes(m *consumerMember, topic string) bool {
	if _, ok := slices.BinarySearch(m.subscribedNames, topic); ok {
		return true
	}
	re := g.regex(m.subscribedRegex)
	return re != nil && re.MatchString(topic)
}

// regex returns the compiled subscription regex, nil for none or one that
// does not compile (rejected when it was subscribed).
func (g *consumerGroup) regex(expr string) *regexp.Regexp {
	if expr == "" {
		return nil
	}
	if re, ok := g.regexes[expr]; ok {
		return re
	}
	re, _ := compileTopicRegex(expr)
	g.regexes[expr] = re
	return re
}

// compileTopicRegex compiles a subscription regex to match whole topic
// names, as RE2/J's Matcher.matches does in Kafka. Go's regexp is RE2, the
// syntax RE2/J implements; the two differ only at the edges (RE2/J accepts
// a few Java-only escapes such as \Q…\E and possessive quantifiers are
// rejected by both).
func compileTopicRegex(expr string) (*regexp.Regexp, error) {
	return regexp.Compile(`^(?:` + expr + `)$`)
}

func (g *consumerGroup) memberIDs() []string {
	ids := make([]string, 0, len(g.members))
	for id := range g.members {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// ownerOf returns the member holding a partition, if any.
func (g *consumerGroup) ownerOf(topic metadata.Uuid, partition int32) (cgPartOwner, bool) {
	o, ok := g.owners[cgPartition{topic, partition}]
	return o, ok
}

// setCurrent replaces a member's current assignment and keeps the owner
// index in step. A partition another member still holds is a broken
// invariant: two members would consume it at once.
func (g *consumerGroup) setCurrent(m *consumerMember, epoch, previous int32, state int8, assigned, pending cgOwned) error {
	g.releaseOwned(m)
	m.epoch, m.previousEpoch, m.state, m.assigned, m.pendingRevoke = epoch, previous, state, assigned, pending
	for _, owned := range []cgOwned{assigned, pending} {
		for topic, parts := range owned {
			for p := range parts {
				key := cgPartition{topic, p}
				if o, ok := g.owners[key]; ok && o.member != m.id {
					return fmt.Errorf("partition %s-%d assigned to member %s while member %s still holds it", topic, p, m.id, o.member)
				}
				g.owners[key] = cgPartOwner{member: m.id, epoch: epoch}
			}
		}
	}
	return nil
}

func (g *consumerGroup) releaseOwned(m *consumerMember) {
	for _, owned := range []cgOwned{m.assigned, m.pendingRevoke} {
		for topic, parts := range owned {
			for p := range parts {
				key := cgPartition{topic, p}
				if o, ok := g.owners[key]; ok && o.member == m.id {
					delete(g.owners, key)
				}
			}
		}
	}
}

// preferredAssignor is the server assignor most members ask for (ties by
// name), or "" when none asks.
func (g *consumerGroup) preferredAssignor() string {
	counts := map[string]int{}
	for _, m := range g.members {
		if m.serverAssignor != "" {
			counts[m.serverAssignor]++
		}
	}
	best, bestCount := "", 0
	for name, n := range counts {
		if n > bestCount || n == bestCount && name < best {
			best, bestCount = name, n
		}
	}
	return best
}

// --- assignments ---

// records returns the assignment as record entries, topics and partitions
// sorted, with each partition's assignment epoch.
func (o cgOwned) records() []cgTopicPartitions {
	out := make([]cgTopicPartitions, 0, len(o))
	for _, topic := range sortedTopicIDs(o) {
		parts := o[topic]
		t := cgTopicPartitions{TopicID: topic, Partitions: make([]int32, 0, len(parts)), AssignmentEpochs: make([]int32, 0, len(parts))}
		for _, p := range sortedPartitions(parts) {
			t.Partitions = append(t.Partitions, p)
			t.AssignmentEpochs = append(t.AssignmentEpochs, parts[p])
		}
		out = append(out, t)
	}
	return out
}

// ownedFromRecords rebuilds a current assignment; partitions without an
// assignment epoch (records written before KIP-1251) count as assigned at
// the member's epoch, never below 0, as in Kafka.
func ownedFromRecords(topics []cgTopicPartitions, defaultEpoch int32) cgOwned {
	o := cgOwned{}
	for _, t := range topics {
		if len(t.Partitions) == 0 {
			continue
		}
		parts := o[t.TopicID]
		if parts == nil {
			parts = map[int32]int32{}
			o[t.TopicID] = parts
		}
		for i, p := range t.Partitions {
			at := max(defaultEpoch, 0)
			if t.AssignmentEpochs != nil {
				at = t.AssignmentEpochs[i]
			}
			parts[p] = at
		}
	}
	return o
}

// partitions returns the partitions of a current assignment without
// their epochs.
func (o cgOwned) partitions() cgAssignment {
	a := cgAssignment{}
	for topic, parts := range o {
		if len(parts) > 0 {
			a[topic] = sortedPartitions(parts)
		}
	}
	return a
}

func (o cgOwned) has(topic metadata.Uuid, p int32) bool {
	_, ok := o[topic][p]
	return ok
}

func (o cgOwned) empty() bool {
	for _, parts := range o {
		if len(parts) > 0 {
			return false
		}
	}
	return true
}

func (a cgAssignment) records() []cgTopicPartitions {
	out := make([]cgTopicPartitions, 0, len(a))
	for _, topic := range sortedTopicIDs(a) {
		if len(a[topic]) > 0 {
			out = append(out, cgTopicPartitions{TopicID: topic, Partitions: slices.Clone(a[topic])})
		}
	}
	return out
}

func assignmentFromRecords(topics []cgTopicPartitions) cgAssignment {
	a := cgAssignment{}
	for _, t := range topics {
		if len(t.Partitions) == 0 {
			continue
		}
		parts := append(a[t.TopicID], t.Partitions...)
		slices.Sort(parts)
		a[t.TopicID] = slices.Compact(parts)
	}
	return a
}

func (a cgAssignment) equal(b cgAssignment) bool {
	count := func(x cgAssignment) int {
		n := 0
		for _, parts := range x {
			if len(parts) > 0 {
				n++
			}
		}
		return n
	}
	if count(a) != count(b) {
		return false
	}
	for topic, parts := range a {
		if len(parts) > 0 && !slices.Equal(parts, b[topic]) {
			return false
		}
	}
	return true
}

func (a cgAssignment) size() int {
	n := 0
	for _, parts := range a {
		n += len(parts)
	}
	return n
}

func sortedTopicIDs[V any](m map[metadata.Uuid]V) []metadata.Uuid {
	ids := make([]metadata.Uuid, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, compareUuid)
	return ids
}

func compareUuid(a, b metadata.Uuid) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

func sortedPartitions[V any](m map[int32]V) []int32 {
	out := make([]int32, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
