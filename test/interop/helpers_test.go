package interop

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"samsa/internal/testbin"
)

// Helpers shared by the Go client tests (franz-go, sarama, kafka-go). Every
// read-back goes through franz-go, so what one client wrote is checked by a
// second implementation of the protocol too.

// goClientMaxMessageBytes is Kafka's default max.message.bytes: the largest
// record batch a topic accepts.
const goClientMaxMessageBytes = 1048588

// goClientCtx returns a context that ends after d or with the test.
func goClientCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// goClientAdmin returns a kadm client for the node, closed with the test.
func goClientAdmin(t *testing.T, n *testbin.Node) *kadm.Client {
	t.Helper()
	return kadm.NewClient(n.Client())
}

// goClientCreateTopic creates a topic with RF 1 and the given configs.
func goClientCreateTopic(t *testing.T, n *testbin.Node, topic string, partitions int32, configs map[string]string) {
	t.Helper()
	var cfg map[string]*string
	if len(configs) > 0 {
		cfg = make(map[string]*string, len(configs))
		for k, v := range configs {
			cfg[k] = kadm.StringPtr(v)
		}
	}
	resp, err := goClientAdmin(t, n).CreateTopic(goClientCtx(t, 30*time.Second), partitions, 1, cfg, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
}

// goClientOffsets returns the start (low watermark) and end (high
// watermark) offsets of every partition of a topic.
func goClientOffsets(t *testing.T, n *testbin.Node, topic string) (start, end map[int32]int64) {
	t.Helper()
	ctx := goClientCtx(t, 30*time.Second)
	adm := goClientAdmin(t, n)
	collect := func(l kadm.ListedOffsets, err error) map[int32]int64 {
		t.Helper()
		if err == nil {
			err = l.Error()
		}
		if err != nil {
			t.Fatalf("list offsets of %s: %v", topic, err)
		}
		out := map[int32]int64{}
		l.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
		return out
	}
	return collect(adm.ListStartOffsets(ctx, topic)), collect(adm.ListEndOffsets(ctx, topic))
}

// goClientReadTopic reads every partition of a topic with franz-go from its
// log start offset up to the high watermark it has when the call starts,
// and returns the records by partition, in offset order.
func goClientReadTopic(t *testing.T, n *testbin.Node, topic string) map[int32][]*kgo.Record {
	t.Helper()
	start, end := goClientOffsets(t, n, topic)
	out := map[int32][]*kgo.Record{}
	assign := map[int32]kgo.Offset{}
	remaining := 0
	for p, e := range end {
		out[p] = nil
		if e > start[p] {
			assign[p] = kgo.NewOffset().At(start[p])
			remaining++
		}
	}
	if remaining == 0 {
		return out
	}
	cl := n.Client(
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: assign}),
		kgo.FetchMaxBytes(8<<20),
		kgo.FetchMaxPartitionBytes(4<<20),
	)
	defer cl.Close()
	ctx := goClientCtx(t, 30*time.Second)
	for remaining > 0 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("reading %s with franz-go: %v (%d partitions unfinished)", topic, err, remaining)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset >= end[r.Partition] {
				return // produced after the call started
			}
			out[r.Partition] = append(out[r.Partition], r)
			if r.Offset == end[r.Partition]-1 {
				remaining--
			}
		})
	}
	return out
}

// goClientWaitEnd waits until partition 0 of topic has end offset want:
// nothing tells a producer with acks=0 when its records are written.
func goClientWaitEnd(t *testing.T, n *testbin.Node, topic string, want int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, end := goClientOffsets(t, n, topic)
		if end[0] == want {
			return
		}
		if end[0] > want || time.Now().After(deadline) {
			t.Fatalf("%s: high watermark %d, want %d", topic, end[0], want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// goClientLiveKeys is how many keys goClientLiveProduce spreads its
// records over.
const goClientLiveKeys = 12

// goClientLiveProduce writes count keyed records (values key/seq, as
// goClientCheckKeyed expects) to topic with franz-go in small batches over
// time, so consumers started before it see them arrive. It returns the
// partition of each key, known once the returned wait returns.
func goClientLiveProduce(t *testing.T, n *testbin.Node, topic string, count int) (wait func() map[string]int32) {
	t.Helper()
	cl := n.Client(kgo.DefaultProduceTopic(topic), kgo.DisableIdempotentWrite())
	done := make(chan error, 1)
	partitions := map[string]int32{}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for i := 0; i < count; i += 10 {
			var recs []*kgo.Record
			for j := i; j < i+10 && j < count; j++ {
				k := fmt.Sprintf("key-%d", j%goClientLiveKeys)
				recs = append(recs, &kgo.Record{Key: []byte(k), Value: []byte(fmt.Sprintf("%s/%d", k, j/goClientLiveKeys))})
			}
			if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
				done <- err
				return
			}
			for _, r := range recs {
				partitions[string(r.Key)] = r.Partition
			}
			time.Sleep(2 * time.Millisecond)
		}
		done <- nil
	}()
	return func() map[string]int32 {
		t.Helper()
		if err := <-done; err != nil {
			t.Fatalf("live produce: %v", err)
		}
		return partitions
	}
}

// goClientValues returns the values of records as strings.
func goClientValues(rs []*kgo.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r.Value)
	}
	return out
}

// goClientClusterID reads the cluster id the node formatted its data
// directory with.
func goClientClusterID(t *testing.T, n *testbin.Node) string {
	t.Helper()
	f, err := os.Open(filepath.Join(n.Dir, "meta.properties"))
	if err != nil {
		t.Fatalf("reading the node's meta.properties: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "cluster.id="); ok {
			return v
		}
	}
	t.Fatalf("no cluster.id in %s", f.Name())
	return ""
}

// goClientAcked is the set of records a producer was told were written:
// (partition, offset) → value.
type goClientAcked struct {
	mu   sync.Mutex
	recs map[int32]map[int64]string
	n    int
	err  error // the first inconsistency seen by a producer callback
}

func (a *goClientAcked) fail(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err == nil {
		a.err = err
	}
}

func (a *goClientAcked) failed() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

func (a *goClientAcked) add(partition int32, offset int64, value string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.recs == nil {
		a.recs = map[int32]map[int64]string{}
	}
	if a.recs[partition] == nil {
		a.recs[partition] = map[int64]string{}
	}
	if prev, ok := a.recs[partition][offset]; ok {
		return fmt.Errorf("offset %d of partition %d acknowledged twice: %q and %q", offset, partition, prev, value)
	}
	a.recs[partition][offset] = value
	a.n++
	return nil
}

func (a *goClientAcked) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n
}

// goClientWaitAcked waits until at least want records are acknowledged.
func goClientWaitAcked(t *testing.T, a *goClientAcked, want int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for a.count() < want {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d records acknowledged after %v", a.count(), want, d)
		}
		time.Sleep(time.Millisecond)
	}
}

// goClientCheckAcked reads the whole topic with franz-go and checks that
// offsets of every partition are contiguous from 0, that every acknowledged
// record is at its offset with its value, and that every record read was
// produced (its value starts with prefix). It returns the records read.
func goClientCheckAcked(t *testing.T, n *testbin.Node, topic, prefix string, a *goClientAcked) int {
	t.Helper()
	got := goClientReadTopic(t, n, topic)
	a.mu.Lock()
	defer a.mu.Unlock()
	total := 0
	for p, rs := range got {
		for i, r := range rs {
			if r.Offset != int64(i) {
				t.Fatalf("partition %d: record %d has offset %d; offsets are not contiguous from 0", p, i, r.Offset)
			}
			if !strings.HasPrefix(string(r.Value), prefix) {
				t.Fatalf("partition %d offset %d: value %q was never produced", p, r.Offset, r.Value)
			}
		}
		total += len(rs)
	}
	var parts []int32
	for p := range a.recs {
		parts = append(parts, p)
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i] < parts[j] })
	for _, p := range parts {
		for off, v := range a.recs[p] {
			if off >= int64(len(got[p])) {
				t.Fatalf("acknowledged record %q at %d/%d is gone: the partition ends at %d", v, p, off, len(got[p]))
			}
			if g := string(got[p][off].Value); g != v {
				t.Fatalf("acknowledged record at %d/%d: read %q, want %q", p, off, g, v)
			}
		}
	}
	return total
}

// goClientNodeID is the node id testbin gives its single node (voter 1).
const goClientNodeID = 1

// goClientCodecs are the compression codecs, by name, with their batch
// attribute value.
var goClientCodecs = []struct {
	name string
	id   int
}{{"none", 0}, {"gzip", 1}, {"snappy", 2}, {"lz4", 3}, {"zstd", 4}}

// goClientCheckKeyed checks records read by partition: each key on the
// partition the producer reported (wantPartition), with values key/0,
// key/1, … in offset order, perKey of each.
func goClientCheckKeyed(t *testing.T, got map[int32][]*kgo.Record, wantPartition map[string]int32, perKey int) {
	t.Helper()
	seen := map[string]int{}
	used := map[int32]bool{}
	for p, rs := range got {
		for _, r := range rs {
			k := string(r.Key)
			if wp, ok := wantPartition[k]; !ok || wp != p {
				t.Fatalf("key %q read from partition %d, produced to %d (known %v)", k, p, wp, ok)
			}
			if want := fmt.Sprintf("%s/%d", k, seen[k]); string(r.Value) != want {
				t.Fatalf("partition %d offset %d: value %q, want %q (order per key broken)", p, r.Offset, r.Value, want)
			}
			seen[k]++
			used[p] = true
		}
	}
	for k := range wantPartition {
		if seen[k] != perKey {
			t.Fatalf("key %q: read %d records, want %d", k, seen[k], perKey)
		}
	}
	if len(used) < 2 {
		t.Fatalf("%d keys all hashed to one partition: %v", len(wantPartition), wantPartition)
	}
}

// goClientCheckSpread checks unkeyed records sent round-robin, read by
// partition: every partition has the same share, none has a key, values
// are distinct numbers rising within a partition, total in all.
func goClientCheckSpread(t *testing.T, got map[int32][]*kgo.Record, partitions, total int) {
	t.Helper()
	if len(got) != partitions {
		t.Fatalf("read %d partitions, want %d", len(got), partitions)
	}
	count := 0
	seen := map[string]bool{}
	for p, rs := range got {
		if len(rs) != total/partitions {
			t.Fatalf("partition %d got %d unkeyed records, want %d", p, len(rs), total/partitions)
		}
		last := -1
		for _, r := range rs {
			var v int
			if _, err := fmt.Sscan(string(r.Value), &v); err != nil || r.Key != nil || seen[string(r.Value)] || v <= last {
				t.Fatalf("partition %d offset %d: key %q value %q after %d", p, r.Offset, r.Key, r.Value, last)
			}
			seen[string(r.Value)], last = true, v
			count++
		}
	}
	if count != total {
		t.Fatalf("read %d unkeyed records, want %d", count, total)
	}
}

// goClientHeaderRecords are records whose headers repeat keys, are empty
// or binary, and whose values are null or empty.
func goClientHeaderRecords() []*kgo.Record {
	return []*kgo.Record{
		{Key: []byte("h"), Value: []byte("v"), Headers: []kgo.RecordHeader{
			{Key: "a", Value: []byte("1")}, {Key: "a", Value: []byte("2")},
			{Key: "empty", Value: []byte{}}, {Key: "bin", Value: []byte{0, 255, 10}},
		}},
		{Key: []byte("no-headers"), Value: []byte("v2")},
		{Key: []byte("tombstone"), Value: nil, Headers: []kgo.RecordHeader{{Key: "k", Value: []byte("x")}}},
	}
}

// goClientCheckHeaders compares records read back with
// goClientHeaderRecords.
func goClientCheckHeaders(t *testing.T, got []*kgo.Record) {
	t.Helper()
	want := goClientHeaderRecords()
	if len(got) != len(want) {
		t.Fatalf("read %d records, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if !bytes.Equal(g.Key, w.Key) || !bytes.Equal(g.Value, w.Value) || (g.Value == nil) != (w.Value == nil) {
			t.Fatalf("record %d: key %q value %q (nil %v), want %q %q (nil %v)", i, g.Key, g.Value, g.Value == nil, w.Key, w.Value, w.Value == nil)
		}
		if len(g.Headers) != len(w.Headers) {
			t.Fatalf("record %d: headers %v, want %v", i, g.Headers, w.Headers)
		}
		for j := range w.Headers {
			if g.Headers[j].Key != w.Headers[j].Key || !bytes.Equal(g.Headers[j].Value, w.Headers[j].Value) {
				t.Fatalf("record %d header %d: %q=%q, want %q=%q", i, j, g.Headers[j].Key, g.Headers[j].Value, w.Headers[j].Key, w.Headers[j].Value)
			}
		}
	}
}

// goClientTimes are CreateTime timestamps a producer sets: out of order, in
// the past, and before the epoch is not allowed, so all positive.
var goClientTimes = []time.Time{
	time.UnixMilli(1_600_000_000_123),
	time.UnixMilli(1_500_000_000_456),
	time.UnixMilli(1_700_000_000_789),
}

// goClientCheckCreateTime checks records read back keep the producer's
// timestamps, marked CreateTime.
func goClientCheckCreateTime(t *testing.T, got []*kgo.Record) {
	t.Helper()
	if len(got) != len(goClientTimes) {
		t.Fatalf("read %d records, want %d", len(got), len(goClientTimes))
	}
	for i, r := range got {
		if !r.Timestamp.Equal(goClientTimes[i]) || r.Attrs.TimestampType() != 0 {
			t.Fatalf("record %d: timestamp %v type %d, want %v CreateTime (0)", i, r.Timestamp.UnixMilli(), r.Attrs.TimestampType(), goClientTimes[i].UnixMilli())
		}
	}
}

// goClientCheckLogAppendTime checks records read back from a LogAppendTime
// topic carry the broker's time, between before and after, not the
// producer's, and (when typed: read by franz-go, which exposes it) are
// marked LogAppendTime.
func goClientCheckLogAppendTime(t *testing.T, got []*kgo.Record, want int, before, after time.Time, typed bool) {
	t.Helper()
	if len(got) != want {
		t.Fatalf("read %d records, want %d", len(got), want)
	}
	for i, r := range got {
		ms := r.Timestamp.UnixMilli()
		if ms < before.UnixMilli() || ms > after.UnixMilli() || (typed && r.Attrs.TimestampType() != 1) {
			t.Fatalf("record %d: timestamp %d type %d, want broker time in [%d, %d], LogAppendTime (1)",
				i, ms, r.Attrs.TimestampType(), before.UnixMilli(), after.UnixMilli())
		}
	}
}

// goClientCompressible returns the i-th value of a compression test.
func goClientCompressible(i int) string {
	return fmt.Sprintf("%04d-%s", i, strings.Repeat("compressible ", 20))
}

// goClientCheckCompressed checks records read back from offset from:
// count-from values from goClientCompressible at their offsets, in batches
// marked with the codec unless codec is negative (read by a client that
// does not expose it). Reading from inside a compressed batch must skip
// the batch's earlier records.
func goClientCheckCompressed(t *testing.T, got []*kgo.Record, from, count int, codec int) {
	t.Helper()
	if len(got) != count-from {
		t.Fatalf("read %d records, want %d", len(got), count-from)
	}
	for i, r := range got {
		o := from + i
		if string(r.Value) != goClientCompressible(o) || r.Offset != int64(o) || (codec >= 0 && int(r.Attrs.CompressionType()) != codec) {
			t.Fatalf("record %d: offset %d value %.10q… codec %d, want offset %d %.10q… codec %d", i, r.Offset, r.Value, r.Attrs.CompressionType(), o, goClientCompressible(o), codec)
		}
	}
}

// goClientReadFrom reads count records of a partition from offset with
// franz-go.
func goClientReadFrom(t *testing.T, n *testbin.Node, topic string, partition int32, offset int64, count int) []*kgo.Record {
	t.Helper()
	cl := n.Client(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {partition: kgo.NewOffset().At(offset)}}))
	defer cl.Close()
	ctx := goClientCtx(t, 30*time.Second)
	var out []*kgo.Record
	for len(out) < count {
		fs := cl.PollFetches(ctx)
		if err := fs.Err(); err != nil {
			t.Fatalf("read %s/%d from %d: %d of %d records: %v", topic, partition, offset, len(out), count, err)
		}
		out = append(out, fs.Records()...)
	}
	return out
}

// goClientTimestampBase and the offsets' timestamps used by the ListOffsets
// tests: out of order, so the max timestamp is not the last record.
const goClientTimestampBase = 1_700_000_000_000

var goClientOffsetTimes = []int64{0, 1000, 2000, 10000, 4000}

// goClientCheckDeleted checks low and high watermarks after DeleteRecords,
// and that a consumer reset to the earliest offset starts at the low
// watermark (values are the offsets as text).
func goClientCheckDeleted(t *testing.T, n *testbin.Node, topic string, wantStart, wantEnd map[int32]int64) {
	t.Helper()
	start, end := goClientOffsets(t, n, topic)
	if !goClientMapsEqual(start, wantStart) || !goClientMapsEqual(end, wantEnd) {
		t.Fatalf("watermarks low %v high %v, want %v %v", start, end, wantStart, wantEnd)
	}
	cl := n.Client(kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx := goClientCtx(t, 30*time.Second)
	next := map[int32]int64{}
	for p, s := range start {
		next[p] = s
	}
	for !goClientMapsEqual(next, end) {
		fs := cl.PollFetches(ctx)
		if err := fs.Err(); err != nil {
			t.Fatalf("consume %v of %v: %v", next, end, err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset != next[r.Partition] || string(r.Value) != fmt.Sprint(r.Offset) {
				t.Fatalf("partition %d: read offset %d value %q, want offset %d", r.Partition, r.Offset, r.Value, next[r.Partition])
			}
			next[r.Partition]++
		})
	}
}

// goClientMapsEqual reports whether two offset maps are equal.
func goClientMapsEqual(a, b map[int32]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
