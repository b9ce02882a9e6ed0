package interop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/compress"
	"github.com/twmb/franz-go/pkg/kgo"

	"samsa/internal/testbin"
)

// TestKafkaGo runs segmentio/kafka-go (Writer, Reader without a group,
// Client and Conn admin calls) against one node. Subtests that change state
// register checks to repeat after a clean restart, which the last subtest
// performs. kafka-go has no DeleteRecords.
func TestKafkaGo(t *testing.T) {
	n := testbin.Start(t)
	var afterRestart []func(t *testing.T)
	again := func(f func(t *testing.T)) { afterRestart = append(afterRestart, f) }

	t.Run("Topics", func(t *testing.T) { kafkagoTopics(t, n) })
	t.Run("ConnAdmin", func(t *testing.T) { kafkagoConnAdmin(t, n) })
	t.Run("TopicErrors", func(t *testing.T) { kafkagoTopicErrors(t, n) })
	t.Run("Keys", func(t *testing.T) { again(kafkagoKeys(t, n)) })
	t.Run("NullKeys", func(t *testing.T) { kafkagoNullKeys(t, n) })
	t.Run("LiveTail", func(t *testing.T) { kafkagoLiveTail(t, n) })
	t.Run("Headers", func(t *testing.T) { again(kafkagoHeaders(t, n)) })
	t.Run("CreateTime", func(t *testing.T) { kafkagoCreateTime(t, n) })
	t.Run("LogAppendTime", func(t *testing.T) { kafkagoLogAppendTime(t, n) })
	for _, c := range goClientCodecs {
		t.Run("Compression/"+c.name, func(t *testing.T) { kafkagoCompression(t, n, c.name, c.id) })
	}
	t.Run("LargeRecord", func(t *testing.T) { kafkagoLargeRecord(t, n) })
	t.Run("AutoCreate", func(t *testing.T) { kafkagoAutoCreate(t, n) })
	t.Run("ListOffsets", func(t *testing.T) { again(kafkagoListOffsets(t, n)) })
	t.Run("Configs", func(t *testing.T) { again(kafkagoConfigs(t, n)) })
	t.Run("CreatePartitions", func(t *testing.T) { kafkagoCreatePartitions(t, n) })
	t.Run("Cluster", func(t *testing.T) { kafkagoCluster(t, n) })
	t.Run("Restart", func(t *testing.T) {
		n.Stop()
		n.Restart()
		for _, f := range afterRestart {
			f(t)
		}
	})
}

// kafkagoTransport is a transport of its own, as a new process would
// have: kafka-go's shared default transport answers Metadata from a cache
// refreshed every few seconds and keeps connections across the node's
// restarts.
func kafkagoTransport(t *testing.T) *kafka.Transport {
	tr := &kafka.Transport{ClientID: "samsa-interop"}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// kafkagoClient returns a Client with a transport of its own.
func kafkagoClient(t *testing.T, n *testbin.Node) *kafka.Client {
	return &kafka.Client{Addr: kafka.TCP(n.Addr()), Timeout: 10 * time.Second, Transport: kafkagoTransport(t)}
}

// kafkagoWriter is a synchronous writer with acks=all that sends what it
// has after 5ms rather than kafka-go's default 1s.
func kafkagoWriter(t *testing.T, n *testbin.Node, topic string) *kafka.Writer {
	t.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(n.Addr()), Topic: topic, RequiredAcks: kafka.RequireAll, Transport: kafkagoTransport(t),
		BatchTimeout: 5 * time.Millisecond, BatchSize: 1000, Balancer: &kafka.RoundRobin{}}
	t.Cleanup(func() { w.Close() })
	return w
}

// kafkagoWrite writes messages in one call, failing the test on an error.
func kafkagoWrite(t *testing.T, w *kafka.Writer, msgs ...kafka.Message) {
	t.Helper()
	if err := w.WriteMessages(goClientCtx(t, 30*time.Second), msgs...); err != nil {
		t.Fatalf("write %d messages: %v", len(msgs), err)
	}
}

// kafkagoRead reads count messages of a partition from offset with a
// group-less Reader, converted to kgo records for the shared checks.
func kafkagoRead(t *testing.T, n *testbin.Node, topic string, partition int, offset int64, count int) []*kgo.Record {
	t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{n.Addr()}, Topic: topic, Partition: partition,
		MinBytes: 1, MaxBytes: 4 << 20, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	if err := r.SetOffset(offset); err != nil {
		t.Fatal(err)
	}
	ctx := goClientCtx(t, 30*time.Second)
	var out []*kgo.Record
	for len(out) < count {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("read %s/%d: %d of %d messages: %v", topic, partition, len(out), count, err)
		}
		rec := &kgo.Record{Topic: m.Topic, Partition: int32(m.Partition), Offset: m.Offset, Key: m.Key, Value: m.Value, Timestamp: m.Time}
		for _, h := range m.Headers {
			rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: h.Key, Value: h.Value})
		}
		out = append(out, rec)
	}
	return out
}

// kafkagoMetadata describes topics through kafka.Client.
func kafkagoMetadata(t *testing.T, n *testbin.Node, topics ...string) *kafka.MetadataResponse {
	t.Helper()
	md, err := kafkagoClient(t, n).Metadata(goClientCtx(t, 30*time.Second), &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		t.Fatalf("metadata: %v", err)
	}
	return md
}

// kafkagoCheckPartitions checks partitions 0..want-1, each led by the
// node, its only replica and in-sync replica.
func kafkagoCheckPartitions(t *testing.T, topic kafka.Topic, want int) {
	t.Helper()
	if topic.Error != nil || len(topic.Partitions) != want {
		t.Fatalf("%s: %d partitions, error %v; want %d", topic.Name, len(topic.Partitions), topic.Error, want)
	}
	ps := slices.Clone(topic.Partitions)
	sort.Slice(ps, func(i, j int) bool { return ps[i].ID < ps[j].ID })
	for i, p := range ps {
		if p.ID != i || p.Error != nil || p.Leader.ID != goClientNodeID || len(p.Replicas) != 1 || p.Replicas[0].ID != goClientNodeID ||
			len(p.Isr) != 1 || p.Isr[0].ID != goClientNodeID {
			t.Fatalf("%s/%d: leader %d replicas %v isr %v err %v; want leader 1, replicas [1], isr [1]", topic.Name, p.ID, p.Leader.ID, p.Replicas, p.Isr, p.Error)
		}
	}
}

// kafkagoTopics creates, lists, describes and deletes a topic with Client.
func kafkagoTopics(t *testing.T, n *testbin.Node) {
	const topic = "kafkago-topics"
	ctx := goClientCtx(t, 30*time.Second)
	cl := kafkagoClient(t, n)
	resp, err := cl.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{Topic: topic, NumPartitions: 3, ReplicationFactor: 1}}})
	if err != nil || resp.Errors[topic] != nil {
		t.Fatalf("create: %v %v", err, resp.Errors)
	}
	all := kafkagoMetadata(t, n)
	i := slices.IndexFunc(all.Topics, func(tp kafka.Topic) bool { return tp.Name == topic })
	if i < 0 {
		t.Fatalf("list lacks %s", topic)
	}
	kafkagoCheckPartitions(t, all.Topics[i], 3)
	del, err := cl.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{topic}})
	if err != nil || del.Errors[topic] != nil {
		t.Fatalf("delete: %v %v", err, del.Errors)
	}
	md := kafkagoMetadata(t, n, topic)
	if len(md.Topics) != 1 || !errors.Is(md.Topics[0].Error, kafka.UnknownTopicOrPartition) {
		t.Fatalf("describe after delete: %+v, want UNKNOWN_TOPIC_OR_PARTITION", md.Topics)
	}
}

// kafkagoConnAdmin uses the older Conn API: topic creation and deletion
// (CreateTopics v2, DeleteTopics v1), partitions, brokers and controller.
// Conn.CreateTopics hides TOPIC_ALREADY_EXISTS by design; Client's
// CreateTopics is checked for it in TopicErrors.
func kafkagoConnAdmin(t *testing.T, n *testbin.Node) {
	const topic = "kafkago-conn"
	conn, err := kafka.Dial("tcp", n.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.CreateTopics(kafka.TopicConfig{Topic: topic, NumPartitions: 2, ReplicationFactor: 1}); err != nil {
		t.Fatalf("create: %v", err)
	}
	ps, err := conn.ReadPartitions(topic)
	if err != nil || len(ps) != 2 || ps[0].Leader.ID != goClientNodeID || ps[0].Leader.Port != n.Port {
		t.Fatalf("partitions: %+v %v", ps, err)
	}
	c, err := conn.Controller()
	if err != nil || c.ID != goClientNodeID {
		t.Fatalf("controller %+v %v, want 1", c, err)
	}
	bs, err := conn.Brokers()
	if err != nil || len(bs) != 1 || bs[0].ID != goClientNodeID || bs[0].Host != "127.0.0.1" || bs[0].Port != n.Port {
		t.Fatalf("brokers %+v %v, want 1 at %s", bs, err, n.Addr())
	}

	// A leader connection writes and reads directly.
	leader, err := kafka.DialLeader(context.Background(), "tcp", n.Addr(), topic, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer leader.Close()
	if _, err := leader.WriteMessages(kafka.Message{Value: []byte("a")}, kafka.Message{Value: []byte("b")}); err != nil {
		t.Fatalf("conn write: %v", err)
	}
	first, last, err := leader.ReadOffsets()
	if err != nil || first != 0 || last != 2 {
		t.Fatalf("conn offsets %d..%d %v, want 0..2", first, last, err)
	}
	leader.SetReadDeadline(time.Now().Add(10 * time.Second))
	batch := leader.ReadBatch(1, 1<<20)
	var got []string
	for m, err := batch.ReadMessage(); err == nil; m, err = batch.ReadMessage() {
		got = append(got, string(m.Value))
	}
	batch.Close()
	if !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("conn read %q", got)
	}

	if err := conn.DeleteTopics(topic); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := conn.DeleteTopics(topic); !errors.Is(err, kafka.UnknownTopicOrPartition) {
		t.Fatalf("delete again: %v, want UNKNOWN_TOPIC_OR_PARTITION", err)
	}
}

// kafkagoTopicErrors checks the codes of refused topic operations.
func kafkagoTopicErrors(t *testing.T, n *testbin.Node) {
	ctx := goClientCtx(t, 30*time.Second)
	cl := kafkagoClient(t, n)
	goClientCreateTopic(t, n, "kafkago-exists", 1, nil)
	cases := []struct {
		topic string
		rf    int
		want  kafka.Error
	}{
		{"kafkago-exists", 1, kafka.TopicAlreadyExists},
		{"bad/name", 1, kafka.InvalidTopic},
		{"bad name", 1, kafka.InvalidTopic},
		{"kafkago-rf3", 3, kafka.InvalidReplicationFactor},
	}
	for _, c := range cases {
		resp, err := cl.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{Topic: c.topic, NumPartitions: 1, ReplicationFactor: c.rf}}})
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(resp.Errors[c.topic], c.want) {
			t.Errorf("create %q RF %d: %v, want %v", c.topic, c.rf, resp.Errors[c.topic], c.want)
		}
	}
	md := kafkagoMetadata(t, n, "kafkago-missing")
	if len(md.Topics) != 1 || !errors.Is(md.Topics[0].Error, kafka.UnknownTopicOrPartition) {
		t.Errorf("describe unknown topic: %+v, want UNKNOWN_TOPIC_OR_PARTITION", md.Topics)
	}
	del, err := cl.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{"kafkago-missing"}})
	if err != nil || !errors.Is(del.Errors["kafkago-missing"], kafka.UnknownTopicOrPartition) {
		t.Errorf("delete unknown topic: %v %v, want UNKNOWN_TOPIC_OR_PARTITION", err, del.Errors)
	}
}

// kafkagoKeys writes keyed messages with kafka-go's murmur2 balancer; the
// partitions must be the ones franz-go's default partitioner (Java's
// murmur2) picks for the same keys.
func kafkagoKeys(t *testing.T, n *testbin.Node) func(t *testing.T) {
	const topic = "kafkago-keys"
	goClientCreateTopic(t, n, topic, 3, nil)
	w := kafkagoWriter(t, n, topic)
	w.Balancer = kafka.Murmur2Balancer{}
	var msgs []kafka.Message
	for i := 0; i < 60; i++ {
		k := fmt.Sprintf("key-%d", i%6)
		msgs = append(msgs, kafka.Message{Key: []byte(k), Value: []byte(fmt.Sprintf("%s/%d", k, i/6))})
	}
	kafkagoWrite(t, w, msgs...)
	javaCompatible := kgo.StickyKeyPartitioner(nil).ForTopic(topic)
	want := map[string]int32{}
	for i := 0; i < 6; i++ {
		k := fmt.Sprintf("key-%d", i)
		want[k] = int32(javaCompatible.Partition(&kgo.Record{Key: []byte(k)}, 3))
	}
	check := func(t *testing.T) {
		goClientCheckKeyed(t, goClientReadTopic(t, n, topic), want, 10)
		_, end := goClientOffsets(t, n, topic)
		byKafkago := map[int32][]*kgo.Record{}
		for p, e := range end {
			byKafkago[p] = kafkagoRead(t, n, topic, int(p), kafka.FirstOffset, int(e))
		}
		goClientCheckKeyed(t, byKafkago, want, 10)
	}
	check(t)
	return check
}

// kafkagoLiveTail reads two partitions with one Reader each from the start
// of an empty topic while records arrive.
func kafkagoLiveTail(t *testing.T, n *testbin.Node) {
	const topic, count = "kafkago-live", 240
	goClientCreateTopic(t, n, topic, 2, nil)
	ctx := goClientCtx(t, 30*time.Second)
	type result struct {
		recs []*kgo.Record
		err  error
	}
	results := make(chan result, 2)
	var readers []*kafka.Reader
	for p := 0; p < 2; p++ {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{n.Addr()}, Topic: topic, Partition: p, MinBytes: 1, MaxBytes: 1 << 20, MaxWait: 500 * time.Millisecond})
		defer r.Close()
		readers = append(readers, r)
	}
	// franz-go's producer places keys as Java does (murmur2).
	javaCompatible := kgo.StickyKeyPartitioner(nil).ForTopic(topic)
	parts := map[string]int32{}
	want := map[int]int{}
	for i := 0; i < goClientLiveKeys; i++ {
		k := fmt.Sprintf("key-%d", i)
		parts[k] = int32(javaCompatible.Partition(&kgo.Record{Key: []byte(k)}, 2))
		want[int(parts[k])] += count / goClientLiveKeys
	}
	for p, r := range readers {
		go func() {
			var res result
			for len(res.recs) < want[p] {
				m, err := r.ReadMessage(ctx)
				if err != nil {
					res.err = err
					break
				}
				res.recs = append(res.recs, &kgo.Record{Partition: int32(m.Partition), Offset: m.Offset, Key: m.Key, Value: m.Value})
			}
			results <- res
		}()
	}
	wait := goClientLiveProduce(t, n, topic, count)
	got := map[int32][]*kgo.Record{}
	for range readers {
		res := <-results
		if res.err != nil {
			t.Fatalf("read: %v", res.err)
		}
		for i, r := range res.recs {
			if r.Offset != int64(i) {
				t.Fatalf("partition %d: offset %d, want %d", r.Partition, r.Offset, i)
			}
			got[r.Partition] = append(got[r.Partition], r)
		}
	}
	if produced := wait(); !maps.Equal(produced, parts) {
		t.Fatalf("keys produced to %v, expected %v", produced, parts)
	}
	goClientCheckKeyed(t, got, parts, count/goClientLiveKeys)
}

// kafkagoNullKeys writes unkeyed messages with the default round-robin
// balancer.
func kafkagoNullKeys(t *testing.T, n *testbin.Node) {
	const topic = "kafkago-nullkeys"
	goClientCreateTopic(t, n, topic, 3, nil)
	w := kafkagoWriter(t, n, topic)
	for i := 0; i < 30; i++ {
		kafkagoWrite(t, w, kafka.Message{Value: []byte(strconv.Itoa(i))})
	}
	goClientCheckSpread(t, goClientReadTopic(t, n, topic), 3, 30)
}

// kafkagoHeaders round-trips headers, null values and empty ones.
func kafkagoHeaders(t *testing.T, n *testbin.Node) func(t *testing.T) {
	const topic = "kafkago-headers"
	goClientCreateTopic(t, n, topic, 1, nil)
	var msgs []kafka.Message
	for _, r := range goClientHeaderRecords() {
		m := kafka.Message{Key: r.Key, Value: r.Value}
		for _, h := range r.Headers {
			m.Headers = append(m.Headers, kafka.Header{Key: h.Key, Value: h.Value})
		}
		msgs = append(msgs, m)
	}
	kafkagoWrite(t, kafkagoWriter(t, n, topic), msgs...)
	check := func(t *testing.T) {
		goClientCheckHeaders(t, goClientReadTopic(t, n, topic)[0])
		goClientCheckHeaders(t, kafkagoRead(t, n, topic, 0, kafka.FirstOffset, len(msgs)))
	}
	check(t)
	return check
}

// kafkagoCreateTime round-trips producer timestamps.
func kafkagoCreateTime(t *testing.T, n *testbin.Node) {
	const topic = "kafkago-createtime"
	goClientCreateTopic(t, n, topic, 1, nil)
	var msgs []kafka.Message
	for i, ts := range goClientTimes {
		msgs = append(msgs, kafka.Message{Value: []byte(strconv.Itoa(i)), Time: ts})
	}
	kafkagoWrite(t, kafkagoWriter(t, n, topic), msgs...)
	goClientCheckCreateTime(t, goClientReadTopic(t, n, topic)[0])
	goClientCheckCreateTime(t, kafkagoRead(t, n, topic, 0, kafka.FirstOffset, len(msgs)))
}

// kafkagoLogAppendTime writes to a LogAppendTime topic. kafka-go's Writer
// reports the produce response's log_append_time in Completion; its
// Reader ignores the batch's timestamp type and shows the producer's
// times, so the broker's time is read with franz-go.
func kafkagoLogAppendTime(t *testing.T, n *testbin.Node) {
	const topic = "kafkago-logappendtime"
	goClientCreateTopic(t, n, topic, 1, map[string]string{"message.timestamp.type": "LogAppendTime"})
	w := kafkagoWriter(t, n, topic)
	var mu sync.Mutex
	var acked []kafka.Message
	w.Completion = func(msgs []kafka.Message, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err == nil {
			acked = append(acked, msgs...)
		}
	}
	before := time.Now()
	kafkagoWrite(t, w, kafka.Message{Value: []byte("0")}, kafka.Message{Value: []byte("1")})
	after := time.Now()
	got := goClientReadTopic(t, n, topic)[0]
	goClientCheckLogAppendTime(t, got, 2, before, after, true)
	mu.Lock()
	defer mu.Unlock()
	if len(acked) != 2 {
		t.Fatalf("%d messages completed, want 2", len(acked))
	}
	for i, m := range acked {
		if !m.Time.Equal(got[i].Timestamp) || m.Offset != int64(i) {
			t.Fatalf("message %d: produce response time %d offset %d, franz-go read %d", i, m.Time.UnixMilli(), m.Offset, got[i].Timestamp.UnixMilli())
		}
	}
}

// kafkagoCompression writes one codec's batches and reads them back with
// kafka-go and franz-go.
func kafkagoCompression(t *testing.T, n *testbin.Node, name string, id int) {
	topic := "kafkago-codec-" + name
	goClientCreateTopic(t, n, topic, 1, nil)
	w := kafkagoWriter(t, n, topic)
	w.Compression = map[string]compress.Compression{
		"none": 0, "gzip": compress.Gzip, "snappy": compress.Snappy, "lz4": compress.Lz4, "zstd": compress.Zstd,
	}[name]
	const count = 200
	var msgs []kafka.Message
	for i := 0; i < count; i++ {
		msgs = append(msgs, kafka.Message{Value: []byte(goClientCompressible(i))})
	}
	kafkagoWrite(t, w, msgs...)
	goClientCheckCompressed(t, goClientReadTopic(t, n, topic)[0], 0, count, id)
	goClientCheckCompressed(t, kafkagoRead(t, n, topic, 0, kafka.FirstOffset, count), 0, count, -1)
	goClientCheckCompressed(t, kafkagoRead(t, n, topic, 0, 101, count-101), 101, count, -1)
}

// kafkagoLargeRecord writes a message just under max.message.bytes and one
// over it.
func kafkagoLargeRecord(t *testing.T, n *testbin.Node) {
	const topic = "kafkago-large"
	goClientCreateTopic(t, n, topic, 1, nil)
	w := kafkagoWriter(t, n, topic)
	w.BatchBytes = 2 << 20 // let the broker decide
	fits := bytes.Repeat([]byte{'f'}, goClientMaxMessageBytes-100)
	kafkagoWrite(t, w, kafka.Message{Value: fits})
	tooBig := bytes.Repeat([]byte{'x'}, goClientMaxMessageBytes)
	err := w.WriteMessages(goClientCtx(t, 30*time.Second), kafka.Message{Value: tooBig})
	var werrs kafka.WriteErrors
	if errors.As(err, &werrs) && len(werrs) == 1 {
		err = werrs[0]
	}
	if !errors.Is(err, kafka.MessageSizeTooLarge) {
		t.Fatalf("write %d bytes: %v, want MESSAGE_TOO_LARGE", len(tooBig), err)
	}
	got := kafkagoRead(t, n, topic, 0, kafka.FirstOffset, 1)
	if !bytes.Equal(got[0].Value, fits) {
		t.Fatalf("read %d bytes, want the %d-byte record", len(got[0].Value), len(fits))
	}
	if _, end := goClientOffsets(t, n, topic); end[0] != 1 {
		t.Fatalf("high watermark %d, want 1: the refused record was stored", end[0])
	}
}

// kafkagoAutoCreate writes to a missing topic with AllowAutoTopicCreation.
func kafkagoAutoCreate(t *testing.T, n *testbin.Node) {
	const topic = "kafkago-auto"
	w := kafkagoWriter(t, n, topic)
	w.AllowAutoTopicCreation = true
	kafkagoWrite(t, w, kafka.Message{Value: []byte("first")})
	md := kafkagoMetadata(t, n, topic)
	kafkagoCheckPartitions(t, md.Topics[0], 1)
	if got := goClientValues(goClientReadTopic(t, n, topic)[0]); !slices.Equal(got, []string{"first"}) {
		t.Fatalf("read %q", got)
	}
}

// kafkagoListOffsets writes five records with out-of-order timestamps and
// looks offsets up with Client.ListOffsets and Conn.ReadOffset.
func kafkagoListOffsets(t *testing.T, n *testbin.Node) func(t *testing.T) {
	const topic = "kafkago-offsets"
	goClientCreateTopic(t, n, topic, 1, nil)
	w := kafkagoWriter(t, n, topic)
	var first []kafka.Message
	for i := 0; i < 3; i++ {
		first = append(first, kafka.Message{Value: []byte(strconv.Itoa(i)), Time: time.UnixMilli(goClientTimestampBase + goClientOffsetTimes[i])})
	}
	kafkagoWrite(t, w, first...)
	for i := 3; i < 5; i++ {
		kafkagoWrite(t, w, kafka.Message{Value: []byte(strconv.Itoa(i)), Time: time.UnixMilli(goClientTimestampBase + goClientOffsetTimes[i])})
	}
	check := func(t *testing.T) {
		kafkagoCheckListOffsets(t, n, topic)
		franzCheckListOffsets(t, n, topic)
	}
	check(t)
	return check
}

// kafkagoCheckListOffsets checks earliest, latest and by-time offsets of
// the five ListOffsets records through kafka-go.
func kafkagoCheckListOffsets(t *testing.T, n *testbin.Node, topic string) {
	t.Helper()
	ctx := goClientCtx(t, 30*time.Second)
	at := func(ms int64) time.Time { return time.UnixMilli(goClientTimestampBase + ms) }
	resp, err := kafkagoClient(t, n).ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{
		topic: {kafka.FirstOffsetOf(0), kafka.LastOffsetOf(0), kafka.TimeOffsetOf(0, at(1500))},
	}})
	if err != nil {
		t.Fatalf("list offsets: %v", err)
	}
	po := resp.Topics[topic]
	if len(po) != 1 || po[0].Error != nil || po[0].FirstOffset != 0 || po[0].LastOffset != 5 {
		t.Fatalf("list offsets: %+v, want first 0 last 5", po)
	}
	// kafka-go reports the requested time next to the offset found, not
	// the record's.
	if ts, ok := po[0].Offsets[2]; !ok || !ts.Equal(at(1500)) || len(po[0].Offsets) != 1 {
		t.Fatalf("offset for base+1500: %v, want 2", po[0].Offsets)
	}
	leader, err := kafka.DialLeader(ctx, "tcp", n.Addr(), topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer leader.Close()
	for _, c := range []struct {
		ms   int64
		want int64
	}{{500, 1}, {3000, 3}, {9999, 3}} {
		if got, err := leader.ReadOffset(at(c.ms)); err != nil || got != c.want {
			t.Fatalf("conn offset for base+%d: %d %v, want %d", c.ms, got, err, c.want)
		}
	}
}

// kafkagoConfigs reads retention.ms with DescribeConfigs and sets it with
// IncrementalAlterConfigs.
func kafkagoConfigs(t *testing.T, n *testbin.Node) func(t *testing.T) {
	const topic = "kafkago-configs"
	goClientCreateTopic(t, n, topic, 1, nil)
	kafkagoCheckConfig(t, n, topic, "604800000", 5) // DEFAULT_CONFIG
	resp, err := kafkagoClient(t, n).IncrementalAlterConfigs(goClientCtx(t, 30*time.Second), &kafka.IncrementalAlterConfigsRequest{
		Resources: []kafka.IncrementalAlterConfigsRequestResource{{ResourceType: kafka.ResourceTypeTopic, ResourceName: topic,
			Configs: []kafka.IncrementalAlterConfigsRequestConfig{{Name: "retention.ms", Value: "5400000", ConfigOperation: kafka.ConfigOperationSet}}}},
	})
	if err != nil || len(resp.Resources) != 1 || resp.Resources[0].Error != nil {
		t.Fatalf("alter: %v %+v", err, resp)
	}
	check := func(t *testing.T) { kafkagoCheckConfig(t, n, topic, "5400000", 1) } // DYNAMIC_TOPIC_CONFIG
	check(t)
	return check
}

// kafkagoCheckConfig checks retention.ms as kafka-go describes it.
func kafkagoCheckConfig(t *testing.T, n *testbin.Node, topic, value string, source int8) {
	t.Helper()
	resp, err := kafkagoClient(t, n).DescribeConfigs(goClientCtx(t, 30*time.Second), &kafka.DescribeConfigsRequest{
		Resources: []kafka.DescribeConfigRequestResource{{ResourceType: kafka.ResourceTypeTopic, ResourceName: topic}},
	})
	if err != nil || len(resp.Resources) != 1 || resp.Resources[0].Error != nil {
		t.Fatalf("describe configs: %v %+v", err, resp)
	}
	for _, e := range resp.Resources[0].ConfigEntries {
		if e.ConfigName == "retention.ms" {
			if e.ConfigValue != value || e.ConfigSource != source {
				t.Fatalf("retention.ms = %q from %d, want %q from %d", e.ConfigValue, e.ConfigSource, value, source)
			}
			return
		}
	}
	t.Fatalf("retention.ms not among %d configs", len(resp.Resources[0].ConfigEntries))
}

// kafkagoCreatePartitions grows a topic from 1 to 4 partitions.
func kafkagoCreatePartitions(t *testing.T, n *testbin.Node) {
	const topic = "kafkago-partitions"
	goClientCreateTopic(t, n, topic, 1, nil)
	ctx := goClientCtx(t, 30*time.Second)
	resp, err := kafkagoClient(t, n).CreatePartitions(ctx, &kafka.CreatePartitionsRequest{Topics: []kafka.TopicPartitionsConfig{{Name: topic, Count: 4}}})
	if err != nil || resp.Errors[topic] != nil {
		t.Fatalf("create partitions: %v %v", err, resp.Errors)
	}
	kafkagoCheckPartitions(t, kafkagoMetadata(t, n, topic).Topics[0], 4)
}

// kafkagoCluster checks the cluster id, controller and broker list from
// Metadata.
func kafkagoCluster(t *testing.T, n *testbin.Node) {
	md := kafkagoMetadata(t, n)
	if md.ClusterID != goClientClusterID(t, n) || md.Controller.ID != goClientNodeID || len(md.Brokers) != 1 ||
		net.JoinHostPort(md.Brokers[0].Host, strconv.Itoa(md.Brokers[0].Port)) != n.Addr() {
		t.Fatalf("metadata: cluster %q controller %d brokers %+v, want %q, 1, [1 at %s]", md.ClusterID, md.Controller.ID, md.Brokers, goClientClusterID(t, n), n.Addr())
	}
}
