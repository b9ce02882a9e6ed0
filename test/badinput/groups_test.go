package badinput

import (
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// joinGroup sends one JoinGroup v9 for a consumer-protocol member with the
// given protocols (name → metadata).
func joinGroup(r *raw, group, member string, protocols map[string][]byte) *kmsg.JoinGroupResponse {
	req := kmsg.NewPtrJoinGroupRequest()
	req.SetVersion(9)
	req.Group, req.MemberID, req.ProtocolType = group, member, "consumer"
	req.SessionTimeoutMillis, req.RebalanceTimeoutMillis = 10000, 10000
	for name, md := range protocols {
		p := kmsg.NewJoinGroupRequestProtocol()
		p.Name, p.Metadata = name, md
		req.Protocols = append(req.Protocols, p)
	}
	return r.roundTrip(req).(*kmsg.JoinGroupResponse)
}

// findCoordinator asks for the group's coordinator (creating
// __consumer_offsets on first use) and waits until the coordinator has
// loaded the group's partition.
func findCoordinator(t *testing.T, r *raw, group string) {
	t.Helper()
	fc := kmsg.NewPtrFindCoordinatorRequest()
	fc.SetVersion(4)
	fc.CoordinatorKeys = []string{group}
	if resp := r.roundTrip(fc).(*kmsg.FindCoordinatorResponse); resp.Coordinators[0].ErrorCode != 0 {
		t.Fatalf("find coordinator: %v", kerr.ErrorForCode(resp.Coordinators[0].ErrorCode))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		hb := kmsg.NewPtrHeartbeatRequest()
		hb.Group, hb.MemberID = group, "probe"
		code := r.roundTrip(hb).(*kmsg.HeartbeatResponse).ErrorCode
		if code != kerr.CoordinatorLoadInProgress.Code && code != kerr.NotCoordinator.Code {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the coordinator of %s did not load", group)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// joinAsMember completes the member-id-required round trip and returns the
// member's id and generation.
func joinAsMember(t *testing.T, r *raw, group string, protocols map[string][]byte) (string, int32) {
	t.Helper()
	findCoordinator(t, r, group)
	first := joinGroup(r, group, "", protocols)
	if first.ErrorCode != kerr.MemberIDRequired.Code || first.MemberID == "" {
		t.Fatalf("first join: code %d member %q, want MEMBER_ID_REQUIRED with an id", first.ErrorCode, first.MemberID)
	}
	second := joinGroup(r, group, first.MemberID, protocols)
	if second.ErrorCode != 0 {
		t.Fatalf("second join: %v", kerr.ErrorForCode(second.ErrorCode))
	}
	return first.MemberID, second.Generation
}

// TestGroupBadInput: group requests Kafka refuses get Kafka's codes, the
// connection keeps serving, the broker stays healthy, and only input that
// is wrong rather than merely late (oversized metadata) is logged.
func TestGroupBadInput(t *testing.T) {
	e := newEnv(t)
	range_ := map[string][]byte{"range": {0, 1, 0, 0, 0, 0}}

	t.Run("empty and oversized group ids", func(t *testing.T) {
		m := e.mark(t)
		r := e.dial(t)
		if resp := joinGroup(r, "", "", range_); resp.ErrorCode != kerr.InvalidGroupID.Code {
			t.Fatalf("empty group id: %v", kerr.ErrorForCode(resp.ErrorCode))
		}
		hb := kmsg.NewPtrHeartbeatRequest()
		hb.SetVersion(4)
		hb.Group, hb.MemberID = strings.Repeat("g", 40000), "m"
		if resp := r.roundTrip(hb).(*kmsg.HeartbeatResponse); resp.ErrorCode != kerr.InvalidGroupID.Code {
			t.Fatalf("40000-byte group id: %v", kerr.ErrorForCode(resp.ErrorCode))
		}
		e.after(t, m, 0, r.local())
	})

	t.Run("unknown member and illegal generation", func(t *testing.T) {
		m := e.mark(t)
		r := e.dial(t)
		member, gen := joinAsMember(t, r, "bad-gen", range_)
		hb := kmsg.NewPtrHeartbeatRequest()
		hb.SetVersion(4)
		hb.Group, hb.MemberID, hb.Generation = "bad-gen", "nobody", gen
		if resp := r.roundTrip(hb).(*kmsg.HeartbeatResponse); resp.ErrorCode != kerr.UnknownMemberID.Code {
			t.Fatalf("unknown member: %v", kerr.ErrorForCode(resp.ErrorCode))
		}
		sync := kmsg.NewPtrSyncGroupRequest()
		sync.SetVersion(5)
		sync.Group, sync.MemberID, sync.Generation = "bad-gen", member, gen+7
		pt, pn := "consumer", "range"
		sync.ProtocolType, sync.Protocol = &pt, &pn
		if resp := r.roundTrip(sync).(*kmsg.SyncGroupResponse); resp.ErrorCode != kerr.IllegalGeneration.Code {
			t.Fatalf("sync at a wrong generation: %v", kerr.ErrorForCode(resp.ErrorCode))
		}
		commit := kmsg.NewPtrOffsetCommitRequest()
		commit.SetVersion(9)
		commit.Group, commit.MemberID, commit.Generation = "bad-gen", member, gen+7
		ct := kmsg.NewOffsetCommitRequestTopic()
		ct.Topic = healthTopic
		ct.Partitions = []kmsg.OffsetCommitRequestTopicPartition{{Partition: 0, Offset: 1, LeaderEpoch: -1}}
		commit.Topics = append(commit.Topics, ct)
		resp := r.roundTrip(commit).(*kmsg.OffsetCommitResponse)
		if code := resp.Topics[0].Partitions[0].ErrorCode; code != kerr.IllegalGeneration.Code {
			t.Fatalf("commit at a wrong generation: %v", kerr.ErrorForCode(code))
		}
		e.after(t, m, 0, r.local())
	})

	t.Run("inconsistent protocols", func(t *testing.T) {
		m := e.mark(t)
		r := e.dial(t)
		joinAsMember(t, r, "mixed", range_)
		other := e.dial(t)
		findCoordinator(t, other, "mixed")
		first := joinGroup(other, "mixed", "", map[string][]byte{"roundrobin": {0, 1, 0, 0, 0, 0}})
		if first.ErrorCode == kerr.MemberIDRequired.Code {
			first = joinGroup(other, "mixed", first.MemberID, map[string][]byte{"roundrobin": {0, 1, 0, 0, 0, 0}})
		}
		if first.ErrorCode != kerr.InconsistentGroupProtocol.Code {
			t.Fatalf("a member sharing no protocol: %v", kerr.ErrorForCode(first.ErrorCode))
		}
		e.after(t, m, 0, r.local())
	})

	t.Run("oversized protocol metadata", func(t *testing.T) {
		m := e.mark(t)
		r := e.dial(t)
		findCoordinator(t, r, "fat")
		resp := joinGroup(r, "fat", "", map[string][]byte{"range": make([]byte, 2<<20)})
		if resp.ErrorCode != kerr.InvalidRequest.Code {
			t.Fatalf("2 MiB of protocol metadata: %v", kerr.ErrorForCode(resp.ErrorCode))
		}
		e.after(t, m, 1, "protocol metadata is too large")
	})

	t.Run("malformed consumer group heartbeat", func(t *testing.T) {
		m := e.mark(t)
		r := e.dial(t)
		hb := kmsg.NewPtrConsumerGroupHeartbeatRequest()
		hb.SetVersion(0)
		findCoordinator(t, r, "next-gen")
		hb.Group, hb.MemberEpoch = "next-gen", 0 // joining, but no subscription nor rebalance timeout
		if resp := r.roundTrip(hb).(*kmsg.ConsumerGroupHeartbeatResponse); resp.ErrorCode != kerr.InvalidRequest.Code {
			t.Fatalf("join without a subscription: %v", kerr.ErrorForCode(resp.ErrorCode))
		}
		e.after(t, m, 0, r.local())
	})
}
