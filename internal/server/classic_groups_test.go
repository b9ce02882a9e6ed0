package server

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Classic consumer groups with real clients against an in-process node:
// this file holds what every client's test uses, and franz-go's tests.

// classicGroupOverrides make groups fast: no initial rebalance delay and
// short session timeouts allowed.
var classicGroupOverrides = []string{"group.initial.rebalance.delay.ms=0", "group.min.session.timeout.ms=100"}

// startGroupNode starts a node that the test's cleanup closes after the
// clients the test registers later.
func startGroupNode(t *testing.T, dir string, extra ...string) *Server {
	t.Helper()
	s := startNode(t, dir, append(slices.Clone(classicGroupOverrides), extra...)...)
	t.Cleanup(func() { s.Close() })
	return s
}

// fixedPortOverrides pin the client listener to a port, so clients find
// the node again after a restart.
func fixedPortOverrides(t *testing.T) []string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return []string{
		fmt.Sprintf("listeners=PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:0", port),
		fmt.Sprintf("advertised.listeners=PLAINTEXT://127.0.0.1:%d", port),
	}
}

// produceN writes n records to topic, round-robin over its partitions,
// with values "<prefix>-<i>", and returns the values.
func produceN(t *testing.T, s *Server, topic, prefix string, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl := client(t, s, kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	values := make([]string, n)
	recs := make([]*kgo.Record, n)
	for i := range recs {
		values[i] = prefix + "-" + strconv.Itoa(i)
		recs[i] = &kgo.Record{Value: []byte(values[i])}
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	return values
}

// consumed records what every member of a test read: value → times read,
// and by whom.
type consumed struct {
	mu    sync.Mutex
	times map[string]int
	by    map[string][]string
}

func newConsumed() *consumed {
	return &consumed{times: map[string]int{}, by: map[string][]string{}}
}

func (c *consumed) add(member, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.times[value]++
	c.by[value] = append(c.by[value], member)
}

// has reports whether every value was read.
func (c *consumed) has(values []string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range values {
		if c.times[v] == 0 {
			return false
		}
	}
	return true
}

// check fails the test if a value was lost, or read twice other than by
// way of a member in allowed (one that was killed, whose reads past its
// last commit are read again).
func (c *consumed) check(t *testing.T, values []string, allowed ...string) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range values {
		switch n := c.times[v]; {
		case n == 0:
			t.Errorf("record %s was never read", v)
		case n > 1 && !slices.ContainsFunc(c.by[v], func(m string) bool { return slices.Contains(allowed, m) }):
			t.Errorf("record %s was read %d times, by %v", v, n, c.by[v])
		}
	}
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// killSwitch is a dialer whose connections can all be cut at once, after
// which it dials no more: a consumer that dies without a LeaveGroup.
type killSwitch struct {
	mu     sync.Mutex
	killed bool
	conns  []net.Conn
}

func (k *killSwitch) dial(ctx context.Context, network, host string) (net.Conn, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.killed {
		return nil, fmt.Errorf("dial %s: the member was killed", host)
	}
	c, err := (&net.Dialer{}).DialContext(ctx, network, host)
	if err == nil {
		k.conns = append(k.conns, c)
	}
	return c, err
}

func (k *killSwitch) kill() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.killed = true
	for _, c := range k.conns {
		c.Close()
	}
}

// kgoMember is a franz-go group consumer whose reads go to a consumed
// record, and whose assigned partitions are tracked from its callbacks.
type kgoMember struct {
	name   string
	cl     *kgo.Client
	ks     *killSwitch
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	assigned map[int32]bool
	events   int // assignments and revocations seen
}

func startKgoMember(t *testing.T, s *Server, name, group, topic string, into *consumed, opts ...kgo.Opt) *kgoMember {
	t.Helper()
	m := &kgoMember{name: name, ks: &killSwitch{}, done: make(chan struct{}), assigned: map[int32]bool{}}
	base := []kgo.Opt{
		kgo.SeedBrokers(s.Addr("PLAINTEXT").String()),
		kgo.Dialer(m.ks.dial),
		kgo.ClientID(name),
		kgo.ConsumerGroup(group),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.SessionTimeout(1500 * time.Millisecond),
		kgo.HeartbeatInterval(100 * time.Millisecond),
		kgo.RebalanceTimeout(5 * time.Second),
		kgo.AutoCommitInterval(100 * time.Millisecond),
		kgo.FetchMaxWait(100 * time.Millisecond),
		kgo.RetryTimeout(5 * time.Second),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, ps map[string][]int32) { m.track(ps[topic], true) }),
		kgo.OnPartitionsRevoked(func(ctx context.Context, cl *kgo.Client, ps map[string][]int32) {
			// Commit what was read before giving the partitions up, as
			// kgo does when no callback is set.
			if err := cl.CommitUncommittedOffsets(ctx); err != nil && ctx.Err() == nil {
				t.Logf("%s: commit on revoke: %v", name, err)
			}
			m.track(ps[topic], false)
		}),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, ps map[string][]int32) { m.track(ps[topic], false) }),
	}
	cl, err := kgo.NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	m.cl = cl
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	go func() {
		defer close(m.done)
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			fs.EachRecord(func(r *kgo.Record) { into.add(name, string(r.Value)) })
		}
	}()
	t.Cleanup(m.close)
	return m
}

func (m *kgoMember) track(ps []int32, assigned bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events++
	for _, p := range ps {
		if assigned {
			m.assigned[p] = true
		} else {
			delete(m.assigned, p)
		}
	}
}

func (m *kgoMember) partitions() []int32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]int32, 0, len(m.assigned))
	for p := range m.assigned {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

func (m *kgoMember) eventCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.events
}

// close stops reading and leaves the group (a clean shutdown).
func (m *kgoMember) close() {
	m.cancel()
	<-m.done
	m.cl.Close()
}

// kill stops reading and cuts the member off without a LeaveGroup or a
// last commit; the group only learns of it from its session timeout.
func (m *kgoMember) kill() {
	m.cancel()
	<-m.done
	m.ks.kill()
}

// split reports whether members hold every partition of 0..n-1 exactly
// once between them, each at least one.
func split(n int32, members ...*kgoMember) bool {
	seen := map[int32]int{}
	for _, m := range members {
		ps := m.partitions()
		if len(ps) == 0 {
			return false
		}
		for _, p := range ps {
			seen[p]++
		}
	}
	for p := int32(0); p < n; p++ {
		if seen[p] != 1 {
			return false
		}
	}
	return len(seen) == int(n)
}

// TestClassicKgoBalancers: with each of franz-go's balancers, two members
// split four partitions two and two, and every record is read once.
func TestClassicKgoBalancers(t *testing.T) {
	s := startGroupNode(t, t.TempDir())
	adm := kadm.NewClient(client(t, s))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	balancers := map[string]kgo.GroupBalancer{
		"range":              kgo.RangeBalancer(),
		"roundrobin":         kgo.RoundRobinBalancer(),
		"sticky":             kgo.StickyBalancer(),
		"cooperative-sticky": kgo.CooperativeStickyBalancer(),
	}
	for _, name := range []string{"range", "roundrobin", "sticky", "cooperative-sticky"} {
		t.Run(name, func(t *testing.T) {
			topic := "bal-" + name
			if _, err := adm.CreateTopic(ctx, 4, 1, nil, topic); err != nil {
				t.Fatal(err)
			}
			values := produceN(t, s, topic, name, 400)
			got := newConsumed()
			a := startKgoMember(t, s, "a", "g-"+name, topic, got, kgo.Balancers(balancers[name]))
			b := startKgoMember(t, s, "b", "g-"+name, topic, got, kgo.Balancers(balancers[name]))
			waitFor(t, "both members to hold two partitions", 15*time.Second, func() bool {
				return split(4, a, b) && len(a.partitions()) == 2
			})
			waitFor(t, "every record", 15*time.Second, func() bool { return got.has(values) })
			got.check(t, values)
			described, err := adm.DescribeGroups(ctx, "g-"+name)
			if err != nil {
				t.Fatal(err)
			}
			g := described["g-"+name]
			if g.State != "Stable" || g.Protocol != name || g.ProtocolType != "consumer" || len(g.Members) != 2 {
				t.Fatalf("described: %+v", g)
			}
			for _, m := range g.Members {
				assigned, ok := m.Assigned.AsConsumer()
				if !ok || m.ClientHost != "/127.0.0.1" || (m.ClientID != "a" && m.ClientID != "b") || len(assigned.Topics) != 1 || len(assigned.Topics[0].Partitions) != 2 {
					t.Fatalf("described member: %+v, assignment %+v", m, assigned)
				}
			}
		})
	}
}

// TestClassicKgoChurn: under steady production two members split four
// partitions; a third joins, one leaves, one is killed (its session
// times out); the partitions move each time and no record is lost, or
// read twice other than the killed member's uncommitted reads.
func TestClassicKgoChurn(t *testing.T) {
	for _, balancer := range []string{"range", "cooperative-sticky"} {
		t.Run(balancer, func(t *testing.T) {
			b := kgo.GroupBalancer(kgo.RangeBalancer())
			if balancer == "cooperative-sticky" {
				b = kgo.CooperativeStickyBalancer()
			}
			classicKgoChurn(t, b)
		})
	}
}

func classicKgoChurn(t *testing.T, balancer kgo.GroupBalancer) {
	s := startGroupNode(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	adm := kadm.NewClient(client(t, s))
	if _, err := adm.CreateTopic(ctx, 4, 1, nil, "churn"); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var values []string
	stopProducing := make(chan struct{})
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		p := client(t, s, kgo.DefaultProduceTopic("churn"), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
		for i := 0; ; i++ {
			select {
			case <-stopProducing:
				return
			case <-time.After(2 * time.Millisecond):
			}
			v := "c-" + strconv.Itoa(i)
			if err := p.ProduceSync(ctx, &kgo.Record{Value: []byte(v)}).FirstErr(); err != nil {
				t.Errorf("produce: %v", err)
				return
			}
			mu.Lock()
			values = append(values, v)
			mu.Unlock()
		}
	}()
	got := newConsumed()
	m1 := startKgoMember(t, s, "m1", "churn", "churn", got, kgo.Balancers(balancer))
	m2 := startKgoMember(t, s, "m2", "churn", "churn", got, kgo.Balancers(balancer))
	waitFor(t, "two members to split the partitions", 20*time.Second, func() bool { return split(4, m1, m2) })
	m3 := startKgoMember(t, s, "m3", "churn", "churn", got, kgo.Balancers(balancer))
	waitFor(t, "three members to split the partitions", 20*time.Second, func() bool { return split(4, m1, m2, m3) })
	m1.close()
	waitFor(t, "the partitions of the member that left to move", 20*time.Second, func() bool { return split(4, m2, m3) })
	m2.kill()
	waitFor(t, "the partitions of the killed member to move", 20*time.Second, func() bool { return split(4, m3) })
	time.Sleep(200 * time.Millisecond)
	close(stopProducing)
	<-produced
	mu.Lock()
	all := slices.Clone(values)
	mu.Unlock()
	waitFor(t, "every record", 20*time.Second, func() bool { return got.has(all) })
	got.check(t, all, "m2")
	if len(all) < 200 {
		t.Fatalf("only %d records were produced during the churn", len(all))
	}
}

// TestClassicKgoTutorial is the tutorials' sequence: a group reads a
// topic, a second group reads it all again, and a member of the first
// group that restarts reads only what is new.
func TestClassicKgoTutorial(t *testing.T) {
	s := startGroupNode(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	adm := kadm.NewClient(client(t, s))
	if _, err := adm.CreateTopic(ctx, 3, 1, nil, "tut"); err != nil {
		t.Fatal(err)
	}
	first := produceN(t, s, "tut", "first", 90)
	readAllOnce := func(group, name string, want []string) {
		t.Helper()
		got := newConsumed()
		m := startKgoMember(t, s, name, group, "tut", got)
		waitFor(t, group+" to read the records", 15*time.Second, func() bool { return got.has(want) })
		if err := m.cl.CommitUncommittedOffsets(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond) // anything more would show here
		m.close()
		got.check(t, want)
		if n := len(got.times); n != len(want) {
			t.Fatalf("%s read %d records, want %d", group, n, len(want))
		}
	}
	readAllOnce("one", "a", first)
	readAllOnce("two", "b", first)
	second := produceN(t, s, "tut", "second", 30)
	readAllOnce("one", "a-again", second)
	lag, err := adm.Lag(ctx, "one")
	if err != nil {
		t.Fatal(err)
	}
	if total := lag["one"].Lag.Total(); total != 0 || lag["one"].State != "Empty" {
		t.Fatalf("group one: lag %d, state %s", total, lag["one"].State)
	}
}

// TestClassicKgoStaticRejoin: a static member (group.instance.id) that
// restarts within its session timeout gets its partitions back without a
// rebalance: the other member sees no revocation or assignment.
func TestClassicKgoStaticRejoin(t *testing.T) {
	s := startGroupNode(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	adm := kadm.NewClient(client(t, s))
	if _, err := adm.CreateTopic(ctx, 4, 1, nil, "static"); err != nil {
		t.Fatal(err)
	}
	got := newConsumed()
	opts := func(id string) []kgo.Opt {
		return []kgo.Opt{kgo.InstanceID(id), kgo.SessionTimeout(5 * time.Second), kgo.Balancers(kgo.RangeBalancer())}
	}
	a := startKgoMember(t, s, "a", "static", "static", got, opts("inst-a")...)
	b := startKgoMember(t, s, "b", "static", "static", got, opts("inst-b")...)
	waitFor(t, "the members to split the partitions", 15*time.Second, func() bool { return split(4, a, b) })
	before := a.partitions()
	described, err := adm.DescribeGroups(ctx, "static")
	if err != nil {
		t.Fatal(err)
	}
	oldIDs := map[string]bool{}
	for _, m := range described["static"].Members {
		oldIDs[m.MemberID] = true
	}
	events := b.eventCount()

	a.close() // a static member does not leave when it closes
	a = startKgoMember(t, s, "a", "static", "static", got, opts("inst-a")...)
	waitFor(t, "the restarted member to get its partitions back", 15*time.Second, func() bool {
		return slices.Equal(a.partitions(), before)
	})
	time.Sleep(500 * time.Millisecond)
	if n := b.eventCount(); n != events {
		t.Fatalf("the other member saw %d assignment changes during a static rejoin", n-events)
	}
	described, err = adm.DescribeGroups(ctx, "static")
	if err != nil {
		t.Fatal(err)
	}
	g := described["static"]
	if g.State != "Stable" || len(g.Members) != 2 {
		t.Fatalf("after the rejoin: %+v", g)
	}
	renewed := 0
	for _, m := range g.Members {
		if m.InstanceID == nil {
			t.Fatalf("member %s lost its instance id", m.MemberID)
		}
		if !oldIDs[m.MemberID] {
			renewed++
		}
	}
	if renewed != 1 {
		t.Fatalf("%d members have new ids, want the restarted one only", renewed)
	}
}

// TestClassicKgoServerRestart: committed offsets and the group itself
// survive a restart of the node: the member keeps its id and goes on
// from its commits, reading nothing twice.
func TestClassicKgoServerRestart(t *testing.T) {
	dir := t.TempDir()
	port := fixedPortOverrides(t)
	s := startGroupNode(t, dir, port...)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	adm := kadm.NewClient(client(t, s))
	if _, err := adm.CreateTopic(ctx, 2, 1, nil, "restart"); err != nil {
		t.Fatal(err)
	}
	before := produceN(t, s, "restart", "before", 50)
	got := newConsumed()
	m := startKgoMember(t, s, "m", "survivor", "restart", got, kgo.SessionTimeout(10*time.Second))
	waitFor(t, "the first records", 15*time.Second, func() bool { return got.has(before) })
	if err := m.cl.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatal(err)
	}
	described, err := adm.DescribeGroups(ctx, "survivor")
	if err != nil || len(described["survivor"].Members) != 1 {
		t.Fatalf("describe: %v %+v", err, described)
	}
	memberID := described["survivor"].Members[0].MemberID

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = startGroupNode(t, dir, port...)
	adm = kadm.NewClient(client(t, s))
	after := produceN(t, s, "restart", "after", 50)
	waitFor(t, "the records written after the restart", 20*time.Second, func() bool { return got.has(after) })
	got.check(t, append(before, after...))
	described, err = adm.DescribeGroups(ctx, "survivor")
	if err != nil {
		t.Fatal(err)
	}
	g := described["survivor"]
	if g.State != "Stable" || len(g.Members) != 1 || g.Members[0].MemberID != memberID {
		t.Fatalf("after the restart the group is %+v; want member %s still in it", g, memberID)
	}
	offsets, err := adm.FetchOffsets(ctx, "survivor")
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	offsets.Each(func(o kadm.OffsetResponse) { total += o.At })
	if total < 50 {
		t.Fatalf("committed offsets total %d after the restart", total)
	}
}
