package quorum

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// testCluster runs three voters in-process over a MemoryNetwork.
type testCluster struct {
	t      *testing.T
	net    *MemoryNetwork
	disk   *memDisk
	voters map[int32]string
	dirs   map[int32]string
	tweak  func(*Config)

	mu      sync.Mutex
	nodes   map[int32]*Node // running ones
	sms     map[int32]*testSM
	retired []*testSM // state machines of earlier runs of a node
}

func newTestCluster(t *testing.T, tweak func(*Config)) *testCluster {
	return newTestClusterOn(t, testDisk(), tweak)
}

// newTestClusterOn runs the cluster on disk: nil for the real storage, the
// stand-in for tests that crash nodes.
func newTestClusterOn(t *testing.T, disk *memDisk, tweak func(*Config)) *testCluster {
	c := &testCluster{
		t:      t,
		net:    NewMemoryNetwork(),
		disk:   disk,
		voters: map[int32]string{0: "CONTROLLER://n0:9093", 1: "CONTROLLER://n1:9093", 2: "CONTROLLER://n2:9093"},
		dirs:   make(map[int32]string),
		tweak:  tweak,
		nodes:  make(map[int32]*Node),
		sms:    make(map[int32]*testSM),
	}
	for id := range c.voters {
		c.dirs[id] = t.TempDir()
	}
	for id := range c.voters {
		c.start(id)
	}
	t.Cleanup(c.close)
	return c
}

func (c *testCluster) config(id int32) Config {
	cfg := fastConfig(c.dirs[id], id, c.voters, c.net.Transport(id))
	cfg.openLog = c.disk.logOpener()
	if c.tweak != nil {
		c.tweak(&cfg)
	}
	return cfg
}

// start opens the node from its directory with a fresh state machine.
func (c *testCluster) start(id int32) *Node {
	c.t.Helper()
	sm := &testSM{}
	n, err := Open(c.config(id), sm)
	if err != nil {
		c.t.Fatalf("open node %d: %v", id, err)
	}
	c.net.Attach(n)
	n.Start()
	c.mu.Lock()
	if old := c.sms[id]; old != nil {
		c.retired = append(c.retired, old)
	}
	c.nodes[id], c.sms[id] = n, sm
	c.mu.Unlock()
	return n
}

// crash stops the node as kill -9 and a power loss would: no Close, and
// what its log had not fsynced is gone. It needs the stand-in disk.
func (c *testCluster) crash(id int32) {
	c.t.Helper()
	c.mu.Lock()
	n := c.nodes[id]
	delete(c.nodes, id)
	c.mu.Unlock()
	c.net.Detach(id)
	n.halt()
	c.disk.crashDir(n.dir)
}

// stop closes the node and cuts it off the network.
func (c *testCluster) stop(id int32) {
	c.t.Helper()
	c.mu.Lock()
	n := c.nodes[id]
	delete(c.nodes, id)
	c.mu.Unlock()
	c.net.Detach(id)
	if err := n.Close(); err != nil {
		c.t.Fatalf("close node %d: %v", id, err)
	}
}

func (c *testCluster) node(id int32) *Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[id]
}

func (c *testCluster) close() {
	c.mu.Lock()
	nodes := c.nodes
	c.nodes = map[int32]*Node{}
	c.mu.Unlock()
	for _, n := range nodes {
		n.Close()
	}
	c.net.Close()
	c.checkPrefixes()
}

// waitLeader waits until one running node leads in the highest term and
// every running node follows it.
func (c *testCluster) waitLeader() int32 {
	c.t.Helper()
	var leader int32 = -1
	waitFor(c.t, "a leader", 10*time.Second, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		leader = -1
		for id, n := range c.nodes {
			if st := n.Status(); st.Role == "leader" {
				leader = id
			}
		}
		if leader < 0 {
			return false
		}
		for _, n := range c.nodes {
			if n.Status().LeaderID != leader {
				return false
			}
		}
		return true
	})
	return leader
}

// waitConverged waits until every running node applied the same entries.
func (c *testCluster) waitConverged(count int) {
	c.t.Helper()
	waitFor(c.t, fmt.Sprintf("every node to apply %d entries", count), 15*time.Second, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		var want [32]byte
		first := true
		for id := range c.nodes {
			sm := c.sms[id]
			if sm.count() != count {
				return false
			}
			if h := sm.hash(); first {
				want, first = h, false
			} else if h != want {
				return false
			}
		}
		return true
	})
}

// checkPrefixes checks that no two nodes ever applied different entries at
// the same position, stopped nodes included.
func (c *testCluster) checkPrefixes() {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	seqs := make(map[int32][]appliedEntry)
	for id, sm := range c.sms {
		seqs[id] = sm.snapshotEntries()
	}
	for i, sm := range c.retired {
		seqs[int32(100+i)] = sm.snapshotEntries()
	}
	checkPrefixes(c.t, seqs)
}

func TestClusterReplicatesAndFollowersRedirect(t *testing.T) {
	c := newTestCluster(t, nil)
	leader := c.waitLeader()
	proposals := proposeAll(t, c.node(leader), "a", 200, 10)
	c.waitConverged(200)
	for id := range c.voters {
		checkApplied(t, c.sms[id], proposals)
	}
	for id := range c.voters {
		if id == leader {
			continue
		}
		_, err := c.node(id).Propose(context.Background(), []byte("on a follower"))
		var nle *NotLeaderError
		if !errors.As(err, &nle) || !errors.Is(err, ErrNotLeader) || nle.LeaderID != leader {
			t.Fatalf("propose on follower %d: %v, want NotLeaderError naming %d", id, err, leader)
		}
	}
}

func TestClusterLeaderFailover(t *testing.T) {
	c := newTestCluster(t, nil)
	old := c.waitLeader()
	first := proposeAll(t, c.node(old), "a", 50, 5)
	c.stop(old)
	leader := c.waitLeader()
	if leader == old {
		t.Fatalf("stopped node %d still leads", old)
	}
	// The new leader heard of its own leadership only with the old
	// leader's acknowledged entries applied.
	events := c.sms[leader].events()
	if len(events) == 0 {
		t.Fatal("the new leader's state machine was not told of its leadership")
	}
	if last := events[len(events)-1]; last.leader != leader || last.applied < len(first) {
		t.Fatalf("last leader event %+v, want leader %d with at least %d entries applied", last, leader, len(first))
	}
	second := proposeAll(t, c.node(leader), "b", 50, 5)
	c.start(old)
	c.waitConverged(100)
	for id := range c.voters {
		checkApplied(t, c.sms[id], first)
		checkApplied(t, c.sms[id], second)
	}
}

func TestClusterStoppedFollowerCatchesUpBySnapshot(t *testing.T) {
	c := newTestCluster(t, func(cfg *Config) {
		cfg.SnapshotMaxBytes = 1024
		cfg.SnapshotCatchUpEntries = 5
		cfg.SegmentBytes = 4096
	})
	leader := c.waitLeader()
	proposeSequential(t, c.node(leader), "a", 20)
	follower := (leader + 1) % 3
	c.waitConverged(20)
	behind := c.node(follower).Status().LastIndex
	c.stop(follower)

	proposeSequential(t, c.node(leader), "b", 300)
	waitFor(t, "the leader to compact past the stopped follower", 5*time.Second, func() bool {
		first, _ := c.node(leader).mem.FirstIndex()
		return first > behind+1
	})
	n := c.start(follower)
	c.waitConverged(320)
	if c.sms[follower].restores == 0 {
		t.Fatal("the follower caught up without installing a snapshot")
	}
	if len(checkpointsIn(t, c.dirs[follower])) == 0 {
		t.Fatal("the follower kept no checkpoint of the installed snapshot")
	}

	// It restarts from what it installed.
	c.stop(follower)
	n = c.start(follower)
	c.waitConverged(320)
	if n.Status().SnapshotIndex == 0 {
		t.Fatal("the restarted follower loaded no checkpoint")
	}
}

// TestClusterProposalLostToLeaderChange proposes on a leader just cut off
// from the others: the entry cannot commit, the others elect a new leader,
// and when the old one rejoins its proposal fails instead of hanging.
func TestClusterProposalLostToLeaderChange(t *testing.T) {
	c := newTestCluster(t, nil)
	old := c.waitLeader()
	proposeAll(t, c.node(old), "a", 10, 1)
	c.waitConverged(10)
	c.net.Disconnect(old)
	errc := make(chan error, 1)
	go func() {
		_, err := c.node(old).Propose(context.Background(), []byte("doomed"))
		errc <- err
	}()
	var leader int32 = -1
	waitFor(t, "a new leader among the others", 10*time.Second, func() bool {
		for id := range c.voters {
			if id != old && c.node(id).Status().Role == "leader" {
				leader = id
				return true
			}
		}
		return false
	})
	proposeAll(t, c.node(leader), "b", 10, 1)
	c.net.Reconnect(old)
	select {
	case err := <-errc:
		// NotLeader when the old leader stepped down before taking it.
		if !errors.Is(err, ErrProposalLost) && !errors.Is(err, ErrNotLeader) {
			t.Fatalf("proposal on the deposed leader: %v, want ErrProposalLost", err)
		}
		t.Logf("proposal on the deposed leader: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("proposal on the deposed leader still waiting")
	}
	c.waitConverged(20)
}

func TestClusterStatus(t *testing.T) {
	c := newTestCluster(t, nil)
	leader := c.waitLeader()
	proposeAll(t, c.node(leader), "a", 20, 2)
	c.waitConverged(20)
	var st Status
	waitFor(t, "the leader to see both followers caught up", 5*time.Second, func() bool {
		st = c.node(leader).Status()
		for _, v := range st.Voters {
			if v.LogEndOffset != st.LogEndOffset || v.LastFetchTime.IsZero() || v.LastCaughtUpTime.IsZero() {
				return false
			}
		}
		return true
	})
	if st.NodeID != leader || st.LeaderID != leader || st.Role != "leader" || st.ClusterID != "test-cluster" {
		t.Fatalf("leader status identity: %+v", st)
	}
	if st.LeaderEpoch < 1 || st.HighWatermark != int64(st.CommitIndex) || st.HighWatermark != st.LogEndOffset {
		t.Fatalf("leader status offsets: epoch %d, high watermark %d, commit %d, log end %d", st.LeaderEpoch, st.HighWatermark, st.CommitIndex, st.LogEndOffset)
	}
	if st.LogEndOffset != int64(st.LastIndex) || st.AppliedIndex != st.CommitIndex || st.Observers == nil || len(st.Observers) != 0 {
		t.Fatalf("leader status: %+v", st)
	}
	if len(st.Voters) != 3 || st.Voters[0].NodeID != 0 || st.Voters[2].Endpoint != "CONTROLLER://n2:9093" {
		t.Fatalf("voters: %+v", st.Voters)
	}
	fst := c.node((leader + 1) % 3).Status()
	if fst.Role != "follower" || fst.LeaderID != leader || fst.LeaderEpoch != st.LeaderEpoch {
		t.Fatalf("follower status: %+v", fst)
	}
	for _, v := range fst.Voters {
		if v.NodeID != fst.NodeID && (v.LogEndOffset != -1 || !v.LastFetchTime.IsZero()) {
			t.Fatalf("a follower reports replication progress: %+v", v)
		}
	}
}
