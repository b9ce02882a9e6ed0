package interop

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/testbin"
)

// Consumer groups across clients. Every client runs its group members as
// child processes that speak one protocol, so one set of scenarios covers
// franz-go, sarama and segmentio/kafka-go (the test binary itself, see
// TestMain in groups_go_test.go), confluent-kafka-go v2 (confluentgomember),
// kafka-python and confluent-kafka (testdata/groups_*_member.py) and
// KafkaJS (kafkajs/member.js), and a member can die the way a consumer
// process does: SIGKILL, no LeaveGroup, its connections reset by the
// kernel.
//
// The member protocol. A member is started with a grpMemberConfig as JSON
// (an argument, or for Go members an environment variable). It subscribes to one topic in one group, with
// auto-commit off, and for every record it reads writes
//
//	{"ev":"record","partition":P,"offset":O,"value":"..."}
//
// then commits that record's next offset synchronously (so a clean
// rebalance never hands a read record to another member) and, when the
// client tells it the commit succeeded, {"ev":"committed","partition":P,
// "offset":O+1}; a failed commit is {"ev":"commit-failed","error":"..."}.
// Members whose client reports rebalances write {"ev":"assigned",
// "partitions":[...]}, {"ev":"revoked",...} and {"ev":"lost",...} as the
// client calls them (all partitions with eager protocols, only the ones
// that move with cooperative ones). Errors the client reports without
// stopping are {"ev":"error","error":"..."}. Lines on stdin steer it:
// "stop-commits" makes it read without committing (the records it then
// reads are the at-least-once window a crash leaves behind), "close"
// closes the consumer cleanly (LeaveGroup unless static) and ends with
// {"ev":"closed"}; end of stdin closes it too.
//
// Each scenario produces with franz-go to explicit partitions and asserts
// the exact set of (partition, offset) each member read, which member the
// broker said owned each partition (DescribeGroups, or
// ConsumerGroupDescribe for KIP-848 groups, matched by client ID), which
// partitions each member lost in each rebalance, and the committed offsets
// and lag the admin API reports.

// grpSessionTimeout is every member's session timeout: Kafka's
// group.min.session.timeout.ms, the shortest a broker accepts by default,
// so a killed member's partitions move within seconds.
const grpSessionTimeout = 6 * time.Second

// grpHeartbeat is every member's heartbeat interval: short, so members
// learn of a rebalance quickly.
const grpHeartbeat = 500 * time.Millisecond

// grpWait bounds every wait of a scenario: rebalances, reads, process
// exits. A session timeout plus a rejoin fit many times over.
const grpWait = 45 * time.Second

// grpClient is one Kafka client as a source of group members.
type grpClient struct {
	name string
	// command returns the member process for a configuration.
	command func(t *testing.T, cfg grpMemberConfig) *exec.Cmd
	// require fails the test when the client cannot run here.
	require func(t *testing.T)
	// assignEvents and revokeEvents tell that the member writes assigned
	// and revoked events (kafka-go's Reader has no rebalance callbacks;
	// KafkaJS has no revoke callback, only each generation's assignment).
	assignEvents, revokeEvents bool
	// revokeOnClose: closing the consumer revokes its partitions through
	// the callback (kafka-python leaves the group without calling it).
	revokeOnClose bool
	// cooperative: the client has the cooperative-sticky assignor.
	cooperative bool
	// static: the client sets group.instance.id (KIP-345).
	static bool
	// consumerProtocol: the client speaks KIP-848's
	// ConsumerGroupHeartbeat; staticConsumerProtocol: with an instance ID.
	consumerProtocol, staticConsumerProtocol bool
}

// grpMemberConfig is what a member process is told, as JSON.
type grpMemberConfig struct {
	Bootstrap string `json:"bootstrap"`
	// Name is the member's client ID, which DescribeGroups reports.
	Name  string `json:"name"`
	Group string `json:"group"`
	Topic string `json:"topic"`
	// Assignor is range, roundrobin or cooperative-sticky; for the
	// consumer protocol, the server-side assignor (uniform or range).
	Assignor string `json:"assignor"`
	// Protocol is classic or consumer (KIP-848).
	Protocol   string `json:"protocol"`
	InstanceID string `json:"instance_id,omitempty"`
	// SessionTimeoutMs and HeartbeatIntervalMs are the classic group
	// timings (the consumer protocol takes them from the broker).
	SessionTimeoutMs    int `json:"session_timeout_ms"`
	HeartbeatIntervalMs int `json:"heartbeat_interval_ms"`
	// Reset is where a member starts without a committed offset:
	// earliest or latest.
	Reset string `json:"reset"`
	// Client picks the Go client of a Go member.
	Client string `json:"client,omitempty"`
	// label names the member in the test's records when the client ID
	// is not unique: a static member restarted keeps its client ID.
	label string
}

// grpEvent is one line a member wrote, stamped by the test.
type grpEvent struct {
	Ev         string  `json:"ev"`
	Partitions []int32 `json:"partitions"`
	Partition  int32   `json:"partition"`
	Offset     int64   `json:"offset"`
	Value      string  `json:"value"`
	Error      string  `json:"error"`

	member string
	seq    int
}

// grpPO is a partition and offset.
type grpPO struct {
	p int32
	o int64
}

func (po grpPO) String() string { return fmt.Sprintf("%d/%d", po.p, po.o) }

// grpRun is one scenario: a topic, its records, and the members reading it.
type grpRun struct {
	t          *testing.T
	addr       string // bootstrap
	c          *grpClient
	topic      string
	partitions int32
	topicID    [16]byte
	prod       *kgo.Client
	cl         *kgo.Client // requests and admin
	adm        *kadm.Client

	// logs returns the broker's output, when the broker is a process.
	logs func() string

	mu       sync.Mutex
	events   []grpEvent
	produced map[grpPO]string
	members  []*grpMember
}

// grpMember is one member process.
type grpMember struct {
	name   string
	cfg    grpMemberConfig
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *grpTail
	done   chan struct{} // closed once the process exited and stdout is read
	killed bool
}

// grpTail keeps the last bytes a process wrote to stderr, for failures.
type grpTail struct {
	mu  sync.Mutex
	buf []byte
}

func (w *grpTail) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if len(w.buf) > 16<<10 {
		w.buf = w.buf[len(w.buf)-8<<10:]
	}
	return len(p), nil
}

func (w *grpTail) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.buf)
}

// grpBrokerConfigs are the broker settings of group tests: no initial
// rebalance delay, so a group's first generation forms at once, and
// consumer-protocol (KIP-848) session and heartbeat timings as short as
// the classic members'.
var grpBrokerConfigs = map[string]string{
	"group.initial.rebalance.delay.ms":         "0",
	"group.consumer.session.timeout.ms":        fmt.Sprint(grpSessionTimeout.Milliseconds()),
	"group.consumer.min.session.timeout.ms":    fmt.Sprint(grpSessionTimeout.Milliseconds()),
	"group.consumer.heartbeat.interval.ms":     fmt.Sprint(grpHeartbeat.Milliseconds()),
	"group.consumer.min.heartbeat.interval.ms": fmt.Sprint(grpHeartbeat.Milliseconds()),
}

// grpNode starts a node for group tests.
func grpNode(t *testing.T) *testbin.Node {
	t.Helper()
	var opts []testbin.Option
	for k, v := range grpBrokerConfigs {
		opts = append(opts, testbin.Override(k+"="+v))
	}
	return testbin.Start(t, opts...)
}

// grpSuite runs every scenario the client supports. The scenarios share
// one node, each with its own topic and groups, and run at once: they
// spend most of their time waiting for heartbeats and session timeouts.
// The broker kill gets a node of its own.
func grpSuite(t *testing.T, c *grpClient) {
	c.require(t)
	t.Parallel()
	n := grpNode(t)
	scenarios := []struct {
		name string
		run  func(t *testing.T)
		when bool
	}{
		{"split-join-leave-kill", func(t *testing.T) { grpMembership(t, c, n, grpEager) }, true},
		{"cooperative-sticky", func(t *testing.T) { grpMembership(t, c, n, grpCooperative) }, c.cooperative},
		{"kip-848", func(t *testing.T) { grpMembership(t, c, n, grpConsumer) }, c.consumerProtocol},
		{"kip-848-range", func(t *testing.T) { grpMembership(t, c, n, grpConsumerRange) }, c.consumerProtocol},
		{"second-group-restart-lag", func(t *testing.T) { grpTutorial(t, c, n) }, true},
		{"static-membership", func(t *testing.T) { grpStatic(t, c, n, false) }, c.static},
		{"static-kip-848", func(t *testing.T) { grpStatic(t, c, n, true) }, c.staticConsumerProtocol},
		{"broker-kill-9", func(t *testing.T) { grpBrokerKill(t, c) }, true},
	}
	// Subtests run from goroutines rather than with t.Parallel, which
	// would queue them behind -parallel (GOMAXPROCS, 2 here).
	var wg sync.WaitGroup
	for _, s := range scenarios {
		if !s.when {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(s.name, s.run)
		}()
	}
	wg.Wait()
}

// grpBroker is what a scenario needs of a broker: its address.
type grpBroker interface{ Addr() string }

// grpNewRun creates the scenario's topic.
func grpNewRun(t *testing.T, c *grpClient, n grpBroker, topic string, partitions int32) *grpRun {
	t.Helper()
	r := &grpRun{t: t, addr: n.Addr(), c: c, topic: topic, partitions: partitions, produced: map[grpPO]string{}}
	if l, ok := n.(interface{ Logs() string }); ok {
		r.logs = l.Logs
	}
	// Uncompressed: KafkaJS reads snappy only with a codec plugin.
	r.prod = r.client(kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchCompression(kgo.NoCompression()))
	r.cl = r.client()
	r.adm = kadm.NewClient(r.cl)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	created, err := r.adm.CreateTopic(ctx, partitions, 1, nil, topic)
	if err == nil {
		err = created.Err
	}
	if err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
	r.topicID = created.ID
	t.Cleanup(func() {
		defer func() {
			for _, m := range r.members {
				m.stop()
			}
		}()
		r.logErrors()
		if t.Failed() {
			t.Logf("what the members did:\n%s", r.report())
			if r.logs != nil {
				words := []string{topic}
				for _, m := range r.members {
					words = append(words, m.cfg.Group)
				}
				t.Logf("what the broker said of %v:\n%s", words, grpIndent(grpGrep(r.logs(), words, 60)))
			}
		}
	})
	return r
}

// client returns a franz-go client of the broker, closed with the test.
func (r *grpRun) client(opts ...kgo.Opt) *kgo.Client {
	r.t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(r.addr)}, opts...)...)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(cl.Close)
	return cl
}

// config returns a member configuration with the scenario's defaults.
func (r *grpRun) config(name, group string) grpMemberConfig {
	return grpMemberConfig{
		Bootstrap: r.addr, Name: name, Group: group, Topic: r.topic,
		Assignor: "range", Protocol: "classic",
		SessionTimeoutMs:    int(grpSessionTimeout / time.Millisecond),
		HeartbeatIntervalMs: int(grpHeartbeat / time.Millisecond),
		Reset:               "earliest",
	}
}

// start starts a member process.
func (r *grpRun) start(cfg grpMemberConfig) *grpMember {
	r.t.Helper()
	cmd := r.c.command(r.t, cfg)
	label := cfg.Name
	if cfg.label != "" {
		label = cfg.label
	}
	m := &grpMember{name: label, cfg: cfg, cmd: cmd, stderr: &grpTail{}, done: make(chan struct{})}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		r.t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		r.t.Fatal(err)
	}
	cmd.Stderr = m.stderr
	m.stdin = stdin
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("start %s member %s: %v", r.c.name, cfg.Name, err)
	}
	r.mu.Lock()
	r.members = append(r.members, m)
	r.mu.Unlock()
	go func() {
		defer close(m.done)
		r.read(m, stdout)
		cmd.Wait()
	}()
	return m
}

// read records a member's events until its stdout closes.
func (r *grpRun) read(m *grpMember, stdout io.Reader) {
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e grpEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			e = grpEvent{Ev: "garbage", Error: sc.Text()}
		}
		e.member = m.name
		r.mu.Lock()
		e.seq = len(r.events)
		r.events = append(r.events, e)
		r.mu.Unlock()
	}
}

// send writes a command line to the member.
func (m *grpMember) send(t *testing.T, command string) {
	t.Helper()
	if _, err := io.WriteString(m.stdin, command+"\n"); err != nil {
		t.Fatalf("member %s: sending %q: %v", m.name, command, err)
	}
}

// close closes the member cleanly and waits until its process exits,
// which must be with status 0 after a closed event.
func (r *grpRun) close(m *grpMember) {
	r.t.Helper()
	m.send(r.t, "close")
	select {
	case <-m.done:
	case <-time.After(grpWait):
		r.t.Fatalf("member %s did not exit within %v of close\n%s", m.name, grpWait, m.stderr)
	}
	if code := m.cmd.ProcessState.ExitCode(); code != 0 {
		r.t.Fatalf("member %s exited with status %d\n%s", m.name, code, m.stderr)
	}
	if len(r.eventsOf(m.name, "closed", 0)) == 0 {
		r.t.Fatalf("member %s exited without closing\n%s", m.name, m.stderr)
	}
}

// kill ends the member with SIGKILL, as a crash: no LeaveGroup, no
// commit, its connections reset.
func (m *grpMember) kill() {
	m.killed = true
	m.stop()
}

// signal sends the member's process a signal: SIGSTOP freezes it,
// SIGCONT thaws it.
func (m *grpMember) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := m.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("member %s: %v: %v", m.name, sig, err)
	}
}

// stop ends the member's process, if it still runs, and waits for it.
func (m *grpMember) stop() {
	if m.cmd.Process == nil {
		return
	}
	select {
	case <-m.done:
		return
	default:
	}
	m.cmd.Process.Signal(syscall.SIGKILL)
	<-m.done
}

// mark returns the position in the event log, to look at what happened
// after it.
func (r *grpRun) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// eventsOf returns the events of kind ev (all kinds when "") that member
// (all members when "") wrote at or after from.
func (r *grpRun) eventsOf(member, ev string, from int) []grpEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []grpEvent
	for _, e := range r.events[from:] {
		if (member == "" || e.member == member) && (ev == "" || e.Ev == ev) {
			out = append(out, e)
		}
	}
	return out
}

// partitionsOf collects the partitions of member's events of kind ev
// since from.
func (r *grpRun) partitionsOf(member, ev string, from int) []int32 {
	var ps []int32
	for _, e := range r.eventsOf(member, ev, from) {
		ps = append(ps, e.Partitions...)
	}
	slices.Sort(ps)
	return ps
}

// produce writes perPartition records to every partition and returns
// their positions. Values name the phase, so a record read back is known.
func (r *grpRun) produce(phase string, perPartition int) []grpPO {
	r.t.Helper()
	var recs []*kgo.Record
	for p := int32(0); p < r.partitions; p++ {
		for i := 0; i < perPartition; i++ {
			recs = append(recs, &kgo.Record{Partition: p, Value: fmt.Appendf(nil, "%s/%d/%d", phase, p, i)})
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res := r.prod.ProduceSync(ctx, recs...)
	if err := res.FirstErr(); err != nil {
		r.t.Fatalf("produce %s: %v", phase, err)
	}
	var out []grpPO
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, pr := range res {
		po := grpPO{pr.Record.Partition, pr.Record.Offset}
		r.produced[po] = string(pr.Record.Value)
		out = append(out, po)
	}
	return out
}

// readers returns, for each position, the members that read it, in the
// order they did.
func (r *grpRun) readers() map[grpPO][]string { return r.readersSince(0) }

// readersSince is readers for the reads at or after the mark from.
func (r *grpRun) readersSince(from int) map[grpPO][]string {
	out := map[grpPO][]string{}
	for _, e := range r.eventsOf("", "record", from) {
		po := grpPO{e.Partition, e.Offset}
		out[po] = append(out[po], e.member)
	}
	return out
}

// waitRead waits until every position has been read by some member.
func (r *grpRun) waitRead(pos []grpPO) {
	r.t.Helper()
	r.waitReadSince(0, pos)
}

// waitReadSince waits until every position has been read by some member
// after the mark from.
func (r *grpRun) waitReadSince(from int, pos []grpPO) {
	r.t.Helper()
	deadline := time.Now().Add(grpWait)
	for {
		read := r.readersSince(from)
		var missing []grpPO
		for _, po := range pos {
			if len(read[po]) == 0 {
				missing = append(missing, po)
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("after %v, %d of %d records were never read, first %v", grpWait, len(missing), len(pos), missing[:min(len(missing), 8)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkValues checks that every record read is one that was produced, at
// the position it was produced at.
func (r *grpRun) checkValues() {
	r.t.Helper()
	for _, e := range r.eventsOf("", "record", 0) {
		r.mu.Lock()
		want, ok := r.produced[grpPO{e.Partition, e.Offset}]
		r.mu.Unlock()
		if !ok || want != e.Value {
			r.t.Errorf("member %s read %q at %d/%d, where %q (known %v) was produced", e.member, e.Value, e.Partition, e.Offset, want, ok)
		}
	}
}

// checkOnce checks that each position was read exactly once, by the
// member that owned its partition (when owners is not nil).
func (r *grpRun) checkOnce(pos []grpPO, owners map[int32]string) {
	r.t.Helper()
	read := r.readers()
	bad := 0
	for _, po := range pos {
		who := read[po]
		if len(who) != 1 || (owners != nil && who[0] != owners[po.p]) {
			r.t.Errorf("record %v was read by %v, want once by %q, the owner of partition %d", po, who, owners[po.p], po.p)
			if bad++; bad == 10 {
				r.t.FailNow()
			}
		}
	}
}

// logErrors logs the errors members reported and carried on from
// (failed commits, fetch errors): the broker's restart causes some, and
// any other is worth a look even when the scenario passes.
func (r *grpRun) logErrors() {
	for _, e := range r.eventsOf("", "", 0) {
		if e.Error != "" || e.Ev == "garbage" {
			r.t.Logf("member %s reported %s (event #%d): %s", e.member, e.Ev, e.seq, e.Error)
		}
	}
}

// report summarises what each member did, for failures.
func (r *grpRun) report() string {
	r.mu.Lock()
	members := slices.Clone(r.members)
	events := slices.Clone(r.events)
	r.mu.Unlock()
	var b strings.Builder
	for _, m := range members {
		fmt.Fprintf(&b, "member %s (%+v, killed %v):\n", m.name, m.cfg, m.killed)
		reads := map[int32][]int64{}
		for _, e := range events {
			if e.member != m.name {
				continue
			}
			switch e.Ev {
			case "record":
				reads[e.Partition] = append(reads[e.Partition], e.Offset)
			case "committed":
			default:
				fmt.Fprintf(&b, "  #%d %s %v %s\n", e.seq, e.Ev, e.Partitions, e.Error)
			}
		}
		ps := make([]int32, 0, len(reads))
		for p := range reads {
			ps = append(ps, p)
		}
		slices.Sort(ps)
		for _, p := range ps {
			fmt.Fprintf(&b, "  read partition %d offsets %v\n", p, reads[p])
		}
		if s := m.stderr.String(); s != "" {
			fmt.Fprintf(&b, "  stderr (tail):\n%s\n", grpIndent(s[max(0, len(s)-3000):]))
		}
	}
	return b.String()
}

// grpGrep returns the last max lines of s that mention one of words.
func grpGrep(s string, words []string, max int) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if slices.ContainsFunc(words, func(w string) bool { return strings.Contains(line, w) }) {
			out = append(out, line)
		}
	}
	return strings.Join(out[len(out)-min(len(out), max):], "\n")
}

func grpIndent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// grpGroupView is who owns what in a group, as the broker describes it.
type grpGroupView struct {
	state     string
	owners    map[int32]string // partition → client ID
	memberIDs map[string]string
	instances map[string]string // client ID → instance ID
	// unnamed: ConsumerGroupDescribe gave a topic ID without its name.
	unnamed bool
	// assignor is the server-side assignor of a KIP-848 group.
	assignor string
}

// describe asks the broker about a group: DescribeGroups for classic
// groups, ConsumerGroupDescribe for KIP-848 ones.
func (r *grpRun) describe(group string, consumer bool) (grpGroupView, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v := grpGroupView{owners: map[int32]string{}, memberIDs: map[string]string{}, instances: map[string]string{}}
	assign := func(client string, ps []int32) error {
		for _, p := range ps {
			if prev, ok := v.owners[p]; ok {
				return fmt.Errorf("partition %d assigned to both %s and %s", p, prev, client)
			}
			v.owners[p] = client
		}
		return nil
	}
	if consumer {
		return v, r.describeConsumer(ctx, group, &v, assign)
	}
	gs, err := r.adm.DescribeGroups(ctx, group)
	if err != nil {
		return v, err
	}
	g := gs[group]
	if g.Err != nil {
		return v, g.Err
	}
	v.state = g.State
	for _, m := range g.Members {
		v.memberIDs[m.ClientID] = m.MemberID
		if m.InstanceID != nil {
			v.instances[m.ClientID] = *m.InstanceID
		}
		c, ok := m.Assigned.AsConsumer()
		if !ok {
			continue
		}
		for _, tp := range c.Topics {
			if tp.Topic == r.topic {
				if err := assign(m.ClientID, tp.Partitions); err != nil {
					return v, err
				}
			}
		}
	}
	return v, nil
}

// describeConsumer fills v from ConsumerGroupDescribe. Assignments name
// topics by ID, and by name too as Kafka does; a name that disagrees with
// the ID is an error, a missing one is noted.
func (r *grpRun) describeConsumer(ctx context.Context, group string, v *grpGroupView, assign func(string, []int32) error) error {
	req := kmsg.NewPtrConsumerGroupDescribeRequest()
	req.Groups = []string{group}
	resp, err := req.RequestWith(ctx, r.cl)
	if err != nil {
		return err
	}
	if len(resp.Groups) != 1 {
		return fmt.Errorf("ConsumerGroupDescribe answered %d groups", len(resp.Groups))
	}
	g := resp.Groups[0]
	if err := kerr.ErrorForCode(g.ErrorCode); err != nil {
		return err
	}
	v.state, v.assignor = g.State, g.AssignorName
	for _, m := range g.Members {
		v.memberIDs[m.ClientID] = m.MemberID
		if m.InstanceID != nil {
			v.instances[m.ClientID] = *m.InstanceID
		}
		for _, tp := range m.Assignment.TopicPartitions {
			if tp.TopicID != r.topicID {
				continue
			}
			if tp.Topic != r.topic && tp.Topic != "" {
				return fmt.Errorf("member %s: assignment of topic ID %x names topic %q, want %q", m.ClientID, tp.TopicID, tp.Topic, r.topic)
			}
			v.unnamed = v.unnamed || tp.Topic == ""
			if err := assign(m.ClientID, tp.Partitions); err != nil {
				return err
			}
		}
	}
	return nil
}

// waitStable waits until the broker reports the group Stable with
// exactly the named members (client IDs) and every partition of the topic
// assigned to one of them, each member having some, and returns the
// partitions' owners.
func (r *grpRun) waitStable(group string, consumer bool, names ...string) map[int32]string {
	r.t.Helper()
	deadline := time.Now().Add(grpWait)
	var last string
	for {
		v, err := r.describe(group, consumer)
		why := grpUnstable(v, err, r.partitions, names)
		if why == "" {
			return v.owners
		}
		last = why
		if time.Now().After(deadline) {
			r.t.Fatalf("group %s not stable with members %v after %v: %s", group, names, grpWait, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// grpUnstable says why a group view is not the stable group wanted, or "".
func grpUnstable(v grpGroupView, err error, partitions int32, names []string) string {
	if err != nil {
		return err.Error()
	}
	if v.state != "Stable" {
		return fmt.Sprintf("state %s, owners %v", v.state, v.owners)
	}
	var got []string
	for c := range v.memberIDs {
		got = append(got, c)
	}
	sort.Strings(got)
	want := slices.Sorted(slices.Values(names))
	if !slices.Equal(got, want) {
		return fmt.Sprintf("members %v", got)
	}
	if len(v.owners) != int(partitions) {
		return fmt.Sprintf("%d of %d partitions assigned: %v", len(v.owners), partitions, v.owners)
	}
	have := map[string]bool{}
	for _, c := range v.owners {
		have[c] = true
	}
	if len(names) <= int(partitions) && len(have) != len(names) {
		return fmt.Sprintf("a member has no partition: %v", v.owners)
	}
	return ""
}

// partitionsOwned returns the partitions owners gives to member.
func grpOwned(owners map[int32]string, member string) []int32 {
	var ps []int32
	for p, m := range owners {
		if m == member {
			ps = append(ps, p)
		}
	}
	slices.Sort(ps)
	return ps
}

// committed returns the group's committed offsets for the topic.
func (r *grpRun) committed(group string) map[int32]int64 {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	resp, err := r.adm.FetchOffsets(ctx, group)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		r.t.Fatalf("fetch offsets of %s: %v", group, err)
	}
	out := map[int32]int64{}
	resp.Each(func(o kadm.OffsetResponse) {
		if o.Topic == r.topic {
			out[o.Partition] = o.At
		}
	})
	return out
}

// ends returns the log end offset of every partition.
func (r *grpRun) ends() map[int32]int64 {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	listed, err := r.adm.ListEndOffsets(ctx, r.topic)
	if err == nil {
		err = listed.Error()
	}
	if err != nil {
		r.t.Fatalf("list end offsets of %s: %v", r.topic, err)
	}
	end := map[int32]int64{}
	listed.Each(func(o kadm.ListedOffset) { end[o.Partition] = o.Offset })
	return end
}

// waitCommitted waits until the group has committed want for every
// partition: members commit after reading, so this trails waitRead.
func (r *grpRun) waitCommitted(group string, want map[int32]int64) {
	r.t.Helper()
	deadline := time.Now().Add(grpWait)
	for {
		got := r.committed(group)
		if goClientMapsEqual(got, want) {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("group %s committed %v, want %v", group, got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// grpMode is a flavour of the membership scenario.
type grpMode int

const (
	grpEager         grpMode = iota // classic, range: everything revoked in a rebalance
	grpCooperative                  // classic, cooperative-sticky: only what moves
	grpConsumer                     // KIP-848: the broker assigns (uniform), only what moves
	grpConsumerRange                // KIP-848 with the broker's range assignor
)

func (m grpMode) String() string {
	return [...]string{"eager", "coop", "kip848", "kip848-range"}[m]
}

// grpMembership is the life of a group: two members split a 4-partition
// topic; a third joins; one leaves cleanly; one is killed after reading
// records it never committed. Each phase's records must be read exactly
// once by their partition's owner; after the kill, exactly the killed
// member's uncommitted records are read a second time (the at-least-once
// window), by the member that inherits them, and nothing is lost. In the
// cooperative modes every rebalance must revoke only the partitions that
// move.
func grpMembership(t *testing.T, c *grpClient, n grpBroker, mode grpMode) {
	r := grpNewRun(t, c, n, "members-"+mode.String(), 4)
	group := "members-" + mode.String()
	consumer := mode == grpConsumer || mode == grpConsumerRange
	cfg := func(name string) grpMemberConfig {
		cfg := r.config(name, group)
		switch mode {
		case grpCooperative:
			cfg.Assignor = "cooperative-sticky"
		case grpConsumer:
			cfg.Protocol, cfg.Assignor = "consumer", "uniform"
		case grpConsumerRange:
			cfg.Protocol, cfg.Assignor = "consumer", "range"
		}
		return cfg
	}

	a, b := r.start(cfg("a")), r.start(cfg("b"))
	owners := r.waitStable(group, consumer, "a", "b")
	r.checkGroupType(group, consumer)
	if v, err := r.describe(group, consumer); err != nil || v.unnamed || (consumer && v.assignor != cfg("a").Assignor) {
		t.Errorf("ConsumerGroupDescribe: assignor %q (want %s), assignments without topic names (Kafka sends name and ID) %v, err %v",
			v.assignor, cfg("a").Assignor, v.unnamed, err)
	}
	r.waitView("a", grpOwned(owners, "a"))
	r.waitView("b", grpOwned(owners, "b"))
	pos := r.produce("two", 3)
	r.waitRead(pos)
	r.checkOnce(pos, owners)

	before, from := owners, r.mark()
	cm := r.start(cfg("c"))
	owners = r.waitStable(group, consumer, "a", "b", "c")
	pos = r.produce("three", 3)
	r.waitRead(pos)
	r.checkOnce(pos, owners)
	r.checkRevocations(mode, before, owners, from, "a", "b")

	before, from = owners, r.mark()
	r.close(a)
	owners = r.waitStable(group, consumer, "b", "c")
	if got := r.partitionsOf("a", "revoked", from); r.c.revokeOnClose && !slices.Equal(got, grpOwned(before, "a")) {
		t.Errorf("a revoked %v on close, want all it owned: %v", got, grpOwned(before, "a"))
	}
	pos = r.produce("left", 3)
	r.waitRead(pos)
	r.checkOnce(pos, owners)
	r.checkRevocations(mode, before, owners, from, "b", "c")

	// b stops committing, reads a phase it will never commit, and dies.
	b.send(t, "stop-commits")
	time.Sleep(200 * time.Millisecond) // the member reads its stdin between polls
	window := r.produce("uncommitted", 2)
	r.waitRead(window)
	r.checkOnce(window, owners)
	committedAtKill := r.committed(group)
	b.kill()
	killedAt, from, before := time.Now(), r.mark(), owners
	pos = r.produce("killed", 2)
	owners = r.waitStable(group, consumer, "c")
	// The broker notices a dead member by its missing heartbeats, not by
	// its connections closing: the partitions move one session timeout
	// after its last heartbeat (at most one interval before the kill).
	if waited := time.Since(killedAt); waited > grpSessionTimeout+10*time.Second || waited < grpSessionTimeout-grpHeartbeat-time.Second {
		t.Errorf("b's partitions moved %v after it was killed; the session timeout is %v", waited, grpSessionTimeout)
	}
	r.waitRead(pos)
	r.checkOnce(pos, owners)
	r.checkRevocations(mode, before, owners, from, "c")

	// The window: what b read at or after its last commit, read again by
	// c, which must have started each partition at b's committed offset.
	var again []grpPO
	for _, po := range window {
		if before[po.p] == "b" && po.o >= committedAtKill[po.p] {
			again = append(again, po)
		}
	}
	if len(again) == 0 {
		t.Fatalf("b read no uncommitted records before it was killed (committed %v)", committedAtKill)
	}
	read := r.readers()
	for _, po := range window {
		want := []string{before[po.p]}
		if slices.Contains(again, po) {
			want = []string{"b", "c"}
		}
		if got := read[po]; !slices.Equal(got, want) {
			t.Errorf("record %v (uncommitted by b at its kill) was read by %v, want %v", po, got, want)
		}
	}
	r.checkAllReadOnce(again)
	r.checkValues()

	// c has committed everything, and the lag of every partition is 0,
	// with c as its consumer.
	ends := r.ends()
	r.waitCommitted(group, ends)
	if !consumer {
		r.checkLag(group, ends, ends, "c")
	}
	r.close(cm)
}

// checkGroupType checks that a group runs the protocol the scenario asked
// for: a client falls back to the classic protocol silently when the
// broker does not offer KIP-848, which would make the test prove nothing.
func (r *grpRun) checkGroupType(group string, consumer bool) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	listed, err := r.adm.ListGroups(ctx)
	if err != nil {
		r.t.Fatalf("list groups: %v", err)
	}
	g, ok := listed[group]
	want := "classic"
	if consumer {
		want = "consumer"
	}
	if !ok || g.GroupType != want || g.ProtocolType != "consumer" {
		r.t.Errorf("ListGroups: group %s listed %v as %+v, want type %s, protocol type consumer", group, ok, g, want)
	}
}

// checkRevocations checks what the named members lost and gained between
// two stable assignments, once their own view of their assignment agrees
// with the broker's. Eager members revoke everything they had; cooperative
// and KIP-848 members revoke exactly the partitions that moved away and
// are assigned exactly those that moved to them.
func (r *grpRun) checkRevocations(mode grpMode, before, after map[int32]string, from int, names ...string) {
	r.t.Helper()
	for _, name := range names {
		had, has := grpOwned(before, name), grpOwned(after, name)
		r.waitView(name, has)
		if lost := r.partitionsOf(name, "lost", from); len(lost) > 0 {
			r.t.Errorf("%s lost partitions %v in a rebalance it took part in", name, lost)
		}
		if !r.c.revokeEvents {
			continue
		}
		revoked, assigned := r.partitionsOf(name, "revoked", from), r.partitionsOf(name, "assigned", from)
		r.t.Logf("%s (%v): had %v, has %v; revoked %v, assigned %v", name, mode, had, has, revoked, assigned)
		if mode == grpEager {
			if missing := grpMinus(had, revoked); len(missing) > 0 {
				r.t.Errorf("%s (eager) revoked %v going from %v to %v, want all it had", name, revoked, had, has)
			}
			continue
		}
		if want := grpMinus(had, has); !slices.Equal(revoked, want) {
			r.t.Errorf("%s (%v) revoked %v going from %v to %v, want only what moved: %v", name, mode, revoked, had, has, want)
		}
		if want := grpMinus(has, had); !slices.Equal(assigned, want) {
			r.t.Errorf("%s (%v) was assigned %v going from %v to %v, want only what moved: %v", name, mode, assigned, had, has, want)
		}
	}
}

// view replays a member's assigned, revoked and lost events into the
// partitions it thinks it owns. A client without revoke events reports
// each generation's whole assignment.
func (r *grpRun) view(member string) []int32 {
	owned := map[int32]bool{}
	for _, e := range r.eventsOf(member, "", 0) {
		switch {
		case e.Ev == "assigned" && !r.c.revokeEvents:
			clear(owned)
			fallthrough
		case e.Ev == "assigned":
			for _, p := range e.Partitions {
				owned[p] = true
			}
		case e.Ev == "revoked" || e.Ev == "lost":
			for _, p := range e.Partitions {
				delete(owned, p)
			}
		}
	}
	return slices.Sorted(maps.Keys(owned))
}

// waitView waits until a member's own view of its partitions is want:
// the member learns its assignment from SyncGroup (or a heartbeat) a
// moment after the broker describes the group as stable.
func (r *grpRun) waitView(member string, want []int32) {
	r.t.Helper()
	if !r.c.assignEvents {
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := r.view(member)
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			r.t.Errorf("%s thinks it owns %v; the broker says %v", member, got, want)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// grpMinus returns the partitions of a not in b.
func grpMinus(a, b []int32) []int32 {
	var out []int32
	for _, p := range a {
		if !slices.Contains(b, p) {
			out = append(out, p)
		}
	}
	return out
}

// checkAllReadOnce checks that every record produced was read, and read
// once, except those in twice, read exactly twice.
func (r *grpRun) checkAllReadOnce(twice []grpPO) {
	r.t.Helper()
	read := r.readers()
	r.mu.Lock()
	produced := make([]grpPO, 0, len(r.produced))
	for po := range r.produced {
		produced = append(produced, po)
	}
	r.mu.Unlock()
	bad := 0
	for _, po := range produced {
		want := 1
		if slices.Contains(twice, po) {
			want = 2
		}
		if got := len(read[po]); got != want {
			r.t.Errorf("record %v was read %d times (%v), want %d", po, got, read[po], want)
			if bad++; bad == 10 {
				r.t.FailNow()
			}
		}
	}
	if len(read) != len(produced) {
		r.t.Errorf("members read %d distinct positions, %d were produced", len(read), len(produced))
	}
}

// checkLag checks the admin API's lag against what the test knows: every
// partition's committed offset, log end offset and lag = end - committed,
// and the member (client ID) consuming it, "" for an empty group.
func (r *grpRun) checkLag(group string, committed, ends map[int32]int64, member string) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	lags, err := r.adm.Lag(ctx, group)
	if err == nil {
		err = lags.Error()
	}
	if err != nil {
		r.t.Fatalf("lag of %s: %v", group, err)
	}
	l := lags[group]
	if member == "" && l.State != "Empty" {
		r.t.Errorf("group %s: state %s, want Empty (no active members)", group, l.State)
	}
	for p := int32(0); p < r.partitions; p++ {
		pl, ok := l.Lag.Lookup(r.topic, p)
		if !ok {
			r.t.Errorf("lag of %s: no row for partition %d", group, p)
			continue
		}
		consumer := ""
		if pl.Member != nil {
			consumer = pl.Member.ClientID
		}
		if pl.Err != nil || pl.Commit.At != committed[p] || pl.End.Offset != ends[p] || pl.Lag != ends[p]-committed[p] || consumer != member {
			r.t.Errorf("lag of %s partition %d: committed %d end %d lag %d consumer %q (err %v), want %d %d %d %q",
				group, p, pl.Commit.At, pl.End.Offset, pl.Lag, consumer, pl.Err, committed[p], ends[p], ends[p]-committed[p], member)
		}
	}
}

// grpTutorial is the course's self-assessment, as a test: a group reads
// the topic; a second group reads everything from the beginning; a member
// of the second group restarted reads nothing old; with every consumer
// stopped new records wait in the topic and the admin API's lag counts
// them; a restarted member of either group then reads exactly what is new
// to its group. Three partitions, as in the course.
func grpTutorial(t *testing.T, c *grpClient, n grpBroker) {
	r := grpNewRun(t, c, n, "iabd-topic-group", 3)
	old := r.produce("old", 4)

	// One member of app1 reads the topic; app2 then reads it all again
	// from the beginning.
	for _, group := range []string{"iabd-app1", "iabd-app2"} {
		from := r.mark()
		m := r.start(r.config(group+"-first", group))
		r.waitStable(group, false, group+"-first")
		r.waitReadSince(from, old)
		r.waitCommitted(group, r.ends())
		r.close(m)
		r.checkReadSince(from, group+"-first", old)
	}

	// A restarted member of app2 reads nothing it read before: the probes
	// are the only records it may see.
	from := r.mark()
	m := r.start(r.config("iabd-app2-again", "iabd-app2"))
	r.waitStable("iabd-app2", false, "iabd-app2-again")
	probes := r.produce("probe", 1)
	r.waitRead(probes)
	r.waitCommitted("iabd-app2", r.ends())
	r.close(m)
	r.checkReadSince(from, "iabd-app2-again", probes)

	// Every consumer stopped: new records wait, and lag counts them.
	stopped := r.produce("while-stopped", 2)
	ends := r.ends()
	app1, app2 := map[int32]int64{}, map[int32]int64{}
	for p := int32(0); p < r.partitions; p++ {
		app1[p], app2[p] = 4, 5
	}
	if got := r.committed("iabd-app1"); !goClientMapsEqual(got, app1) {
		t.Fatalf("iabd-app1 committed %v, want %v", got, app1)
	}
	r.checkLag("iabd-app1", app1, ends, "")
	r.checkLag("iabd-app2", app2, ends, "")

	// Restarted, each group reads exactly what it has not read.
	for _, g := range []struct {
		group string
		want  []grpPO
	}{
		{"iabd-app1", append(slices.Clone(probes), stopped...)},
		{"iabd-app2", stopped},
	} {
		from := r.mark()
		name := g.group + "-restarted"
		m := r.start(r.config(name, g.group))
		r.waitStable(g.group, false, name)
		r.waitReadSince(from, g.want)
		r.waitCommitted(g.group, ends)
		r.checkLag(g.group, ends, ends, name)
		r.close(m)
		r.checkReadSince(from, name, g.want)
	}
	r.checkValues()
}

// checkReadSince checks that member read exactly want, once each, after
// the mark from.
func (r *grpRun) checkReadSince(from int, member string, want []grpPO) {
	r.t.Helper()
	var got []grpPO
	for _, e := range r.eventsOf(member, "record", from) {
		got = append(got, grpPO{e.Partition, e.Offset})
	}
	sortPOs := func(s []grpPO) []grpPO {
		s = slices.Clone(s)
		slices.SortFunc(s, func(a, b grpPO) int {
			if a.p != b.p {
				return int(a.p - b.p)
			}
			return int(a.o - b.o)
		})
		return s
	}
	if g, w := sortPOs(got), sortPOs(want); !slices.Equal(g, w) {
		r.t.Fatalf("%s read %v, want exactly %v", member, g, w)
	}
}

// grpStatic restarts a static member (group.instance.id) within its
// session timeout: the group must not rebalance. The restarted process
// (same client ID, labelled a2 here) replaces the old member under a new
// member ID, as in Kafka, and gets the old partitions back; the other
// member is neither revoked nor assigned anything; no record is read
// twice.
func grpStatic(t *testing.T, c *grpClient, n grpBroker, consumer bool) {
	group := "static"
	if consumer {
		group = "static-kip848"
	}
	r := grpNewRun(t, c, n, group, 4)
	cfg := func(name, instance string) grpMemberConfig {
		cfg := r.config(name, group)
		cfg.InstanceID = instance
		if consumer {
			cfg.Protocol, cfg.Assignor = "consumer", "uniform"
		}
		return cfg
	}
	a := r.start(cfg("a", "instance-a"))
	r.start(cfg("b", "instance-b"))
	owners := r.waitStable(group, consumer, "a", "b")
	r.waitView("a", grpOwned(owners, "a"))
	r.waitView("b", grpOwned(owners, "b"))
	before, err := r.describe(group, consumer)
	if err != nil {
		t.Fatal(err)
	}
	pos := r.produce("before", 2)
	r.waitRead(pos)
	r.checkOnce(pos, owners)

	from := r.mark()
	r.close(a) // a static member does not leave the group when it closes
	// A KIP-848 group reconciles until the member is back: its epoch (-2,
	// away) is not the assignment's.
	wantState := "Stable"
	if consumer {
		wantState = "Reconciling"
	}
	if v, err := r.describe(group, consumer); err != nil || v.state != wantState || v.memberIDs["a"] != before.memberIDs["a"] {
		t.Errorf("after the static member closed: state %q, members %v (err %v); want %s with a still in (%s)", v.state, v.memberIDs, err, wantState, before.memberIDs["a"])
	}
	restarted := cfg("a", "instance-a")
	restarted.label = "a2"
	r.start(restarted)
	r.waitReplaced(group, consumer, "a", before.memberIDs["a"])
	after := r.waitStable(group, consumer, "a", "b")
	if !maps.Equal(after, owners) {
		t.Errorf("the static restart moved partitions: owners %v, then %v", owners, after)
	}
	v, err := r.describe(group, consumer)
	if err != nil {
		t.Fatal(err)
	}
	if v.instances["a"] != "instance-a" || v.instances["b"] != "instance-b" || v.memberIDs["b"] != before.memberIDs["b"] {
		t.Errorf("after the static restart: instances %v member IDs %v; want a as instance-a, b unchanged (%s)", v.instances, v.memberIDs, before.memberIDs["b"])
	}
	r.waitView("a2", grpOwned(owners, "a"))
	pos = r.produce("after", 2)
	r.waitRead(pos)
	labels := map[int32]string{}
	for p, m := range owners {
		labels[p] = map[string]string{"a": "a2", "b": "b"}[m]
	}
	r.checkOnce(pos, labels)
	if ev := r.eventsOf("b", "", from); slices.ContainsFunc(ev, func(e grpEvent) bool {
		return e.Ev == "assigned" || e.Ev == "revoked" || e.Ev == "lost"
	}) {
		t.Errorf("b saw a rebalance while its static peer restarted: %+v", ev)
	}
	r.checkAllReadOnce(nil)
	r.checkValues()
}

// waitReplaced waits until the member with a client ID has a member ID
// other than old: a static member's restart has joined.
func (r *grpRun) waitReplaced(group string, consumer bool, client, old string) {
	r.t.Helper()
	deadline := time.Now().Add(grpWait)
	for {
		v, err := r.describe(group, consumer)
		if err == nil && v.memberIDs[client] != "" && v.memberIDs[client] != old {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("the restarted static member %s never replaced member %s: %+v (err %v)", client, old, v, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// grpBrokerKill kills the broker with SIGKILL under a group: the offsets
// it acknowledged and the group with its member survive the restart, the
// member (never restarted) goes on from its commits without reading an
// old record again, and a new member reads only what is new.
func grpBrokerKill(t *testing.T, c *grpClient) {
	n := grpNode(t)
	r := grpNewRun(t, c, n, "broker-kill", 4)
	const group = "broker-kill"
	m := r.start(r.config("a", group))
	r.waitStable(group, false, "a")
	pos := r.produce("before", 3)
	r.waitRead(pos)
	ends := r.ends()
	r.waitCommitted(group, ends)
	// A group with offsets and no members, committed through the admin API.
	var simple kadm.Offsets
	simple.AddOffset(r.topic, 0, 2, -1)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := r.adm.CommitAllOffsets(ctx, "offsets-only", simple); err != nil {
		t.Fatalf("commit offsets-only: %v", err)
	}
	before, err := r.describe(group, false)
	if err != nil {
		t.Fatal(err)
	}

	// The member is frozen while the broker dies and comes back, so what
	// the broker reloaded is seen before the client reacts to its lost
	// connections (KafkaJS, for one, leaves and rejoins after a crash);
	// thawed within its session timeout, it stays in the group.
	m.signal(t, syscall.SIGSTOP)
	n.Kill()
	n.Restart()
	if got := r.committed(group); !goClientMapsEqual(got, ends) {
		t.Errorf("after kill -9, %s has committed %v, want %v", group, got, ends)
	}
	if got := r.committed("offsets-only"); got[0] != 2 || len(got) != 1 {
		t.Errorf("after kill -9, offsets-only has committed %v, want partition 0 at 2", got)
	}
	after, err := r.describe(group, false)
	if err != nil || after.state != "Stable" || after.memberIDs["a"] != before.memberIDs["a"] || !maps.Equal(after.owners, before.owners) {
		t.Errorf("after kill -9 the group is %q with members %v owning %v (err %v), want Stable with a's member %s owning %v",
			after.state, after.memberIDs, after.owners, err, before.memberIDs["a"], before.owners)
	}
	listCtx, cancelList := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancelList()
	listed, err := r.adm.ListGroups(listCtx)
	if err != nil || listed[group].Group != group || listed["offsets-only"].Group != "offsets-only" {
		t.Errorf("after kill -9 ListGroups has %v (err %v), want %s and offsets-only", listed.Groups(), err, group)
	}
	m.signal(t, syscall.SIGCONT)

	r.waitStable(group, false, "a")
	pos = r.produce("after", 3)
	r.waitRead(pos)
	ends = r.ends()
	r.waitCommitted(group, ends)
	r.close(m)

	from := r.mark()
	m = r.start(r.config("a-new", group))
	r.waitStable(group, false, "a-new")
	pos = r.produce("new", 1)
	r.waitRead(pos)
	r.close(m)
	r.checkReadSince(from, "a-new", pos)
	r.checkAllReadOnce(nil)
	r.checkValues()
}

// grpJSON encodes a member configuration for a command line.
func grpJSON(t *testing.T, cfg grpMemberConfig) string {
	t.Helper()
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
