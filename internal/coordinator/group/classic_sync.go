package group

// The sync phase of classic groups: SyncGroup (Kafka's
// GroupMetadataManager.classicGroupSync and the methods it calls).

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/coordinator"
)

// SyncGroup hands a member its assignment for a generation. The leader's
// request carries every member's assignment; the answers to it and to the
// followers waiting for it are sent once the group's record is durable.
func (c *Coordinator) SyncGroup(ctx context.Context, req *kmsg.SyncGroupRequest) *kmsg.SyncGroupResponse {
	fail := func(err error) *kmsg.SyncGroupResponse {
		resp := req.ResponseKind().(*kmsg.SyncGroupResponse)
		resp.ErrorCode = errorCode(err)
		return resp
	}
	if err := validateGroupID(req.Group); err != nil {
		return fail(err)
	}
	resp, err := run(ctx, c, req.Group, func(op *coordinator.Op, st *State, reply func(*kmsg.SyncGroupResponse)) {
		st.classicSync(op, req, reply)
	})
	if err != nil {
		return fail(err)
	}
	return resp
}

func syncError(code int16) *kmsg.SyncGroupResponse { return &kmsg.SyncGroupResponse{ErrorCode: code} }

func (st *State) classicSync(op *coordinator.Op, req *kmsg.SyncGroupRequest, reply func(*kmsg.SyncGroupResponse)) {
	g := st.classicGroup(req.Group)
	if g == nil || g.IsEmpty() {
		// Kafka answers the same for a KIP-848 group; it would take a
		// classic member of one, which Samsa does not yet.
		reply(syncError(kerr.UnknownMemberID.Code))
		return
	}
	if err := g.validateSync(req); err != nil {
		reply(syncError(errorCode(err)))
		return
	}
	m := g.members[req.MemberID]
	switch g.state {
	case classicPreparingRebalance:
		reply(syncError(kerr.RebalanceInProgress.Code))
	case classicCompletingRebalance:
		if m.sync != nil {
			m.sync.reply(syncError(kerr.RebalanceInProgress.Code)) // superseded by this one
		}
		m.sync = &syncWaiter{generation: g.generation, reply: reply}
		st.removePendingSync(op, g, m.id)
		if g.leader == m.id {
			st.leaderSync(op, g, req)
		}
	case classicStable:
		st.removePendingSync(op, g, m.id)
		resp := g.syncResponse(m.assignment)
		op.AfterCommit(func(err error) {
			if err != nil {
				resp = syncError(classicWriteError(err))
			}
			reply(resp)
		})
	}
}

// validateSync checks a SyncGroup's member, generation and (v5+)
// protocol type and name.
func (g *classicGroup) validateSync(req *kmsg.SyncGroupRequest) error {
	if err := g.validateMember(req.MemberID, req.InstanceID); err != nil {
		return err
	}
	if req.Generation != g.generation {
		return kerr.IllegalGeneration
	}
	groupType := &g.protocolType
	if g.protocolType == "" {
		groupType = nil
	}
	if protocolInconsistent(req.ProtocolType, groupType) || protocolInconsistent(req.Protocol, g.protocol) {
		return kerr.InconsistentGroupProtocol
	}
	return nil
}

// protocolInconsistent: both are known and differ.
func protocolInconsistent(request, group *string) bool {
	return request != nil && group != nil && *request != *group
}

func (g *classicGroup) syncResponse(assignment []byte) *kmsg.SyncGroupResponse {
	protocolType := g.protocolType
	return &kmsg.SyncGroupResponse{ProtocolType: &protocolType, Protocol: g.protocol, MemberAssignment: assignment}
}

// leaderSync persists the leader's assignment: the record makes the group
// Stable with it (see replayGroupMetadata), and the members parked for
// this generation hear of it once it is durable. A member the leader left
// out gets an empty assignment, as in Kafka.
func (st *State) leaderSync(op *coordinator.Op, g *classicGroup, req *kmsg.SyncGroupRequest) {
	assignments := make(map[string][]byte, len(g.members))
	for _, a := range req.GroupAssignment {
		if _, ok := g.members[a.MemberID]; ok {
			assignments[a.MemberID] = a.MemberAssignment
		}
	}
	missing := 0
	for id := range g.members {
		if _, ok := assignments[id]; !ok {
			assignments[id] = []byte{}
			missing++
		}
	}
	if missing > 0 {
		g.log().Warn("the leader's assignment left members out; they get empty assignments", "generation", g.generation, "members", missing)
	}
	rec := g.record(assignments, op.Now().UnixMilli())
	if size := recordSize(rec); size > groupRecordMaxBytes {
		g.log().Warn("the group's record with this assignment is too large to store", "bytes", size, "max", groupRecordMaxBytes)
		st.resetAndPropagateAssignmentWithError(op, g, kerr.UnknownServerError.Code)
		st.maybePrepareRebalanceOrCompleteJoin(op, g, "the assignment could not be stored")
		return
	}
	generation := g.generation
	op.Write(rec)
	g.log().Info("stored the leader's assignment; the group is stable", "generation", generation, "members", len(g.members))
	for _, m := range g.members {
		if m.sync != nil && m.sync.generation == generation {
			// Their sessions start now: Kafka restarts them when it
			// answers, which is a write's latency later.
			st.scheduleHeartbeat(op, g, m, m.sessionTimeout())
		}
	}
	op.AfterCommit(func(err error) { g.propagateAssignment(generation, assignments, err) })
}

// propagateAssignment answers the members parked for a generation with
// their assignment once its record is durable, or with the write's error.
func (g *classicGroup) propagateAssignment(generation int32, assignments map[string][]byte, err error) {
	for _, m := range g.sortedMembers() {
		if m.sync == nil || m.sync.generation != generation {
			continue
		}
		resp := g.syncResponse(assignments[m.id])
		if err != nil {
			resp = syncError(classicWriteError(err))
		}
		g.completeSync(m, resp)
	}
}

// resetAndPropagateAssignmentWithError ends a CompletingRebalance without
// an assignment: parked SyncGroups get code and restart their sessions.
func (st *State) resetAndPropagateAssignmentWithError(op *coordinator.Op, g *classicGroup, code int16) {
	for _, m := range g.sortedMembers() {
		m.assignment = []byte{}
		if g.completeSync(m, syncError(code)) {
			st.scheduleHeartbeat(op, g, m, m.sessionTimeout())
		}
	}
}

// schedulePendingSync gives the generation's members the rebalance
// timeout to sync; those that do not are removed.
func (st *State) schedulePendingSync(op *coordinator.Op, g *classicGroup) {
	generation := g.generation
	op.Schedule(syncKey(g.id), g.rebalanceTimeout(), func(op *coordinator.Op) {
		if !g.live() || g.generation != generation || len(g.pendingSync) == 0 {
			return
		}
		if !g.is(classicCompletingRebalance) && !g.is(classicStable) {
			return
		}
		for _, id := range sortedKeys(g.pendingSync) {
			if m, ok := g.members[id]; ok {
				g.log().Info("removed a member that did not sync in time", "member", id, "generation", generation)
				g.evict(op, m, kerr.UnknownMemberID.Code)
			}
		}
		clear(g.pendingSync)
		st.prepareRebalance(op, g, "members did not sync in time")
	})
}

func (st *State) removePendingSync(op *coordinator.Op, g *classicGroup, memberID string) {
	delete(g.pendingSync, memberID)
	if len(g.pendingSync) == 0 || !(g.is(classicCompletingRebalance) || g.is(classicStable)) {
		op.Cancel(syncKey(g.id))
	}
}
