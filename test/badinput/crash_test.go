package badinput

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"samsa/internal/testbin"
)

// ack is one acknowledged record.
type ack struct {
	partition int32
	offset    int64
	value     string
}

// TestKillUnderLoad kills the broker with SIGKILL while several producers
// (acks=all, no idempotence) write to six partitions, restarts it, and
// checks that every acknowledged record is at the offset it was
// acknowledged at, and that appends go on after the last record.
func TestKillUnderLoad(t *testing.T) {
	const topic, partitions, producers = "load", 6, 4
	began := time.Now()
	n := testbin.Start(t)
	createTopic(t, n, topic, partitions, nil)
	t.Logf("%s: started", time.Since(began))

	var mu sync.Mutex
	var acked []ack
	failed := 0
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var promises sync.WaitGroup // kgo may still run promises after Close returns
	for p := range producers {
		cl, err := kgo.NewClient(kgo.SeedBrokers(n.Addr()), kgo.DefaultProduceTopic(topic),
			kgo.RequiredAcks(kgo.AllISRAcks()), kgo.DisableIdempotentWrite(),
			kgo.RecordPartitioner(kgo.RoundRobinPartitioner()), kgo.ProducerLinger(time.Millisecond),
			kgo.RecordDeliveryTimeout(time.Second)) // give up soon on the dead broker
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer cl.Close() // fails what is still buffered
			for i := 0; ctx.Err() == nil; i++ {
				value := fmt.Sprintf("p%d-%d", p, i)
				promises.Add(1)
				cl.Produce(ctx, &kgo.Record{Value: []byte(value)}, func(r *kgo.Record, err error) {
					defer promises.Done()
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						failed++
						return
					}
					acked = append(acked, ack{r.Partition, r.Offset, value})
				})
			}
		}()
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	for deadline := time.Now().Add(20 * time.Second); count() < 3000 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("%s: %d acknowledged", time.Since(began), count())
	n.Kill()
	killed := count()
	time.Sleep(200 * time.Millisecond) // producers retry against a dead broker
	stop()
	wg.Wait()
	promises.Wait()
	t.Logf("%s: producers stopped", time.Since(began))
	// Responses already on their way when the broker died are still
	// acknowledgements; records that failed show the kill cut the load.
	if killed == 0 || failed == 0 {
		t.Fatalf("%d records acknowledged before the kill, %d failed: the kill did not interrupt a load\n%s", killed, failed, n.Logs())
	}
	t.Logf("%d records acknowledged by the time the kill returned, %d in all, %d failed", killed, len(acked), failed)
	n.Restart()
	t.Logf("%s: restarted", time.Since(began))

	e := &env{n: n, pid: pidOf(t, n)}
	e.client = n.Client(kgo.RequiredAcks(kgo.AllISRAcks()), kgo.DisableIdempotentWrite(),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	ends := e.endOffsets(t, topic)
	stored := map[int32][]string{}
	for p := range int32(partitions) {
		stored[p] = e.fetch(t, topic, p, 0, int(ends[p]))
	}
	for _, a := range acked {
		if a.offset >= int64(len(stored[a.partition])) {
			t.Errorf("acknowledged %q at %s-%d offset %d is gone: the log ends at %d", a.value, topic, a.partition, a.offset, ends[a.partition])
		} else if got := stored[a.partition][a.offset]; got != a.value {
			t.Errorf("acknowledged %q at %s-%d offset %d, found %q", a.value, topic, a.partition, a.offset, got)
		}
	}
	for p := range int32(partitions) {
		r := &kgo.Record{Topic: topic, Partition: p, Value: []byte("after")}
		if err := e.client.ProduceSync(timeout(t, 15*time.Second), r).FirstErr(); err != nil {
			t.Fatal(err)
		}
		if r.Offset != ends[p] {
			t.Errorf("append after restart to %s-%d at offset %d, want %d", topic, p, r.Offset, ends[p])
		}
	}
}

// TestTornTail kills the broker, damages the end of a partition's active
// segment as a crash mid-write would (garbage after the last batch, or the
// last batch cut short), and restarts it. The broker must start, log the
// truncation once, serve the valid prefix, and append after it.
func TestTornTail(t *testing.T) {
	cases := []struct {
		name string
		// damage changes the segment and returns how many of the
		// produced batches survive.
		damage func(t *testing.T, path string, batches []int64) int
	}{
		{"garbage appended", func(t *testing.T, path string, batches []int64) int {
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			// A plausible header: offset 0, a length running
			// past the end, magic 2.
			garbage := binary.BigEndian.AppendUint64(nil, uint64(len(batches)*5))
			garbage = binary.BigEndian.AppendUint32(garbage, 5000)
			garbage = append(garbage, 0, 0, 0, 0, 2, 0xde, 0xad, 0xbe, 0xef)
			if _, err := f.Write(append(garbage, make([]byte, 100)...)); err != nil {
				t.Fatal(err)
			}
			return len(batches)
		}},
		{"last batch cut", func(t *testing.T, path string, batches []int64) int {
			last := batches[len(batches)-1]
			end := fileSize(t, path)
			if err := os.Truncate(path, last+(end-last)/2); err != nil {
				t.Fatal(err)
			}
			return len(batches) - 1
		}},
		{"bit flip in the last batch", func(t *testing.T, path string, batches []int64) int {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)-3] ^= 0x10
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			return len(batches) - 1
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const topic, batches, perBatch = "torn", 20, 5
			e := newTornEnv(t, topic)
			for b := range batches {
				var rs []*kgo.Record
				for i := range perBatch {
					rs = append(rs, &kgo.Record{Topic: topic, Value: []byte(fmt.Sprintf("b%d-r%d", b, i))})
				}
				if err := e.client.ProduceSync(timeout(t, 15*time.Second), rs...).FirstErr(); err != nil {
					t.Fatal(err)
				}
			}
			e.n.Kill()
			path := filepath.Join(e.n.Dir, topic+"-0", "00000000000000000000.log")
			starts := batchStarts(t, path)
			if len(starts) != batches {
				t.Fatalf("segment holds %d batches, want %d", len(starts), batches)
			}
			kept := tc.damage(t, path, starts)
			e.n.Restart()
			e.pid = pidOf(t, e.n)

			end := int64(kept * perBatch)
			if got := e.endOffsets(t, topic)[0]; got != end {
				t.Fatalf("log ends at %d after recovery, want %d", got, end)
			}
			values := e.fetch(t, topic, 0, 0, int(end))
			for i, v := range values {
				if want := fmt.Sprintf("b%d-r%d", i/perBatch, i%perBatch); v != want {
					t.Fatalf("offset %d holds %q, want %q", i, v, want)
				}
			}
			r := &kgo.Record{Topic: topic, Value: []byte("after")}
			if err := e.client.ProduceSync(timeout(t, 15*time.Second), r).FirstErr(); err != nil {
				t.Fatal(err)
			}
			if r.Offset != end {
				t.Errorf("append after recovery at offset %d, want %d", r.Offset, end)
			}
			if got := e.fetch(t, topic, 0, end, 1); got[0] != "after" {
				t.Errorf("read back %q after recovery", got)
			}
			e.after(t, mark{}, 1, "truncating invalid or torn log tail", topic+"-0") // the logs restart with the process
		})
	}
}

// newTornEnv starts a broker with one single-partition topic, producing in
// batches of the records given to one ProduceSync.
func newTornEnv(t *testing.T, topic string) *env {
	n := testbin.Start(t)
	e := &env{n: n, pid: pidOf(t, n)}
	e.client = n.Client(kgo.RequiredAcks(kgo.AllISRAcks()), kgo.DisableIdempotentWrite(),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(50*time.Millisecond))
	createTopic(t, n, healthTopic, 1, nil)
	createTopic(t, n, topic, 1, nil)
	return e
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// batchStarts returns the file position of each batch in a segment,
// walking the base offset and length fields.
func batchStarts(t *testing.T, path string) []int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for pos := 0; pos+12 <= len(b); {
		length := int(binary.BigEndian.Uint32(b[pos+8:]))
		if length <= 0 || pos+12+length > len(b) {
			break
		}
		out = append(out, int64(pos))
		pos += 12 + length
	}
	return out
}
