package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// mode is a consumer group protocol and assignor under test.
type mode struct {
	name string
	// groupType is what ListGroups must report for the group, so that a
	// client that fell back to another protocol is caught.
	groupType string
	// heartbeatKey is the request that keeps a member's session alive.
	heartbeatKey int16
	opts         func() []kgo.Opt
}

var allModes = []string{"eager-range", "cooperative-sticky", "kip848-uniform"}

var modeByName = map[string]mode{
	// Range is Kafka's classic default assignor and eager: every member
	// revokes everything at the start of each rebalance.
	"eager-range": {"eager-range", "classic", keyHeartbeat, func() []kgo.Opt {
		return []kgo.Opt{kgo.Balancers(kgo.RangeBalancer())}
	}},
	// Incremental cooperative rebalancing (KIP-429): only what moves is
	// revoked, in a first rebalance, and assigned in a second.
	"cooperative-sticky": {"cooperative-sticky", "classic", keyHeartbeat, func() []kgo.Opt {
		return []kgo.Opt{kgo.Balancers(kgo.CooperativeStickyBalancer())}
	}},
	// KIP-848: the broker assigns; kgo names the server's "uniform"
	// assignor when its balancer is the sticky one.
	"kip848-uniform": {"kip848-uniform", "consumer", keyConsumerGroupHeartbeat, func() []kgo.Opt {
		return []kgo.Opt{kgo.Balancers(kgo.StickyBalancer()), kgo.ServerSideBalancer()}
	}},
}

// groupSettings are the settings every member of a run shares.
type groupSettings struct {
	addr, group, topic string
	mode               mode
	sessionTimeout     time.Duration
	heartbeatInterval  time.Duration
	rebalanceTimeout   time.Duration
	log                io.Writer // kgo's log, or nil
	logLevel           kgo.LogLevel
}

// member is one consumer of the group: its own kgo client with its own
// connections, a poll loop that reports to the recorder, and a dialer
// whose connections can be cut to kill it.
type member struct {
	id     int
	client *kgo.Client
	dialer *cuttableDialer
	killed atomic.Bool // set before the connections are cut

	fetchErrors atomic.Int64
	cancelPoll  context.CancelFunc
	pollDone    chan struct{}
}

func startMember(ctx context.Context, id int, s groupSettings, rec *recorder) (*member, error) {
	m := &member{id: id, dialer: newCuttableDialer(), pollDone: make(chan struct{})}
	opts := []kgo.Opt{
		kgo.SeedBrokers(s.addr),
		kgo.ClientID(fmt.Sprintf("rebalance-bench-%d", id)),
		kgo.Dialer(m.dialer.DialContext),
		kgo.ConsumerGroup(s.group),
		kgo.ConsumeTopics(s.topic),
		kgo.SessionTimeout(s.sessionTimeout),
		kgo.HeartbeatInterval(s.heartbeatInterval),
		kgo.RebalanceTimeout(s.rebalanceTimeout),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, assigned map[string][]int32) {
			rec.record(id, Assigned, assigned[s.topic])
		}),
		kgo.OnPartitionsRevoked(func(ctx context.Context, cl *kgo.Client, revoked map[string][]int32) {
			rec.record(id, Revoked, revoked[s.topic])
			// What kgo's default revoke does: commit what was
			// polled, so the next owner starts there. A killed
			// member cannot reach the broker, so it does not try.
			if !m.killed.Load() {
				_ = cl.CommitUncommittedOffsets(ctx)
			}
		}),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
			rec.record(id, Lost, lost[s.topic])
		}),
	}
	opts = append(opts, kgo.WithHooks(groupRequestHook{id, rec}))
	if s.log != nil {
		opts = append(opts, kgo.WithLogger(kgo.BasicLogger(s.log, s.logLevel, func() string {
			return fmt.Sprintf("%s m%d ", time.Now().Format("15:04:05.000"), id)
		})))
	}
	cl, err := kgo.NewClient(append(opts, s.mode.opts()...)...)
	if err != nil {
		return nil, fmt.Errorf("member %d: %w", id, err)
	}
	m.client = cl
	pollCtx, cancel := context.WithCancel(ctx)
	m.cancelPoll = cancel
	go m.poll(pollCtx, rec)
	return m, nil
}

// poll consumes until the client is closed or the context ends; autocommit
// (kgo's default, every 5 s) commits what it returns.
func (m *member) poll(ctx context.Context, rec *recorder) {
	defer close(m.pollDone)
	var partitions []int32
	for {
		fetches := m.client.PollFetches(ctx)
		if fetches.IsClientClosed() || ctx.Err() != nil {
			return
		}
		partitions = partitions[:0]
		fetches.EachPartition(func(p kgo.FetchTopicPartition) {
			if len(p.Records) > 0 {
				partitions = append(partitions, p.Partition)
			}
		})
		if len(partitions) > 0 {
			rec.polled(m.id, partitions)
		}
		fetches.EachError(func(string, int32, error) { m.fetchErrors.Add(1) })
	}
}

// leave closes the client, which revokes (committing) and leaves the
// group, then stops the poll loop.
func (m *member) leave() {
	m.client.Close()
	m.cancelPoll()
	<-m.pollDone
}

// kill cuts every connection of the member and refuses new ones, as if its
// process had died: no LeaveGroup or leaving heartbeat reaches the broker.
// The client is abandoned until release.
func (m *member) kill() {
	m.killed.Store(true)
	m.dialer.cut()
}

// release frees a killed member's client. The leave it attempts is given
// a cancelled context, so it ends at once rather than retrying dials
// that the cut dialer refuses.
func (m *member) release() {
	m.cancelPoll()
	<-m.pollDone
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	_ = m.client.LeaveGroupContext(cancelled)
	m.client.Close()
}

var errCut = errors.New("connection cut: member killed")

// cuttableDialer dials TCP and remembers the connections, so that cut can
// close them all and refuse new ones. It is safe for concurrent use.
type cuttableDialer struct {
	dialer net.Dialer
	mu     struct {
		sync.Mutex
		cut   bool
		conns map[net.Conn]struct{}
	}
}

func newCuttableDialer() *cuttableDialer {
	d := &cuttableDialer{}
	d.mu.conns = map[net.Conn]struct{}{}
	return d
}

// DialContext is a kgo.Dialer.
func (d *cuttableDialer) DialContext(ctx context.Context, network, host string) (net.Conn, error) {
	d.mu.Lock()
	cut := d.mu.cut
	d.mu.Unlock()
	if cut {
		return nil, errCut
	}
	conn, err := d.dialer.DialContext(ctx, network, host)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	// A dial that was under way when cut ran must not survive it.
	if d.mu.cut {
		conn.Close()
		return nil, errCut
	}
	d.mu.conns[conn] = struct{}{}
	return &trackedConn{Conn: conn, dialer: d}, nil
}

func (d *cuttableDialer) cut() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.mu.cut = true
	for conn := range d.mu.conns {
		conn.Close()
	}
	clear(d.mu.conns)
}

func (d *cuttableDialer) forget(conn net.Conn) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.mu.conns, conn)
}

// trackedConn leaves the dialer's set when closed.
type trackedConn struct {
	net.Conn
	dialer *cuttableDialer
}

func (c *trackedConn) Close() error {
	c.dialer.forget(c.Conn)
	return c.Conn.Close()
}

// Group request keys the timeline records.
const (
	keyOffsetCommit           int16 = 8
	keyOffsetFetch            int16 = 9
	keyJoinGroup              int16 = 11
	keyHeartbeat              int16 = 12
	keyLeaveGroup             int16 = 13
	keySyncGroup              int16 = 14
	keyConsumerGroupHeartbeat int16 = 68
)

func isGroupRequest(key int16) bool {
	switch key {
	case keyOffsetCommit, keyOffsetFetch, keyJoinGroup, keyHeartbeat, keyLeaveGroup, keySyncGroup, keyConsumerGroupHeartbeat:
		return true
	}
	return false
}

// groupRequestHook records when a member's group requests are written and
// their responses read, for aligning events with heartbeats and for
// reading timelines.
type groupRequestHook struct {
	member int
	rec    *recorder
}

func (h groupRequestHook) OnBrokerWrite(_ kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, err error) {
	if err == nil && isGroupRequest(key) {
		h.rec.request(h.member, Sent, key)
	}
}

func (h groupRequestHook) OnBrokerRead(_ kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, err error) {
	if err == nil && isGroupRequest(key) {
		h.rec.request(h.member, Received, key)
	}
}
