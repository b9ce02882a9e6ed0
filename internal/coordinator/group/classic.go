package group

// Classic groups: the JoinGroup/SyncGroup protocol, as Apache Kafka 4's
// ClassicGroup and GroupMetadataManager run it.
//
// A classic group's life is a loop of rebalances. A rebalance starts when
// membership or a member's protocols change (PreparingRebalance): every
// member must send JoinGroup again, and those requests park until all
// known members have rejoined or the rebalance timeout (the largest any
// member asked for) passes; members that did not rejoin are dropped.
// Completing the join phase starts a new generation: the coordinator picks
// the protocol every member supports (by votes, in each member's order of
// preference), answers every parked JoinGroup, the leader's with every
// member's metadata (CompletingRebalance). The leader computes the
// assignment on the client and sends it in its SyncGroup; followers'
// SyncGroups park until it arrives. The first rebalance of an empty group
// waits group.initial.rebalance.delay.ms, extended while members keep
// arriving, up to the rebalance timeout.
//
// Durability. Like Kafka, the rebalance itself runs in memory: joins,
// generations and pending requests are soft state a coordinator restart
// forgets. The group's durable checkpoint is its GroupMetadata record
// (type 2), written where Kafka writes it: when a join creates the group,
// when the leader's assignment arrives (the record carries every member's
// metadata and assignment, and the group becomes Stable), when a static
// member replaces its old member id without a rebalance, and when the
// group becomes Empty. A record is always built from the live group, so
// replaying it into that group (Op.Write replays at once) changes only
// what the record says: the assignment and the Stable state. SyncGroup
// answers wait until the record is durable. Loading replays the same
// records into fresh groups, Stable with their members or Empty; a hook
// then starts each member's session timer, so members that are gone
// expire and the group rebalances without them. A tombstone deletes the
// group (DeleteGroups, offset expiry).
//
// Every parked request is answered: by the end of the join phase (at the
// latest the rebalance timeout), by the leader's assignment or the
// pending-sync timer (the rebalance timeout again), by the member's
// removal, or, when the shard stops, by the caller seeing it stop. A
// member that never heartbeats is removed after its session timeout, a new
// member that never finishes joining after five minutes (Kafka's
// new-member join timeout).
//
// Limits (Kafka has none of its own here; these keep a group's record
// writable): a member's protocol metadata, over all its protocols, is at
// most groupRecordMaxBytes, and an assignment whose group record would
// exceed groupRecordMaxBytes fails the SyncGroup with UNKNOWN_SERVER_ERROR
// (Kafka's answer when that record is over max.message.bytes) instead of
// reaching the log.

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/coordinator"
)

const (
	// groupRecordMaxBytes bounds a classic group's record (key and
	// value) so that its batch fits in Kafka's default max.message.bytes
	// (1048588) with room for the batch header.
	groupRecordMaxBytes = 1_000_000
	// newMemberJoinTimeout drops a new member whose first JoinGroup
	// never completes (Kafka's classic new-member join timeout).
	newMemberJoinTimeout = 5 * time.Minute
	// memberIDPrefixMaxBytes bounds the client or instance id that
	// starts a generated member id, so that every id fits the record's
	// strings.
	memberIDPrefixMaxBytes = 1024
	// consumerProtocolType is the protocol type of Kafka's consumers;
	// their metadata says which topics the group reads.
	consumerProtocolType = "consumer"
)

type classicState int8

const (
	classicEmpty classicState = iota
	classicPreparingRebalance
	classicCompletingRebalance
	classicStable
	classicDead
)

func (s classicState) String() string {
	switch s {
	case classicEmpty:
		return "Empty"
	case classicPreparingRebalance:
		return "PreparingRebalance"
	case classicCompletingRebalance:
		return "CompletingRebalance"
	case classicStable:
		return "Stable"
	default:
		return "Dead"
	}
}

// validPrevious is Kafka's ClassicGroupState transition table.
func (s classicState) validPrevious(from classicState) bool {
	switch s {
	case classicPreparingRebalance:
		return from == classicStable || from == classicCompletingRebalance || from == classicEmpty
	case classicCompletingRebalance:
		return from == classicPreparingRebalance
	case classicStable:
		return from == classicCompletingRebalance
	case classicEmpty:
		return from == classicPreparingRebalance
	default:
		return true
	}
}

// joinWaiter is a parked JoinGroup; its identity tells a later callback
// whether the join it meant is still the one parked.
type joinWaiter struct {
	reply func(*kmsg.JoinGroupResponse)
}

// syncWaiter is a parked SyncGroup of a generation.
type syncWaiter struct {
	generation int32
	reply      func(*kmsg.SyncGroupResponse)
}

// classicMember is one member of a classic group.
type classicMember struct {
	id                 string
	instanceID         *string // group.instance.id of a static member
	clientID           string
	clientHost         string
	rebalanceTimeoutMs int32
	sessionTimeoutMs   int32
	protocolType       string
	protocols          []kmsg.JoinGroupRequestProtocol // in the member's order of preference
	assignment         []byte

	// Soft state.
	isNew bool // has not finished its first join
	join  *joinWaiter
	sync  *syncWaiter
}

// hasSatisfiedHeartbeat: a known member parked in a rebalance needs no
// heartbeats; a new one does (Kafka's ClassicGroupMember).
func (m *classicMember) hasSatisfiedHeartbeat() bool {
	return !m.isNew && (m.join != nil || m.sync != nil)
}

// metadata returns the member's metadata for a protocol.
func (m *classicMember) metadata(protocol string) []byte {
	for _, p := range m.protocols {
		if p.Name == protocol {
			return p.Metadata
		}
	}
	return nil
}

// matches reports whether protocols are exactly the member's, in order.
func (m *classicMember) matches(protocols []kmsg.JoinGroupRequestProtocol) bool {
	return slices.EqualFunc(m.protocols, protocols, func(a, b kmsg.JoinGroupRequestProtocol) bool {
		return a.Name == b.Name && bytes.Equal(a.Metadata, b.Metadata)
	})
}

// vote returns the member's most preferred protocol among candidates.
func (m *classicMember) vote(candidates map[string]bool) string {
	for _, p := range m.protocols {
		if candidates[p.Name] {
			return p.Name
		}
	}
	return ""
}

// classicGroup is a group of the classic protocol. It is owned by its
// shard's goroutine.
type classicGroup struct {
	st             *State
	id             string
	state          classicState
	previousState  classicState
	stateTimestamp int64 // ms; -1 when the record predates it
	protocolType   string
	protocol       *string
	generation     int32
	leader         string

	members       map[string]*classicMember
	staticMembers map[string]string // group.instance.id → member id
	// Soft state.
	pendingJoin    map[string]bool // ids handed out with MEMBER_ID_REQUIRED
	pendingSync    map[string]bool // members of this generation yet to sync
	awaitingJoin   int             // members with a parked JoinGroup
	supported      map[string]int  // protocol → members supporting it
	newMemberAdded bool            // a member joined during the initial delay
	subscribed     map[string]bool // nil when unknown
}

func newClassicGroup(st *State, id string) *classicGroup {
	return &classicGroup{st: st, id: id, state: classicEmpty, previousState: classicDead, stateTimestamp: -1,
		members: map[string]*classicMember{}, staticMembers: map[string]string{},
		pendingJoin: map[string]bool{}, pendingSync: map[string]bool{}, supported: map[string]int{}}
}

func (g *classicGroup) log() *slog.Logger {
	return g.st.sh.Logger().With("group", g.id)
}

func (g *classicGroup) now() int64 { return g.st.cfg.Now().UnixMilli() }

func (g *classicGroup) live() bool { return g.st.groups[g.id] == g }

func (g *classicGroup) is(s classicState) bool { return g.state == s }

func (g *classicGroup) transitionTo(s classicState) {
	if !s.validPrevious(g.state) {
		g.log().Error("classic group state change out of order", "from", g.state, "to", s)
	}
	g.previousState, g.state = g.state, s
	g.stateTimestamp = g.now()
}

func (g *classicGroup) protocolName() string {
	if g.protocol == nil {
		return ""
	}
	return *g.protocol
}

// sortedMembers returns the members ordered by id, so answers and leader
// choices do not depend on map order.
func (g *classicGroup) sortedMembers() []*classicMember {
	out := make([]*classicMember, 0, len(g.members))
	for _, id := range sortedKeys(g.members) {
		out = append(out, g.members[id])
	}
	return out
}

// add adds a member; join is its parked JoinGroup, if any.
func (g *classicGroup) add(m *classicMember, join *joinWaiter) {
	if m.instanceID != nil {
		g.staticMembers[*m.instanceID] = m.id
	}
	if len(g.members) == 0 {
		g.protocolType = m.protocolType
	}
	if g.leader == "" {
		g.leader = m.id
	}
	g.members[m.id] = m
	g.countProtocols(m, 1)
	m.join = join
	if join != nil {
		g.awaitingJoin++
	}
	delete(g.pendingJoin, m.id)
}

// remove drops a member from the group's books; callers answer its parked
// requests first (see evict).
func (g *classicGroup) remove(id string) {
	if m, ok := g.members[id]; ok {
		delete(g.members, id)
		g.countProtocols(m, -1)
		if m.join != nil {
			g.awaitingJoin--
		}
		if m.instanceID != nil {
			delete(g.staticMembers, *m.instanceID)
		}
	}
	if g.leader == id {
		g.leader = ""
		if ids := sortedKeys(g.members); len(ids) > 0 {
			g.leader = ids[0]
		}
	}
	delete(g.pendingJoin, id)
	delete(g.pendingSync, id)
}

// evict removes a member, answering its parked requests with code and
// stopping its session timer.
func (g *classicGroup) evict(op *coordinator.Op, m *classicMember, code int16) {
	g.completeJoin(m, &kmsg.JoinGroupResponse{ErrorCode: code, Generation: -1})
	g.completeSync(m, &kmsg.SyncGroupResponse{ErrorCode: code})
	op.Cancel(heartbeatKey(g.id, m.id))
	g.remove(m.id)
}

func (g *classicGroup) countProtocols(m *classicMember, delta int) {
	for _, p := range m.protocols {
		g.supported[p.Name] += delta
		if g.supported[p.Name] == 0 {
			delete(g.supported, p.Name)
		}
	}
}

// updateMember replaces a member's protocols and timeouts and parks its
// new JoinGroup (join nil: none).
func (g *classicGroup) updateMember(m *classicMember, protocols []kmsg.JoinGroupRequestProtocol, rebalanceTimeoutMs, sessionTimeoutMs int32, join *joinWaiter) {
	g.countProtocols(m, -1)
	m.protocols = protocols
	g.countProtocols(m, 1)
	m.rebalanceTimeoutMs, m.sessionTimeoutMs = rebalanceTimeoutMs, sessionTimeoutMs
	if m.join != nil && join != nil {
		// The member sent a second JoinGroup while its first waited (a
		// client retrying after its own timeout): the first must not
		// be left unanswered.
		m.join.reply(&kmsg.JoinGroupResponse{ErrorCode: kerr.RebalanceInProgress.Code, Generation: -1, MemberID: m.id})
	}
	switch {
	case join != nil && m.join == nil:
		g.awaitingJoin++
	case join == nil && m.join != nil:
		g.awaitingJoin--
	}
	m.join = join
}

// completeJoin answers a member's parked JoinGroup, if any.
func (g *classicGroup) completeJoin(m *classicMember, resp *kmsg.JoinGroupResponse) bool {
	if m.join == nil {
		return false
	}
	m.join.reply(resp)
	m.join = nil
	g.awaitingJoin--
	return true
}

// completeSync answers a member's parked SyncGroup, if any.
func (g *classicGroup) completeSync(m *classicMember, resp *kmsg.SyncGroupResponse) bool {
	if m.sync == nil {
		return false
	}
	m.sync.reply(resp)
	m.sync = nil
	return true
}

func (g *classicGroup) hasAllMembersJoined() bool {
	return len(g.members) == g.awaitingJoin && len(g.pendingJoin) == 0
}

// rebalanceTimeout is the largest rebalance timeout of the members.
func (g *classicGroup) rebalanceTimeout() time.Duration {
	var ms int32
	for _, m := range g.members {
		ms = max(ms, m.rebalanceTimeoutMs)
	}
	return time.Duration(ms) * time.Millisecond
}

// validateMember checks a request's member and instance ids: an instance
// id must map to the member id (else FENCED_INSTANCE_ID), and the member
// must exist.
func (g *classicGroup) validateMember(memberID string, instanceID *string) error {
	if instanceID != nil {
		existing, ok := g.staticMembers[*instanceID]
		if !ok {
			return kerr.UnknownMemberID
		}
		if existing != memberID {
			g.log().Info("fenced a static member's request from an old member id",
				"instance", *instanceID, "member", memberID, "current", existing)
			return kerr.FencedInstanceID
		}
	}
	if _, ok := g.members[memberID]; !ok {
		return kerr.UnknownMemberID
	}
	return nil
}

// supportsProtocols reports whether a member with this protocol type and
// these protocols could join: in an empty group, any non-empty offer; else
// the same type and a protocol every member supports.
func (g *classicGroup) supportsProtocols(protocolType string, protocols []kmsg.JoinGroupRequestProtocol) bool {
	if g.is(classicEmpty) {
		return protocolType != "" && len(protocols) > 0
	}
	if g.protocolType != protocolType {
		return false
	}
	for _, p := range protocols {
		if g.supported[p.Name] == len(g.members) {
			return true
		}
	}
	return false
}

// selectProtocol picks the protocol for the next generation: among those
// every member supports, the one most members prefer (ties to the
// smallest name, so the choice is deterministic).
func (g *classicGroup) selectProtocol() string {
	candidates := map[string]bool{}
	for name, n := range g.supported {
		if n == len(g.members) {
			candidates[name] = true
		}
	}
	votes := map[string]int{}
	for _, m := range g.members {
		if v := m.vote(candidates); v != "" {
			votes[v]++
		}
	}
	best, most := "", -1
	for _, name := range sortedKeys(votes) {
		if votes[name] > most {
			best, most = name, votes[name]
		}
	}
	return best
}

// electJoinedLeader keeps the leader if it rejoined, else makes a member
// that rejoined the leader; false when none did.
func (g *classicGroup) electJoinedLeader() bool {
	if g.leader == "" {
		return false
	}
	if g.members[g.leader].join != nil {
		return true
	}
	for _, m := range g.sortedMembers() {
		if m.join != nil {
			g.log().Info("the group leader did not rejoin in time; elected another", "old", g.leader, "new", m.id)
			g.leader = m.id
			return true
		}
	}
	return false
}

// initNextGeneration starts the next generation: CompletingRebalance with
// a protocol, or Empty.
func (g *classicGroup) initNextGeneration() {
	g.generation++
	if len(g.members) > 0 {
		p := g.selectProtocol()
		g.protocol = &p
		g.transitionTo(classicCompletingRebalance)
	} else {
		g.protocol = nil
		g.transitionTo(classicEmpty)
	}
	g.subscribed = g.computeSubscribedTopics()
	clear(g.pendingSync)
}

// joinMembers is the member list the leader receives.
func (g *classicGroup) joinMembers() []kmsg.JoinGroupResponseMember {
	out := make([]kmsg.JoinGroupResponseMember, 0, len(g.members))
	for _, m := range g.sortedMembers() {
		jm := kmsg.NewJoinGroupResponseMember()
		jm.MemberID, jm.InstanceID, jm.ProtocolMetadata = m.id, m.instanceID, m.metadata(g.protocolName())
		out = append(out, jm)
	}
	return out
}

// computeSubscribedTopics reads the topics of a consumer group's members
// from their ConsumerProtocolSubscription metadata, parsed as version 0
// (the prefix of every version, as Kafka does); nil when unknown.
func (g *classicGroup) computeSubscribedTopics() map[string]bool {
	if g.protocolType != consumerProtocolType {
		return nil
	}
	topics := map[string]bool{}
	if len(g.members) == 0 {
		return topics
	}
	if g.protocol == nil {
		return nil
	}
	for _, m := range g.members {
		md := m.metadata(*g.protocol)
		if len(md) < 2 {
			return nil
		}
		v0 := append([]byte{0, 0}, md[2:]...)
		var sub kmsg.ConsumerMemberMetadata
		if err := sub.ReadFrom(v0); err != nil {
			g.log().Warn("cannot read a member's consumer protocol subscription; the group's topics are unknown", "member", m.id, "err", err)
			return nil
		}
		for _, t := range sub.Topics {
			topics[t] = true
		}
	}
	return topics
}

// newMemberID is Kafka's generated member id: the instance id of a static
// member or the client id of a dynamic one, a dash, and a random UUID.
func newMemberID(clientID string, instanceID *string) string {
	prefix := clientID
	if instanceID != nil {
		prefix = *instanceID
	}
	if len(prefix) > memberIDPrefixMaxBytes {
		prefix = prefix[:memberIDPrefixMaxBytes]
	}
	return prefix + "-" + randomUUID()
}

// randomUUID returns a version 4 UUID in its usual text form.
func randomUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// The group interface.

func (g *classicGroup) Type() string         { return "classic" }
func (g *classicGroup) ProtocolType() string { return g.protocolType }
func (g *classicGroup) StateName() string    { return g.state.String() }
func (g *classicGroup) IsEmpty() bool        { return g.is(classicEmpty) }

// EmptySince is when the group became empty; 0 for a group that never had
// a protocol type (offsets then expire from their commit time, as Kafka's
// simple groups) or whose record predates the timestamp.
func (g *classicGroup) EmptySince() int64 {
	if g.protocolType == "" {
		return 0
	}
	return max(g.stateTimestamp, 0)
}

// ValidateOffsetCommit is Kafka's ClassicGroup.validateOffsetCommit for
// commits outside transactions.
func (g *classicGroup) ValidateOffsetCommit(memberID string, instanceID *string, generation int32) error {
	if generation < 0 && g.is(classicEmpty) {
		return nil // admin tools and consumers without group management
	}
	if generation >= 0 || memberID != "" || instanceID != nil {
		if err := g.validateMember(memberID, instanceID); err != nil {
			return err
		}
		if generation != g.generation {
			return kerr.IllegalGeneration
		}
	} else if !g.is(classicEmpty) {
		return kerr.UnknownMemberID
	}
	if g.is(classicCompletingRebalance) {
		return kerr.RebalanceInProgress
	}
	return nil
}

// ValidateOffsetFetch accepts every fetch: classic members do not name
// themselves in OffsetFetch.
func (g *classicGroup) ValidateOffsetFetch(*string, int32) error { return nil }

func (g *classicGroup) DeleteRecords(groupID string) []coordinator.Record {
	return []coordinator.Record{groupMetadataRecord(groupID, nil)}
}

// IsSubscribedTo reports whether the members read topic, as their consumer
// protocol metadata says; a group whose topics are unknown counts as
// reading it when it is a consumer group, and, unlike Kafka, a non-empty
// group of another protocol type counts as reading every topic (Kafka
// refuses OffsetDelete on it as a whole with NON_EMPTY_GROUP).
func (g *classicGroup) IsSubscribedTo(topic string) bool {
	if g.subscribed != nil {
		return g.subscribed[topic]
	}
	return g.protocolType == consumerProtocolType || !g.IsEmpty()
}

// OnOffsetCommit keeps a committing member's session alive while the
// group is Stable or rebalancing (Kafka's OffsetMetadataManager).
func (g *classicGroup) OnOffsetCommit(op *coordinator.Op, memberID string) {
	if !g.is(classicStable) && !g.is(classicPreparingRebalance) {
		return
	}
	if m, ok := g.members[memberID]; ok {
		g.st.scheduleHeartbeat(op, g, m, m.sessionTimeout())
	}
}

func (m *classicMember) sessionTimeout() time.Duration {
	return time.Duration(m.sessionTimeoutMs) * time.Millisecond
}

// Records.

func init() {
	registerReplayer(keyGroupMetadata, replayGroupMetadata)
	registerLoadHook(onClassicLoaded)
}

// record returns the group's record as it stands, with assignments
// (nil: each member's current one) and the state timestamp given.
func (g *classicGroup) record(assignments map[string][]byte, stateTimestamp int64) coordinator.Record {
	v := kmsg.NewGroupMetadataValue()
	v.ProtocolType, v.Generation, v.Protocol, v.CurrentStateTimestamp = g.protocolType, g.generation, g.protocol, stateTimestamp
	if g.leader != "" {
		leader := g.leader
		v.Leader = &leader
	}
	for _, m := range g.sortedMembers() {
		vm := kmsg.NewGroupMetadataValueMember()
		vm.MemberID, vm.InstanceID, vm.ClientID, vm.ClientHost = m.id, m.instanceID, m.clientID, m.clientHost
		vm.RebalanceTimeoutMillis, vm.SessionTimeoutMillis = m.rebalanceTimeoutMs, m.sessionTimeoutMs
		vm.Subscription = m.metadata(g.protocolName())
		vm.Assignment = m.assignment
		if assignments != nil {
			vm.Assignment = assignments[m.id]
		}
		v.Members = append(v.Members, vm)
	}
	return groupMetadataRecord(g.id, &v)
}

// emptyGroupRecord is the record of a group a join just created.
func emptyGroupRecord(groupID string, now int64) coordinator.Record {
	v := kmsg.NewGroupMetadataValue()
	v.CurrentStateTimestamp = now
	return groupMetadataRecord(groupID, &v)
}

func recordSize(r coordinator.Record) int { return len(r.Key) + len(r.Value) }

// replayGroupMetadata applies a type-2 record: a tombstone deletes the
// group; a value makes the group what the record says (see the package
// comment on why that is a no-op for the live group that wrote it, apart
// from the assignment and the Stable state).
func replayGroupMetadata(st *State, key, value []byte) error {
	id, err := decodeGroupMetadataKey(key)
	if err != nil {
		return err
	}
	if value == nil {
		if _, ok := st.groups[id].(*classicGroup); ok {
			delete(st.groups, id)
		}
		return nil
	}
	var v kmsg.GroupMetadataValue
	if err := v.ReadFrom(value); err != nil {
		return fmt.Errorf("group metadata value of %q: %w", id, err)
	}
	g, ok := st.groups[id].(*classicGroup)
	if !ok {
		g = newClassicGroup(st, id)
		st.groups[id] = g
	}
	g.apply(&v)
	return nil
}

// apply makes the group's durable part what the record says, keeping the
// soft state of members that stay.
func (g *classicGroup) apply(v *kmsg.GroupMetadataValue) {
	g.protocolType, g.generation, g.protocol = v.ProtocolType, v.Generation, v.Protocol
	g.leader = ""
	if v.Leader != nil {
		g.leader = *v.Leader
	}
	inRecord := map[string]bool{}
	for i := range v.Members {
		vm := &v.Members[i]
		inRecord[vm.MemberID] = true
		g.applyMember(v, vm)
	}
	for id, m := range g.members {
		if !inRecord[id] {
			// Only a load of an older record reaches here; a live
			// group writes its records from its own members.
			g.completeJoin(m, &kmsg.JoinGroupResponse{ErrorCode: kerr.UnknownMemberID.Code, Generation: -1})
			g.completeSync(m, &kmsg.SyncGroupResponse{ErrorCode: kerr.UnknownMemberID.Code})
			g.remove(id)
		}
	}
	if _, ok := g.members[g.leader]; !ok && len(g.members) > 0 {
		g.leader = sortedKeys(g.members)[0]
	}
	next := classicStable
	if len(v.Members) == 0 {
		next = classicEmpty
	}
	if g.state != next {
		g.previousState, g.state = g.state, next
	}
	g.stateTimestamp = v.CurrentStateTimestamp
	g.subscribed = g.computeSubscribedTopics()
}

func (g *classicGroup) applyMember(v *kmsg.GroupMetadataValue, vm *kmsg.GroupMetadataValueMember) {
	rebalanceTimeout := vm.RebalanceTimeoutMillis
	if rebalanceTimeout < 0 {
		rebalanceTimeout = vm.SessionTimeoutMillis // records before v1
	}
	m, ok := g.members[vm.MemberID]
	if !ok {
		protocol := ""
		if v.Protocol != nil {
			protocol = *v.Protocol
		}
		m = &classicMember{id: vm.MemberID, protocolType: v.ProtocolType,
			protocols: []kmsg.JoinGroupRequestProtocol{{Name: protocol, Metadata: vm.Subscription}}}
		if vm.InstanceID != nil {
			if old, taken := g.staticMembers[*vm.InstanceID]; taken && old != vm.MemberID {
				g.remove(old)
			}
		}
		m.instanceID = vm.InstanceID
		g.add(m, nil)
	}
	m.clientID, m.clientHost = vm.ClientID, vm.ClientHost
	m.rebalanceTimeoutMs, m.sessionTimeoutMs = rebalanceTimeout, vm.SessionTimeoutMillis
	m.assignment = vm.Assignment
}

// onClassicLoaded starts the session timer of every member of the classic
// groups a load replayed, and rebalances groups over group.max.size.
func onClassicLoaded(st *State, op *coordinator.Op) {
	for _, id := range sortedKeys(st.groups) {
		g, ok := st.groups[id].(*classicGroup)
		if !ok {
			continue
		}
		for _, m := range g.members {
			st.scheduleHeartbeat(op, g, m, m.sessionTimeout())
		}
		if st.cfg.MaxSize > 0 && len(g.members) > st.cfg.MaxSize {
			st.prepareRebalance(op, g, "the loaded group is over group.max.size "+strconv.Itoa(st.cfg.MaxSize))
		}
	}
}

// classicGroup returns the classic group id names, if any.
func (st *State) classicGroup(id string) *classicGroup {
	g, _ := st.groups[id].(*classicGroup)
	return g
}

// Timer keys: length-prefixed so that no two (group, member) pairs share
// one.
func heartbeatKey(groupID, memberID string) string {
	return "classic-heartbeat:" + strconv.Itoa(len(groupID)) + ":" + groupID + ":" + memberID
}

func joinKey(groupID string) string { return "classic-join:" + groupID }
func syncKey(groupID string) string { return "classic-sync:" + groupID }

// classicWriteError maps the failure of a group's record write to what a
// member is told (Kafka's appendGroupMetadataErrorToResponseError).
func classicWriteError(err error) int16 {
	code := errorCode(err)
	switch code {
	case kerr.UnknownTopicOrPartition.Code, kerr.NotEnoughReplicas.Code, kerr.RequestTimedOut.Code:
		return kerr.CoordinatorNotAvailable.Code
	case kerr.NotLeaderForPartition.Code, kerr.KafkaStorageError.Code:
		return kerr.NotCoordinator.Code
	case kerr.MessageTooLarge.Code, kerr.RecordListTooLarge.Code, kerr.InvalidFetchSize.Code:
		return kerr.UnknownServerError.Code
	}
	return code
}
