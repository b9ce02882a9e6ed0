package group

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/coordinator"
	"samsa/internal/metadata"
)

// ConsumerGroupHeartbeat serves the consumer group protocol (KIP-848):
// joining (member epoch 0), heartbeating at the member's epoch, and
// leaving (-1; -2 for a static member that will come back). clientID and
// clientHost describe the connection, as DescribeGroups shows them.
//
// One heartbeat, as in Kafka's GroupMetadataManager:
//  1. validates the request and finds or creates the group and member;
//  2. records the member's metadata when it changed, and bumps the group
//     epoch when a subscription changed or the subscribed topics'
//     metadata did (topics created, deleted, or given more partitions);
//  3. computes a new target assignment with the assignor when the group
//     epoch is ahead of the target's;
//  4. reconciles the member toward its target (consumer_reconcile.go);
//  5. answers once the records are durable.
func (c *Coordinator) ConsumerGroupHeartbeat(ctx context.Context, clientID, clientHost string, req *kmsg.ConsumerGroupHeartbeatRequest) *kmsg.ConsumerGroupHeartbeatResponse {
	names, _ := c.cfg.consumerAssignors()
	if err := validateConsumerHeartbeat(req, names); err != nil {
		return cgHeartbeatError(req, err)
	}
	client := cgClient{id: clientID, host: clientHost}
	out, err := run(ctx, c, req.Group, func(op *coordinator.Op, st *State, reply func(*kmsg.ConsumerGroupHeartbeatResponse)) {
		st.consumerHeartbeat(op, client, req, reply)
	})
	if err != nil {
		return cgHeartbeatError(req, err)
	}
	return out
}

// cgClient is the client a heartbeat came from.
type cgClient struct{ id, host string }

func cgHeartbeatError(req *kmsg.ConsumerGroupHeartbeatRequest, err error) *kmsg.ConsumerGroupHeartbeatResponse {
	resp := req.ResponseKind().(*kmsg.ConsumerGroupHeartbeatResponse)
	resp.ErrorCode, resp.ErrorMessage = errorCode(err), cgErrorMessage(err)
	return resp
}

// cgErrorMessage is the message next to an error code: nil for a bare
// Kafka error, the text of one with context.
func cgErrorMessage(err error) *string {
	var ke *kerr.Error
	if err == nil || errors.As(err, &ke) && err == error(ke) {
		return nil
	}
	s := err.Error()
	return &s
}

// cgInvalid is an INVALID_REQUEST with Kafka's message.
func cgInvalid(msg string) error { return fmt.Errorf("%s: %w", msg, kerr.InvalidRequest) }

// validateConsumerHeartbeat applies the checks Kafka makes before a
// heartbeat reaches the group (GroupCoordinatorService's
// throwIfConsumerGroupHeartbeatRequestIsInvalid). From v1 (KIP-1082) the
// client generates its member id, so it is required even to join.
func validateConsumerHeartbeat(req *kmsg.ConsumerGroupHeartbeatRequest, assignors []string) error {
	blank := func(s *string) bool { return s != nil && strings.TrimSpace(*s) == "" }
	if req.Version >= 1 || req.MemberEpoch > 0 || req.MemberEpoch == cgLeaveEpoch {
		if strings.TrimSpace(req.MemberID) == "" {
			return cgInvalid("MemberId can't be empty.")
		}
	}
	switch {
	case strings.TrimSpace(req.Group) == "":
		return cgInvalid("GroupId can't be empty.")
	case blank(req.InstanceID):
		return cgInvalid("InstanceId can't be empty.")
	case blank(req.RackID):
		return cgInvalid("RackId can't be empty.")
	}
	if err := validateGroupID(req.Group); err != nil {
		return err
	}
	switch {
	case req.MemberEpoch == 0:
		if req.RebalanceTimeoutMillis == -1 {
			return cgInvalid("RebalanceTimeoutMs must be provided in first request.")
		}
		if req.Topics == nil || len(req.Topics) > 0 {
			return cgInvalid("TopicPartitions must be empty when (re-)joining.")
		}
		if req.SubscribedTopicNames == nil && req.SubscribedTopicRegex == nil {
			return cgInvalid("Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.")
		}
	case req.MemberEpoch == cgStaticLeaveEpoch:
		if req.InstanceID == nil {
			return cgInvalid("InstanceId can't be null.")
		}
	case req.MemberEpoch < cgStaticLeaveEpoch:
		return cgInvalid("MemberEpoch is invalid.")
	}
	if req.ServerAssignor != nil && !slices.Contains(assignors, *req.ServerAssignor) {
		return fmt.Errorf("ServerAssignor %s is not supported. Supported assignors: %s.: %w",
			*req.ServerAssignor, strings.Join(assignors, ", "), kerr.UnsupportedAssignor)
	}
	return nil
}

// consumerHeartbeat runs one heartbeat on the shard and replies once its
// records are durable. Errors found before any record is written are
// answered at once.
func (st *State) consumerHeartbeat(op *coordinator.Op, client cgClient, req *kmsg.ConsumerGroupHeartbeatRequest,
	reply func(*kmsg.ConsumerGroupHeartbeatResponse)) {
	resp := req.ResponseKind().(*kmsg.ConsumerGroupHeartbeatResponse)
	var err error
	if req.MemberEpoch == cgLeaveEpoch || req.MemberEpoch == cgStaticLeaveEpoch {
		err = st.cgLeave(op, req, resp)
	} else {
		err = st.cgHeartbeat(op, client, req, resp)
	}
	if err != nil {
		reply(cgHeartbeatError(req, err))
		return
	}
	op.AfterCommit(func(err error) {
		if err != nil {
			reply(cgHeartbeatError(req, err))
			return
		}
		reply(resp)
	})
}

// cgGroup returns the consumer group id, or nil.
func (st *State) cgGroup(id string) *consumerGroup {
	g, _ := st.groups[id].(*consumerGroup)
	return g
}

// cgGroupForJoin returns the consumer group a heartbeat addresses (nil
// for one a join creates) and the records that must go first: an empty
// classic group under the id is deleted to make way, as Kafka does; one
// with members is not converted (Kafka's online upgrade), so the member
// gets GROUP_ID_NOT_FOUND like a Kafka broker whose migration policy
// forbids it.
func (st *State) cgGroupForJoin(id string, joining bool) (*consumerGroup, []coordinator.Record, error) {
	switch g := st.groups[id].(type) {
	case *consumerGroup:
		return g, nil, nil
	case nil:
		if !joining {
			return nil, nil, fmt.Errorf("consumer group %s not found: %w", id, kerr.GroupIDNotFound)
		}
		return nil, nil, nil
	default:
		if joining && g.IsEmpty() {
			return nil, g.DeleteRecords(id), nil
		}
		return nil, nil, fmt.Errorf("group %s is a %s group with members, not a consumer group; "+
			"moving a group with members between protocols is not supported: %w", id, g.Type(), kerr.GroupIDNotFound)
	}
}

// cgHeartbeat handles a join or a heartbeat (member epoch >= 0).
func (st *State) cgHeartbeat(op *coordinator.Op, client cgClient, req *kmsg.ConsumerGroupHeartbeatRequest,
	resp *kmsg.ConsumerGroupHeartbeatResponse) error {
	joining := req.MemberEpoch == 0
	g, clear, err := st.cgGroupForJoin(req.Group, joining)
	if err != nil {
		return err
	}
	memberID := req.MemberID
	if memberID == "" {
		memberID = metadata.NewUuid().String() // v0: the coordinator names the member
	}
	if g != nil && len(g.members) >= st.cfg.consumerMaxSize() && g.members[memberID] == nil {
		return fmt.Errorf("the consumer group has reached its maximum capacity of %d members: %w",
			st.cfg.consumerMaxSize(), kerr.GroupMaxSizeReached)
	}
	member, replaced, err := cgResolveMember(g, memberID, req)
	if err != nil {
		return err
	}
	if req.SubscribedTopicRegex != nil && *req.SubscribedTopicRegex != "" {
		if _, err := compileTopicRegex(*req.SubscribedTopicRegex); err != nil {
			return fmt.Errorf("SubscribedTopicRegex %q is not a valid regular expression: %v: %w",
				*req.SubscribedTopicRegex, err, kerr.InvalidRegularExpression)
		}
	}

	// Every check has passed: from here on the heartbeat writes.
	for _, r := range clear {
		op.Write(r)
	}
	if replaced != nil {
		st.cgReplaceStatic(op, g, replaced, memberID)
		member = g.members[memberID]
	}
	var before cgAssignment
	if member != nil {
		before = member.assigned.partitions()
	}
	subscriptionChanged := st.cgUpdateMember(op, req.Group, member, memberID, client, req)
	g = st.cgGroup(req.Group)
	if g == nil {
		return fmt.Errorf("consumer group %s was not created: %w", req.Group, kerr.UnknownServerError)
	}
	st.cgRefreshEpoch(op, g, subscriptionChanged || g.epoch == 0)
	if g.epoch > g.assignmentEpoch {
		if err := st.cgComputeTarget(op, g); err != nil {
			return err
		}
	}
	m := g.members[memberID]
	if err := st.cgReconcile(op, g, m, req, subscriptionChanged); err != nil {
		return err
	}
	st.cgScheduleSession(op, g.id, memberID)

	resp.MemberID = &memberID
	resp.MemberEpoch = m.epoch
	resp.HeartbeatIntervalMillis = int32(st.cfg.consumerHeartbeatInterval().Milliseconds())
	// The assignment goes back on a join, on a full request (sent after
	// errors, so a lost response cannot leave the member behind), and
	// whenever it changed.
	full := req.RebalanceTimeoutMillis != -1 && (req.SubscribedTopicNames != nil || req.SubscribedTopicRegex != nil) && req.Topics != nil
	if now := m.assigned.partitions(); joining || full || !now.equal(before) {
		resp.Assignment = cgResponseAssignment(now)
	}
	return nil
}

// cgResolveMember finds the member a heartbeat is from: nil for a new
// member, or the departed static member a join takes the place of.
func cgResolveMember(g *consumerGroup, memberID string, req *kmsg.ConsumerGroupHeartbeatRequest) (member, replaced *consumerMember, err error) {
	joining := req.MemberEpoch == 0
	var members map[string]*consumerMember
	var static map[string]string
	if g != nil {
		members, static = g.members, g.staticMembers
	}
	if req.InstanceID == nil {
		m := members[memberID]
		if m == nil && !joining {
			return nil, nil, fmt.Errorf("member %s is not a member of group %s: %w", memberID, req.Group, kerr.UnknownMemberID)
		}
		if m != nil {
			err = cgCheckEpoch(m, req)
		}
		return m, nil, err
	}
	existing := members[static[*req.InstanceID]]
	if joining {
		if existing == nil {
			return members[memberID], nil, nil
		}
		if existing.epoch != cgStaticLeaveEpoch {
			return nil, nil, fmt.Errorf("static member %s with instance id %s cannot join the group because the instance id is owned by member %s: %w",
				memberID, *req.InstanceID, existing.id, kerr.UnreleasedInstanceID)
		}
		return nil, existing, nil
	}
	if existing == nil {
		return nil, nil, fmt.Errorf("instance id %s is unknown: %w", *req.InstanceID, kerr.UnknownMemberID)
	}
	if existing.id != memberID {
		return nil, nil, fmt.Errorf("static member %s with instance id %s was fenced by member %s: %w",
			memberID, *req.InstanceID, existing.id, kerr.FencedInstanceID)
	}
	return existing, nil, cgCheckEpoch(existing, req)
}

// cgCheckEpoch fences a heartbeat from the wrong epoch. Epoch 0 rejoins
// in place. The previous epoch is accepted when the member owns no more
// than it is assigned: the response that told it the new epoch may have
// been lost.
func cgCheckEpoch(m *consumerMember, req *kmsg.ConsumerGroupHeartbeatRequest) error {
	got := req.MemberEpoch
	switch {
	case got == 0 || got == m.epoch:
		return nil
	case got > m.epoch:
		return fmt.Errorf("the consumer group member has a greater member epoch (%d) than the one known by the group coordinator (%d); "+
			"the member must abandon all its partitions and rejoin: %w", got, m.epoch, kerr.FencedMemberEpoch)
	case got == m.previousEpoch && ownedSubset(req.Topics, m.assigned):
		return nil
	}
	return fmt.Errorf("the consumer group member has a smaller member epoch (%d) than the one known by the group coordinator (%d); "+
		"the member must abandon all its partitions and rejoin: %w", got, m.epoch, kerr.FencedMemberEpoch)
}

func ownedSubset(owned []kmsg.ConsumerGroupHeartbeatRequestTopic, assigned cgOwned) bool {
	if owned == nil {
		return false
	}
	for _, t := range owned {
		for _, p := range t.Partitions {
			if !assigned.has(t.TopicID, p) {
				return false
			}
		}
	}
	return true
}

// cgReplaceStatic moves a departed static member's place to the member
// joining with its instance id: the same subscription, target and
// partitions under the new member id at epoch 0, so the group does not
// rebalance (KIP-848's static membership).
func (st *State) cgReplaceStatic(op *coordinator.Op, g *consumerGroup, old *consumerMember, newID string) {
	meta, current, target := old.value(), old.currentValue(), g.target[old.id].records()
	current.MemberEpoch, current.PreviousMemberEpoch = 0, 0
	st.cgRemoveMemberRecords(op, g.id, old.id)
	op.Write(cgMemberRecord(g.id, newID, meta))
	op.Write(cgTargetMemberRecord(g.id, newID, target))
	op.Write(cgCurrentRecord(g.id, newID, current))
	st.sh.Logger().Info("static member rejoined the consumer group", "group", g.id, "instance", *old.instanceID,
		"member", newID, "replaces", old.id)
}

// cgRemoveMemberRecords writes a member's tombstones, its partitions
// first so the owner index never holds a member without metadata.
func (st *State) cgRemoveMemberRecords(op *coordinator.Op, group, member string) {
	op.Write(cgTombstone(keyConsumerGroupCurrentMember, group, &member))
	op.Write(cgTombstone(keyConsumerGroupTargetMember, group, &member))
	op.Write(cgTombstone(keyConsumerGroupMemberMeta, group, &member))
}

// cgUpdateMember records the member's metadata when the heartbeat changes
// it and reports whether its subscription changed. Fields the request
// leaves null keep their value.
func (st *State) cgUpdateMember(op *coordinator.Op, group string, old *consumerMember, memberID string, client cgClient,
	req *kmsg.ConsumerGroupHeartbeatRequest) (subscriptionChanged bool) {
	next := consumerMember{id: memberID, rebalanceTimeoutMs: -1}
	if old != nil {
		next = *old
	}
	if req.InstanceID != nil {
		next.instanceID = req.InstanceID
	}
	if req.RackID != nil {
		next.rackID = req.RackID
	}
	if req.RebalanceTimeoutMillis != -1 {
		next.rebalanceTimeoutMs = req.RebalanceTimeoutMillis
	}
	if req.ServerAssignor != nil {
		next.serverAssignor = *req.ServerAssignor
	}
	if req.SubscribedTopicNames != nil {
		next.subscribedNames = normalizeTopicNames(req.SubscribedTopicNames)
	}
	if req.SubscribedTopicRegex != nil {
		next.subscribedRegex = *req.SubscribedTopicRegex
	}
	next.clientID, next.clientHost = client.id, client.host
	var prevNames []string
	var prevRegex string
	if old != nil {
		prevNames, prevRegex = old.subscribedNames, old.subscribedRegex
	}
	subscriptionChanged = !slices.Equal(prevNames, next.subscribedNames) || prevRegex != next.subscribedRegex
	nextValue := next.value()
	if old == nil || !cgMemberValueEqual(old.value(), nextValue) {
		op.Write(cgMemberRecord(group, memberID, nextValue))
	}
	return subscriptionChanged
}

func cgMemberValueEqual(a, b *cgMemberValue) bool {
	eq := func(x, y *string) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return eq(a.InstanceID, b.InstanceID) && eq(a.RackID, b.RackID) && a.ClientID == b.ClientID && a.ClientHost == b.ClientHost &&
		slices.Equal(a.SubscribedTopicNames, b.SubscribedTopicNames) && eq(a.SubscribedTopicRegex, b.SubscribedTopicRegex) &&
		a.RebalanceTimeoutMs == b.RebalanceTimeoutMs && eq(a.ServerAssignor, b.ServerAssignor)
}

// cgRefreshEpoch brings the group's subscription metadata up to date and
// bumps the group epoch when bump is set or the metadata changed. The
// metadata is recomputed only when the subscription or the metadata image
// changed since the last check, so a steady group's heartbeats cost a
// pointer comparison; a coordinator that just loaded checks once.
func (st *State) cgRefreshEpoch(op *coordinator.Op, g *consumerGroup, bump bool) {
	im := st.sh.Images()
	if bump || !g.checked || g.checkedOffset != im.Offset() {
		topics := g.subscribedTopics(im)
		if !cgSubscriptionEqual(topics, g.subscription) {
			op.Write(cgPartitionMetadataRecord(g.id, topics))
			bump = true
		}
		g.checked, g.checkedOffset = true, im.Offset()
	}
	if bump {
		op.Write(cgMetadataRecord(g.id, g.epoch+1))
		st.sh.Logger().Info("bumped consumer group epoch", "group", g.id, "epoch", g.epoch)
	}
}

// subscribedTopics returns the existing topics some member subscribes to,
// by name or regular expression, sorted by name.
func (g *consumerGroup) subscribedTopics(im *metadata.Image) []cgTopicMetadata {
	seen := map[string]bool{}
	var out []cgTopicMetadata
	add := func(t *metadata.Topic) {
		if !seen[t.Name] {
			seen[t.Name] = true
			out = append(out, cgTopicMetadata{ID: t.ID, Name: t.Name, Partitions: int32(len(t.Partitions))})
		}
	}
	var regexes []*regexp.Regexp
	for _, m := range g.members {
		for _, name := range m.subscribedNames {
			if t, ok := im.Topic(name); ok {
				add(t)
			}
		}
		if re := g.regex(m.subscribedRegex); re != nil && !slices.Contains(regexes, re) {
			regexes = append(regexes, re)
		}
	}
	for expr, re := range g.regexes {
		if !slices.Contains(regexes, re) {
			delete(g.regexes, expr) // no member subscribes with it any more
		}
	}
	if len(regexes) > 0 {
		for _, t := range im.Topics() {
			for _, re := range regexes {
				if re.MatchString(t.Name) {
					add(t)
					break
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b cgTopicMetadata) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func cgSubscriptionEqual(topics []cgTopicMetadata, current map[string]cgTopicMetadata) bool {
	if len(topics) != len(current) {
		return false
	}
	for _, t := range topics {
		if current[t.Name] != t {
			return false
		}
	}
	return true
}

// cgComputeTarget runs the group's assignor at the group epoch and
// records the members whose target changed, then the new target epoch.
func (st *State) cgComputeTarget(op *coordinator.Op, g *consumerGroup) error {
	names, _ := st.cfg.consumerAssignors()
	name := g.preferredAssignor()
	if !slices.Contains(names, name) {
		name = names[0]
	}
	spec := g.assignSpec()
	out := newConsumerAssignor(name).assign(spec)
	if err := checkAssignment(spec, out); err != nil {
		st.sh.Logger().Error("consumer group assignor returned an invalid assignment", "group", g.id, "assignor", name, "err", err)
		return fmt.Errorf("failed to compute a new target assignment for epoch %d: %v: %w", g.epoch, err, kerr.UnknownServerError)
	}
	for _, m := range spec.members {
		if !out[m.id].equal(g.target[m.id]) {
			op.Write(cgTargetMemberRecord(g.id, m.id, out[m.id].records()))
		}
	}
	op.Write(cgTargetMetadataRecord(g.id, g.epoch))
	st.sh.Logger().Info("computed consumer group target assignment", "group", g.id, "epoch", g.epoch,
		"assignor", name, "members", len(spec.members))
	return nil
}

// assignSpec is the assignor's view of the group: the topics of the
// recorded subscription metadata, so an assignment always matches the
// metadata its epoch was bumped for.
func (g *consumerGroup) assignSpec() *cgAssignSpec {
	spec := &cgAssignSpec{partitions: map[metadata.Uuid]int32{}}
	for _, t := range g.subscription {
		spec.partitions[t.ID] = t.Partitions
	}
	for _, id := range g.memberIDs() {
		m := g.members[id]
		am := cgAssignMember{id: id, current: g.target[id]}
		if m.instanceID != nil {
			am.instanceID = *m.instanceID
		}
		if m.rackID != nil {
			am.rackID = *m.rackID
		}
		for name, t := range g.subscription {
			if g.memberSubscribes(m, name) {
				am.topics = append(am.topics, t.ID)
			}
		}
		slices.SortFunc(am.topics, compareUuid)
		spec.members = append(spec.members, am)
	}
	return spec
}

// cgReconcile moves the member toward its target and records the step.
func (st *State) cgReconcile(op *coordinator.Op, g *consumerGroup, m *consumerMember, req *kmsg.ConsumerGroupHeartbeatRequest,
	subscriptionChanged bool) error {
	if m.reconciledTo(g.assignmentEpoch) && !subscriptionChanged {
		return nil
	}
	im := st.sh.Images()
	in := &cgReconcileInput{
		member: m, targetEpoch: g.assignmentEpoch, target: g.target[m.id],
		holder: func(t metadata.Uuid, p int32) (string, bool) {
			o, ok := g.ownerOf(t, p)
			return o.member, ok
		},
		owned: req.Topics, ownedKnown: req.Topics != nil,
		subscribed: func(t metadata.Uuid) bool {
			topic, ok := im.TopicByID(t)
			return ok && g.memberSubscribes(m, topic.Name)
		},
		enforce: subscriptionChanged,
	}
	next, err := reconcile(in)
	if err != nil || next.same(m) {
		return err
	}
	op.Write(cgCurrentRecord(g.id, m.id, &cgCurrentValue{
		MemberEpoch: next.epoch, PreviousMemberEpoch: next.previousEpoch, State: next.state,
		Assigned: next.assigned.records(), PendingRevocation: next.pending.records(),
	}))
	if m.state == cgStateUnrevokedPartitions {
		st.cgScheduleRebalance(op, g.id, m)
	} else {
		op.Cancel(cgRebalanceKey(g.id, m.id))
	}
	return nil
}

func cgResponseAssignment(a cgAssignment) *kmsg.ConsumerGroupHeartbeatResponseAssignment {
	out := &kmsg.ConsumerGroupHeartbeatResponseAssignment{Topics: []kmsg.ConsumerGroupHeartbeatResponseAssignmentTopic{}}
	for _, t := range sortedTopicIDs(a) {
		out.Topics = append(out.Topics, kmsg.ConsumerGroupHeartbeatResponseAssignmentTopic{TopicID: t, Partitions: slices.Clone(a[t])})
	}
	return out
}

// cgLeave handles member epochs -1 (leave) and -2 (a static member leaving
// for a while: it keeps its partitions, unconsumed, until it rejoins under
// a new member id or its session expires).
func (st *State) cgLeave(op *coordinator.Op, req *kmsg.ConsumerGroupHeartbeatRequest, resp *kmsg.ConsumerGroupHeartbeatResponse) error {
	g, err := st.cgExisting(req.Group)
	if err != nil {
		return err
	}
	resp.MemberID, resp.MemberEpoch = &req.MemberID, req.MemberEpoch
	if req.InstanceID == nil {
		m := g.members[req.MemberID]
		if m == nil {
			return fmt.Errorf("member %s is not a member of group %s: %w", req.MemberID, g.id, kerr.UnknownMemberID)
		}
		st.cgFence(op, g, m, "left the group")
		return nil
	}
	m := g.members[g.staticMembers[*req.InstanceID]]
	switch {
	case m == nil:
		return fmt.Errorf("instance id %s is unknown: %w", *req.InstanceID, kerr.UnknownMemberID)
	case m.id != req.MemberID:
		return fmt.Errorf("static member %s with instance id %s was fenced by member %s: %w",
			req.MemberID, *req.InstanceID, m.id, kerr.FencedInstanceID)
	case req.MemberEpoch == cgLeaveEpoch:
		st.cgFence(op, g, m, "left the group")
		return nil
	}
	v := m.currentValue()
	v.MemberEpoch, v.PendingRevocation = cgStaticLeaveEpoch, nil
	op.Write(cgCurrentRecord(g.id, m.id, v))
	st.sh.Logger().Info("static member left the consumer group for now", "group", g.id, "member", m.id, "instance", *req.InstanceID)
	return nil
}

func (st *State) cgExisting(id string) (*consumerGroup, error) {
	switch g := st.groups[id].(type) {
	case *consumerGroup:
		return g, nil
	case nil:
		return nil, fmt.Errorf("consumer group %s not found: %w", id, kerr.GroupIDNotFound)
	default:
		return nil, fmt.Errorf("group %s is not a consumer group: %w", id, kerr.GroupIDNotFound)
	}
}

// cgFence removes a member and bumps the group epoch so the others take
// its partitions over.
func (st *State) cgFence(op *coordinator.Op, g *consumerGroup, m *consumerMember, why string) {
	st.cgRemoveMemberRecords(op, g.id, m.id)
	im := st.sh.Images()
	if topics := g.subscribedTopics(im); !cgSubscriptionEqual(topics, g.subscription) {
		op.Write(cgPartitionMetadataRecord(g.id, topics))
	}
	g.checked, g.checkedOffset = true, im.Offset()
	op.Write(cgMetadataRecord(g.id, g.epoch+1))
	op.Cancel(cgSessionKey(g.id, m.id))
	op.Cancel(cgRebalanceKey(g.id, m.id))
	st.sh.Logger().Info("consumer group member removed", "group", g.id, "member", m.id, "why", why, "epoch", g.epoch)
}

// --- timers ---

func cgSessionKey(group, member string) string {
	return "consumer-session\x00" + group + "\x00" + member
}
func cgRebalanceKey(group, member string) string {
	return "consumer-rebalance\x00" + group + "\x00" + member
}

// cgScheduleSession (re)starts a member's session: without a heartbeat
// for group.consumer.session.timeout.ms it is removed.
func (st *State) cgScheduleSession(op *coordinator.Op, group, member string) {
	op.Schedule(cgSessionKey(group, member), st.cfg.consumerSessionTimeout(), func(op *coordinator.Op) {
		st := op.State().(*State)
		if g := st.cgGroup(group); g != nil && g.members[member] != nil {
			st.cgFence(op, g, g.members[member], "its session expired")
		}
	})
}

// cgScheduleRebalance gives a member revoking partitions its rebalance
// timeout to finish; one still at the same epoch then is removed, so its
// partitions are not held back forever.
func (st *State) cgScheduleRebalance(op *coordinator.Op, group string, m *consumerMember) {
	member, epoch := m.id, m.epoch
	timeout := cgDuration(m.rebalanceTimeoutMs)
	op.Schedule(cgRebalanceKey(group, member), timeout, func(op *coordinator.Op) {
		st := op.State().(*State)
		if g := st.cgGroup(group); g != nil && g.members[member] != nil && g.members[member].epoch == epoch {
			st.cgFence(op, g, g.members[member], "it did not revoke its partitions within its rebalance timeout")
		}
	})
}

// Kafka's defaults of the group.consumer settings, for a Config that
// leaves them unset.
const (
	cgDefaultSessionTimeout    = 45 * time.Second
	cgDefaultHeartbeatInterval = 5 * time.Second
)

func (c *Config) consumerSessionTimeout() time.Duration {
	if c.ConsumerSessionTimeout <= 0 {
		return cgDefaultSessionTimeout
	}
	return c.ConsumerSessionTimeout
}

func (c *Config) consumerHeartbeatInterval() time.Duration {
	if c.ConsumerHeartbeatInterval <= 0 {
		return cgDefaultHeartbeatInterval
	}
	return c.ConsumerHeartbeatInterval
}

func (c *Config) consumerMaxSize() int {
	if c.ConsumerMaxSize <= 0 {
		return math.MaxInt32
	}
	return c.ConsumerMaxSize
}

// cgDefaultRebalanceTimeout stands in for a rebalance timeout a member
// never gave (records written without one): Kafka's default
// max.poll.interval.ms.
const cgDefaultRebalanceTimeout = 5 * time.Minute

func cgDuration(ms int32) time.Duration {
	if ms <= 0 {
		return cgDefaultRebalanceTimeout
	}
	return time.Duration(ms) * time.Millisecond
}

// onLoadConsumerGroups restarts the timers of every member once a shard
// has loaded: members keep their epochs and partitions, and a member that
// does not come back is removed after its session timeout.
func (st *State) onLoadConsumerGroups(op *coordinator.Op) {
	for _, id := range st.groupIDs() {
		g := st.cgGroup(id)
		if g == nil {
			continue
		}
		for _, m := range g.members {
			st.cgScheduleSession(op, id, m.id)
			if m.state == cgStateUnrevokedPartitions {
				st.cgScheduleRebalance(op, id, m)
			}
		}
	}
}
