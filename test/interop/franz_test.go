package interop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"samsa/internal/testbin"
)

// TestFranzGo runs franz-go (kgo, kadm) against one node. Subtests that
// change state register checks to repeat after a clean restart, which the
// last subtest performs.
func TestFranzGo(t *testing.T) {
	n := testbin.Start(t)
	var afterRestart []func(t *testing.T)
	again := func(f func(t *testing.T)) { afterRestart = append(afterRestart, f) }

	t.Run("Topics", func(t *testing.T) { franzTopics(t, n) })
	t.Run("Recreate", func(t *testing.T) { again(franzRecreate(t, n)) })
	t.Run("TopicErrors", func(t *testing.T) { franzTopicErrors(t, n) })
	t.Run("Keys", func(t *testing.T) { again(franzKeys(t, n)) })
	t.Run("NullKeys", func(t *testing.T) { franzNullKeys(t, n) })
	t.Run("AcksZero", func(t *testing.T) { franzAcksZero(t, n) })
	t.Run("LiveTail", func(t *testing.T) { franzLiveTail(t, n) })
	t.Run("Headers", func(t *testing.T) { again(franzHeaders(t, n)) })
	t.Run("CreateTime", func(t *testing.T) { franzCreateTime(t, n) })
	t.Run("LogAppendTime", func(t *testing.T) { again(franzLogAppendTime(t, n)) })
	for _, c := range goClientCodecs {
		t.Run("Compression/"+c.name, func(t *testing.T) { franzCompression(t, n, c.name, c.id) })
	}
	t.Run("LargeRecord", func(t *testing.T) { franzLargeRecord(t, n) })
	t.Run("AutoCreate", func(t *testing.T) { franzAutoCreate(t, n) })
	t.Run("ListOffsets", func(t *testing.T) { again(franzListOffsets(t, n)) })
	t.Run("DeleteRecords", func(t *testing.T) { again(franzDeleteRecords(t, n)) })
	t.Run("Configs", func(t *testing.T) { again(franzConfigs(t, n)) })
	t.Run("CreatePartitions", func(t *testing.T) { again(franzCreatePartitions(t, n)) })
	t.Run("Cluster", func(t *testing.T) { franzCluster(t, n) })
	t.Run("Restart", func(t *testing.T) {
		n.Stop()
		n.Restart()
		for _, f := range afterRestart {
			f(t)
		}
	})
}

// franzTopics creates, lists, describes and deletes a topic with kadm.
func franzTopics(t *testing.T, n *testbin.Node) {
	ctx := goClientCtx(t, 30*time.Second)
	adm := goClientAdmin(t, n)
	const topic = "franz-topics"
	created, err := adm.CreateTopic(ctx, 3, 1, nil, topic)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if created.ID == (kadm.TopicID{}) || created.NumPartitions != 3 || created.ReplicationFactor != 1 {
		t.Fatalf("create answered id %v, %d partitions, RF %d; want a topic id, 3, 1", created.ID, created.NumPartitions, created.ReplicationFactor)
	}
	all, err := adm.ListTopics(ctx)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if !all.Has(topic) {
		t.Fatalf("list has %v, missing %s", all.Names(), topic)
	}
	td := all[topic]
	if td.ID != created.ID || td.IsInternal || td.Err != nil {
		t.Fatalf("described id %v internal %v err %v; want id %v", td.ID, td.IsInternal, td.Err, created.ID)
	}
	franzCheckPartitions(t, td, 3)

	if _, err := adm.DeleteTopic(ctx, topic); err != nil {
		t.Fatalf("delete: %v", err)
	}
	// A new client: kadm answers from its client's cached metadata.
	adm = goClientAdmin(t, n)
	after, err := adm.ListTopics(ctx, topic)
	if err != nil {
		t.Fatalf("describe after delete: %v", err)
	}
	if td, ok := after[topic]; !ok || !errors.Is(td.Err, kerr.UnknownTopicOrPartition) {
		t.Fatalf("describe after delete: %+v (present %v), want UNKNOWN_TOPIC_OR_PARTITION", td, ok)
	}
	if all, _ := adm.ListTopics(ctx); all.Has(topic) {
		t.Fatalf("deleted topic still listed: %v", all.Names())
	}
}

// franzRecreate deletes a topic holding records and creates it again under
// the same name: a new topic id, and none of the old records. After a
// restart the deleted topic's files must not come back either.
func franzRecreate(t *testing.T, n *testbin.Node) func(t *testing.T) {
	const topic = "franz-recreate"
	ctx := goClientCtx(t, 30*time.Second)
	goClientCreateTopic(t, n, topic, 2, nil)
	cl := n.Client(kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for i := 0; i < 5; i++ {
		if err := cl.ProduceSync(ctx, &kgo.Record{Partition: int32(i % 2), Value: []byte("old")}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	before, err := goClientAdmin(t, n).ListTopics(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := goClientAdmin(t, n).DeleteTopic(ctx, topic); err != nil {
		t.Fatalf("delete: %v", err)
	}
	goClientCreateTopic(t, n, topic, 1, nil)
	if err := n.Client(kgo.DefaultProduceTopic(topic)).ProduceSync(ctx, kgo.StringRecord("new")).FirstErr(); err != nil {
		t.Fatalf("produce to the new topic: %v", err)
	}
	check := func(t *testing.T) {
		after, err := goClientAdmin(t, n).ListTopics(goClientCtx(t, 30*time.Second), topic)
		if err != nil {
			t.Fatal(err)
		}
		if after[topic].ID == before[topic].ID {
			t.Fatalf("recreated topic kept its id %v", before[topic].ID)
		}
		franzCheckPartitions(t, after[topic], 1)
		got := goClientReadTopic(t, n, topic)
		if len(got) != 1 || !slices.Equal(goClientValues(got[0]), []string{"new"}) || got[0][0].Offset != 0 {
			t.Fatalf("recreated topic holds %v, want just \"new\" at offset 0", got)
		}
	}
	check(t)
	return check
}

// franzCheckPartitions checks that a topic has partitions 0..want-1, each
// led by the node, with the node as only replica and in-sync replica.
func franzCheckPartitions(t *testing.T, td kadm.TopicDetail, want int) {
	t.Helper()
	if len(td.Partitions) != want {
		t.Fatalf("%s has %d partitions, want %d", td.Topic, len(td.Partitions), want)
	}
	for _, p := range td.Partitions.Sorted() {
		if p.Err != nil || p.Leader != goClientNodeID || !slices.Equal(p.Replicas, []int32{goClientNodeID}) || !slices.Equal(p.ISR, []int32{goClientNodeID}) {
			t.Fatalf("%s/%d: leader %d replicas %v isr %v err %v; want leader 1, replicas [1], isr [1]",
				td.Topic, p.Partition, p.Leader, p.Replicas, p.ISR, p.Err)
		}
		if p.LeaderEpoch < 0 {
			t.Fatalf("%s/%d: leader epoch %d", td.Topic, p.Partition, p.LeaderEpoch)
		}
	}
}

// franzTopicErrors checks the codes of refused topic operations.
func franzTopicErrors(t *testing.T, n *testbin.Node) {
	ctx := goClientCtx(t, 30*time.Second)
	adm := goClientAdmin(t, n)
	goClientCreateTopic(t, n, "franz-exists", 1, nil)
	cases := []struct {
		name  string
		topic string
		rf    int16
		want  error
	}{
		{"exists", "franz-exists", 1, kerr.TopicAlreadyExists},
		{"slash", "bad/name", 1, kerr.InvalidTopicException},
		{"dot", ".", 1, kerr.InvalidTopicException},
		{"too long", strings.Repeat("x", 250), 1, kerr.InvalidTopicException},
		{"rf 3", "franz-rf3", 3, kerr.InvalidReplicationFactor},
	}
	for _, c := range cases {
		resp, _ := adm.CreateTopic(ctx, 1, c.rf, nil, c.topic)
		if !errors.Is(resp.Err, c.want) {
			t.Errorf("create %s: %v, want %v", c.name, resp.Err, c.want)
		}
	}
	td, err := adm.ListTopics(ctx, "franz-missing")
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(td["franz-missing"].Err, kerr.UnknownTopicOrPartition) {
		t.Errorf("describe unknown topic: %v, want UNKNOWN_TOPIC_OR_PARTITION", td["franz-missing"].Err)
	}
	del, _ := adm.DeleteTopic(ctx, "franz-missing")
	if !errors.Is(del.Err, kerr.UnknownTopicOrPartition) {
		t.Errorf("delete unknown topic: %v, want UNKNOWN_TOPIC_OR_PARTITION", del.Err)
	}
	if all, _ := adm.ListTopics(ctx); all.Has("franz-rf3") || all.Has("bad/name") {
		t.Errorf("a refused topic was created: %v", all.Names())
	}
}

// franzKeys produces keyed records with the default (murmur2) partitioner
// and checks every key stays on one partition in production order.
func franzKeys(t *testing.T, n *testbin.Node) func(t *testing.T) {
	const topic = "franz-keys"
	goClientCreateTopic(t, n, topic, 3, nil)
	cl := n.Client(kgo.DefaultProduceTopic(topic), kgo.DisableIdempotentWrite())
	var recs []*kgo.Record
	for i := 0; i < 60; i++ {
		k := fmt.Sprintf("key-%d", i%6)
		recs = append(recs, &kgo.Record{Key: []byte(k), Value: []byte(fmt.Sprintf("%s/%d", k, i/6))})
	}
	if err := cl.ProduceSync(goClientCtx(t, 30*time.Second), recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	want := map[string]int32{}
	for _, r := range recs {
		want[string(r.Key)] = r.Partition
	}
	check := func(t *testing.T) {
		got := goClientReadTopic(t, n, topic)
		goClientCheckKeyed(t, got, want, 10)
	}
	check(t)
	return check
}

// franzNullKeys sends unkeyed records round-robin: each partition gets the
// same share, in order.
func franzNullKeys(t *testing.T, n *testbin.Node) {
	const topic = "franz-nullkeys"
	goClientCreateTopic(t, n, topic, 3, nil)
	cl := n.Client(kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	var recs []*kgo.Record
	for i := 0; i < 30; i++ {
		recs = append(recs, kgo.StringRecord(fmt.Sprint(i)))
	}
	if err := cl.ProduceSync(goClientCtx(t, 30*time.Second), recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	goClientCheckSpread(t, goClientReadTopic(t, n, topic), 3, 30)
}

// franzLiveTail consumes six partitions from the start of an empty topic
// while records arrive: long-polled fetches must wake up and incremental
// fetch sessions must carry every partition's news.
func franzLiveTail(t *testing.T, n *testbin.Node) {
	const topic, count = "franz-live", 600
	goClientCreateTopic(t, n, topic, 6, nil)
	offsets := map[int32]kgo.Offset{}
	for p := int32(0); p < 6; p++ {
		offsets[p] = kgo.NewOffset().At(0)
	}
	cl := n.Client(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}), kgo.FetchMaxWait(time.Second))
	wait := goClientLiveProduce(t, n, topic, count)
	ctx := goClientCtx(t, 30*time.Second)
	got := map[int32][]*kgo.Record{}
	for read := 0; read < count; {
		fs := cl.PollFetches(ctx)
		if err := fs.Err(); err != nil {
			t.Fatalf("after %d of %d records: %v", read, count, err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if want := int64(len(got[r.Partition])); r.Offset != want {
				t.Fatalf("partition %d: offset %d, want %d", r.Partition, r.Offset, want)
			}
			got[r.Partition] = append(got[r.Partition], r)
			read++
		})
	}
	goClientCheckKeyed(t, got, wait(), count/goClientLiveKeys)
}

// franzAcksZero produces with acks=0, which gets no response, then with
// acks=all: every record must be stored, in order.
func franzAcksZero(t *testing.T, n *testbin.Node) {
	const topic = "franz-acks0"
	goClientCreateTopic(t, n, topic, 1, nil)
	ctx := goClientCtx(t, 30*time.Second)
	none := n.Client(kgo.DefaultProduceTopic(topic), kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite())
	var want []string
	for i := 0; i < 50; i++ {
		want = append(want, fmt.Sprint(i))
		if err := none.ProduceSync(ctx, kgo.StringRecord(want[i])).FirstErr(); err != nil {
			t.Fatalf("acks=0 produce %d: %v", i, err)
		}
	}
	goClientWaitEnd(t, n, topic, 50)
	all := n.Client(kgo.DefaultProduceTopic(topic), kgo.DisableIdempotentWrite())
	want = append(want, "acked")
	r := kgo.StringRecord("acked")
	if err := all.ProduceSync(ctx, r).FirstErr(); err != nil || r.Offset != 50 {
		t.Fatalf("acks=all after 50 acks=0: offset %d err %v, want 50", r.Offset, err)
	}
	if got := goClientValues(goClientReadTopic(t, n, topic)[0]); !slices.Equal(got, want) {
		t.Fatalf("read %q, want %q", got, want)
	}
}

// franzHeaders round-trips headers, null values and empty ones.
func franzHeaders(t *testing.T, n *testbin.Node) func(t *testing.T) {
	const topic = "franz-headers"
	goClientCreateTopic(t, n, topic, 1, nil)
	cl := n.Client(kgo.DefaultProduceTopic(topic))
	if err := cl.ProduceSync(goClientCtx(t, 30*time.Second), goClientHeaderRecords()...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	check := func(t *testing.T) { goClientCheckHeaders(t, goClientReadTopic(t, n, topic)[0]) }
	check(t)
	return check
}

// franzCreateTime round-trips producer timestamps.
func franzCreateTime(t *testing.T, n *testbin.Node) {
	const topic = "franz-createtime"
	goClientCreateTopic(t, n, topic, 1, nil)
	cl := n.Client(kgo.DefaultProduceTopic(topic))
	var recs []*kgo.Record
	for i, ts := range goClientTimes {
		recs = append(recs, &kgo.Record{Value: []byte(fmt.Sprint(i)), Timestamp: ts})
	}
	if err := cl.ProduceSync(goClientCtx(t, 30*time.Second), recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	goClientCheckCreateTime(t, goClientReadTopic(t, n, topic)[0])
	// message.timestamp.after.max.ms defaults to one hour in Kafka 4.
	future := &kgo.Record{Value: []byte("future"), Timestamp: time.Now().Add(2 * time.Hour)}
	if err := cl.ProduceSync(goClientCtx(t, 30*time.Second), future).FirstErr(); !errors.Is(err, kerr.InvalidTimestamp) {
		t.Fatalf("produce a timestamp two hours ahead: %v, want INVALID_TIMESTAMP", err)
	}
}

// franzLogAppendTime produces to a LogAppendTime topic: the broker's time
// replaces the producer's.
func franzLogAppendTime(t *testing.T, n *testbin.Node) func(t *testing.T) {
	const topic = "franz-logappendtime"
	goClientCreateTopic(t, n, topic, 1, map[string]string{"message.timestamp.type": "LogAppendTime"})
	cl := n.Client(kgo.DefaultProduceTopic(topic))
	before := time.Now()
	var recs []*kgo.Record
	for i, ts := range goClientTimes {
		recs = append(recs, &kgo.Record{Value: []byte(fmt.Sprint(i)), Timestamp: ts})
	}
	if err := cl.ProduceSync(goClientCtx(t, 30*time.Second), recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	after := time.Now()
	check := func(t *testing.T) {
		got := goClientReadTopic(t, n, topic)[0]
		goClientCheckLogAppendTime(t, got, len(recs), before, after, true)
		for i, r := range got {
			// One batch, one append: one broker time for all.
			if !r.Timestamp.Equal(got[0].Timestamp) {
				t.Fatalf("record %d: timestamp %d, record 0 has %d", i, r.Timestamp.UnixMilli(), got[0].Timestamp.UnixMilli())
			}
		}
	}
	check(t)
	return check
}

// franzCompression produces one codec's batches and reads them back.
func franzCompression(t *testing.T, n *testbin.Node, name string, id int) {
	topic := "franz-codec-" + name
	goClientCreateTopic(t, n, topic, 1, nil)
	codec := map[string]kgo.CompressionCodec{
		"none": kgo.NoCompression(), "gzip": kgo.GzipCompression(), "snappy": kgo.SnappyCompression(),
		"lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression(),
	}[name]
	cl := n.Client(kgo.DefaultProduceTopic(topic), kgo.ProducerBatchCompression(codec), kgo.ProducerLinger(50*time.Millisecond))
	var recs []*kgo.Record
	for i := 0; i < 200; i++ {
		recs = append(recs, kgo.StringRecord(goClientCompressible(i)))
	}
	if err := cl.ProduceSync(goClientCtx(t, 30*time.Second), recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	goClientCheckCompressed(t, goClientReadTopic(t, n, topic)[0], 0, len(recs), id)
	goClientCheckCompressed(t, goClientReadFrom(t, n, topic, 0, 101, 99), 101, len(recs), id)
}

// franzLargeRecord probes max.message.bytes at its edge: a record whose
// batch is exactly 1048588 bytes is taken, one byte more is refused. An
// unkeyed, header-less record of v bytes makes a batch of v+72 bytes: 61 of
// batch header and 11 of record framing (3-byte varints for the length and
// value length at this size).
func franzLargeRecord(t *testing.T, n *testbin.Node) {
	const topic = "franz-large"
	goClientCreateTopic(t, n, topic, 1, nil)
	cl := n.Client(kgo.DefaultProduceTopic(topic), kgo.ProducerBatchMaxBytes(2<<20),
		kgo.ProducerBatchCompression(kgo.NoCompression()), kgo.DisableIdempotentWrite())
	ctx := goClientCtx(t, 30*time.Second)
	fits := bytes.Repeat([]byte{'f'}, goClientMaxMessageBytes-72)
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: fits}).FirstErr(); err != nil {
		t.Fatalf("produce a %d-byte batch: %v", goClientMaxMessageBytes, err)
	}
	tooBig := bytes.Repeat([]byte{'x'}, goClientMaxMessageBytes-71)
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: tooBig}).FirstErr(); !errors.Is(err, kerr.MessageTooLarge) {
		t.Fatalf("produce a %d-byte batch: %v, want MESSAGE_TOO_LARGE", goClientMaxMessageBytes+1, err)
	}
	// Default fetch sizes (1 MiB per partition): the broker still returns
	// the first batch whole (KIP-74).
	rd := n.Client(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}))
	fs := rd.PollFetches(ctx)
	if err := fs.Err(); err != nil {
		t.Fatalf("fetch: %v", err)
	}
	got := fs.Records()
	if len(got) != 1 || !bytes.Equal(got[0].Value, fits) {
		t.Fatalf("read %d records (first %d bytes), want the one %d-byte record", len(got), franzFirstLen(got), len(fits))
	}
}

// franzFirstLen is the length of the first record's value, -1 if none.
func franzFirstLen(rs []*kgo.Record) int {
	if len(rs) == 0 {
		return -1
	}
	return len(rs[0].Value)
}

// franzAutoCreate produces to missing topics: created with num.partitions
// (1) when the client allows auto-creation, refused when it does not.
func franzAutoCreate(t *testing.T, n *testbin.Node) {
	ctx := goClientCtx(t, 30*time.Second)
	cl := n.Client(kgo.AllowAutoTopicCreation())
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "franz-auto", Value: []byte("first")}).FirstErr(); err != nil {
		t.Fatalf("produce to a missing topic with auto-creation: %v", err)
	}
	td, err := goClientAdmin(t, n).ListTopics(ctx, "franz-auto")
	if err != nil {
		t.Fatal(err)
	}
	franzCheckPartitions(t, td["franz-auto"], 1)
	if got := goClientValues(goClientReadTopic(t, n, "franz-auto")[0]); !slices.Equal(got, []string{"first"}) {
		t.Fatalf("read %q", got)
	}

	strict := n.Client(kgo.UnknownTopicRetries(2))
	err = strict.ProduceSync(ctx, &kgo.Record{Topic: "franz-noauto", Value: []byte("x")}).FirstErr()
	if !errors.Is(err, kerr.UnknownTopicOrPartition) {
		t.Fatalf("produce to a missing topic without auto-creation: %v, want UNKNOWN_TOPIC_OR_PARTITION", err)
	}
	if all, _ := goClientAdmin(t, n).ListTopics(ctx); all.Has("franz-noauto") {
		t.Fatal("topic created although the client did not ask for auto-creation")
	}
}

// franzListOffsets writes five records with out-of-order timestamps and
// lists offsets by every kind of lookup.
func franzListOffsets(t *testing.T, n *testbin.Node) func(t *testing.T) {
	const topic = "franz-offsets"
	goClientCreateTopic(t, n, topic, 1, nil)
	cl := n.Client(kgo.DefaultProduceTopic(topic))
	ctx := goClientCtx(t, 30*time.Second)
	// Records 0-2 in one batch, 3 and 4 alone.
	var first []*kgo.Record
	for i := 0; i < 3; i++ {
		first = append(first, &kgo.Record{Value: []byte(fmt.Sprint(i)), Timestamp: time.UnixMilli(goClientTimestampBase + goClientOffsetTimes[i])})
	}
	if err := cl.ProduceSync(ctx, first...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	for i := 3; i < 5; i++ {
		r := &kgo.Record{Value: []byte(fmt.Sprint(i)), Timestamp: time.UnixMilli(goClientTimestampBase + goClientOffsetTimes[i])}
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	check := func(t *testing.T) {
		franzCheckListOffsets(t, n, topic)
		franzCheckEmptyOffsets(t, n, topic+"-empty")
	}
	goClientCreateTopic(t, n, topic+"-empty", 1, nil)
	check(t)
	return check
}

// franzCheckEmptyOffsets lists offsets of an empty partition: earliest and
// latest 0; no max timestamp and no offset for a time (-1, -1).
func franzCheckEmptyOffsets(t *testing.T, n *testbin.Node, topic string) {
	t.Helper()
	start, end := goClientOffsets(t, n, topic)
	if start[0] != 0 || end[0] != 0 {
		t.Fatalf("empty partition: earliest %d latest %d, want 0 0", start[0], end[0])
	}
	for _, ts := range []int64{-3, 0, goClientTimestampBase} {
		if p := franzListOffset(t, n, topic, ts); p.ErrorCode != 0 || p.Offset != -1 || p.Timestamp != -1 {
			t.Fatalf("empty partition, time %d: offset %d timestamp %d error %d, want -1 -1 0", ts, p.Offset, p.Timestamp, p.ErrorCode)
		}
	}
}

// franzListOffset sends one ListOffsets for partition 0 of topic.
func franzListOffset(t *testing.T, n *testbin.Node, topic string, ts int64) kmsg.ListOffsetsResponseTopicPartition {
	t.Helper()
	req := kmsg.NewPtrListOffsetsRequest()
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewListOffsetsRequestTopicPartition()
	rp.Timestamp = ts
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(goClientCtx(t, 30*time.Second), n.Client())
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		t.Fatalf("list offsets answered %d topics", len(resp.Topics))
	}
	return resp.Topics[0].Partitions[0]
}

// franzCheckListOffsets checks the offsets of franzListOffsets's records
// (the same five records whichever client wrote them).
func franzCheckListOffsets(t *testing.T, n *testbin.Node, topic string) {
	t.Helper()
	ctx := goClientCtx(t, 30*time.Second)
	adm := goClientAdmin(t, n)
	start, end := goClientOffsets(t, n, topic)
	if start[0] != 0 || end[0] != 5 {
		t.Fatalf("earliest %d latest %d, want 0 and 5", start[0], end[0])
	}
	for _, c := range []struct{ at, offset, ts int64 }{
		{0, 0, 0}, {500, 1, 1000}, {1000, 1, 1000}, {1500, 2, 2000}, {3000, 3, 10000}, {9999, 3, 10000},
	} {
		l, err := adm.ListOffsetsAfterMilli(ctx, goClientTimestampBase+c.at, topic)
		if err != nil {
			t.Fatal(err)
		}
		o, _ := l.Lookup(topic, 0)
		if o.Err != nil || o.Offset != c.offset || o.Timestamp != goClientTimestampBase+c.ts {
			t.Fatalf("offset for time base+%d: %d at base+%d (err %v), want %d at base+%d", c.at, o.Offset, o.Timestamp-goClientTimestampBase, o.Err, c.offset, c.ts)
		}
	}
	// After every record: Kafka answers offset -1, timestamp -1.
	if p := franzListOffset(t, n, topic, goClientTimestampBase+20000); p.ErrorCode != 0 || p.Offset != -1 || p.Timestamp != -1 {
		t.Fatalf("offset for a time after every record: offset %d timestamp %d error %d, want -1, -1, 0", p.Offset, p.Timestamp, p.ErrorCode)
	}
	l, err := adm.ListMaxTimestampOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := l.Lookup(topic, 0); o.Err != nil || o.Offset != 3 || o.Timestamp != goClientTimestampBase+10000 {
		t.Fatalf("max timestamp: offset %d timestamp base+%d err %v, want offset 3 at base+10000", o.Offset, o.Timestamp-goClientTimestampBase, o.Err)
	}
}

// franzDeleteRecords deletes the head of one partition and all of another;
// the low watermarks move, reads from the earliest offset start there.
func franzDeleteRecords(t *testing.T, n *testbin.Node) func(t *testing.T) {
	const topic = "franz-deleterecords"
	goClientCreateTopic(t, n, topic, 2, nil)
	cl := n.Client(kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	ctx := goClientCtx(t, 30*time.Second)
	for i := 0; i < 10; i++ {
		for p := int32(0); p < 2; p++ {
			if err := cl.ProduceSync(ctx, &kgo.Record{Partition: p, Value: []byte(fmt.Sprint(i))}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	adm := goClientAdmin(t, n)
	o := kadm.Offsets{}
	o.AddOffset(topic, 0, 4, -1)
	o.AddOffset(topic, 1, -1, -1) // -1: up to the high watermark
	resp, err := adm.DeleteRecords(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[int32]int64{0: 4, 1: 10} {
		r, _ := resp.Lookup(topic, p)
		if r.Err != nil || r.LowWatermark != want {
			t.Fatalf("delete records %d: low watermark %d err %v, want %d", p, r.LowWatermark, r.Err, want)
		}
	}
	beyond := kadm.Offsets{}
	beyond.AddOffset(topic, 0, 11, -1)
	resp, err = adm.DeleteRecords(ctx, beyond)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := resp.Lookup(topic, 0); !errors.Is(r.Err, kerr.OffsetOutOfRange) {
		t.Fatalf("delete records past the high watermark: %v, want OFFSET_OUT_OF_RANGE", r.Err)
	}
	check := func(t *testing.T) {
		goClientCheckDeleted(t, n, topic, map[int32]int64{0: 4, 1: 10}, map[int32]int64{0: 10, 1: 10})
		for _, offset := range []int64{3, 11} {
			p := franzFetch(t, n, topic, 0, offset)
			if p.ErrorCode != kerr.OffsetOutOfRange.Code || p.LogStartOffset != 4 || p.HighWatermark != 10 {
				t.Fatalf("fetch at %d: error %d log start %d high watermark %d, want OFFSET_OUT_OF_RANGE, 4, 10", offset, p.ErrorCode, p.LogStartOffset, p.HighWatermark)
			}
		}
	}
	check(t)
	return check
}

// franzFetch sends one Fetch for a partition at offset and returns the
// partition's answer.
func franzFetch(t *testing.T, n *testbin.Node, topic string, partition int32, offset int64) kmsg.FetchResponseTopicPartition {
	t.Helper()
	req := kmsg.NewPtrFetchRequest()
	req.ReplicaID, req.MaxBytes, req.SessionEpoch = -1, 1<<20, -1
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = partition, offset, 1<<20
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	// At most Fetch v12: topics by name (v13+ names them by id).
	versions := kversion.Stable()
	versions.SetMaxKeyVersion(req.Key(), 12)
	resp, err := req.RequestWith(goClientCtx(t, 30*time.Second), n.Client(kgo.MaxVersions(versions)))
	if err != nil {
		t.Fatal(err)
	}
	if resp.ErrorCode != 0 || len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		t.Fatalf("fetch: error %d, %d topics", resp.ErrorCode, len(resp.Topics))
	}
	return resp.Topics[0].Partitions[0]
}

// franzConfigs alters retention.ms: its source moves from the default to
// a dynamic topic config.
func franzConfigs(t *testing.T, n *testbin.Node) func(t *testing.T) {
	const topic = "franz-configs"
	goClientCreateTopic(t, n, topic, 1, nil)
	franzCheckConfig(t, n, topic, "retention.ms", "604800000", kmsg.ConfigSourceDefaultConfig)
	adm := goClientAdmin(t, n)
	resp, err := adm.AlterTopicConfigs(goClientCtx(t, 30*time.Second),
		[]kadm.AlterConfig{{Op: kadm.SetConfig, Name: "retention.ms", Value: kadm.StringPtr("3600000")}}, topic)
	if err == nil {
		_, err = resp.On(topic, nil)
	}
	if err != nil {
		t.Fatalf("alter: %v", err)
	}
	check := func(t *testing.T) {
		franzCheckConfig(t, n, topic, "retention.ms", "3600000", kmsg.ConfigSourceDynamicTopicConfig)
	}
	check(t)
	return check
}

// franzCheckConfig checks a topic config's value and source as kadm
// describes them.
func franzCheckConfig(t *testing.T, n *testbin.Node, topic, key, value string, source kmsg.ConfigSource) {
	t.Helper()
	rcs, err := goClientAdmin(t, n).DescribeTopicConfigs(goClientCtx(t, 30*time.Second), topic)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := rcs.On(topic, nil)
	if err == nil {
		err = rc.Err
	}
	if err != nil {
		t.Fatalf("describe configs: %v", err)
	}
	for _, c := range rc.Configs {
		if c.Key == key {
			if c.MaybeValue() != value || c.Source != source {
				t.Fatalf("%s = %q from %v, want %q from %v", key, c.MaybeValue(), c.Source, value, source)
			}
			return
		}
	}
	t.Fatalf("%s not described among %d configs", key, len(rc.Configs))
}

// franzCreatePartitions grows a topic from 1 to 3 partitions and writes to
// the new one; shrinking is refused.
func franzCreatePartitions(t *testing.T, n *testbin.Node) func(t *testing.T) {
	const topic = "franz-partitions"
	goClientCreateTopic(t, n, topic, 1, nil)
	ctx := goClientCtx(t, 30*time.Second)
	adm := goClientAdmin(t, n)
	resp, err := adm.CreatePartitions(ctx, 2, topic)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatalf("create partitions: %v", err)
	}
	shrink, err := adm.UpdatePartitions(ctx, 1, topic)
	if err != nil {
		t.Fatal(err)
	}
	if r := shrink[topic]; !errors.Is(r.Err, kerr.InvalidPartitions) {
		t.Fatalf("shrink to 1 partition: %v, want INVALID_PARTITIONS", r.Err)
	}
	cl := n.Client(kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err := cl.ProduceSync(ctx, &kgo.Record{Partition: 2, Value: []byte("new")}).FirstErr(); err != nil {
		t.Fatalf("produce to the new partition: %v", err)
	}
	check := func(t *testing.T) {
		td, err := goClientAdmin(t, n).ListTopics(goClientCtx(t, 30*time.Second), topic)
		if err != nil {
			t.Fatal(err)
		}
		franzCheckPartitions(t, td[topic], 3)
		if got := goClientValues(goClientReadTopic(t, n, topic)[2]); !slices.Equal(got, []string{"new"}) {
			t.Fatalf("partition 2 holds %q", got)
		}
	}
	check(t)
	return check
}

// franzCluster checks DescribeCluster and Metadata name the cluster the
// data directory was formatted with, this node as controller and only
// broker.
func franzCluster(t *testing.T, n *testbin.Node) {
	ctx := goClientCtx(t, 30*time.Second)
	id := goClientClusterID(t, n)
	resp, err := kmsg.NewPtrDescribeClusterRequest().RequestWith(ctx, n.Client())
	if err != nil {
		t.Fatal(err)
	}
	if resp.ErrorCode != 0 || resp.ClusterID != id || resp.ControllerID != goClientNodeID || len(resp.Brokers) != 1 {
		t.Fatalf("describe cluster: error %d id %q controller %d brokers %d, want id %q controller 1 one broker", resp.ErrorCode, resp.ClusterID, resp.ControllerID, len(resp.Brokers), id)
	}
	if b := resp.Brokers[0]; b.NodeID != goClientNodeID || b.Host != "127.0.0.1" || b.Port != int32(n.Port) {
		t.Fatalf("broker %d at %s:%d, want 1 at %s", b.NodeID, b.Host, b.Port, n.Addr())
	}
	m, err := goClientAdmin(t, n).BrokerMetadata(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.Cluster != id || m.Controller != goClientNodeID || len(m.Brokers) != 1 || m.Brokers[0].NodeID != goClientNodeID || m.Brokers[0].Port != int32(n.Port) {
		t.Fatalf("metadata: cluster %q controller %d brokers %v, want %q, 1, [1 at %s]", m.Cluster, m.Controller, m.Brokers, id, n.Addr())
	}
}

// TestFranzGoKillDuringProduce kills the node (SIGKILL) while a franz-go
// producer (acks=all, no idempotence) writes continuously to three
// partitions, restarts it, and checks that every acknowledged record is
// at its offset with its value, with offsets contiguous from 0. Each round
// kills at a different point, with a different codec. Last, a
// DeleteRecords is followed by a kill: the new log start offset, promised
// durable by the response, must survive it.
func TestFranzGoKillDuringProduce(t *testing.T) {
	n := testbin.Start(t)
	const topic = "franz-kill"
	goClientCreateTopic(t, n, topic, 3, nil)
	var acked goClientAcked
	for round, c := range []struct {
		killAt int
		codec  kgo.CompressionCodec
	}{
		{150, kgo.NoCompression()}, {1100, kgo.Lz4Compression()}, {400, kgo.ZstdCompression()},
		{30, kgo.GzipCompression()}, {2000, kgo.SnappyCompression()},
	} {
		franzProduceThroughKill(t, n, topic, round, c.killAt, c.codec, &acked)
		total := goClientCheckAcked(t, n, topic, "v", &acked)
		t.Logf("round %d: %d acknowledged, %d stored", round, acked.count(), total)
	}
	o := kadm.Offsets{}
	o.AddOffset(topic, 1, 100, -1)
	resp, err := goClientAdmin(t, n).DeleteRecords(goClientCtx(t, 30*time.Second), o)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatalf("delete records: %v", err)
	}
	_, end := goClientOffsets(t, n, topic)
	n.Kill()
	n.Restart()
	start, endAfter := goClientOffsets(t, n, topic)
	if start[1] != 100 || !goClientMapsEqual(end, endAfter) {
		t.Fatalf("after kill -9: log start offset of partition 1 %d, want 100; high watermarks %v, were %v", start[1], endAfter, end)
	}
}

// franzProduceThroughKill produces until killAt more records are
// acknowledged, kills and restarts the node while the producer keeps going,
// waits for more acknowledgements after the restart, then stops.
func franzProduceThroughKill(t *testing.T, n *testbin.Node, topic string, round, killAt int, codec kgo.CompressionCodec, acked *goClientAcked) {
	t.Helper()
	cl := n.Client(kgo.DefaultProduceTopic(topic), kgo.DisableIdempotentWrite(), kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerBatchCompression(codec),
		kgo.MaxBufferedRecords(500), kgo.ProducerLinger(time.Millisecond), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	defer cl.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ctx.Err() == nil; i++ {
			cl.Produce(ctx, kgo.StringRecord(fmt.Sprintf("v%d-%d", round, i)), func(r *kgo.Record, err error) {
				if err == nil {
					acked.fail(acked.add(r.Partition, r.Offset, string(r.Value)))
				}
				// Records that fail are not acknowledged, and may or may
				// not be stored: nothing to check.
			})
		}
	}()
	defer func() { cancel(); <-done }()
	base := acked.count()
	goClientWaitAcked(t, acked, base+killAt, 30*time.Second)
	n.Kill()
	n.Restart()
	goClientWaitAcked(t, acked, acked.count()+200, 60*time.Second)
	cancel()
	flushCtx, flushCancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer flushCancel()
	cl.Flush(flushCtx)
	if err := acked.failed(); err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
}
