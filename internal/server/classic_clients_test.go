package server

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kadm"
)

// Classic consumer groups with sarama's ConsumerGroup and kafka-go's
// Reader against an in-process node.

// saramaMember runs a sarama ConsumerGroup member until closed.
type saramaMember struct {
	group  sarama.ConsumerGroup
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	claims []int32
}

func (m *saramaMember) Setup(s sarama.ConsumerGroupSession) error {
	m.mu.Lock()
	m.claims = append([]int32(nil), s.Claims()["sarama"]...)
	m.mu.Unlock()
	return nil
}

func (m *saramaMember) Cleanup(sarama.ConsumerGroupSession) error {
	m.mu.Lock()
	m.claims = nil
	m.mu.Unlock()
	return nil
}

func (m *saramaMember) partitions() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.claims)
}

// saramaHandler records what a member reads and marks it consumed.
type saramaHandler struct {
	*saramaMember
	name string
	into *consumed
}

func (h saramaHandler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for msg := range c.Messages() {
		h.into.add(h.name, string(msg.Value))
		s.MarkMessage(msg, "")
	}
	return nil
}

func startSaramaMember(t *testing.T, s *Server, version sarama.KafkaVersion, name string, into *consumed) *saramaMember {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = version
	cfg.ClientID = name
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.AutoCommit.Interval = 100 * time.Millisecond
	cfg.Consumer.Group.Session.Timeout = 1500 * time.Millisecond
	cfg.Consumer.Group.Heartbeat.Interval = 100 * time.Millisecond
	cfg.Consumer.Group.Rebalance.Timeout = 5 * time.Second
	cfg.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategyRange()}
	cfg.Consumer.MaxWaitTime = 100 * time.Millisecond
	group, err := sarama.NewConsumerGroup([]string{s.Addr("PLAINTEXT").String()}, "sarama-"+version.String(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &saramaMember{group: group, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(m.done)
		for ctx.Err() == nil {
			if err := group.Consume(ctx, []string{"sarama"}, saramaHandler{m, name, into}); err != nil && !errors.Is(err, sarama.ErrClosedConsumerGroup) && ctx.Err() == nil {
				t.Logf("%s: consume: %v", name, err)
				time.Sleep(50 * time.Millisecond)
			}
		}
	}()
	t.Cleanup(m.close)
	return m
}

func (m *saramaMember) close() {
	m.cancel()
	<-m.done
	m.group.Close()
}

// TestClassicSarama: sarama's ConsumerGroup at Kafka 2.1's protocol
// versions (JoinGroup v3, no member id round trip) and at its default
// (v5 with MEMBER_ID_REQUIRED): two members split four partitions, every
// record is read once, and when one leaves the other takes all four.
func TestClassicSarama(t *testing.T) {
	s := startGroupNode(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	adm := kadm.NewClient(client(t, s))
	if _, err := adm.CreateTopic(ctx, 4, 1, nil, "sarama"); err != nil {
		t.Fatal(err)
	}
	for _, version := range []sarama.KafkaVersion{sarama.V2_1_0_0, sarama.DefaultVersion} {
		t.Run(version.String(), func(t *testing.T) {
			got := newConsumed()
			a := startSaramaMember(t, s, version, "a", got)
			b := startSaramaMember(t, s, version, "b", got)
			waitFor(t, "two members with two partitions each", 20*time.Second, func() bool {
				return a.partitions() == 2 && b.partitions() == 2
			})
			// Written once the group is settled: sarama reads again
			// what it read in a generation that ended before its
			// commit, which is the client's at-least-once window.
			values := produceN(t, s, "sarama", "s-"+version.String(), 200)
			waitFor(t, "every record", 20*time.Second, func() bool { return got.has(values) })
			got.check(t, values)
			group := "sarama-" + version.String()
			described, err := adm.DescribeGroups(ctx, group)
			if err != nil {
				t.Fatal(err)
			}
			if g := described[group]; g.State != "Stable" || g.Protocol != "range" || len(g.Members) != 2 {
				t.Fatalf("described: %+v", g)
			}
			a.close()
			waitFor(t, "the remaining member to take every partition", 20*time.Second, func() bool { return b.partitions() == 4 })
		})
	}
}

// TestClassicKafkaGo: two kafka-go Readers of one group (JoinGroup v2,
// SyncGroup, Heartbeat and LeaveGroup v0) split four partitions and read
// every record once; when one closes the other reads what follows,
// nothing lost.
func TestClassicKafkaGo(t *testing.T) {
	s := startGroupNode(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	adm := kadm.NewClient(client(t, s))
	if _, err := adm.CreateTopic(ctx, 4, 1, nil, "kgo-reader"); err != nil {
		t.Fatal(err)
	}
	got := newConsumed()
	newReader := func(name string) (*kafka.Reader, chan struct{}) {
		r := kafka.NewReader(kafka.ReaderConfig{
			Brokers:           []string{s.Addr("PLAINTEXT").String()},
			GroupID:           "kafka-go",
			Topic:             "kgo-reader",
			MaxWait:           100 * time.Millisecond,
			SessionTimeout:    1500 * time.Millisecond,
			HeartbeatInterval: 100 * time.Millisecond,
			RebalanceTimeout:  5 * time.Second,
			JoinGroupBackoff:  100 * time.Millisecond,
			StartOffset:       kafka.FirstOffset,
			GroupBalancers:    []kafka.GroupBalancer{kafka.RangeGroupBalancer{}},
			Dialer:            &kafka.Dialer{ClientID: name, Timeout: 5 * time.Second},
		})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				m, err := r.ReadMessage(ctx)
				if err != nil {
					if !errors.Is(err, io.EOF) && ctx.Err() == nil {
						t.Logf("%s: read: %v", name, err)
					}
					return
				}
				got.add(name, string(m.Value))
			}
		}()
		return r, done
	}
	a, aDone := newReader("a")
	b, bDone := newReader("b")
	defer func() {
		b.Close()
		<-bDone
	}()
	waitFor(t, "two members with two partitions each", 20*time.Second, func() bool {
		described, err := adm.DescribeGroups(ctx, "kafka-go")
		if err != nil {
			return false
		}
		g := described["kafka-go"]
		if g.State != "Stable" || len(g.Members) != 2 {
			return false
		}
		for _, m := range g.Members {
			assigned, ok := m.Assigned.AsConsumer()
			if !ok || len(assigned.Topics) != 1 || len(assigned.Topics[0].Partitions) != 2 || m.ClientID == "" {
				return false
			}
		}
		return true
	})
	// Written once the group is settled: a kafka-go Reader commits each
	// message as it returns it, and a commit made after its generation
	// ended fails, so it reads again around a rebalance.
	values := produceN(t, s, "kgo-reader", "k", 200)
	waitFor(t, "every record", 20*time.Second, func() bool { return got.has(values) })
	got.check(t, values)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	<-aDone
	more := produceN(t, s, "kgo-reader", "more", 40)
	waitFor(t, "the records written after a member left", 20*time.Second, func() bool { return got.has(more) })
	got.check(t, append(values, more...), "b")
}
