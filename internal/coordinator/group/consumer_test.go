package group

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/metadata"
)

// TestConsumerGroupRevokeBeforeAssign walks the reconciliation of a
// member joining a group: the new member gets nothing while the old one
// still owns what moves; the old one revokes first, at its epoch, and the
// partitions reach the new member only after the old one's heartbeat no
// longer reports them. A restart in the middle changes nothing.
func TestConsumerGroupRevokeBeforeAssign(t *testing.T) {
	cl := newCGTCluster(t, nil)
	tid := cl.topic("t", 4)
	all := map[metadata.Uuid][]int32{tid: {0, 1, 2, 3}}

	a := cl.heartbeat(cgtJoin("g", "a", "t"))
	cgtWant(t, "a joins", a.ErrorCode, nil)
	if a.MemberEpoch != 1 || !reflect.DeepEqual(cgtAssigned(a), all) || a.HeartbeatIntervalMillis != 1000 {
		t.Fatalf("a joins: %+v", a)
	}
	a = cl.heartbeat(cgtBeat("g", "a", 1, all))
	cgtWant(t, "a heartbeats", a.ErrorCode, nil)
	if a.Assignment != nil {
		t.Fatalf("a steady heartbeat carries an assignment: %+v", a.Assignment)
	}

	b := cl.heartbeat(cgtJoin("g", "b", "t"))
	cgtWant(t, "b joins", b.ErrorCode, nil)
	if b.MemberEpoch != 2 || len(cgtAssigned(b)[tid]) != 0 {
		t.Fatalf("b joins while a owns everything: epoch %d, assigned %v", b.MemberEpoch, cgtAssigned(b))
	}
	if v := cl.snapshot("g"); v.State != "Reconciling" || v.Members["b"].State != cgStateUnreleasedPartitions {
		t.Fatalf("after b joins: %+v", v)
	}

	a = cl.heartbeat(cgtBeat("g", "a", 1, all))
	kept := cgtAssigned(a)[tid]
	if a.MemberEpoch != 1 || len(kept) != 2 {
		t.Fatalf("a is told to revoke: epoch %d, kept %v", a.MemberEpoch, kept)
	}
	cl.restart()
	b = cl.heartbeat(cgtBeat("g", "b", 2, map[metadata.Uuid][]int32{}))
	if got := cgtAssigned(b); len(got[tid]) != 0 {
		t.Fatalf("b got %v while a still owns them", got)
	}
	a = cl.heartbeat(cgtBeat("g", "a", 1, map[metadata.Uuid][]int32{tid: kept}))
	if a.MemberEpoch != 2 {
		t.Fatalf("a after revoking: epoch %d", a.MemberEpoch)
	}
	b = cl.heartbeat(cgtBeat("g", "b", 2, map[metadata.Uuid][]int32{}))
	got := cgtAssigned(b)[tid]
	if len(got) != 2 || slices.ContainsFunc(got, func(p int32) bool { return slices.Contains(kept, p) }) {
		t.Fatalf("b got %v, a kept %v", got, kept)
	}
	v := cl.snapshot("g")
	if v.State != "Stable" || v.Epoch != 2 || v.AssignmentEpoch != 2 {
		t.Fatalf("stable group: %+v", v)
	}
	cl.restart()
	if after := cl.snapshot("g"); !reflect.DeepEqual(after, v) {
		t.Fatalf("restart changed the group:\n%+v\n%+v", v, after)
	}

	d := cl.c.ConsumerGroupDescribe(cl.ctx(), &kmsg.ConsumerGroupDescribeRequest{Version: 1, Groups: []string{"g", "nope", ""}})
	g := d.Groups[0]
	if g.ErrorCode != 0 || g.State != "Stable" || g.Epoch != 2 || g.AssignorName != "uniform" || len(g.Members) != 2 ||
		g.Members[0].MemberType != 1 || g.Members[0].ClientHost != "/127.0.0.1" || g.Members[0].Assignment.TopicPartitions[0].Topic != "t" {
		t.Fatalf("describe: %+v", g)
	}
	cgtWant(t, "describe unknown group", d.Groups[1].ErrorCode, kerr.GroupIDNotFound)
	cgtWant(t, "describe empty group id", d.Groups[2].ErrorCode, kerr.InvalidGroupID)

	leave := cgtBeat("g", "a", cgLeaveEpoch, nil)
	if r := cl.heartbeat(leave); r.ErrorCode != 0 || r.MemberEpoch != cgLeaveEpoch {
		t.Fatalf("leave: %+v", r)
	}
	if v := cl.snapshot("g"); v.Epoch != 3 || len(v.Members) != 1 {
		t.Fatalf("after a leaves: %+v", v)
	}
	b = cl.heartbeat(cgtBeat("g", "b", 2, map[metadata.Uuid][]int32{tid: got}))
	if b.MemberEpoch != 3 || !reflect.DeepEqual(cgtAssigned(b), all) {
		t.Fatalf("b takes over: %+v %v", b, cgtAssigned(b))
	}
}

func TestConsumerGroupHeartbeatValidation(t *testing.T) {
	cl := newCGTCluster(t, func(c *Config) { c.ConsumerMaxSize = 2 })
	cl.topic("t", 2)
	str := func(s string) *string { return &s }
	cgtWant(t, "a joins", cl.heartbeat(cgtJoin("g", "a", "t")).ErrorCode, nil)
	cases := []struct {
		name string
		req  func() *kmsg.ConsumerGroupHeartbeatRequest
		want *kerr.Error
	}{
		{"v1 join without member id", func() *kmsg.ConsumerGroupHeartbeatRequest { return cgtJoin("g", "") }, kerr.InvalidRequest},
		{"empty group", func() *kmsg.ConsumerGroupHeartbeatRequest { return cgtJoin(" ", "x", "t") }, kerr.InvalidRequest},
		{"join without rebalance timeout", func() *kmsg.ConsumerGroupHeartbeatRequest {
			r := cgtJoin("g", "x", "t")
			r.RebalanceTimeoutMillis = -1
			return r
		}, kerr.InvalidRequest},
		{"join owning partitions", func() *kmsg.ConsumerGroupHeartbeatRequest {
			r := cgtJoin("g", "x", "t")
			r.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{{Partitions: []int32{0}}}
			return r
		}, kerr.InvalidRequest},
		{"join without subscription", func() *kmsg.ConsumerGroupHeartbeatRequest {
			r := cgtJoin("g", "x")
			r.SubscribedTopicNames = nil
			return r
		}, kerr.InvalidRequest},
		{"blank instance id", func() *kmsg.ConsumerGroupHeartbeatRequest {
			r := cgtJoin("g", "x", "t")
			r.InstanceID = str("")
			return r
		}, kerr.InvalidRequest},
		{"static leave without instance", func() *kmsg.ConsumerGroupHeartbeatRequest { return cgtBeat("g", "a", -2, nil) }, kerr.InvalidRequest},
		{"epoch below -2", func() *kmsg.ConsumerGroupHeartbeatRequest { return cgtBeat("g", "a", -3, nil) }, kerr.InvalidRequest},
		{"unknown assignor", func() *kmsg.ConsumerGroupHeartbeatRequest {
			r := cgtJoin("g", "x", "t")
			r.ServerAssignor = str("sticky")
			return r
		}, kerr.UnsupportedAssignor},
		{"bad regex", func() *kmsg.ConsumerGroupHeartbeatRequest {
			r := cgtJoin("g", "x")
			r.SubscribedTopicRegex = str("(")
			return r
		}, kerr.InvalidRegularExpression},
		{"unknown member", func() *kmsg.ConsumerGroupHeartbeatRequest { return cgtBeat("g", "zz", 1, nil) }, kerr.UnknownMemberID},
		{"unknown group", func() *kmsg.ConsumerGroupHeartbeatRequest { return cgtBeat("nope", "a", 1, nil) }, kerr.GroupIDNotFound},
		{"epoch ahead", func() *kmsg.ConsumerGroupHeartbeatRequest { return cgtBeat("g", "a", 9, nil) }, kerr.FencedMemberEpoch},
	}
	for _, c := range cases {
		cgtWant(t, c.name, cl.heartbeat(c.req()).ErrorCode, c.want)
	}
	cgtWant(t, "b joins", cl.heartbeat(cgtJoin("g", "b", "t")).ErrorCode, nil)
	cgtWant(t, "group full", cl.heartbeat(cgtJoin("g", "c", "t")).ErrorCode, kerr.GroupMaxSizeReached)
	// v0: the coordinator names the member.
	v0 := cgtJoin("g2", "", "t")
	v0.Version = 0
	r := cl.heartbeat(v0)
	if r.ErrorCode != 0 || r.MemberID == nil || len(*r.MemberID) != 22 {
		t.Fatalf("v0 join: %+v", r)
	}
	// a revokes what moves to b and reaches epoch 2; epoch 1 is then
	// accepted only from an a owning no more than it is assigned.
	tid := cl.image.Load().Topics()[1].ID
	all := map[metadata.Uuid][]int32{tid: {0, 1}}
	kept := cgtAssigned(cl.heartbeat(cgtBeat("g", "a", 1, all)))
	if r := cl.heartbeat(cgtBeat("g", "a", 1, kept)); r.MemberEpoch != 2 {
		t.Fatalf("a after revoking: %+v", r)
	}
	cgtWant(t, "previous epoch owning what moved", cl.heartbeat(cgtBeat("g", "a", 1, all)).ErrorCode, kerr.FencedMemberEpoch)
	cgtWant(t, "previous epoch owning what it has", cl.heartbeat(cgtBeat("g", "a", 1, kept)).ErrorCode, nil)
	a := cl.snapshot("g").Members["a"]
	rejoin := cl.heartbeat(cgtJoin("g", "a", "t"))
	if rejoin.ErrorCode != 0 || rejoin.MemberEpoch != a.Epoch || rejoin.Assignment == nil {
		t.Fatalf("rejoin in place: %+v", rejoin)
	}
	cgtWant(t, "leave unknown member", cl.heartbeat(cgtBeat("g", "zz", -1, nil)).ErrorCode, kerr.UnknownMemberID)
}

// TestConsumerGroupStaticMembership: a static member leaving with -2
// keeps its partitions for its instance; a new member id under the same
// instance takes them over without a rebalance. The instance cannot be
// taken while its member is in the group.
func TestConsumerGroupStaticMembership(t *testing.T) {
	cl := newCGTCluster(t, nil)
	cl.topic("t", 4)
	str := func(s string) *string { return &s }
	join := func(member, instance string) *kmsg.ConsumerGroupHeartbeatResponse {
		r := cgtJoin("g", member, "t")
		r.InstanceID = str(instance)
		return cl.heartbeat(r)
	}
	a := join("a1", "ia")
	b := join("b1", "ib")
	a = cl.heartbeat(cgtBeat("g", "a1", a.MemberEpoch, cgtAssigned(a)))
	aKept := cgtAssigned(a)
	a = cl.heartbeat(cgtBeat("g", "a1", a.MemberEpoch, aKept))
	b = cl.heartbeat(cgtBeat("g", "b1", b.MemberEpoch, map[metadata.Uuid][]int32{}))
	if v := cl.snapshot("g"); v.State != "Stable" {
		t.Fatalf("group not stable: %+v", v)
	}
	epoch := cl.snapshot("g").Epoch

	cgtWant(t, "instance in use", join("a2", "ia").ErrorCode, kerr.UnreleasedInstanceID)
	wrong := cgtBeat("g", "a2", 1, nil)
	wrong.InstanceID = str("ia")
	cgtWant(t, "wrong member for instance", cl.heartbeat(wrong).ErrorCode, kerr.FencedInstanceID)

	leave := cgtBeat("g", "a1", cgStaticLeaveEpoch, nil)
	leave.InstanceID = str("ia")
	if r := cl.heartbeat(leave); r.ErrorCode != 0 || r.MemberEpoch != cgStaticLeaveEpoch {
		t.Fatalf("static leave: %+v", r)
	}
	if v := cl.snapshot("g"); v.Epoch != epoch || v.Members["a1"].Epoch != cgStaticLeaveEpoch {
		t.Fatalf("a static leave rebalanced: %+v", v)
	}
	a2 := join("a2", "ia")
	if a2.ErrorCode != 0 || !reflect.DeepEqual(cgtAssigned(a2), aKept) || a2.MemberEpoch != epoch {
		t.Fatalf("static rejoin: %+v %v, want %v at epoch %d", a2, cgtAssigned(a2), aKept, epoch)
	}
	v := cl.snapshot("g")
	if _, old := v.Members["a1"]; old || v.Epoch != epoch || len(v.Members) != 2 {
		t.Fatalf("after static rejoin: %+v", v)
	}
}

// TestConsumerGroupOffsetCommitEpochs checks commits against member
// epochs: the current epoch commits anything; a newer one is stale; an
// older one may commit only partitions held since then (KIP-1251).
func TestConsumerGroupOffsetCommitEpochs(t *testing.T) {
	cl := newCGTCluster(t, nil)
	tid := cl.topic("t", 2)
	a := cl.heartbeat(cgtJoin("g", "a", "t")) // epoch 1: t-0, t-1
	cl.heartbeat(cgtBeat("g", "a", 1, cgtAssigned(a)))
	b := cl.heartbeat(cgtJoin("g", "b", "t")) // epoch 2
	a = cl.heartbeat(cgtBeat("g", "a", 1, cgtAssigned(a)))
	kept := cgtAssigned(a)
	a = cl.heartbeat(cgtBeat("g", "a", 1, kept)) // a revoked: epoch 2
	b = cl.heartbeat(cgtBeat("g", "b", 2, map[metadata.Uuid][]int32{}))
	if a.MemberEpoch != 2 || b.MemberEpoch != 2 {
		t.Fatalf("epochs a %d b %d", a.MemberEpoch, b.MemberEpoch)
	}
	keptP, movedP := kept[tid][0], 1-kept[tid][0]
	commit := func(member string, epoch int32, partition int32) int16 {
		req := kmsg.NewPtrOffsetCommitRequest()
		req.Version, req.Group, req.MemberID, req.Generation = 9, "g", member, epoch
		rt := kmsg.NewOffsetCommitRequestTopic()
		rt.Topic = "t"
		rp := kmsg.NewOffsetCommitRequestTopicPartition()
		rp.Partition, rp.Offset = partition, 5
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		return cl.c.OffsetCommit(cl.ctx(), req).Topics[0].Partitions[0].ErrorCode
	}
	cgtWant(t, "current epoch", commit("a", 2, keptP), nil)
	cgtWant(t, "newer epoch", commit("a", 3, keptP), kerr.StaleMemberEpoch)
	cgtWant(t, "older epoch, partition held since", commit("a", 1, keptP), nil)
	cgtWant(t, "older epoch, partition moved away", commit("a", 1, movedP), kerr.StaleMemberEpoch)
	cgtWant(t, "older epoch, partition assigned later", commit("b", 1, movedP), kerr.StaleMemberEpoch)
	cgtWant(t, "unknown member", commit("zz", 2, keptP), kerr.UnknownMemberID)
	cgtWant(t, "outside the group while it has members", commit("", -1, keptP), kerr.UnknownMemberID)

	fetch := func(member string, epoch int32) int16 {
		req := kmsg.NewPtrOffsetFetchRequest()
		req.Version = 9
		g := kmsg.NewOffsetFetchRequestGroup()
		g.Group, g.MemberID, g.MemberEpoch = "g", &member, epoch
		req.Groups = append(req.Groups, g)
		return cl.c.OffsetFetch(cl.ctx(), req).Groups[0].ErrorCode
	}
	cgtWant(t, "fetch at the epoch", fetch("a", 2), nil)
	cgtWant(t, "fetch at another epoch", fetch("a", 1), kerr.StaleMemberEpoch)
	cgtWant(t, "fetch by an unknown member", fetch("zz", 2), kerr.UnknownMemberID)
}

// TestConsumerGroupSessionExpiry: a member that stops heartbeating is
// removed after the session timeout, also when the coordinator restarted
// in between (the timers restart on load), and its partitions go to the
// others.
func TestConsumerGroupSessionExpiry(t *testing.T) {
	cl := newCGTCluster(t, func(c *Config) { c.ConsumerSessionTimeout = 300 * time.Millisecond })
	tid := cl.topic("t", 2)
	cl.heartbeat(cgtJoin("g", "a", "t"))
	cl.heartbeat(cgtJoin("g", "b", "t"))
	cl.restart()
	deadline := time.Now().Add(5 * time.Second)
	for len(cl.snapshot("g").Members) > 1 {
		// Only b heartbeats.
		if r := cl.heartbeat(cgtBeat("g", "b", cl.snapshot("g").Members["b"].Epoch, nil)); r.ErrorCode != 0 {
			t.Fatalf("b: %+v", r)
		}
		if time.Now().After(deadline) {
			t.Fatalf("a was not removed: %+v", cl.snapshot("g"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	v := cl.snapshot("g")
	if _, ok := v.Members["b"]; !ok {
		t.Fatalf("b was removed: %+v", v)
	}
	cl.heartbeat(cgtBeat("g", "b", v.Members["b"].Epoch, nil))
	v = cl.snapshot("g")
	if got := v.Members["b"].Assigned; got != cgtShow(map[string]cgAssignment{"": {tid: {0, 1}}})+fmt.Sprint([]int32{3, 3}) {
		t.Fatalf("b did not take a's partitions over: %+v", v)
	}
}

// TestConsumerGroupMetadataChanges: more partitions, a new topic matching
// a regex, and a deleted topic each bump the group epoch at the next
// heartbeat and reach the members.
func TestConsumerGroupMetadataChanges(t *testing.T) {
	cl := newCGTCluster(t, nil)
	tid := cl.topic("t", 1)
	str := func(s string) *string { return &s }
	join := cgtJoin("g", "a", "t")
	join.SubscribedTopicRegex = str("rx-.*")
	r := cl.heartbeat(join)
	owned := cgtAssigned(r)
	if !reflect.DeepEqual(owned, map[metadata.Uuid][]int32{tid: {0}}) {
		t.Fatalf("join: %v", owned)
	}
	beat := func() {
		t.Helper()
		r = cl.heartbeat(cgtBeat("g", "a", r.MemberEpoch, owned))
		cgtWant(t, "heartbeat", r.ErrorCode, nil)
		if r.Assignment != nil {
			owned = cgtAssigned(r)
		}
	}
	cl.topic("t", 3)
	beat()
	if len(owned[tid]) != 3 || r.MemberEpoch != 2 {
		t.Fatalf("after adding partitions: epoch %d, %v", r.MemberEpoch, owned)
	}
	rx := cl.topic("rx-1", 2)
	cl.topic("other", 2)
	beat()
	if len(owned[rx]) != 2 || len(owned) != 2 || r.MemberEpoch != 3 {
		t.Fatalf("after creating rx-1: epoch %d, %v", r.MemberEpoch, owned)
	}
	beat()
	if r.MemberEpoch != 3 {
		t.Fatalf("a steady heartbeat bumped the epoch to %d", r.MemberEpoch)
	}
	cl.apply(&metadata.RemoveTopicRecord{TopicID: rx})
	beat()
	beat()
	if _, still := owned[rx]; still || r.MemberEpoch != 4 {
		t.Fatalf("after deleting rx-1: epoch %d, %v", r.MemberEpoch, owned)
	}
	if v := cl.snapshot("g"); v.Subscription != "t " {
		t.Fatalf("subscription metadata: %q", v.Subscription)
	}
}

// cgtClient is a simulated consumer: what it owns is what the last
// response it applied gave it, and it reports that in each heartbeat.
type cgtClient struct {
	id    string
	epoch int32
	owned map[metadata.Uuid][]int32
	// full is set after a lost response: the next heartbeat carries every
	// field, as clients do after an error, so the coordinator sends the
	// assignment again.
	full bool
}

// TestConsumerGroupRandomMembership drives a group with random joins,
// leaves, heartbeats, lost responses, new partitions and restarts, and
// checks after every response that no partition is owned by two clients,
// and at the end that the group settles with every partition owned once
// and the members balanced.
func TestConsumerGroupRandomMembership(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { cgtRandomRun(t, seed) })
	}
}

func cgtRandomRun(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 42))
	cl := newCGTCluster(t, nil)
	partitions := map[string]int32{"t1": 3, "t2": 2}
	for name, n := range partitions {
		cl.topic(name, n)
	}
	clients := map[string]*cgtClient{}
	next := 0
	check := func(step int) {
		t.Helper()
		owner := map[cgPartition]string{}
		for _, c := range clients {
			for tp, parts := range c.owned {
				for _, p := range parts {
					key := cgPartition{tp, p}
					if other, dup := owner[key]; dup {
						t.Fatalf("step %d: partition %s-%d owned by %s and %s", step, tp, p, other, c.id)
					}
					owner[key] = c.id
				}
			}
		}
	}
	apply := func(c *cgtClient, r *kmsg.ConsumerGroupHeartbeatResponse, lost bool) {
		switch {
		case r.ErrorCode == kerr.FencedMemberEpoch.Code || r.ErrorCode == kerr.UnknownMemberID.Code:
			c.epoch, c.owned = 0, map[metadata.Uuid][]int32{} // abandon and rejoin
		case r.ErrorCode != 0:
			t.Fatalf("%s: error %d", c.id, r.ErrorCode)
		case lost:
			c.full = true
		default:
			c.full = false
			c.epoch = r.MemberEpoch
			if r.Assignment != nil {
				c.owned = cgtAssigned(r)
			}
		}
	}
	beat := func(c *cgtClient, lost bool) {
		var r *kmsg.ConsumerGroupHeartbeatResponse
		if c.epoch == 0 {
			r = cl.heartbeat(cgtJoin("g", c.id, "t1", "t2"))
		} else {
			req := cgtBeat("g", c.id, c.epoch, c.owned)
			if c.full {
				req.RebalanceTimeoutMillis, req.SubscribedTopicNames = 30000, []string{"t1", "t2"}
			}
			r = cl.heartbeat(req)
		}
		apply(c, r, lost && c.epoch != 0)
	}
	for step := 0; step < 300; step++ {
		ids := sortedKeys(clients)
		switch x := rng.IntN(100); {
		case x < 10 && len(clients) < 6:
			next++
			c := &cgtClient{id: fmt.Sprintf("c%d", next), owned: map[metadata.Uuid][]int32{}}
			clients[c.id] = c
			beat(c, false)
		case x < 15 && len(clients) > 0:
			c := clients[ids[rng.IntN(len(ids))]]
			if c.epoch != 0 {
				cl.heartbeat(cgtBeat("g", c.id, cgLeaveEpoch, nil))
			}
			delete(clients, c.id)
		case x < 17:
			name := []string{"t1", "t2"}[rng.IntN(2)]
			if partitions[name] < 8 {
				partitions[name]++
				cl.topic(name, partitions[name])
			}
		case x < 19:
			cl.restart()
		case len(clients) > 0:
			beat(clients[ids[rng.IntN(len(ids))]], rng.IntN(10) == 0)
		}
		check(step)
	}
	// Settle: every client heartbeats until nothing changes.
	total := 0
	for _, n := range partitions {
		total += int(n)
	}
	for round := 0; round < 20; round++ {
		for _, id := range sortedKeys(clients) {
			beat(clients[id], false)
			check(1000 + round)
		}
	}
	if len(clients) == 0 {
		return
	}
	v := cl.snapshot("g")
	if v.State != "Stable" {
		t.Fatalf("group did not settle: %+v", v)
	}
	owned, sizes := 0, []int{}
	for _, c := range clients {
		n := 0
		for _, parts := range c.owned {
			n += len(parts)
		}
		owned += n
		sizes = append(sizes, n)
	}
	if owned != total || slices.Max(sizes)-slices.Min(sizes) > 1 {
		t.Fatalf("settled with %d of %d partitions owned, sizes %v", owned, total, sizes)
	}
}

// TestConsumerGroupListAndDelete: a consumer group lists with its type
// and state, cannot be deleted while it has members, and is deleted with
// its records once empty, so a restart does not bring it back.
func TestConsumerGroupListAndDelete(t *testing.T) {
	cl := newCGTCluster(t, nil)
	cl.topic("t", 2)
	join := cgtJoin("g", "a", "t")
	join.ServerAssignor = func(s string) *string { return &s }("range")
	r := cl.heartbeat(join)
	cgtWant(t, "join", r.ErrorCode, nil)
	d := cl.c.ConsumerGroupDescribe(cl.ctx(), &kmsg.ConsumerGroupDescribeRequest{Groups: []string{"g"}})
	if d.Groups[0].AssignorName != "range" {
		t.Fatalf("assignor: %q", d.Groups[0].AssignorName)
	}
	list := cl.c.ListGroups(cl.ctx(), &kmsg.ListGroupsRequest{Version: 5, TypesFilter: []string{"consumer"}})
	if len(list.Groups) != 1 || list.Groups[0].GroupType != "consumer" || list.Groups[0].ProtocolType != "consumer" {
		t.Fatalf("list: %+v", list.Groups)
	}
	del := cl.c.DeleteGroups(cl.ctx(), &kmsg.DeleteGroupsRequest{Groups: []string{"g"}})
	cgtWant(t, "delete with members", del.Groups[0].ErrorCode, kerr.NonEmptyGroup)
	cl.heartbeat(cgtBeat("g", "a", cgLeaveEpoch, nil))
	if v := cl.snapshot("g"); v.State != "Empty" {
		t.Fatalf("after leaving: %+v", v)
	}
	del = cl.c.DeleteGroups(cl.ctx(), &kmsg.DeleteGroupsRequest{Groups: []string{"g"}})
	cgtWant(t, "delete empty", del.Groups[0].ErrorCode, nil)
	cl.restart()
	if v := cl.snapshot("g"); v.Exists {
		t.Fatalf("deleted group came back: %+v", v)
	}
	cgtWant(t, "heartbeat to the deleted group", cl.heartbeat(cgtBeat("g", "a", 1, nil)).ErrorCode, kerr.GroupIDNotFound)
}
