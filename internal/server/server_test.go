package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"samsa/internal/config"
)

// startNode runs a node in-process on port-0 listeners, so the race
// detector sees the broker, replica manager and network code under load.
func startNode(t *testing.T, dir string, overrides ...string) *Server {
	t.Helper()
	ov := append([]string{
		"log.dirs=" + dir,
		"listeners=PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0",
		"advertised.listeners=PLAINTEXT://127.0.0.1:0",
	}, overrides...)
	cfg, _, err := config.Load(config.Sources{Overrides: ov})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Start(ctx, Options{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func client(t *testing.T, s *Server, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(s.Addr("PLAINTEXT").String())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// TestConcurrentProduceAndFetch has several producers and a consumer work
// one topic at once in both durability modes, then checks every partition
// holds each producer's records in order, across a restart.
func TestConcurrentProduceAndFetch(t *testing.T) {
	for _, writeCaching := range []bool{false, true} {
		t.Run(fmt.Sprintf("write.caching=%v", writeCaching), func(t *testing.T) {
			dir := t.TempDir()
			s := startNode(t, dir, fmt.Sprintf("log.write.caching=%v", writeCaching))
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			adm := kadm.NewClient(client(t, s))
			if _, err := adm.CreateTopic(ctx, 4, 1, nil, "c"); err != nil {
				t.Fatal(err)
			}
			const producers, each = 4, 500
			var wg sync.WaitGroup
			for p := 0; p < producers; p++ {
				wg.Add(1)
				go func(p int) {
					defer wg.Done()
					cl := client(t, s, kgo.DefaultProduceTopic("c"), kgo.DisableIdempotentWrite(),
						kgo.MaxProduceRequestsInflightPerBroker(5), kgo.RecordPartitioner(kgo.ManualPartitioner()))
					for i := 0; i < each; i++ {
						r := &kgo.Record{Partition: int32(p), Value: []byte(fmt.Sprintf("%d-%d", p, i))}
						cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
							if err != nil {
								t.Errorf("produce: %v", err)
							}
						})
					}
					if err := cl.Flush(ctx); err != nil {
						t.Error(err)
					}
				}(p)
			}
			consumed := readAll(t, s, "c", producers*each)
			wg.Wait()
			checkOrder(t, consumed, producers, each)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = startNode(t, dir, fmt.Sprintf("log.write.caching=%v", writeCaching))
			defer s.Close()
			checkOrder(t, readAll(t, s, "c", producers*each), producers, each)
		})
	}
}

func readAll(t *testing.T, s *Server, topic string, want int) []*kgo.Record {
	t.Helper()
	cl := client(t, s, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d records", len(out), want)
		}
		fs.EachError(func(_ string, _ int32, err error) { t.Fatalf("fetch: %v", err) })
		out = append(out, fs.Records()...)
	}
	return out
}

// checkOrder checks that partition p holds exactly "p-0" … "p-(each-1)" at
// offsets 0 … each-1.
func checkOrder(t *testing.T, recs []*kgo.Record, partitions, each int) {
	t.Helper()
	next := make([]int, partitions)
	for _, r := range recs {
		p := int(r.Partition)
		want := fmt.Sprintf("%d-%d", p, next[p])
		if string(r.Value) != want || r.Offset != int64(next[p]) {
			t.Fatalf("partition %d offset %d: got %q, want %q at offset %d", p, r.Offset, r.Value, want, next[p])
		}
		next[p]++
	}
	for p, n := range next {
		if n != each {
			t.Fatalf("partition %d: %d records, want %d", p, n, each)
		}
	}
}

func TestFormatsOnceAndChecksClusterID(t *testing.T) {
	dir := t.TempDir()
	s := startNode(t, dir)
	id := s.ClusterID()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = startNode(t, dir)
	if s.ClusterID() != id {
		t.Fatalf("cluster id changed across restarts: %s then %s", id, s.ClusterID())
	}
	s.Close()
	cfg, _, err := config.Load(config.Sources{Overrides: []string{"log.dirs=" + dir,
		"listeners=PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0", "advertised.listeners=PLAINTEXT://127.0.0.1:0"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Start(context.Background(), Options{Config: cfg, ClusterID: "AAAAAAAAAAAAAAAAAAAAAA", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil {
		t.Fatalf("started with CLUSTER_ID different from the formatted one")
	}
}
