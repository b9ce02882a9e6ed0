package interop

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"samsa/internal/testbin"
)

// TestRestartKeepsEverything produces with franz-go, stops the node
// cleanly, starts it again and reads every record back in order.
func TestRestartKeepsEverything(t *testing.T) {
	n := testbin.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	adm := kadm.NewClient(n.Client())
	if _, err := adm.CreateTopic(ctx, 3, 1, nil, "restart"); err != nil {
		t.Fatal(err)
	}
	cl := n.Client(kgo.DefaultProduceTopic("restart"))
	const total = 3000
	for i := 0; i < total; i++ {
		cl.Produce(ctx, &kgo.Record{Key: []byte{byte(i % 7)}, Value: []byte{byte(i), byte(i >> 8)}}, nil)
	}
	if err := cl.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	n.Stop()
	n.Restart()
	got := consumeAll(t, n, "restart", total)
	if len(got) != total {
		t.Fatalf("read %d records after restart, want %d", len(got), total)
	}
}

// consumeAll reads n records of a topic from the start with a group-less
// franz-go consumer.
func consumeAll(t *testing.T, n *testbin.Node, topic string, want int) []*kgo.Record {
	t.Helper()
	cl := n.Client(kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < want {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("after %d of %d records: %v", len(out), want, err)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		out = append(out, fs.Records()...)
	}
	return out
}
