package group

import (
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestClassicMemberIDRequired: from v4 a member without an id gets one
// (client id, dash, UUID) with MEMBER_ID_REQUIRED and joins with it;
// before v4 it joins at once.
func TestClassicMemberIDRequired(t *testing.T) {
	h := newClassicHarness(t, nil)
	r := h.join(joinReq("g", "", 4, "range", "m"), "my-client")
	wantCode(t, "first join", r.ErrorCode, kerr.MemberIDRequired)
	if !strings.HasPrefix(r.MemberID, "my-client-") || len(r.MemberID) != len("my-client-")+36 {
		t.Fatalf("member id %q is not <client.id>-<uuid>", r.MemberID)
	}
	if d := h.describeOne("g"); d.State != "Empty" || len(d.Members) != 0 {
		t.Fatalf("a pending member is not a member: %+v", d)
	}
	r = h.join(joinReq("g", r.MemberID, 4, "range", "m"), "my-client")
	wantCode(t, "second join", r.ErrorCode, nil)
	if r.Generation != 1 || r.LeaderID != r.MemberID || len(r.Members) != 1 || *r.Protocol != "range" || *r.ProtocolType != "consumer" {
		t.Fatalf("join answer: %+v", r)
	}

	old := h.join(joinReq("g2", "", 3, "range", "m"), "old-client")
	wantCode(t, "v3 join", old.ErrorCode, nil)
	if !strings.HasPrefix(old.MemberID, "old-client-") || old.Generation != 1 {
		t.Fatalf("v3 join answer: %+v", old)
	}

	static := joinReq("g3", "", 5, "range", "m")
	instance := "instance-1"
	static.InstanceID = &instance
	s := h.join(static, "c")
	wantCode(t, "static join", s.ErrorCode, nil)
	if !strings.HasPrefix(s.MemberID, "instance-1-") {
		t.Fatalf("static member id %q does not start with its instance id", s.MemberID)
	}
}

// TestClassicProtocolSelection: the group uses a protocol every member
// supports, the one most members prefer; a member that supports none of
// the group's, or another protocol type, is refused.
func TestClassicProtocolSelection(t *testing.T) {
	h := newClassicHarness(t, func(c *Config) { c.InitialRebalanceDelay = 300 * time.Millisecond })
	_, a := h.joinNew(joinReq("g", "", 5, "range", "", "roundrobin", ""), "c")
	_, b := h.joinNew(joinReq("g", "", 5, "range", "", "roundrobin", ""), "c")
	_, c := h.joinNew(joinReq("g", "", 5, "roundrobin", "", "range", "", "sticky", ""), "c")
	for _, ch := range []<-chan *kmsg.JoinGroupResponse{a, b, c} {
		if r := h.await(ch); r.ErrorCode != 0 || *r.Protocol != "range" {
			t.Fatalf("join: error %s, protocol %v; want range (two votes to one)", codeName(r.ErrorCode), r.Protocol)
		}
	}
	r := h.join(joinReq("g", "", 5, "sticky", ""), "c")
	wantCode(t, "a member sharing no protocol", r.ErrorCode, kerr.InconsistentGroupProtocol)
	other := joinReq("g", "", 5, "range", "")
	other.ProtocolType = "connect"
	wantCode(t, "another protocol type", h.join(other, "c").ErrorCode, kerr.InconsistentGroupProtocol)
	none := joinReq("g2", "", 5)
	wantCode(t, "no protocols", h.join(none, "c").ErrorCode, kerr.InconsistentGroupProtocol)
}

// TestClassicRebalanceTimeout: a rebalance waits for every member up to
// the rebalance timeout; a member that does not rejoin is dropped and the
// others get the next generation.
func TestClassicRebalanceTimeout(t *testing.T) {
	h := newClassicHarness(t, nil)
	ids, gen := h.stable("g", 2, "range", "")
	leader := h.describeOne("g")
	_ = leader
	start := time.Now()
	// The first member rejoins with new metadata: a rebalance the
	// second never joins.
	ch := h.joinAsync(joinReq("g", ids[0], 5, "range", "new"), "c")
	eventually(t, "the rebalance", func() bool { return h.describeOne("g").State == "PreparingRebalance" })
	wantCode(t, "heartbeat of the member that must rejoin", h.heartbeat("g", ids[1], gen, nil), kerr.RebalanceInProgress)
	r := h.await(ch)
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Fatalf("the join phase ended after %v, before the rebalance timeout", waited)
	}
	if r.ErrorCode != 0 || r.Generation != gen+1 || r.LeaderID != ids[0] || len(r.Members) != 1 {
		t.Fatalf("join after the timeout: %+v", r)
	}
	wantCode(t, "heartbeat of the dropped member", h.heartbeat("g", ids[1], gen, nil), kerr.UnknownMemberID)
}

// TestClassicSessionTimeout: a member that stops heartbeating is removed
// after its session timeout; the group rebalances without it and, empty,
// writes that it is.
func TestClassicSessionTimeout(t *testing.T) {
	h := newClassicHarness(t, nil)
	req := joinReq("g", "", 5, "range", "")
	req.SessionTimeoutMillis = 150
	id, ch := h.joinNew(req, "c")
	r := h.await(ch)
	if s := h.sync("g", id, r.Generation, map[string]string{id: "x"}); s.ErrorCode != 0 {
		t.Fatalf("sync: %s", codeName(s.ErrorCode))
	}
	// Heartbeats keep it alive past several session timeouts.
	for i := 0; i < 6; i++ {
		time.Sleep(60 * time.Millisecond)
		wantCode(t, "heartbeat", h.heartbeat("g", id, r.Generation, nil), nil)
	}
	appends := h.log.appends.Load()
	eventually(t, "the session to expire", func() bool { return h.describeOne("g").State == "Empty" })
	wantCode(t, "heartbeat after expiry", h.heartbeat("g", id, r.Generation, nil), kerr.UnknownMemberID)
	if h.log.appends.Load() == appends {
		t.Fatal("the group became empty without writing it")
	}
	h.restart()
	if d := h.describeOne("g"); d.State != "Empty" || d.ProtocolType != "consumer" {
		t.Fatalf("after a restart: %+v", d)
	}
}

// TestClassicInitialRebalanceDelay: the first rebalance of an empty group
// waits group.initial.rebalance.delay.ms, again for each member that
// arrives meanwhile, but no longer than the rebalance timeout.
func TestClassicInitialRebalanceDelay(t *testing.T) {
	h := newClassicHarness(t, func(c *Config) { c.InitialRebalanceDelay = 300 * time.Millisecond })
	start := time.Now()
	_, a := h.joinNew(joinReq("g", "", 5, "range", ""), "c")
	time.Sleep(150 * time.Millisecond)
	_, b := h.joinNew(joinReq("g", "", 5, "range", ""), "c")
	ra, rb := h.await(a), h.await(b)
	took := time.Since(start)
	if ra.ErrorCode != 0 || rb.ErrorCode != 0 || ra.Generation != 1 || rb.Generation != 1 {
		t.Fatalf("both members should be in generation 1: %+v %+v", ra, rb)
	}
	if took < 550*time.Millisecond {
		t.Fatalf("the first rebalance ended after %v; the delay should have been extended", took)
	}

	// With a rebalance timeout of 400ms, members arriving every 100ms
	// cannot hold the rebalance past it (plus one delay of slack).
	start = time.Now()
	req := joinReq("capped", "", 3, "range", "")
	req.RebalanceTimeoutMillis = 400
	first := h.joinAsync(req, "c")
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for i := 0; i < 8; i++ {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			more := *req
			h.joinAsync(&more, "c")
		}
	}()
	r := h.await(first)
	if took := time.Since(start); r.ErrorCode != 0 || took > 900*time.Millisecond {
		t.Fatalf("the first rebalance took %v (error %s), over the rebalance timeout and one delay", took, codeName(r.ErrorCode))
	}
}

// TestClassicGroupMaxSize: a group at group.max.size refuses new members.
func TestClassicGroupMaxSize(t *testing.T) {
	h := newClassicHarness(t, func(c *Config) { c.MaxSize = 2 })
	h.stable("g", 2, "range", "")
	r := h.join(joinReq("g", "", 5, "range", ""), "c")
	wantCode(t, "third member", r.ErrorCode, kerr.GroupMaxSizeReached)
	if d := h.describeOne("g"); d.State != "Stable" || len(d.Members) != 2 {
		t.Fatalf("the refused member disturbed the group: %+v", d)
	}
}

// TestClassicStaticMembership (KIP-345): a static member that restarts
// rejoins under its instance id with a new member id and keeps its
// assignment without a rebalance; its old member id is fenced; a rejoin
// that changes the chosen protocol rebalances.
func TestClassicStaticMembership(t *testing.T) {
	h := newClassicHarness(t, nil)
	instances := []string{"i-a", "i-b"}
	templates := make([]*kmsg.JoinGroupRequest, 2)
	for i := range templates {
		templates[i] = joinReq("g", "", 5, "range", "", "roundrobin", "")
		templates[i].InstanceID = &instances[i]
	}
	ids, gen := h.stableOf(templates)
	// The first member led the group since it was alone.
	leaderID, follower, followerInstance := ids[0], ids[1], instances[1]

	// The follower restarts: it lost its member id.
	req := joinReq("g", "", 5, "range", "", "roundrobin", "")
	req.InstanceID = &followerInstance
	r := h.join(req, "c")
	wantCode(t, "rejoin after restart", r.ErrorCode, nil)
	if r.MemberID == follower || r.Generation != gen || len(r.Members) != 0 {
		t.Fatalf("rejoin answer: %+v", r)
	}
	if d := h.describeOne("g"); d.State != "Stable" {
		t.Fatalf("a static rejoin rebalanced the group: %s", d.State)
	}
	wantCode(t, "heartbeat of the other member", h.heartbeat("g", leaderID, gen, nil), nil)
	wantCode(t, "heartbeat of the old member id", h.heartbeat("g", follower, gen, &followerInstance), kerr.FencedInstanceID)
	s := h.sync("g", r.MemberID, gen, nil)
	if want := "a-" + follower; s.ErrorCode != 0 || string(s.MemberAssignment) != want {
		t.Fatalf("sync of the new member id: %s %q, want its old assignment %q", codeName(s.ErrorCode), s.MemberAssignment, want)
	}

	// Rejoining with protocols that change the group's choice
	// rebalances.
	req = joinReq("g", "", 5, "roundrobin", "")
	req.InstanceID = &followerInstance
	ch := h.joinAsync(req, "c")
	eventually(t, "a rebalance", func() bool { return h.describeOne("g").State == "PreparingRebalance" })
	lead := joinReq("g", leaderID, 5, "range", "", "roundrobin", "")
	lead.InstanceID = &instances[0]
	lr := h.join(lead, "c")
	nr := h.await(ch)
	if nr.ErrorCode != 0 || nr.Generation != gen+1 || lr.Generation != gen+1 || *lr.Protocol != "roundrobin" {
		t.Fatalf("after the protocol change: %+v / %+v", nr, lr)
	}
	h.syncAll("g", []string{leaderID, nr.MemberID}, lr.LeaderID, lr.Generation)

	// The static members survive a coordinator restart with their ids.
	h.restart()
	wantCode(t, "heartbeat after a restart", h.heartbeat("g", nr.MemberID, lr.Generation, &followerInstance), nil)
	if d := h.describeOne("g"); d.State != "Stable" || d.Protocol != "roundrobin" || len(d.Members) != 2 {
		t.Fatalf("after a restart: %+v", d)
	}
}

// TestClassicHeartbeat: the answers to heartbeats in each state and to
// bad members and generations.
func TestClassicHeartbeat(t *testing.T) {
	h := newClassicHarness(t, nil)
	wantCode(t, "unknown group", h.heartbeat("nope", "m", 1, nil), kerr.UnknownMemberID)
	ids, gen := h.stable("g", 2, "range", "")
	wantCode(t, "stable", h.heartbeat("g", ids[0], gen, nil), nil)
	wantCode(t, "old generation", h.heartbeat("g", ids[0], gen-1, nil), kerr.IllegalGeneration)
	wantCode(t, "unknown member", h.heartbeat("g", "stranger", gen, nil), kerr.UnknownMemberID)
	instance := "i"
	wantCode(t, "unknown instance", h.heartbeat("g", ids[0], gen, &instance), kerr.UnknownMemberID)
	ch := h.joinAsync(joinReq("g", ids[0], 5, "range", "changed"), "c")
	eventually(t, "the rebalance", func() bool { return h.describeOne("g").State == "PreparingRebalance" })
	wantCode(t, "rebalancing", h.heartbeat("g", ids[1], gen, nil), kerr.RebalanceInProgress)
	r2 := h.join(joinReq("g", ids[1], 5, "range", ""), "c")
	r1 := h.await(ch)
	wantCode(t, "completing rebalance", h.heartbeat("g", ids[1], r2.Generation, nil), nil)
	if r1.Generation != gen+1 {
		t.Fatalf("generation %d, want %d", r1.Generation, gen+1)
	}
}

// TestClassicSyncGroup: followers wait for the leader's assignment, which
// is answered only once durable; a member the leader leaves out gets an
// empty assignment; bad syncs get Kafka's errors.
func TestClassicSyncGroup(t *testing.T) {
	h := newClassicHarness(t, func(c *Config) { c.InitialRebalanceDelay = 300 * time.Millisecond })
	a, ca := h.joinNew(joinReq("g", "", 5, "range", ""), "c")
	b, cb := h.joinNew(joinReq("g", "", 5, "range", ""), "c")
	ra, rb := h.await(ca), h.await(cb)
	leader, follower, gen := a, b, ra.Generation
	if ra.LeaderID == b {
		leader, follower = b, a
	}
	if rb.Generation != gen {
		t.Fatalf("generations %d and %d", ra.Generation, rb.Generation)
	}
	wantCode(t, "sync of a wrong generation", h.sync("g", follower, gen+1, nil).ErrorCode, kerr.IllegalGeneration)
	wantCode(t, "sync of an unknown member", h.sync("g", "stranger", gen, nil).ErrorCode, kerr.UnknownMemberID)
	wantCode(t, "sync of an unknown group", h.sync("nope", follower, gen, nil).ErrorCode, kerr.UnknownMemberID)
	bad := kmsg.NewPtrSyncGroupRequest()
	bad.Version, bad.Group, bad.MemberID, bad.Generation = 5, "g", follower, gen
	other := "roundrobin"
	bad.Protocol = &other
	wantCode(t, "sync naming another protocol", h.c.SyncGroup(h.ctx(), bad).ErrorCode, kerr.InconsistentGroupProtocol)

	fs := h.syncAsync("g", follower, gen, nil)
	select {
	case r := <-fs:
		t.Fatalf("the follower's sync was answered before the leader's: %+v", r)
	case <-time.After(100 * time.Millisecond):
	}
	h.log.hold()
	ls := h.syncAsync("g", leader, gen, map[string]string{leader: "mine"})
	time.Sleep(100 * time.Millisecond)
	select {
	case <-ls:
		t.Fatal("the leader's sync was answered before its record was durable")
	case <-fs:
		t.Fatal("the follower's sync was answered before the record was durable")
	default:
	}
	h.log.release()
	if r := h.awaitSync(ls); r.ErrorCode != 0 || string(r.MemberAssignment) != "mine" || *r.Protocol != "range" || *r.ProtocolType != "consumer" {
		t.Fatalf("leader's sync: %+v", r)
	}
	if r := h.awaitSync(fs); r.ErrorCode != 0 || len(r.MemberAssignment) != 0 {
		t.Fatalf("the follower left out should get an empty assignment: %+v", r)
	}
	if r := h.sync("g", follower, gen, nil); r.ErrorCode != 0 {
		t.Fatalf("a repeated sync in Stable: %+v", r)
	}

	// During a rebalance, sync is REBALANCE_IN_PROGRESS.
	ch := h.joinAsync(joinReq("g", leader, 5, "range", ""), "c")
	eventually(t, "the rebalance", func() bool { return h.describeOne("g").State == "PreparingRebalance" })
	wantCode(t, "sync while rebalancing", h.sync("g", follower, gen, nil).ErrorCode, kerr.RebalanceInProgress)
	h.join(joinReq("g", follower, 5, "range", ""), "c")
	h.await(ch)
}

// TestClassicLeaderNeverSyncs: when the leader does not sync within the
// rebalance timeout it is removed, the parked followers are told to
// rejoin, and the group goes on without it.
func TestClassicLeaderNeverSyncs(t *testing.T) {
	h := newClassicHarness(t, nil)
	a, ca := h.joinNew(joinReq("g", "", 5, "range", ""), "c")
	ra := h.await(ca)
	b, cb := h.joinNew(joinReq("g", "", 5, "range", ""), "c")
	eventually(t, "the rebalance", func() bool { return h.describeOne("g").State == "PreparingRebalance" })
	ra = h.join(joinReq("g", a, 5, "range", ""), "c")
	rb := h.await(cb)
	leader, follower := a, b
	if ra.LeaderID == b {
		leader, follower = b, a
	}
	fs := h.syncAsync("g", follower, rb.Generation, nil)
	r := h.awaitSync(fs)
	wantCode(t, "the parked follower once the leader is dropped", r.ErrorCode, kerr.RebalanceInProgress)
	j := h.join(joinReq("g", follower, 5, "range", ""), "c")
	if j.ErrorCode != 0 || j.LeaderID != follower || len(j.Members) != 1 {
		t.Fatalf("rejoin without the old leader: %+v", j)
	}
	wantCode(t, "heartbeat of the dropped leader", h.heartbeat("g", leader, j.Generation, nil), kerr.UnknownMemberID)
}

// TestClassicLeaveGroup: v3+ removes several members at once, static ones
// by instance id alone; v0 removes one; the group rebalances, and empty,
// is written as such.
func TestClassicLeaveGroup(t *testing.T) {
	h := newClassicHarness(t, nil)
	ids, gen := h.stable("g", 3, "range", "")

	static := joinReq("g", "", 5, "range", "")
	instance := "i-1"
	static.InstanceID = &instance
	ch := h.joinAsync(static, "c")
	eventually(t, "the rebalance", func() bool { return h.describeOne("g").State == "PreparingRebalance" })
	for _, id := range ids {
		h.joinAsync(joinReq("g", id, 5, "range", ""), "c")
	}
	r := h.await(ch)
	wantCode(t, "static join", r.ErrorCode, nil)

	leave := kmsg.NewPtrLeaveGroupRequest()
	leave.Version, leave.Group = 5, "g"
	leave.Members = []kmsg.LeaveGroupRequestMember{
		{MemberID: ids[0]},
		{InstanceID: &instance},
		{MemberID: "stranger"},
	}
	resp := h.c.LeaveGroup(h.ctx(), leave)
	wantCode(t, "leave", resp.ErrorCode, nil)
	wantCode(t, "leave of a member", resp.Members[0].ErrorCode, nil)
	wantCode(t, "leave of a static member by instance id", resp.Members[1].ErrorCode, nil)
	wantCode(t, "leave of a stranger", resp.Members[2].ErrorCode, kerr.UnknownMemberID)
	if d := h.describeOne("g"); d.State != "PreparingRebalance" || len(d.Members) != 2 {
		t.Fatalf("after the leave: %+v", d)
	}

	v0 := kmsg.NewPtrLeaveGroupRequest()
	v0.Version, v0.Group, v0.MemberID = 0, "g", ids[1]
	wantCode(t, "v0 leave", h.c.LeaveGroup(h.ctx(), v0).ErrorCode, nil)
	v0.MemberID = "stranger"
	wantCode(t, "v0 leave of a stranger", h.c.LeaveGroup(h.ctx(), v0).ErrorCode, kerr.UnknownMemberID)
	v0.Group = "nope"
	wantCode(t, "v0 leave of an unknown group", h.c.LeaveGroup(h.ctx(), v0).ErrorCode, kerr.UnknownMemberID)

	v3 := kmsg.NewPtrLeaveGroupRequest()
	v3.Version, v3.Group = 3, "g"
	v3.Members = []kmsg.LeaveGroupRequestMember{{MemberID: ids[2]}}
	wantCode(t, "last leave", h.c.LeaveGroup(h.ctx(), v3).Members[0].ErrorCode, nil)
	eventually(t, "the group to be empty", func() bool { return h.describeOne("g").State == "Empty" })
	if d := h.describeOne("g"); d.ProtocolType != "consumer" || d.Protocol != "" {
		t.Fatalf("empty group: %+v", d)
	}
	if g := h.describe(5, "g"); gen >= 0 && len(g[0].Members) != 0 {
		t.Fatalf("members left: %+v", g)
	}
	h.restart()
	if d := h.describeOne("g"); d.State != "Empty" {
		t.Fatalf("after a restart: %s", d.State)
	}
}

// TestClassicRestart: a coordinator that loads the partition again finds
// the group Stable with its members and assignments; members heartbeat on
// at their generation, and one that is gone expires after its session.
func TestClassicRestart(t *testing.T) {
	h := newClassicHarness(t, nil)
	short := joinReq("g", "", 5, "range", subscription("t"))
	short.SessionTimeoutMillis = 300
	long := joinReq("g", "", 5, "range", subscription("t"))
	ids, gen := h.stableOf([]*kmsg.JoinGroupRequest{short, long})
	a, b := ids[0], ids[1]
	_ = a
	before := h.describeOne("g")

	h.restart()
	after := h.describeOne("g")
	if after.State != "Stable" || after.Protocol != "range" || len(after.Members) != 2 {
		t.Fatalf("after a restart: %+v", after)
	}
	for i, m := range after.Members {
		bm := before.Members[i]
		if m.MemberID != bm.MemberID || m.ClientID != bm.ClientID || m.ClientHost != "/127.0.0.1" ||
			string(m.MemberAssignment) != "a-"+m.MemberID || string(m.ProtocolMetadata) != subscription("t") {
			t.Fatalf("member %d after a restart: %+v, before: %+v", i, m, bm)
		}
	}
	// b heartbeats; a is gone and expires after its 300ms session.
	deadline := time.Now().Add(3 * time.Second)
	for h.describeOne("g").State == "Stable" {
		if time.Now().After(deadline) {
			t.Fatal("the member that is gone never expired")
		}
		wantCode(t, "heartbeat of b", h.heartbeat("g", b, gen, nil), nil)
		time.Sleep(50 * time.Millisecond)
	}
	wantCode(t, "heartbeat of b in the rebalance", h.heartbeat("g", b, gen, nil), kerr.RebalanceInProgress)
	r := h.join(joinReq("g", b, 5, "range", subscription("t")), "beta")
	if r.ErrorCode != 0 || r.Generation != gen+1 || len(r.Members) != 1 {
		t.Fatalf("rejoin of b: %+v", r)
	}
}

// TestClassicOffsetCommitChecks: Kafka's generation and member checks of
// offset commits against a classic group.
func TestClassicOffsetCommitChecks(t *testing.T) {
	h := newClassicHarness(t, nil)
	commit := func(group, member string, instance *string, generation int32) int16 {
		req := kmsg.NewPtrOffsetCommitRequest()
		req.Version, req.Group, req.MemberID, req.InstanceID, req.Generation = 9, group, member, instance, generation
		req.Topics = []kmsg.OffsetCommitRequestTopic{{Topic: "t", Partitions: []kmsg.OffsetCommitRequestTopicPartition{{Partition: 0, Offset: 5, LeaderEpoch: -1}}}}
		return h.c.OffsetCommit(h.ctx(), req).Topics[0].Partitions[0].ErrorCode
	}
	// An empty group takes commits from outside it.
	id, ch := h.joinNew(joinReq("g", "", 5, "range", ""), "c")
	r := h.await(ch)
	wantCode(t, "member commit in CompletingRebalance", commit("g", id, nil, r.Generation), kerr.RebalanceInProgress)
	h.sync("g", id, r.Generation, map[string]string{id: "x"})
	wantCode(t, "member commit", commit("g", id, nil, r.Generation), nil)
	wantCode(t, "old generation", commit("g", id, nil, r.Generation-1), kerr.IllegalGeneration)
	wantCode(t, "unknown member", commit("g", "stranger", nil, r.Generation), kerr.UnknownMemberID)
	wantCode(t, "outside commit to a group with members", commit("g", "", nil, -1), kerr.UnknownMemberID)

	static := joinReq("s", "", 5, "range", "")
	instance := "i"
	static.InstanceID = &instance
	sr := h.join(static, "c")
	h.sync("s", sr.MemberID, sr.Generation, map[string]string{sr.MemberID: "x"})
	wantCode(t, "static member commit", commit("s", sr.MemberID, &instance, sr.Generation), nil)
	wantCode(t, "fenced instance", commit("s", "old-id", &instance, sr.Generation), kerr.FencedInstanceID)

	leave := kmsg.NewPtrLeaveGroupRequest()
	leave.Version, leave.Group, leave.MemberID = 2, "g", id
	h.c.LeaveGroup(h.ctx(), leave)
	eventually(t, "the group to be empty", func() bool { return h.describeOne("g").State == "Empty" })
	wantCode(t, "outside commit to an empty group", commit("g", "", nil, -1), nil)
}

// TestClassicCommitKeepsSessionAlive: a member that commits offsets but
// sends no heartbeats stays in the group (Kafka refreshes the session on
// commits).
func TestClassicCommitKeepsSessionAlive(t *testing.T) {
	h := newClassicHarness(t, nil)
	req := joinReq("g", "", 5, "range", "")
	req.SessionTimeoutMillis = 200
	id, ch := h.joinNew(req, "c")
	r := h.await(ch)
	h.sync("g", id, r.Generation, map[string]string{id: "x"})
	for i := 0; i < 8; i++ {
		time.Sleep(80 * time.Millisecond)
		c := kmsg.NewPtrOffsetCommitRequest()
		c.Version, c.Group, c.MemberID, c.Generation = 9, "g", id, r.Generation
		c.Topics = []kmsg.OffsetCommitRequestTopic{{Topic: "t", Partitions: []kmsg.OffsetCommitRequestTopicPartition{{Partition: 0, Offset: int64(i)}}}}
		wantCode(t, "commit", h.c.OffsetCommit(h.ctx(), c).Topics[0].Partitions[0].ErrorCode, nil)
	}
	if d := h.describeOne("g"); d.State != "Stable" {
		t.Fatalf("a committing member expired: %s", d.State)
	}
}

// TestClassicDescribeGroups: states, members, metadata only when Stable,
// Dead for unknown groups (with GROUP_ID_NOT_FOUND from v6), Empty for a
// group known only by its offsets, and every operation authorized.
func TestClassicDescribeGroups(t *testing.T) {
	h := newClassicHarness(t, nil)
	ids, gen := h.stable("g", 2, "range", subscription("t"))
	d := h.describe(5, "g", "nope")
	if d[0].State != "Stable" || d[0].ProtocolType != "consumer" || d[0].Protocol != "range" || len(d[0].Members) != 2 ||
		d[0].AuthorizedOperations != groupOperations || d[0].ErrorCode != 0 {
		t.Fatalf("stable group: %+v", d[0])
	}
	for _, m := range d[0].Members {
		if m.ClientID != "c" || m.ClientHost != "/127.0.0.1" || string(m.ProtocolMetadata) != subscription("t") || string(m.MemberAssignment) != "a-"+m.MemberID {
			t.Fatalf("member: %+v", m)
		}
	}
	if d[1].State != "Dead" || d[1].ErrorCode != 0 || d[1].AuthorizedOperations != groupOperations {
		t.Fatalf("unknown group before v6: %+v", d[1])
	}
	d6 := h.describe(6, "nope")[0]
	if d6.State != "Dead" || d6.ErrorCode != kerr.GroupIDNotFound.Code || d6.ErrorMessage == nil || d6.AuthorizedOperations != -2147483648 {
		t.Fatalf("unknown group at v6: %+v", d6)
	}

	ch := h.joinAsync(joinReq("g", ids[0], 5, "range", subscription("t")), "c")
	eventually(t, "the rebalance", func() bool { return h.describeOne("g").State == "PreparingRebalance" })
	p := h.describeOne("g")
	if p.Protocol != "" || len(p.Members) != 2 || len(p.Members[0].ProtocolMetadata) != 0 || len(p.Members[0].MemberAssignment) == 0 {
		t.Fatalf("rebalancing group: no metadata, previous assignments kept: %+v", p)
	}
	h.join(joinReq("g", ids[1], 5, "range", subscription("t")), "c")
	h.await(ch)
	_ = gen

	c := kmsg.NewPtrOffsetCommitRequest()
	c.Version, c.Group, c.Generation = 9, "simple", -1
	c.Topics = []kmsg.OffsetCommitRequestTopic{{Topic: "t", Partitions: []kmsg.OffsetCommitRequestTopicPartition{{Partition: 0, Offset: 1}}}}
	h.c.OffsetCommit(h.ctx(), c)
	if s := h.describe(6, "simple")[0]; s.State != "Empty" || s.ErrorCode != 0 || s.ProtocolType != "" {
		t.Fatalf("group known by its offsets: %+v", s)
	}
}

// TestClassicOffsetDeleteSubscribed: OffsetDelete refuses the offsets of
// topics the members' subscriptions name while the group has members.
func TestClassicOffsetDeleteSubscribed(t *testing.T) {
	h := newClassicHarness(t, nil)
	ids, gen := h.stable("g", 1, "range", subscription("t"))
	c := kmsg.NewPtrOffsetCommitRequest()
	c.Version, c.Group, c.MemberID, c.Generation = 9, "g", ids[0], gen
	c.Topics = []kmsg.OffsetCommitRequestTopic{{Topic: "t", Partitions: []kmsg.OffsetCommitRequestTopicPartition{{Partition: 0, Offset: 1}}}}
	wantCode(t, "commit", h.c.OffsetCommit(h.ctx(), c).Topics[0].Partitions[0].ErrorCode, nil)
	del := kmsg.NewPtrOffsetDeleteRequest()
	del.Group = "g"
	del.Topics = []kmsg.OffsetDeleteRequestTopic{{Topic: "t", Partitions: []kmsg.OffsetDeleteRequestTopicPartition{{Partition: 0}}},
		{Topic: "other", Partitions: []kmsg.OffsetDeleteRequestTopicPartition{{Partition: 0}}}}
	resp := h.c.OffsetDelete(h.ctx(), del)
	wantCode(t, "delete of a subscribed topic", resp.Topics[0].Partitions[0].ErrorCode, kerr.GroupSubscribedToTopic)
	wantCode(t, "delete of another topic", resp.Topics[1].Partitions[0].ErrorCode, nil)
}

// TestClassicDeleteAndExpire: DeleteGroups refuses a group with members
// and deletes an empty one (a tombstone, so it stays deleted after a
// restart); an empty group whose offsets expired is deleted too.
func TestClassicDeleteAndExpire(t *testing.T) {
	h := newClassicHarness(t, func(c *Config) {
		c.OffsetsRetention = time.Hour
		c.OffsetsRetentionCheckInterval = 20 * time.Millisecond
	})
	ids, gen := h.stable("g", 1, "range", "")
	del := func(group string) int16 {
		req := kmsg.NewPtrDeleteGroupsRequest()
		req.Groups = []string{group}
		return h.c.DeleteGroups(h.ctx(), req).Groups[0].ErrorCode
	}
	wantCode(t, "delete of a group with members", del("g"), kerr.NonEmptyGroup)
	lr := kmsg.NewPtrListGroupsRequest()
	lr.Version = 5
	if l := h.c.ListGroups(h.ctx(), lr); len(l.Groups) != 1 || l.Groups[0].GroupState != "Stable" || l.Groups[0].GroupType != "classic" || l.Groups[0].ProtocolType != "consumer" {
		t.Fatalf("list groups: %+v", l.Groups)
	}
	c := kmsg.NewPtrOffsetCommitRequest()
	c.Version, c.Group, c.MemberID, c.Generation = 9, "g", ids[0], gen
	c.Topics = []kmsg.OffsetCommitRequestTopic{{Topic: "t", Partitions: []kmsg.OffsetCommitRequestTopicPartition{{Partition: 0, Offset: 1}}}}
	h.c.OffsetCommit(h.ctx(), c)
	leave := kmsg.NewPtrLeaveGroupRequest()
	leave.Version, leave.Group, leave.MemberID = 0, "g", ids[0]
	h.c.LeaveGroup(h.ctx(), leave)
	eventually(t, "the group to be empty", func() bool { return h.describeOne("g").State == "Empty" })

	// Empty for less than the retention: kept.
	h.clock.advance(30 * time.Minute)
	time.Sleep(100 * time.Millisecond)
	if d := h.describeOne("g"); d.State != "Empty" {
		t.Fatalf("expired early: %+v", d)
	}
	h.clock.advance(31 * time.Minute)
	eventually(t, "the group to expire", func() bool { return h.describeOne("g").State == "Dead" })

	h.stable("g2", 1, "range", "")
	l2 := kmsg.NewPtrLeaveGroupRequest()
	l2.Version, l2.Group = 5, "g2"
	l2.Members = []kmsg.LeaveGroupRequestMember{{MemberID: h.describeOne("g2").Members[0].MemberID}}
	h.c.LeaveGroup(h.ctx(), l2)
	eventually(t, "g2 to be empty", func() bool { return h.describeOne("g2").State == "Empty" })
	wantCode(t, "delete of an empty group", del("g2"), nil)
	wantCode(t, "second delete", del("g2"), kerr.GroupIDNotFound)
	h.restart()
	if d := h.describeOne("g2"); d.State != "Dead" {
		t.Fatalf("a deleted group came back after a restart: %+v", d)
	}
}

// TestClassicBadInput: group ids that are empty or too long, session
// timeouts outside the broker's bounds, oversized metadata, a member id
// for a group that does not exist.
func TestClassicBadInput(t *testing.T) {
	h := newClassicHarness(t, func(c *Config) {
		c.MinSessionTimeout = time.Second
		c.MaxSessionTimeout = 10 * time.Second
	})
	long := strings.Repeat("x", maxGroupIDBytes+1)
	for _, id := range []string{"", long} {
		req := joinReq(id, "", 5, "range", "")
		req.SessionTimeoutMillis = 5000
		wantCode(t, "join with a bad group id", h.join(req, "c").ErrorCode, kerr.InvalidGroupID)
		wantCode(t, "sync with a bad group id", h.sync(id, "m", 1, nil).ErrorCode, kerr.InvalidGroupID)
		wantCode(t, "heartbeat with a bad group id", h.heartbeat(id, "m", 1, nil), kerr.InvalidGroupID)
		l := kmsg.NewPtrLeaveGroupRequest()
		l.Version, l.Group = 5, id
		wantCode(t, "leave with a bad group id", h.c.LeaveGroup(h.ctx(), l).ErrorCode, kerr.InvalidGroupID)
	}
	for _, ms := range []int32{999, 10_001} {
		req := joinReq("g", "", 5, "range", "")
		req.SessionTimeoutMillis = ms
		wantCode(t, "session timeout out of bounds", h.join(req, "c").ErrorCode, kerr.InvalidSessionTimeout)
	}
	big := joinReq("g", "", 5, "range", strings.Repeat("m", groupRecordMaxBytes/2+1), "roundrobin", strings.Repeat("m", groupRecordMaxBytes/2+1))
	big.SessionTimeoutMillis = 5000
	wantCode(t, "oversized metadata", h.join(big, "c").ErrorCode, kerr.InvalidRequest)
	ghost := joinReq("ghost", "member-of-nothing", 5, "range", "")
	ghost.SessionTimeoutMillis = 5000
	wantCode(t, "member id for an unknown group", h.join(ghost, "c").ErrorCode, kerr.UnknownMemberID)
	if d := h.describeOne("ghost"); d.State != "Dead" {
		t.Fatalf("a refused join created the group: %+v", d)
	}
}

// TestClassicAssignmentTooLarge: a leader whose assignment would make the
// group's record too large to store gets UNKNOWN_SERVER_ERROR and the
// group rebalances; the log never sees the record.
func TestClassicAssignmentTooLarge(t *testing.T) {
	h := newClassicHarness(t, nil)
	id, ch := h.joinNew(joinReq("g", "", 5, "range", ""), "c")
	r := h.await(ch)
	appends := h.log.appends.Load()
	s := h.sync("g", id, r.Generation, map[string]string{id: strings.Repeat("a", groupRecordMaxBytes)})
	wantCode(t, "oversized assignment", s.ErrorCode, kerr.UnknownServerError)
	if h.log.appends.Load() != appends {
		t.Fatal("the oversized record was written")
	}
	if d := h.describeOne("g"); d.State != "PreparingRebalance" {
		t.Fatalf("state %s, want a rebalance", d.State)
	}
}

// TestClassicParkedJoinEndsWithShard: a JoinGroup parked in a rebalance is
// answered NOT_COORDINATOR when the shard stops.
func TestClassicParkedJoinEndsWithShard(t *testing.T) {
	h := newClassicHarness(t, func(c *Config) { c.InitialRebalanceDelay = time.Minute })
	_, ch := h.joinNew(joinReq("g", "", 5, "range", ""), "c")
	time.Sleep(50 * time.Millisecond)
	h.c.Close()
	wantCode(t, "parked join", h.await(ch).ErrorCode, kerr.NotCoordinator)
	h.start()
}

// TestClassicRecordVersions: groups written with every GroupMetadataValue
// version Kafka has used load.
func TestClassicRecordVersions(t *testing.T) {
	h := newClassicHarness(t, nil)
	for version := int16(0); version <= 4; version++ {
		v := kmsg.NewGroupMetadataValue()
		v.Version, v.ProtocolType, v.Generation = version, "consumer", 7
		protocol, leader, instance := "range", "m-1", "i-1"
		v.Protocol, v.Leader, v.CurrentStateTimestamp = &protocol, &leader, 1234
		m := kmsg.NewGroupMetadataValueMember()
		m.MemberID, m.ClientID, m.ClientHost, m.SessionTimeoutMillis, m.RebalanceTimeoutMillis = "m-1", "cid", "/10.0.0.1", 10_000, 20_000
		m.Subscription, m.Assignment = []byte(subscription("t")), []byte("asg")
		if version >= 3 {
			m.InstanceID = &instance
		}
		v.Members = []kmsg.GroupMetadataValueMember{m}
		group := "v" + string(rune('0'+version))
		k := kmsg.NewGroupMetadataKey()
		k.Version, k.Group = 2, group
		runWrite(t, h, k.AppendTo(nil), v.AppendTo(nil))
	}
	h.restart()
	for version := int16(0); version <= 4; version++ {
		group := "v" + string(rune('0'+version))
		d := h.describeOne(group)
		if d.State != "Stable" || d.Protocol != "range" || len(d.Members) != 1 {
			t.Fatalf("v%d: %+v", version, d)
		}
		m := d.Members[0]
		if m.MemberID != "m-1" || m.ClientID != "cid" || m.ClientHost != "/10.0.0.1" || string(m.MemberAssignment) != "asg" || (version >= 3) != (m.InstanceID != nil) {
			t.Fatalf("v%d member: %+v", version, m)
		}
		wantCode(t, "heartbeat of a loaded member", h.heartbeat(group, "m-1", 7, m.InstanceID), nil)
	}
}
