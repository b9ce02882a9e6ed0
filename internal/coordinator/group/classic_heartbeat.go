package group

// Heartbeat and LeaveGroup of classic groups (Kafka's
// GroupMetadataManager.classicGroupHeartbeat and classicGroupLeave).

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/coordinator"
)

// Heartbeat keeps a member's session alive and tells it whether a
// rebalance is under way.
func (c *Coordinator) Heartbeat(ctx context.Context, req *kmsg.HeartbeatRequest) *kmsg.HeartbeatResponse {
	resp := req.ResponseKind().(*kmsg.HeartbeatResponse)
	if err := validateGroupID(req.Group); err != nil {
		resp.ErrorCode = errorCode(err)
		return resp
	}
	code, err := run(ctx, c, req.Group, func(op *coordinator.Op, st *State, reply func(int16)) {
		st.classicHeartbeat(op, req, reply)
	})
	switch {
	case errors.Is(err, kerr.CoordinatorLoadInProgress):
		// As Kafka: the group is not known yet, so the member is
		// told all is well rather than made to rejoin.
		code = 0
	case err != nil:
		code = errorCode(err)
	}
	resp.ErrorCode = code
	return resp
}

func (st *State) classicHeartbeat(op *coordinator.Op, req *kmsg.HeartbeatRequest, reply func(int16)) {
	g := st.classicGroup(req.Group)
	if g == nil {
		reply(kerr.UnknownMemberID.Code)
		return
	}
	if err := g.validateMember(req.MemberID, req.InstanceID); err != nil {
		reply(errorCode(err))
		return
	}
	if req.Generation != g.generation {
		reply(kerr.IllegalGeneration.Code)
		return
	}
	var code int16
	switch g.state {
	case classicEmpty:
		reply(kerr.UnknownMemberID.Code)
		return
	case classicPreparingRebalance:
		code = kerr.RebalanceInProgress.Code
	}
	m := g.members[req.MemberID]
	st.scheduleHeartbeat(op, g, m, m.sessionTimeout())
	op.AfterCommit(func(err error) {
		if err != nil {
			code = classicWriteError(err)
		}
		reply(code)
	})
}

// leaveResult is LeaveGroup's answer before it is fitted to a version.
type leaveResult struct {
	code    int16
	members []kmsg.LeaveGroupResponseMember
}

// LeaveGroup removes members (v3+: several, and static members by their
// instance id, as admin tools do), which starts a rebalance.
func (c *Coordinator) LeaveGroup(ctx context.Context, req *kmsg.LeaveGroupRequest) *kmsg.LeaveGroupResponse {
	resp := req.ResponseKind().(*kmsg.LeaveGroupResponse)
	members := req.Members
	if req.Version < 3 {
		members = []kmsg.LeaveGroupRequestMember{{MemberID: req.MemberID}}
	}
	if err := validateGroupID(req.Group); err != nil {
		resp.ErrorCode = errorCode(err)
		return resp
	}
	res, err := run(ctx, c, req.Group, func(op *coordinator.Op, st *State, reply func(leaveResult)) {
		st.classicLeave(op, req.Group, members, reply)
	})
	if err != nil {
		res = leaveResult{code: errorCode(err)}
	}
	resp.ErrorCode = res.code
	if req.Version >= 3 {
		resp.Members = res.members
		return resp
	}
	// Before v3 the one member's error is the response's.
	for _, m := range res.members {
		if resp.ErrorCode == 0 {
			resp.ErrorCode = m.ErrorCode
		}
	}
	return resp
}

func (st *State) classicLeave(op *coordinator.Op, groupID string, members []kmsg.LeaveGroupRequestMember, reply func(leaveResult)) {
	var res leaveResult
	g := st.classicGroup(groupID)
	left := 0
	for _, lm := range members {
		rm := kmsg.NewLeaveGroupResponseMember()
		rm.MemberID, rm.InstanceID = lm.MemberID, lm.InstanceID
		if g == nil {
			rm.ErrorCode = kerr.UnknownMemberID.Code
		} else if err := st.leaveOne(op, g, lm); err != nil {
			rm.ErrorCode = errorCode(err)
		} else {
			left++
		}
		res.members = append(res.members, rm)
	}
	if left > 0 {
		switch g.state {
		case classicStable, classicCompletingRebalance:
			st.maybePrepareRebalanceOrCompleteJoin(op, g, "members left the group")
		case classicPreparingRebalance:
			st.maybeCompleteJoinPhase(op, g)
		}
	}
	op.AfterCommit(func(err error) {
		if err != nil {
			res = leaveResult{code: classicWriteError(err)}
		}
		reply(res)
	})
}

// leaveOne removes one member: by instance id when the member id is empty
// (admin tools removing static members), a member that has its id but
// has not joined yet, or a member that must match its instance id.
func (st *State) leaveOne(op *coordinator.Op, g *classicGroup, lm kmsg.LeaveGroupRequestMember) error {
	switch {
	case lm.MemberID == "":
		if lm.InstanceID == nil {
			return kerr.UnknownMemberID
		}
		id, ok := g.staticMembers[*lm.InstanceID]
		if !ok {
			return kerr.UnknownMemberID
		}
		g.log().Info("static member removed by LeaveGroup", "instance", *lm.InstanceID, "member", id, "reason", reason(lm.Reason))
		g.evict(op, g.members[id], kerr.UnknownMemberID.Code)
	case g.pendingJoin[lm.MemberID]:
		delete(g.pendingJoin, lm.MemberID)
		op.Cancel(heartbeatKey(g.id, lm.MemberID))
	default:
		if err := g.validateMember(lm.MemberID, lm.InstanceID); err != nil {
			return err
		}
		g.log().Info("member left the group", "member", lm.MemberID, "reason", reason(lm.Reason))
		g.evict(op, g.members[lm.MemberID], kerr.UnknownMemberID.Code)
	}
	return nil
}

// reason is a client's reason for a log line, cut to the 255 bytes Kafka's
// clients send at most.
func reason(r *string) string {
	if r == nil {
		return "not provided"
	}
	return (*r)[:min(len(*r), 255)]
}
