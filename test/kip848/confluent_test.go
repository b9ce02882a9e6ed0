// Package kip848 runs librdkafka's consumer of the consumer group protocol
// (KIP-848, group.protocol=consumer) through confluent-kafka-go against
// the samsa binary. It is a package of its own because confluent-kafka-go
// links librdkafka (the static library the module ships) with cgo, which
// only this test needs.
package kip848

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/testbin"
)

// TestConfluentConsumerProtocol: two librdkafka members split four
// partitions and read every record once; when one closes, the other
// takes its partitions over and resumes from the committed offsets, so
// nothing is read twice.
func TestConfluentConsumerProtocol(t *testing.T) {
	n := testbin.Start(t,
		testbin.Override("group.consumer.session.timeout.ms=6000"),
		testbin.Override("group.consumer.min.session.timeout.ms=1000"),
		testbin.Override("group.consumer.heartbeat.interval.ms=300"),
		testbin.Override("group.consumer.min.heartbeat.interval.ms=100"),
		testbin.Override("offsets.topic.num.partitions=4"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	adm := kadm.NewClient(n.Client())
	if _, err := adm.CreateTopic(ctx, 4, 1, nil, "t"); err != nil {
		t.Fatal(err)
	}
	produce := func(each int) {
		t.Helper()
		cl := n.Client(kgo.RecordPartitioner(kgo.ManualPartitioner()))
		defer cl.Close()
		var recs []*kgo.Record
		for p := int32(0); p < 4; p++ {
			for i := 0; i < each; i++ {
				recs = append(recs, &kgo.Record{Topic: "t", Partition: p, Value: []byte(fmt.Sprintf("%d-%d", p, i))})
			}
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	produce(25)

	var mu sync.Mutex
	seen := map[string]int{}
	consume := func(name string, stop <-chan struct{}) (*kafka.Consumer, chan struct{}) {
		c, err := kafka.NewConsumer(&kafka.ConfigMap{
			"bootstrap.servers":  n.Addr(),
			"group.id":           "cg",
			"group.protocol":     "consumer",
			"client.id":          name,
			"auto.offset.reset":  "earliest",
			"enable.auto.commit": false,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.SubscribeTopics([]string{"t"}, nil); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
				}
				msg, err := c.ReadMessage(100 * time.Millisecond)
				if err != nil {
					continue
				}
				mu.Lock()
				seen[fmt.Sprintf("%d/%d", msg.TopicPartition.Partition, msg.TopicPartition.Offset)]++
				mu.Unlock()
				if _, err := c.CommitMessage(msg); err != nil {
					t.Logf("%s: commit: %v", name, err)
				}
			}
		}()
		return c, done
	}
	waitRead := func(want int) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			mu.Lock()
			got := len(seen)
			mu.Unlock()
			if got >= want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("read %d distinct records, want %d", got, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	stopA, stopB := make(chan struct{}), make(chan struct{})
	a, doneA := consume("a", stopA)
	b, doneB := consume("b", stopB)
	waitRead(100)
	describe(t, ctx, n, 2)

	close(stopA)
	<-doneA
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	produce(25)
	waitRead(200)
	describe(t, ctx, n, 1)
	close(stopB)
	<-doneB
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for at, count := range seen {
		if count > 1 {
			t.Errorf("record at partition/offset %s read %d times", at, count)
		}
	}
}

// describe waits for the group to be stable with members members
// sharing all four partitions.
func describe(t *testing.T, ctx context.Context, n *testbin.Node, members int) {
	t.Helper()
	cl := n.Client()
	defer cl.Close()
	var last kmsg.ConsumerGroupDescribeResponseGroup
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		req := kmsg.NewPtrConsumerGroupDescribeRequest()
		req.Groups = []string{"cg"}
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		last = resp.Groups[0]
		total := 0
		for _, m := range last.Members {
			for _, tp := range m.Assignment.TopicPartitions {
				total += len(tp.Partitions)
			}
		}
		if last.State == "Stable" && len(last.Members) == members && total == 4 {
			return
		}
	}
	t.Fatalf("group did not settle with %d members: %+v", members, last)
}
