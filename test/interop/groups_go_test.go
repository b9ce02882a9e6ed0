package interop

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Consumer groups with the Go clients: franz-go, sarama and
// segmentio/kafka-go, whose members are this test binary started again
// with goMemberEnv set, and confluent-kafka-go, whose members are the
// confluentgomember program. Either way a member is a process that SIGKILL
// ends without a LeaveGroup or a last commit, as a crashed consumer.

func TestGroupsFranzGo(t *testing.T) { grpSuite(t, goMemberClient("franz-go")) }

func TestGroupsSarama(t *testing.T) { grpSuite(t, goMemberClient("sarama")) }

func TestGroupsKafkaGo(t *testing.T) { grpSuite(t, goMemberClient("kafka-go")) }

// TestGroupsConfluentKafkaGo runs confluent-kafka-go v2 (librdkafka 2.11,
// whose KIP-848 consumer Debian's 2.0.2 lacks) as members: a program of its
// own, confluentgomember, so that cgo stays out of this package.
func TestGroupsConfluentKafkaGo(t *testing.T) {
	grpSuite(t, &grpClient{
		name:    "confluent-kafka-go",
		require: func(t *testing.T) { goConfluentMember(t) },
		command: func(t *testing.T, cfg grpMemberConfig) *exec.Cmd {
			return exec.Command(goConfluentMember(t), grpJSON(t, cfg))
		},
		assignEvents: true, revokeEvents: true, revokeOnClose: true,
		cooperative: true, static: true, consumerProtocol: true, staticConsumerProtocol: true,
	})
}

var (
	goConfluentOnce sync.Once
	goConfluentPath string
	goConfluentErr  error
)

// goConfluentMember builds confluentgomember once per test process.
func goConfluentMember(t *testing.T) string {
	t.Helper()
	goConfluentOnce.Do(func() {
		dir, err := os.MkdirTemp("", "samsa-confluentgomember-")
		if err != nil {
			goConfluentErr = err
			return
		}
		goConfluentPath = filepath.Join(dir, "confluentgomember")
		out, err := exec.Command("go", "build", "-o", goConfluentPath, "samsa/test/interop/confluentgomember").CombinedOutput()
		if err != nil {
			goConfluentErr = fmt.Errorf("go build confluentgomember: %v\n%s", err, out)
		}
	})
	if goConfluentErr != nil {
		t.Fatal(goConfluentErr)
	}
	return goConfluentPath
}

// goMemberEnv holds a member's configuration (JSON) in a child process.
const goMemberEnv = "SAMSA_INTEROP_GROUP_MEMBER"

// TestMain runs one group member instead of the tests when the process
// was started as one.
func TestMain(m *testing.M) {
	if cfg := os.Getenv(goMemberEnv); cfg != "" {
		if err := goMemberMain(cfg); err != nil {
			fmt.Fprintf(os.Stderr, "member: %v\n", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// goMemberClient describes a Go client as a source of group members.
func goMemberClient(name string) *grpClient {
	c := &grpClient{
		name:    name,
		require: func(*testing.T) {},
		command: func(t *testing.T, cfg grpMemberConfig) *exec.Cmd {
			cfg.Client = name
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), goMemberEnv+"="+grpJSON(t, cfg))
			return cmd
		},
	}
	switch name {
	case "franz-go":
		c.assignEvents, c.revokeEvents, c.revokeOnClose = true, true, true
		c.cooperative, c.static, c.consumerProtocol = true, true, true
		// Not staticConsumerProtocol: franz-go 1.22.3 leaves a KIP-848
		// group as a static member (epoch -2) without its instance ID,
		// which Kafka refuses (INVALID_REQUEST, "InstanceId can't be
		// null"), so the member stays until its session expires and its
		// restart meets UNRELEASED_INSTANCE_ID.
	case "sarama":
		// Sarama has cooperative-sticky since 1.46 and static membership
		// (Consumer.Group.InstanceId).
		c.assignEvents, c.revokeEvents, c.revokeOnClose = true, true, true
		c.cooperative, c.static = true, true
	case "kafka-go":
		// The Reader has neither rebalance callbacks, nor static
		// membership, nor a cooperative balancer.
	}
	return c
}

// goMemberOut writes a member's events to stdout, one JSON line each.
type goMemberOut struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (o *goMemberOut) emit(e map[string]any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.enc.Encode(e)
}

func (o *goMemberOut) partitions(ev string, ps []int32) {
	if ps == nil {
		ps = []int32{}
	}
	o.emit(map[string]any{"ev": ev, "partitions": ps})
}

func (o *goMemberOut) record(p int32, offset int64, value []byte) {
	o.emit(map[string]any{"ev": "record", "partition": p, "offset": offset, "value": string(value)})
}

func (o *goMemberOut) committed(p int32, offset int64) {
	o.emit(map[string]any{"ev": "committed", "partition": p, "offset": offset})
}

func (o *goMemberOut) fail(ev string, err error) {
	o.emit(map[string]any{"ev": ev, "error": err.Error()})
}

// goMemberControl is what stdin tells a member: whether to commit, and
// when to close (ctx ends).
type goMemberControl struct {
	ctx         context.Context
	stopCommits atomic.Bool
}

// goMemberMain runs one member until it is told to close.
func goMemberMain(raw string) error {
	var cfg grpMemberConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		return fmt.Errorf("member configuration: %w", err)
	}
	ctx, closeMember := context.WithCancel(context.Background())
	defer closeMember()
	ctl := &goMemberControl{ctx: ctx}
	go func() {
		// This goroutine ends with stdin; the process ends soon after.
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			switch sc.Text() {
			case "stop-commits":
				ctl.stopCommits.Store(true)
			case "close":
				closeMember()
			}
		}
		closeMember()
	}()
	out := &goMemberOut{enc: json.NewEncoder(os.Stdout)}
	var err error
	switch cfg.Client {
	case "franz-go":
		err = goMemberFranz(cfg, ctl, out)
	case "sarama":
		err = goMemberSarama(cfg, ctl, out)
	case "kafka-go":
		err = goMemberKafkaGo(cfg, ctl, out)
	default:
		err = fmt.Errorf("unknown client %q", cfg.Client)
	}
	if err != nil {
		return err
	}
	out.emit(map[string]any{"ev": "closed"})
	return nil
}

func goMemberMillis(ms int) time.Duration { return time.Duration(ms) * time.Millisecond }

// goMemberFranz is a franz-go member. Rebalances wait while a polled batch
// is read and committed (BlockRebalanceOnPoll), so a clean rebalance never
// leaves a read record uncommitted.
func goMemberFranz(cfg grpMemberConfig, ctl *goMemberControl, out *goMemberOut) error {
	reset := kgo.NewOffset().AtStart()
	if cfg.Reset == "latest" {
		reset = kgo.NewOffset().AtEnd()
	}
	topicPartitions := func(ev string) func(context.Context, *kgo.Client, map[string][]int32) {
		return func(_ context.Context, _ *kgo.Client, m map[string][]int32) { out.partitions(ev, m[cfg.Topic]) }
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(cfg.Bootstrap),
		kgo.ClientID(cfg.Name),
		kgo.ConsumerGroup(cfg.Group),
		kgo.ConsumeTopics(cfg.Topic),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.SessionTimeout(goMemberMillis(cfg.SessionTimeoutMs)),
		kgo.HeartbeatInterval(goMemberMillis(cfg.HeartbeatIntervalMs)),
		kgo.ConsumeResetOffset(reset),
		kgo.OnPartitionsAssigned(topicPartitions("assigned")),
		kgo.OnPartitionsRevoked(topicPartitions("revoked")),
		kgo.OnPartitionsLost(topicPartitions("lost")),
		kgo.WithLogger(kgo.BasicLogger(os.Stderr, kgo.LogLevelInfo, nil)),
	}
	switch cfg.Assignor {
	case "range":
		opts = append(opts, kgo.Balancers(kgo.RangeBalancer()))
	case "roundrobin":
		opts = append(opts, kgo.Balancers(kgo.RoundRobinBalancer()))
	case "cooperative-sticky":
		opts = append(opts, kgo.Balancers(kgo.CooperativeStickyBalancer()))
	case "uniform":
		// With the consumer protocol, the sticky balancer asks the broker
		// for its uniform assignor.
		opts = append(opts, kgo.Balancers(kgo.StickyBalancer()))
	default:
		return fmt.Errorf("franz-go has no assignor %q here", cfg.Assignor)
	}
	if cfg.Protocol == "consumer" {
		opts = append(opts, kgo.ServerSideBalancer())
	}
	if cfg.InstanceID != "" {
		opts = append(opts, kgo.InstanceID(cfg.InstanceID))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("franz-go client: %w", err)
	}
	for {
		fs := cl.PollRecords(ctl.ctx, 100)
		if ctl.ctx.Err() != nil {
			break
		}
		fs.EachError(func(topic string, p int32, err error) {
			out.fail("error", fmt.Errorf("fetch %s/%d: %w", topic, p, err))
		})
		recs := fs.Records()
		for _, r := range recs {
			out.record(r.Partition, r.Offset, r.Value)
		}
		if len(recs) > 0 && !ctl.stopCommits.Load() {
			goMemberFranzCommit(cl, recs, out)
		}
		cl.AllowRebalance()
	}
	cl.AllowRebalance()
	cl.Close() // leaves the group, unless static
	return nil
}

// goMemberFranzCommit commits the records' next offsets synchronously.
func goMemberFranzCommit(cl *kgo.Client, recs []*kgo.Record, out *goMemberOut) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := cl.CommitRecords(ctx, recs...); err != nil {
		out.fail("commit-failed", err)
		return
	}
	next := map[int32]int64{}
	for _, r := range recs {
		next[r.Partition] = r.Offset + 1
	}
	for p, o := range next {
		out.committed(p, o)
	}
}

// goMemberSarama is a sarama member. Eager sessions report their claims
// from Setup and Cleanup; cooperative sessions outlive rebalances, so each
// claim reports itself as it starts and ends.
func goMemberSarama(cfg grpMemberConfig, ctl *goMemberControl, out *goMemberOut) error {
	conf := sarama.NewConfig()
	conf.Version = sarama.V4_0_0_0
	conf.ClientID = cfg.Name
	conf.Consumer.Group.Session.Timeout = goMemberMillis(cfg.SessionTimeoutMs)
	conf.Consumer.Group.Heartbeat.Interval = goMemberMillis(cfg.HeartbeatIntervalMs)
	conf.Consumer.Group.Rebalance.Timeout = 20 * time.Second
	conf.Consumer.Offsets.AutoCommit.Enable = false
	conf.Consumer.Offsets.Initial = sarama.OffsetOldest
	if cfg.Reset == "latest" {
		conf.Consumer.Offsets.Initial = sarama.OffsetNewest
	}
	conf.Consumer.MaxWaitTime = 250 * time.Millisecond
	conf.Consumer.Return.Errors = true
	cooperative := false
	switch cfg.Assignor {
	case "range":
		conf.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategyRange()}
	case "roundrobin":
		conf.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategyRoundRobin()}
	case "cooperative-sticky":
		conf.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategyCooperativeSticky()}
		cooperative = true
	default:
		return fmt.Errorf("sarama has no assignor %q here", cfg.Assignor)
	}
	if cfg.InstanceID != "" {
		conf.Consumer.Group.InstanceId = cfg.InstanceID
	}
	group, err := sarama.NewConsumerGroup([]string{cfg.Bootstrap}, cfg.Group, conf)
	if err != nil {
		return fmt.Errorf("sarama consumer group: %w", err)
	}
	errs := make(chan struct{})
	go func() {
		defer close(errs)
		for err := range group.Errors() {
			out.fail("error", err)
		}
	}()
	h := &goMemberSaramaHandler{topic: cfg.Topic, cooperative: cooperative, ctl: ctl, out: out}
	for ctl.ctx.Err() == nil {
		// Consume returns at each eager rebalance; a cooperative session
		// lasts until the member closes.
		if err := group.Consume(ctl.ctx, []string{cfg.Topic}, h); err != nil && ctl.ctx.Err() == nil {
			out.fail("error", err)
			time.Sleep(100 * time.Millisecond)
		}
	}
	err = group.Close() // leaves the group, unless static
	<-errs
	if err != nil {
		return fmt.Errorf("sarama close: %w", err)
	}
	return nil
}

type goMemberSaramaHandler struct {
	topic       string
	cooperative bool
	ctl         *goMemberControl
	out         *goMemberOut
}

func (h *goMemberSaramaHandler) Setup(s sarama.ConsumerGroupSession) error {
	if !h.cooperative {
		h.out.partitions("assigned", s.Claims()[h.topic])
	}
	return nil
}

func (h *goMemberSaramaHandler) Cleanup(s sarama.ConsumerGroupSession) error {
	if !h.cooperative {
		h.out.partitions("revoked", s.Claims()[h.topic])
	}
	return nil
}

func (h *goMemberSaramaHandler) ConsumeClaim(s sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	if h.cooperative {
		h.out.partitions("assigned", []int32{claim.Partition()})
		defer h.out.partitions("revoked", []int32{claim.Partition()})
	}
	for {
		select {
		case msg, ok := <-claim.Messages():
			if !ok {
				return nil
			}
			h.out.record(msg.Partition, msg.Offset, msg.Value)
			if h.ctl.stopCommits.Load() {
				continue // not even marked: sarama commits marks on its own at a session's end
			}
			s.MarkMessage(msg, "")
			s.Commit() // synchronous; a failure arrives on Errors
		case <-s.Context().Done():
			return nil
		}
	}
}

// goMemberKafkaGo is a segmentio/kafka-go Reader in a group, committing
// each message synchronously (CommitInterval 0).
func goMemberKafkaGo(cfg grpMemberConfig, ctl *goMemberControl, out *goMemberOut) error {
	rc := kafka.ReaderConfig{
		Brokers:           []string{cfg.Bootstrap},
		GroupID:           cfg.Group,
		Topic:             cfg.Topic,
		Dialer:            &kafka.Dialer{ClientID: cfg.Name, Timeout: 10 * time.Second},
		HeartbeatInterval: goMemberMillis(cfg.HeartbeatIntervalMs),
		SessionTimeout:    goMemberMillis(cfg.SessionTimeoutMs),
		RebalanceTimeout:  20 * time.Second,
		JoinGroupBackoff:  200 * time.Millisecond,
		StartOffset:       kafka.FirstOffset,
		MaxWait:           250 * time.Millisecond,
		ReadBackoffMin:    50 * time.Millisecond,
		ReadBackoffMax:    250 * time.Millisecond,
		Logger:            kafka.LoggerFunc(func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }),
	}
	if cfg.Reset == "latest" {
		rc.StartOffset = kafka.LastOffset
	}
	switch cfg.Assignor {
	case "range":
		rc.GroupBalancers = []kafka.GroupBalancer{kafka.RangeGroupBalancer{}}
	case "roundrobin":
		rc.GroupBalancers = []kafka.GroupBalancer{kafka.RoundRobinGroupBalancer{}}
	default:
		return fmt.Errorf("kafka-go has no assignor %q", cfg.Assignor)
	}
	r := kafka.NewReader(rc)
	for {
		m, err := r.FetchMessage(ctl.ctx)
		if ctl.ctx.Err() != nil {
			break
		}
		if err != nil {
			out.fail("error", err)
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("kafka-go reader closed: %w", err)
			}
			continue
		}
		out.record(int32(m.Partition), m.Offset, m.Value)
		if ctl.stopCommits.Load() {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		err = r.CommitMessages(ctx, m)
		cancel()
		if err != nil {
			out.fail("commit-failed", err)
		} else {
			out.committed(int32(m.Partition), m.Offset+1)
		}
	}
	if err := r.Close(); err != nil { // leaves the group
		return fmt.Errorf("kafka-go close: %w", err)
	}
	return nil
}
