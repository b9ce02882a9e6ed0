package group

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestClassicRandomMembers drives one group with members that join,
// sync, heartbeat, commit, stall past their session and leave at random,
// with every protocol version, some static. Every request must be
// answered within a bound set by the rebalance timeout (no parked request
// is forgotten), and once every member has left the group must end Empty
// (no group is stuck).
func TestClassicRandomMembers(t *testing.T) {
	h := newClassicHarness(t, nil)
	const (
		members    = 6
		run        = 2 * time.Second
		rebalance  = 150
		answerWait = 2 * time.Second
	)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	var wg sync.WaitGroup
	for i := 0; i < members; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			m := &randomMember{h: h, rng: rand.New(rand.NewPCG(seed, uint64(i))), name: fmt.Sprintf("m%d", i), rebalanceMs: rebalance, wait: answerWait}
			if i%3 == 0 {
				instance := fmt.Sprintf("instance-%d", i)
				m.instance = &instance
			}
			deadline := time.Now().Add(run)
			for time.Now().Before(deadline) && !t.Failed() {
				if err := m.step(); err != nil {
					t.Error(err)
					return
				}
			}
			if err := m.leave(); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	eventually(t, "the group to be empty once every member left", func() bool {
		d := h.describeOne("g")
		return d.State == "Empty" && len(d.Members) == 0
	})
}

type randomMember struct {
	h           *classicHarness
	rng         *rand.Rand
	name        string
	instance    *string
	rebalanceMs int32
	wait        time.Duration

	id         string
	generation int32
	leader     bool
	members    []kmsg.JoinGroupResponseMember
}

// call runs fn, failing if its answer takes longer than the bound.
func (m *randomMember) call(what string, fn func()) error {
	done := make(chan struct{})
	start := time.Now()
	go func() { fn(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(m.wait):
		return fmt.Errorf("%s: %s not answered after %v", m.name, what, time.Since(start))
	}
}

func (m *randomMember) step() error {
	switch n := m.rng.IntN(100); {
	case n < 30:
		return m.join()
	case n < 55:
		return m.sync()
	case n < 80:
		return m.heartbeat()
	case n < 88:
		return m.commit()
	case n < 94:
		time.Sleep(time.Duration(m.rng.IntN(300)) * time.Millisecond) // may outlive its session
		return nil
	default:
		return m.leave()
	}
}

func (m *randomMember) join() error {
	versions := []int16{2, 3, 4, 5, 6, 7, 8, 9}
	req := joinReq("g", m.id, versions[m.rng.IntN(len(versions))], "range", "x", "roundrobin", "y")
	if m.rng.IntN(4) == 0 {
		req = joinReq("g", m.id, req.Version, "roundrobin", "z")
	}
	req.SessionTimeoutMillis, req.RebalanceTimeoutMillis = 100+int32(m.rng.IntN(200)), m.rebalanceMs
	if req.Version >= 5 {
		req.InstanceID = m.instance
	}
	var r *kmsg.JoinGroupResponse
	if err := m.call("JoinGroup", func() { r = m.h.c.JoinGroup(m.h.ctx(), req, Client{ID: m.name, Host: "/127.0.0.1"}) }); err != nil {
		return err
	}
	switch r.ErrorCode {
	case 0:
		m.id, m.generation, m.leader, m.members = r.MemberID, r.Generation, r.LeaderID == r.MemberID, r.Members
	case kerr.MemberIDRequired.Code:
		m.id = r.MemberID
	case kerr.UnknownMemberID.Code, kerr.FencedInstanceID.Code:
		m.id = ""
	}
	return nil
}

func (m *randomMember) sync() error {
	req := kmsg.NewPtrSyncGroupRequest()
	req.Version, req.Group, req.MemberID, req.Generation = int16(m.rng.IntN(6)), "g", m.id, m.generation
	if req.Version >= 3 {
		req.InstanceID = m.instance
	}
	if m.leader {
		for _, jm := range m.members {
			req.GroupAssignment = append(req.GroupAssignment, kmsg.SyncGroupRequestGroupAssignment{MemberID: jm.MemberID, MemberAssignment: []byte(jm.MemberID)})
		}
	}
	return m.call("SyncGroup", func() { m.h.c.SyncGroup(m.h.ctx(), req) })
}

func (m *randomMember) heartbeat() error {
	req := kmsg.NewPtrHeartbeatRequest()
	req.Version, req.Group, req.MemberID, req.Generation = int16(m.rng.IntN(5)), "g", m.id, m.generation
	if req.Version >= 3 {
		req.InstanceID = m.instance
	}
	var r *kmsg.HeartbeatResponse
	if err := m.call("Heartbeat", func() { r = m.h.c.Heartbeat(m.h.ctx(), req) }); err != nil {
		return err
	}
	if r.ErrorCode == kerr.UnknownMemberID.Code || r.ErrorCode == kerr.FencedInstanceID.Code {
		m.id = ""
	}
	return nil
}

func (m *randomMember) commit() error {
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Version, req.Group, req.MemberID, req.Generation, req.InstanceID = 9, "g", m.id, m.generation, m.instance
	req.Topics = []kmsg.OffsetCommitRequestTopic{{Topic: "t", Partitions: []kmsg.OffsetCommitRequestTopicPartition{{Partition: int32(m.rng.IntN(4)), Offset: int64(m.rng.IntN(1000))}}}}
	return m.call("OffsetCommit", func() { m.h.c.OffsetCommit(m.h.ctx(), req) })
}

func (m *randomMember) leave() error {
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Version, req.Group = int16(3+m.rng.IntN(3)), "g"
	req.Members = []kmsg.LeaveGroupRequestMember{{MemberID: m.id, InstanceID: m.instance}}
	if m.instance != nil && m.rng.IntN(2) == 0 {
		req.Members[0].MemberID = "" // as an admin removes a static member
	}
	err := m.call("LeaveGroup", func() { m.h.c.LeaveGroup(m.h.ctx(), req) })
	m.id, m.generation, m.leader = "", 0, false
	return err
}
