package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// producer writes records at a steady rate, spread evenly over the
// topic's partitions, so that every partition always has new records for
// its consumer.
type producer struct {
	client   *kgo.Client
	failures atomic.Int64
	firstErr atomic.Pointer[error]
	cancel   context.CancelFunc
	done     chan struct{}
}

// startProducer starts producing rate records/s of size bytes. Produce
// requests use ctx, the ticking loop a child of it that stop cancels.
func startProducer(ctx context.Context, addr, topic string, partitions int32, rate float64, size int) (*producer, error) {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(addr),
		kgo.ClientID("rebalance-bench-producer"),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		// Idempotence is off for both targets, as in bench/run: Samsa
		// is measured here on groups, not on producer ids.
		kgo.DisableIdempotentWrite(),
		kgo.ProducerLinger(5*time.Millisecond),
	)
	if err != nil {
		return nil, fmt.Errorf("producer: %w", err)
	}
	loopCtx, cancel := context.WithCancel(ctx)
	p := &producer{client: cl, cancel: cancel, done: make(chan struct{})}
	go p.loop(ctx, loopCtx, topic, partitions, rate, make([]byte, size))
	return p, nil
}

// loop produces, every 10 ms, what the rate owes since the start, so that
// a late tick does not lower the rate.
func (p *producer) loop(produceCtx, loopCtx context.Context, topic string, partitions int32, rate float64, value []byte) {
	defer close(p.done)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	var sent int64
	for {
		select {
		case <-loopCtx.Done():
			return
		case <-tick.C:
		}
		owed := int64(time.Since(start).Seconds() * rate)
		for ; sent < owed; sent++ {
			r := &kgo.Record{Topic: topic, Partition: int32(sent % int64(partitions)), Value: value}
			// TryProduce fails rather than blocks on a full
			// buffer: a target that falls 10,000 records behind
			// is not under the stated load, and stop says so.
			p.client.TryProduce(produceCtx, r, p.onAck)
		}
	}
}

func (p *producer) onAck(_ *kgo.Record, err error) {
	if err != nil {
		p.failures.Add(1)
		p.firstErr.CompareAndSwap(nil, &err)
	}
}

// stop ends producing, waits up to 10 s for what is buffered, and reports
// any record that failed: a failed produce means the target was not under
// the stated load.
func (p *producer) stop() error {
	p.cancel()
	<-p.done
	flushCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	flushErr := p.client.Flush(flushCtx)
	p.client.Close()
	if n := p.failures.Load(); n > 0 {
		return fmt.Errorf("%d records failed to produce, the first with: %w", n, *p.firstErr.Load())
	}
	if flushErr != nil {
		return fmt.Errorf("flush producer: %w", flushErr)
	}
	return nil
}
