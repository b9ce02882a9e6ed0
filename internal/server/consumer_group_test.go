package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Tests of the consumer group protocol (KIP-848) with franz-go's
// next-generation consumer, against an in-process node whose group
// timeouts are short so sessions expire within seconds.

// consumerGroupOverrides shorten the consumer protocol's timeouts (the
// config package requires min <= value <= max and heartbeat < session).
var consumerGroupOverrides = []string{
	"group.consumer.session.timeout.ms=2000",
	"group.consumer.min.session.timeout.ms=1000",
	"group.consumer.heartbeat.interval.ms=200",
	"group.consumer.min.heartbeat.interval.ms=100",
	"offsets.topic.num.partitions=4",
}

// cgHarness runs members of one group over one topic and watches them:
// which member owns each partition (from the assignment callbacks), and
// every record each member read.
type cgHarness struct {
	t     *testing.T
	s     *Server
	group string
	topic string

	mu         sync.Mutex
	owner      map[int32]string
	seen       map[int32]map[int64]int
	violations []string
	killed     map[int32]bool  // partitions a killed member held
	from       map[int32]int64 // where reading starts: the committed offsets
}

type cgMember struct {
	name   string
	cl     *kgo.Client
	dialer *killableDialer
	cancel context.CancelFunc
	done   chan struct{}
}

func newCGHarness(t *testing.T, s *Server, group, topic string) *cgHarness {
	return &cgHarness{t: t, s: s, group: group, topic: topic, owner: map[int32]string{},
		seen: map[int32]map[int64]int{}, killed: map[int32]bool{}, from: map[int32]int64{}}
}

func (h *cgHarness) violate(format string, args ...any) {
	h.violations = append(h.violations, fmt.Sprintf(format, args...))
}

func (h *cgHarness) start(name string, extra ...kgo.Opt) *cgMember {
	m := &cgMember{name: name, dialer: &killableDialer{}, done: make(chan struct{})}
	opts := []kgo.Opt{
		kgo.SeedBrokers(h.s.Addr("PLAINTEXT").String()),
		kgo.ClientID(name),
		kgo.ConsumerGroup(h.group),
		kgo.ConsumeTopics(h.topic),
		kgo.ServerSideBalancer(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.GreedyAutoCommit(),
		kgo.AutoCommitInterval(100 * time.Millisecond),
		kgo.FetchMaxWait(100 * time.Millisecond),
		kgo.Dialer(m.dialer.dial),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, a map[string][]int32) { h.assigned(name, a) }),
		kgo.OnPartitionsRevoked(func(_ context.Context, cl *kgo.Client, r map[string][]int32) {
			// Commit what was read before giving the partitions up, as
			// an application processing synchronously would.
			if err := cl.CommitUncommittedOffsets(context.Background()); err != nil && !m.dialer.isKilled() {
				h.t.Logf("%s: commit on revoke: %v", name, err)
			}
			h.released(name, r)
		}),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, l map[string][]int32) { h.released(name, l) }),
	}
	cl, err := kgo.NewClient(append(opts, extra...)...)
	if err != nil {
		h.t.Fatal(err)
	}
	m.cl = cl
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	go func() {
		defer close(m.done)
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			fs.EachRecord(func(r *kgo.Record) { h.read(name, r) })
		}
	}()
	return m
}

func (h *cgHarness) assigned(name string, a map[string][]int32) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range a[h.topic] {
		if other, ok := h.owner[p]; ok && other != name {
			h.violate("partition %d assigned to %s while %s owns it", p, name, other)
		}
		h.owner[p] = name
	}
}

func (h *cgHarness) released(name string, r map[string][]int32) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range r[h.topic] {
		if h.owner[p] == name {
			delete(h.owner, p)
		}
	}
}

func (h *cgHarness) read(name string, r *kgo.Record) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if owner := h.owner[r.Partition]; owner != name {
		h.violate("%s read partition %d offset %d while %q owns it", name, r.Partition, r.Offset, owner)
	}
	if h.seen[r.Partition] == nil {
		h.seen[r.Partition] = map[int64]int{}
	}
	h.seen[r.Partition][r.Offset]++
}

// kill cuts a member off the network without leaving the group, as a
// crash would; its partitions count as lost from then on.
func (h *cgHarness) kill(m *cgMember) {
	m.dialer.kill()
	m.cancel()
	<-m.done
	h.mu.Lock()
	for p, owner := range h.owner {
		if owner == m.name {
			h.killed[p] = true
			delete(h.owner, p)
		}
	}
	h.mu.Unlock()
	go m.cl.Close() // its leave cannot reach the broker; do not wait for it
}

func (h *cgHarness) stop(m *cgMember) {
	m.cancel()
	<-m.done
	m.cl.Close() // leaves the group (member epoch -1) after committing
}

// waitFor waits until every partition has an owner, the owners hold the
// given numbers of partitions, and every record up to ends was read.
func (h *cgHarness) waitFor(what string, counts map[string]int, ends map[int32]int64) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		h.mu.Lock()
		got := map[string]int{}
		for _, owner := range h.owner {
			got[owner]++
		}
		missing := 0
		for p, end := range ends {
			for o := h.from[p]; o < end; o++ {
				if h.seen[p][o] == 0 {
					missing++
				}
			}
		}
		h.mu.Unlock()
		if missing == 0 && fmt.Sprint(got) == fmt.Sprint(counts) {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s: owners %v (want %v), %d records unread", what, got, counts, missing)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// check fails on any double ownership seen, and on records read twice
// outside the partitions of a killed member (whose last reads may not
// have been committed: the at-least-once window).
func (h *cgHarness) check() {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, v := range h.violations {
		h.t.Error(v)
	}
	for p, offsets := range h.seen {
		for o, n := range offsets {
			if n > 1 && !h.killed[p] {
				h.t.Errorf("partition %d offset %d read %d times, but no member holding it was killed", p, o, n)
			}
		}
	}
}

type killableDialer struct {
	mu     sync.Mutex
	conns  []net.Conn
	killed bool
}

func (d *killableDialer) dial(ctx context.Context, network, host string) (net.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.killed {
		return nil, errors.New("killed")
	}
	c, err := (&net.Dialer{}).DialContext(ctx, network, host)
	if err == nil {
		d.conns = append(d.conns, c)
	}
	return c, err
}

func (d *killableDialer) kill() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.killed = true
	for _, c := range d.conns {
		c.Close()
	}
}

func (d *killableDialer) isKilled() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.killed
}

// produceEach writes n records to each partition of topic and returns the
// end offsets.
func produceEach(t *testing.T, s *Server, topic string, partitions int32, n int) map[int32]int64 {
	t.Helper()
	cl := client(t, s, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for p := int32(0); p < partitions; p++ {
		for i := 0; i < n; i++ {
			recs = append(recs, &kgo.Record{Topic: topic, Partition: p, Value: []byte(fmt.Sprintf("%d-%d", p, i))})
		}
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out
}

// TestConsumerGroupProtocolMembersComeAndGo: two members split four
// partitions, a third joins, one leaves, one is killed and loses its
// session; partitions move without ever having two owners, every record
// is read, and only the killed member's partitions are read twice. The
// committed offsets survive a restart, and a new member resumes from
// them.
func TestConsumerGroupProtocolMembersComeAndGo(t *testing.T) {
	dir := t.TempDir()
	s := startNode(t, dir, consumerGroupOverrides...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	adm := kadm.NewClient(client(t, s))
	if _, err := adm.CreateTopic(ctx, 4, 1, nil, "t"); err != nil {
		t.Fatal(err)
	}
	h := newCGHarness(t, s, "g", "t")
	ends := produceEach(t, s, "t", 4, 50)
	a, b := h.start("a"), h.start("b")
	h.waitFor("two members", map[string]int{"a": 2, "b": 2}, ends)

	c := h.start("c")
	ends = produceEach(t, s, "t", 4, 50)
	h.waitForTotal("three members", 3, ends)
	describeConsumerGroup(t, s, "g", 3)

	h.stop(a)
	ends = produceEach(t, s, "t", 4, 50)
	h.waitFor("a left", map[string]int{"b": 2, "c": 2}, ends)

	h.kill(b)
	ends = produceEach(t, s, "t", 4, 50)
	h.waitFor("b killed", map[string]int{"c": 4}, ends)
	h.stop(c)
	h.check()

	committed, err := adm.FetchOffsets(ctx, "g")
	if err != nil {
		t.Fatal(err)
	}
	for p, end := range ends {
		if o, _ := committed.Lookup("t", p); o.At != end {
			t.Fatalf("partition %d committed at %d, want %d", p, o.At, end)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = startNode(t, dir, consumerGroupOverrides...)
	defer s.Close()
	after, err := kadm.NewClient(client(t, s)).FetchOffsets(ctx, "g")
	if err != nil {
		t.Fatal(err)
	}
	for p, end := range ends {
		if o, _ := after.Lookup("t", p); o.At != end {
			t.Fatalf("after restart partition %d committed at %d, want %d", p, o.At, end)
		}
	}
	h2 := newCGHarness(t, s, "g", "t")
	h2.from = ends
	h2.start("d")
	more := produceEach(t, s, "t", 4, 5)
	h2.waitFor("after restart", map[string]int{"d": 4}, more)
	h2.mu.Lock()
	defer h2.mu.Unlock()
	for p, offsets := range h2.seen {
		for o := range offsets {
			if o < ends[p] {
				t.Fatalf("after restart partition %d read offset %d, committed before the restart", p, o)
			}
		}
	}
}

// waitForTotal waits until n members own all partitions, as evenly as
// four partitions allow, and every record up to ends was read.
func (h *cgHarness) waitForTotal(what string, n int, ends map[int32]int64) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		h.mu.Lock()
		got := map[string]int{}
		for _, owner := range h.owner {
			got[owner]++
		}
		counts := make([]int, 0, len(got))
		for _, c := range got {
			counts = append(counts, c)
		}
		sort.Ints(counts)
		missing := 0
		for p, end := range ends {
			for o := h.from[p]; o < end; o++ {
				if h.seen[p][o] == 0 {
					missing++
				}
			}
		}
		h.mu.Unlock()
		if missing == 0 && fmt.Sprint(counts) == "[1 1 2]" && n == 3 {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s: owners %v, %d records unread", what, got, missing)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// describeConsumerGroup checks ConsumerGroupDescribe of a stable group.
func describeConsumerGroup(t *testing.T, s *Server, group string, members int) {
	t.Helper()
	cl := client(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var d kmsg.ConsumerGroupDescribeResponseGroup
	for deadline := time.Now().Add(10 * time.Second); ; {
		req := kmsg.NewPtrConsumerGroupDescribeRequest()
		req.Groups = []string{group, "no-such-group"}
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Groups) != 2 {
			t.Fatalf("described %d groups, want 2", len(resp.Groups))
		}
		for _, g := range resp.Groups {
			if g.Group == "no-such-group" && g.ErrorCode != kerr.GroupIDNotFound.Code {
				t.Fatalf("unknown group: error %d, want GROUP_ID_NOT_FOUND", g.ErrorCode)
			}
			if g.Group == group {
				d = g
			}
		}
		if d.State == "Stable" || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if d.ErrorCode != 0 || d.State != "Stable" || len(d.Members) != members || d.AssignorName != "uniform" || d.Epoch != d.AssignmentEpoch {
		t.Fatalf("describe: %+v", d)
	}
	total := 0
	for _, m := range d.Members {
		if m.MemberEpoch != d.Epoch || m.ClientHost != "/127.0.0.1" || m.ClientID == "" || len(m.SubscribedTopics) != 1 {
			t.Fatalf("member: %+v", m)
		}
		for _, tp := range m.Assignment.TopicPartitions {
			total += len(tp.Partitions)
		}
		if fmt.Sprint(m.Assignment) != fmt.Sprint(m.TargetAssignment) {
			t.Fatalf("stable member %s: assignment %v, target %v", m.MemberID, m.Assignment, m.TargetAssignment)
		}
	}
	if total != 4 {
		t.Fatalf("members hold %d partitions, want 4", total)
	}
}

// TestConsumerGroupProtocolRegex subscribes by regular expression: a topic
// created later that matches is assigned without the member rejoining.
func TestConsumerGroupProtocolRegex(t *testing.T) {
	s := startNode(t, t.TempDir(), consumerGroupOverrides...)
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	adm := kadm.NewClient(client(t, s))
	if _, err := adm.CreateTopic(ctx, 2, 1, nil, "rx-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopic(ctx, 1, 1, nil, "other"); err != nil {
		t.Fatal(err)
	}
	cl := client(t, s, kgo.ConsumerGroup("rx"), kgo.ConsumeTopics("rx-.*"), kgo.ConsumeRegex(), kgo.ServerSideBalancer(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100*time.Millisecond), kgo.MetadataMinAge(100*time.Millisecond), kgo.MetadataMaxAge(250*time.Millisecond))
	produce := func(topic string) {
		p := client(t, s)
		if err := p.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(topic)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	produce("rx-a")
	produce("other")
	want := map[string]bool{"rx-a": true}
	got := map[string]bool{}
	poll := func() {
		t.Helper()
		for len(got) < len(want) {
			fs := cl.PollFetches(ctx)
			if ctx.Err() != nil {
				t.Fatalf("read %v, want %v", got, want)
			}
			fs.EachRecord(func(r *kgo.Record) {
				if !want[r.Topic] {
					t.Fatalf("read %s, which does not match the regex", r.Topic)
				}
				got[r.Topic] = true
			})
		}
	}
	poll()
	if _, err := adm.CreateTopic(ctx, 3, 1, nil, "rx-b"); err != nil {
		t.Fatal(err)
	}
	produce("rx-b")
	want["rx-b"] = true
	poll()

	req := kmsg.NewPtrConsumerGroupDescribeRequest()
	req.Groups = []string{"rx"}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	m := resp.Groups[0].Members
	if len(m) != 1 || m[0].SubscribedTopicRegex == nil {
		t.Fatalf("describe: %+v", resp.Groups[0])
	}
}
