package group

// The join phase of classic groups: JoinGroup, rebalances, session
// timeouts (Kafka's GroupMetadataManager.classicGroupJoin and the methods
// it calls).

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/coordinator"
)

// Client is who sent a request, as DescribeGroups reports a member: the
// client.id of the request header and the client's address in Java's form
// ("/127.0.0.1").
type Client struct {
	ID   string
	Host string
}

// maxStringBytes is the longest string a non-flexible field can carry;
// every string of a group's record must fit.
const maxStringBytes = 32767

// JoinGroup joins a member to a classic group, creating the group if
// needed. The answer may come much later: when the join phase of the
// rebalance it starts or joins completes.
func (c *Coordinator) JoinGroup(ctx context.Context, req *kmsg.JoinGroupRequest, client Client) *kmsg.JoinGroupResponse {
	fail := func(err error) *kmsg.JoinGroupResponse {
		resp := req.ResponseKind().(*kmsg.JoinGroupResponse)
		resp.ErrorCode, resp.MemberID = errorCode(err), req.MemberID
		return resp
	}
	if err := c.validateJoin(req); err != nil {
		return fail(err)
	}
	resp, err := run(ctx, c, req.Group, func(op *coordinator.Op, st *State, reply func(*kmsg.JoinGroupResponse)) {
		st.classicJoin(op, req, client, reply)
	})
	if err != nil {
		return fail(err)
	}
	return resp
}

// validateJoin checks what needs no group state, and normalises the
// request: a rebalance timeout that is absent (v0) or not positive is the
// session timeout, and a protocol named twice counts once.
func (c *Coordinator) validateJoin(req *kmsg.JoinGroupRequest) error {
	if err := validateGroupID(req.Group); err != nil {
		return err
	}
	session := time.Duration(req.SessionTimeoutMillis) * time.Millisecond
	if session < c.cfg.MinSessionTimeout || (c.cfg.MaxSessionTimeout > 0 && session > c.cfg.MaxSessionTimeout) {
		return fmt.Errorf("session timeout %v outside [%v, %v]: %w", session, c.cfg.MinSessionTimeout, c.cfg.MaxSessionTimeout, kerr.InvalidSessionTimeout)
	}
	if req.RebalanceTimeoutMillis <= 0 {
		req.RebalanceTimeoutMillis = req.SessionTimeoutMillis
	}
	if len(req.ProtocolType) > maxStringBytes || (req.InstanceID != nil && len(*req.InstanceID) > maxStringBytes) {
		return fmt.Errorf("protocol type or group.instance.id over %d bytes: %w", maxStringBytes, kerr.InvalidRequest)
	}
	seen := make(map[string]bool, len(req.Protocols))
	var protocols []kmsg.JoinGroupRequestProtocol
	metadataBytes := 0
	for _, p := range req.Protocols {
		if len(p.Name) > maxStringBytes {
			return fmt.Errorf("protocol name over %d bytes: %w", maxStringBytes, kerr.InvalidRequest)
		}
		metadataBytes += len(p.Metadata)
		if !seen[p.Name] {
			seen[p.Name] = true
			protocols = append(protocols, p)
		}
	}
	if metadataBytes > groupRecordMaxBytes {
		c.log.Warn("refused a JoinGroup whose protocol metadata is too large", "group", req.Group, "bytes", metadataBytes, "max", groupRecordMaxBytes)
		return fmt.Errorf("protocol metadata of %d bytes, over %d: %w", metadataBytes, groupRecordMaxBytes, kerr.InvalidRequest)
	}
	if len(protocols) < len(req.Protocols) {
		req.Protocols = protocols
	}
	return nil
}

func joinError(code *kerr.Error, memberID string) *kmsg.JoinGroupResponse {
	return &kmsg.JoinGroupResponse{ErrorCode: code.Code, Generation: -1, MemberID: memberID}
}

func (st *State) classicJoin(op *coordinator.Op, req *kmsg.JoinGroupRequest, client Client, reply func(*kmsg.JoinGroupResponse)) {
	g, errResp := st.groupForJoin(op, req)
	if errResp != nil {
		reply(errResp)
		return
	}
	w := &joinWaiter{reply: reply}
	switch {
	case !st.acceptJoiningMember(g, req.MemberID):
		if m, ok := g.members[req.MemberID]; ok {
			g.evict(op, m, kerr.GroupMaxSizeReached.Code)
		}
		delete(g.pendingJoin, req.MemberID)
		reply(joinError(kerr.GroupMaxSizeReached, ""))
	case req.MemberID == "":
		st.joinNewMember(op, g, req, client, w)
	default:
		st.joinExistingMember(op, g, req, client, w)
	}
}

// groupForJoin returns the classic group a join is for, creating it (with
// its first record) for a member without an id. An empty group of another
// type is deleted first, as Kafka converts it.
func (st *State) groupForJoin(op *coordinator.Op, req *kmsg.JoinGroupRequest) (*classicGroup, *kmsg.JoinGroupResponse) {
	switch g := st.groups[req.Group].(type) {
	case *classicGroup:
		return g, nil
	case nil:
	default:
		if !g.IsEmpty() {
			// Kafka lets classic members into a KIP-848 group (the
			// upgrade path); Samsa does not yet.
			st.sh.Logger().Info("refused a classic JoinGroup to a non-empty group of another type", "group", req.Group, "type", g.Type())
			return nil, joinError(kerr.InconsistentGroupProtocol, "")
		}
		for _, r := range g.DeleteRecords(req.Group) {
			op.Write(r)
		}
		if st.groups[req.Group] != nil {
			return nil, joinError(kerr.InconsistentGroupProtocol, "")
		}
	}
	if req.MemberID != "" {
		return nil, joinError(kerr.UnknownMemberID, req.MemberID)
	}
	op.Write(emptyGroupRecord(req.Group, op.Now().UnixMilli()))
	g := st.classicGroup(req.Group)
	if g == nil {
		return nil, joinError(kerr.CoordinatorNotAvailable, "")
	}
	return g, nil
}

// acceptJoiningMember applies group.max.size: while rebalancing, members
// already rejoined count; otherwise, members.
func (st *State) acceptJoiningMember(g *classicGroup, memberID string) bool {
	limit := st.cfg.MaxSize
	if limit <= 0 {
		return true
	}
	m, known := g.members[memberID]
	switch g.state {
	case classicPreparingRebalance:
		return (known && m.join != nil) || g.awaitingJoin < limit
	case classicCompletingRebalance, classicStable:
		return known || len(g.members) < limit
	}
	return true
}

func (st *State) joinNewMember(op *coordinator.Op, g *classicGroup, req *kmsg.JoinGroupRequest, client Client, w *joinWaiter) {
	if !g.supportsProtocols(req.ProtocolType, req.Protocols) {
		w.reply(joinError(kerr.InconsistentGroupProtocol, ""))
		return
	}
	id := newMemberID(client.ID, req.InstanceID)
	switch {
	case req.InstanceID != nil:
		if old, ok := g.staticMembers[*req.InstanceID]; ok {
			g.log().Info("static member rejoined with a new member id; replacing the old one", "instance", *req.InstanceID, "old", old, "new", id)
			st.replaceStaticMember(op, g, req, old, id, w)
			return
		}
		st.addMember(op, g, req, client, id, w)
	case req.Version >= 4:
		// KIP-394: the member rejoins with this id, so a client that
		// never hears the answer leaves no member behind.
		g.pendingJoin[id] = true
		st.scheduleSessionTimer(op, g, id, time.Duration(req.SessionTimeoutMillis)*time.Millisecond)
		w.reply(joinError(kerr.MemberIDRequired, id))
	default:
		st.addMember(op, g, req, client, id, w)
	}
}

func (st *State) joinExistingMember(op *coordinator.Op, g *classicGroup, req *kmsg.JoinGroupRequest, client Client, w *joinWaiter) {
	if !g.supportsProtocols(req.ProtocolType, req.Protocols) {
		w.reply(joinError(kerr.InconsistentGroupProtocol, req.MemberID))
		return
	}
	if g.pendingJoin[req.MemberID] {
		if req.InstanceID != nil {
			// Pending ids are only handed to dynamic members: this
			// one must join as the static member it says it is.
			w.reply(joinError(kerr.UnknownMemberID, req.MemberID))
			return
		}
		st.addMember(op, g, req, client, req.MemberID, w)
		return
	}
	if err := g.validateMember(req.MemberID, req.InstanceID); err != nil {
		w.reply(&kmsg.JoinGroupResponse{ErrorCode: errorCode(err), Generation: -1, MemberID: req.MemberID})
		return
	}
	m := g.members[req.MemberID]
	switch g.state {
	case classicPreparingRebalance:
		st.updateMemberThenRebalance(op, g, m, req, w, "member rejoined during the rebalance")
	case classicCompletingRebalance:
		if m.matches(req.Protocols) {
			// It missed the answer to its join: answer again.
			w.reply(g.joinResponse(m, g.leader == m.id))
			return
		}
		st.updateMemberThenRebalance(op, g, m, req, w, "member changed its protocols")
	case classicStable:
		switch {
		case g.leader == m.id:
			// The leader rejoins to make the group reassign (a topic
			// changed, say).
			st.updateMemberThenRebalance(op, g, m, req, w, "the leader rejoined")
		case !m.matches(req.Protocols):
			st.updateMemberThenRebalance(op, g, m, req, w, "member changed its protocols")
		default:
			w.reply(g.joinResponse(m, false))
		}
	default:
		w.reply(joinError(kerr.UnknownMemberID, req.MemberID))
	}
}

// joinResponse is a successful answer for the current generation; the
// leader's lists every member.
func (g *classicGroup) joinResponse(m *classicMember, withMembers bool) *kmsg.JoinGroupResponse {
	protocolType := g.protocolType
	resp := &kmsg.JoinGroupResponse{Generation: g.generation, ProtocolType: &protocolType, Protocol: g.protocol,
		LeaderID: g.leader, MemberID: m.id}
	if withMembers {
		resp.Members = g.joinMembers()
	}
	return resp
}

// addMember adds a member and starts or advances a rebalance.
func (st *State) addMember(op *coordinator.Op, g *classicGroup, req *kmsg.JoinGroupRequest, client Client, id string, w *joinWaiter) {
	m := &classicMember{id: id, instanceID: req.InstanceID, clientID: client.ID, clientHost: client.Host,
		rebalanceTimeoutMs: req.RebalanceTimeoutMillis, sessionTimeoutMs: req.SessionTimeoutMillis,
		protocolType: req.ProtocolType, protocols: req.Protocols, isNew: true}
	if g.is(classicPreparingRebalance) && g.previousState == classicEmpty {
		g.newMemberAdded = true // extends the initial delay
	}
	g.add(m, w)
	// A new member cannot heartbeat before its first join completes, and
	// a parked join hides a closed connection: it gets a long timeout of
	// its own instead.
	st.scheduleHeartbeat(op, g, m, newMemberJoinTimeout)
	st.maybePrepareRebalanceOrCompleteJoin(op, g, "a member joined")
}

func (st *State) updateMemberThenRebalance(op *coordinator.Op, g *classicGroup, m *classicMember, req *kmsg.JoinGroupRequest, w *joinWaiter, reason string) {
	g.updateMember(m, req.Protocols, req.RebalanceTimeoutMillis, req.SessionTimeoutMillis, w)
	st.maybePrepareRebalanceOrCompleteJoin(op, g, reason)
}

// replaceStaticMember gives a static member's instance a new member id
// (KIP-345): the old id is fenced, and a Stable group whose protocol the
// member's join does not change keeps its assignment without a rebalance.
func (st *State) replaceStaticMember(op *coordinator.Op, g *classicGroup, req *kmsg.JoinGroupRequest, oldID, newID string, w *joinWaiter) {
	old := g.members[oldID]
	previousLeader := g.leader
	g.completeJoin(old, &kmsg.JoinGroupResponse{ErrorCode: kerr.FencedInstanceID.Code, Generation: -1, MemberID: oldID})
	g.completeSync(old, &kmsg.SyncGroupResponse{ErrorCode: kerr.FencedInstanceID.Code})
	op.Cancel(heartbeatKey(g.id, oldID))
	wasLeader := g.leader == oldID
	g.remove(oldID)
	m := &classicMember{id: newID, instanceID: old.instanceID, clientID: old.clientID, clientHost: old.clientHost,
		rebalanceTimeoutMs: old.rebalanceTimeoutMs, sessionTimeoutMs: old.sessionTimeoutMs,
		protocolType: old.protocolType, protocols: old.protocols, assignment: old.assignment}
	g.add(m, nil)
	if wasLeader {
		g.leader = newID
	}
	st.scheduleHeartbeat(op, g, m, m.sessionTimeout())
	g.updateMember(m, req.Protocols, req.RebalanceTimeoutMillis, req.SessionTimeoutMillis, w)
	switch g.state {
	case classicStable:
		if g.protocolName() == g.selectProtocol() {
			st.persistReplacedStaticMember(op, g, m, req.Version, previousLeader)
			return
		}
		st.maybePrepareRebalanceOrCompleteJoin(op, g, "a static member rejoined with other protocols")
	case classicCompletingRebalance:
		// The leader may be assigning to the old id: start over.
		st.prepareRebalance(op, g, "a static member rejoined while the leader assigns")
	default:
		st.maybeCompleteJoinPhase(op, g)
	}
}

// persistReplacedStaticMember writes a Stable group whose static member
// has a new id, and answers its join once that is durable: the member
// keeps its assignment and syncs for it.
func (st *State) persistReplacedStaticMember(op *coordinator.Op, g *classicGroup, m *classicMember, version int16, previousLeader string) {
	rec := g.record(nil, g.stateTimestamp)
	if recordSize(rec) > groupRecordMaxBytes {
		st.maybePrepareRebalanceOrCompleteJoin(op, g, "the group's record would be too large")
		return
	}
	op.Write(rec)
	w := m.join
	op.AfterCommit(func(err error) {
		if m.join != w || g.members[m.id] != m {
			return // answered by what happened meanwhile
		}
		if err != nil {
			g.completeJoin(m, &kmsg.JoinGroupResponse{ErrorCode: classicWriteError(err), Generation: -1})
			return
		}
		// A leader told it leads would compute a new assignment for a
		// group that is not rebalancing: v9+ (KIP-814) tells it to skip
		// that; before, the answer names the leader as it was.
		isLeader := g.leader == m.id
		resp := g.joinResponse(m, isLeader && version >= 9)
		if version >= 9 {
			resp.SkipAssignment = isLeader
		} else {
			resp.LeaderID = previousLeader
		}
		g.completeJoin(m, resp)
	})
}

func (st *State) maybePrepareRebalanceOrCompleteJoin(op *coordinator.Op, g *classicGroup, reason string) {
	switch g.state {
	case classicStable, classicCompletingRebalance, classicEmpty:
		st.prepareRebalance(op, g, reason)
	default:
		st.maybeCompleteJoinPhase(op, g)
	}
}

// prepareRebalance starts a rebalance. The first one of an empty group
// waits group.initial.rebalance.delay.ms for more members.
func (st *State) prepareRebalance(op *coordinator.Op, g *classicGroup, reason string) {
	if g.is(classicCompletingRebalance) {
		st.resetAndPropagateAssignmentWithError(op, g, kerr.RebalanceInProgress.Code)
	}
	clear(g.pendingSync)
	op.Cancel(syncKey(g.id))
	initial := g.is(classicEmpty)
	if initial {
		delay := st.cfg.InitialRebalanceDelay
		remaining := max(g.rebalanceTimeout()-delay, 0)
		st.scheduleInitialRebalance(op, g, delay, remaining)
	}
	g.transitionTo(classicPreparingRebalance)
	g.log().Info("preparing to rebalance", "generation", g.generation, "members", len(g.members), "reason", reason)
	if !initial {
		st.maybeCompleteJoinElseSchedule(op, g)
	}
}

func (st *State) scheduleInitialRebalance(op *coordinator.Op, g *classicGroup, delay, remaining time.Duration) {
	op.Schedule(joinKey(g.id), delay, func(op *coordinator.Op) {
		if !g.live() {
			return
		}
		if g.newMemberAdded && remaining > 0 {
			g.newMemberAdded = false
			next := min(st.cfg.InitialRebalanceDelay, remaining)
			st.scheduleInitialRebalance(op, g, next, max(remaining-delay, 0))
			return
		}
		st.completeJoinPhase(op, g)
	})
}

func (st *State) maybeCompleteJoinElseSchedule(op *coordinator.Op, g *classicGroup) {
	if g.hasAllMembersJoined() {
		st.completeJoinPhase(op, g)
		return
	}
	st.scheduleJoinTimeout(op, g)
}

func (st *State) scheduleJoinTimeout(op *coordinator.Op, g *classicGroup) {
	op.Schedule(joinKey(g.id), g.rebalanceTimeout(), func(op *coordinator.Op) {
		if g.live() {
			st.completeJoinPhase(op, g)
		}
	})
}

// maybeCompleteJoinPhase ends the join phase once every member rejoined,
// except in a first rebalance, which its delay timer ends.
func (st *State) maybeCompleteJoinPhase(op *coordinator.Op, g *classicGroup) {
	if !g.is(classicPreparingRebalance) || g.previousState == classicEmpty || !g.hasAllMembersJoined() {
		return
	}
	st.completeJoinPhase(op, g)
}

// completeJoinPhase drops the dynamic members that did not rejoin, starts
// the next generation and answers every parked JoinGroup.
func (st *State) completeJoinPhase(op *coordinator.Op, g *classicGroup) {
	op.Cancel(joinKey(g.id))
	if !g.is(classicPreparingRebalance) {
		return
	}
	for _, m := range g.sortedMembers() {
		if m.join == nil && m.instanceID == nil {
			g.log().Info("removed a member that did not rejoin in time", "member", m.id)
			g.evict(op, m, kerr.UnknownMemberID.Code)
		}
	}
	if !g.electJoinedLeader() && len(g.members) > 0 {
		// Only static members that have not rejoined are left: wait
		// for them, or for their sessions to end.
		g.log().Warn("no member rejoined; waiting another rebalance timeout", "members", len(g.members))
		st.scheduleJoinTimeout(op, g)
		return
	}
	g.initNextGeneration()
	if g.is(classicEmpty) {
		g.log().Info("group is now empty", "generation", g.generation)
		op.Write(g.record(nil, g.stateTimestamp))
		return
	}
	g.log().Info("completed the join phase", "generation", g.generation, "protocol", g.protocolName(), "members", len(g.members), "leader", g.leader)
	for _, m := range g.sortedMembers() {
		g.completeJoin(m, g.joinResponse(m, m.id == g.leader))
		st.scheduleHeartbeat(op, g, m, m.sessionTimeout())
		m.isNew = false
		g.pendingSync[m.id] = true
	}
	st.schedulePendingSync(op, g)
}

// scheduleHeartbeat (re)starts a member's session timer.
func (st *State) scheduleHeartbeat(op *coordinator.Op, g *classicGroup, m *classicMember, d time.Duration) {
	st.scheduleSessionTimer(op, g, m.id, d)
}

func (st *State) scheduleSessionTimer(op *coordinator.Op, g *classicGroup, memberID string, d time.Duration) {
	op.Schedule(heartbeatKey(g.id, memberID), d, func(op *coordinator.Op) { st.expireHeartbeat(op, g, memberID) })
}

// expireHeartbeat ends the session of a member that did not heartbeat in
// time. Unlike Kafka, a member parked in a rebalance re-arms its timer
// rather than dropping it, so that a member whose session ran out while it
// was parked still expires if it never comes back.
func (st *State) expireHeartbeat(op *coordinator.Op, g *classicGroup, memberID string) {
	if !g.live() {
		return
	}
	if g.pendingJoin[memberID] {
		delete(g.pendingJoin, memberID)
		if g.is(classicPreparingRebalance) && g.hasAllMembersJoined() {
			st.completeJoinPhase(op, g)
		}
		return
	}
	m, ok := g.members[memberID]
	if !ok {
		return
	}
	if m.hasSatisfiedHeartbeat() {
		st.scheduleHeartbeat(op, g, m, m.sessionTimeout())
		return
	}
	g.log().Info("member's session expired; removing it", "member", memberID)
	st.removeMemberAndUpdate(op, g, m, "a member's session expired")
}

func (st *State) removeMemberAndUpdate(op *coordinator.Op, g *classicGroup, m *classicMember, reason string) {
	g.evict(op, m, kerr.UnknownMemberID.Code)
	switch {
	case g.is(classicStable), g.is(classicCompletingRebalance):
		st.maybePrepareRebalanceOrCompleteJoin(op, g, reason)
	case g.is(classicPreparingRebalance) && g.hasAllMembersJoined():
		st.completeJoinPhase(op, g)
	}
}
