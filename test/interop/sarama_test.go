package interop

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"

	"samsa/internal/testbin"
)

// TestSarama runs IBM/sarama (SyncProducer, AsyncProducer, Consumer,
// ClusterAdmin) speaking Kafka 4.0's protocol versions against one node.
// Subtests that change state register checks to repeat after a clean
// restart, which the last subtest performs.
func TestSarama(t *testing.T) {
	n := testbin.Start(t)
	var afterRestart []func(t *testing.T)
	again := func(f func(t *testing.T)) { afterRestart = append(afterRestart, f) }

	t.Run("Topics", func(t *testing.T) { saramaTopics(t, n) })
	t.Run("TopicErrors", func(t *testing.T) { saramaTopicErrors(t, n) })
	t.Run("Keys", func(t *testing.T) { again(saramaKeys(t, n)) })
	t.Run("NullKeys", func(t *testing.T) { saramaNullKeys(t, n) })
	t.Run("AcksZero", func(t *testing.T) { saramaAcksZero(t, n) })
	t.Run("LiveTail", func(t *testing.T) { saramaLiveTail(t, n) })
	t.Run("Headers", func(t *testing.T) { again(saramaHeaders(t, n)) })
	t.Run("CreateTime", func(t *testing.T) { saramaCreateTime(t, n) })
	t.Run("LogAppendTime", func(t *testing.T) { saramaLogAppendTime(t, n) })
	for _, c := range goClientCodecs {
		t.Run("Compression/"+c.name, func(t *testing.T) { saramaCompression(t, n, c.name, c.id) })
	}
	t.Run("LargeRecord", func(t *testing.T) { saramaLargeRecord(t, n) })
	t.Run("AutoCreate", func(t *testing.T) { saramaAutoCreate(t, n) })
	t.Run("ListOffsets", func(t *testing.T) { again(saramaListOffsets(t, n)) })
	t.Run("DeleteRecords", func(t *testing.T) { again(saramaDeleteRecords(t, n)) })
	t.Run("Configs", func(t *testing.T) { again(saramaConfigs(t, n)) })
	t.Run("CreatePartitions", func(t *testing.T) { saramaCreatePartitions(t, n) })
	t.Run("Cluster", func(t *testing.T) { saramaCluster(t, n) })
	t.Run("DefaultVersion", func(t *testing.T) { saramaDefaultVersion(t, n) })
	t.Run("Restart", func(t *testing.T) {
		n.Stop()
		n.Restart()
		for _, f := range afterRestart {
			f(t)
		}
	})
}

// saramaConfig is a producer/consumer/admin configuration speaking Kafka
// 4.0's protocol, acks=all, no idempotence, short backoffs and waits.
func saramaConfig() *sarama.Config {
	c := sarama.NewConfig()
	c.Version = sarama.V4_0_0_0
	c.ClientID = "samsa-interop"
	c.Producer.Return.Successes = true
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Retry.Backoff = 50 * time.Millisecond
	c.Metadata.Retry.Backoff = 50 * time.Millisecond
	c.Admin.Timeout = 10 * time.Second
	// Closing a consumer waits for its outstanding fetch: keep the
	// long-poll short.
	c.Consumer.MaxWaitTime = 20 * time.Millisecond
	return c
}

// saramaAdmin returns a ClusterAdmin closed with the test.
func saramaAdmin(t *testing.T, n *testbin.Node) sarama.ClusterAdmin {
	t.Helper()
	adm, err := sarama.NewClusterAdmin([]string{n.Addr()}, saramaConfig())
	if err != nil {
		t.Fatalf("sarama admin: %v", err)
	}
	t.Cleanup(func() { adm.Close() })
	return adm
}

// saramaClient returns a client closed with the test.
func saramaClient(t *testing.T, n *testbin.Node, cfg *sarama.Config) sarama.Client {
	t.Helper()
	cl, err := sarama.NewClient([]string{n.Addr()}, cfg)
	if err != nil {
		t.Fatalf("sarama client: %v", err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// saramaProducer returns a SyncProducer closed with the test.
func saramaProducer(t *testing.T, n *testbin.Node, cfg *sarama.Config) sarama.SyncProducer {
	t.Helper()
	p, err := sarama.NewSyncProducer([]string{n.Addr()}, cfg)
	if err != nil {
		t.Fatalf("sarama producer: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// saramaSend sends messages in one SendMessages call (one batch per
// partition), failing the test on any error.
func saramaSend(t *testing.T, p sarama.SyncProducer, msgs []*sarama.ProducerMessage) {
	t.Helper()
	if err := p.SendMessages(msgs); err != nil {
		var perrs sarama.ProducerErrors
		if errors.As(err, &perrs) && len(perrs) > 0 {
			err = perrs[0].Err
		}
		t.Fatalf("send %d messages: %v", len(msgs), err)
	}
}

// saramaRead reads count messages of a partition from offset with a
// sarama consumer, converted to kgo records for the shared checks.
func saramaRead(t *testing.T, n *testbin.Node, cfg *sarama.Config, topic string, partition int32, offset int64, count int) []*kgo.Record {
	t.Helper()
	c, err := sarama.NewConsumer([]string{n.Addr()}, cfg)
	if err != nil {
		t.Fatalf("sarama consumer: %v", err)
	}
	defer c.Close()
	pc, err := c.ConsumePartition(topic, partition, offset)
	if err != nil {
		t.Fatalf("consume %s/%d from %d: %v", topic, partition, offset, err)
	}
	defer pc.Close()
	var out []*kgo.Record
	timeout := time.After(30 * time.Second)
	for len(out) < count {
		select {
		case m := <-pc.Messages():
			out = append(out, saramaRecord(m))
		case err := <-pc.Errors():
			t.Fatalf("consume %s/%d: %v", topic, partition, err)
		case <-timeout:
			t.Fatalf("consume %s/%d: %d of %d messages after 30s", topic, partition, len(out), count)
		}
	}
	return out
}

// saramaRecord converts a consumed message to a kgo record.
func saramaRecord(m *sarama.ConsumerMessage) *kgo.Record {
	r := &kgo.Record{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Key: m.Key, Value: m.Value, Timestamp: m.Timestamp}
	for _, h := range m.Headers {
		r.Headers = append(r.Headers, kgo.RecordHeader{Key: string(h.Key), Value: h.Value})
	}
	return r
}

// saramaByteValue keeps a nil value nil (a tombstone), which
// sarama.ByteEncoder would not.
func saramaByteValue(b []byte) sarama.Encoder {
	if b == nil {
		return nil
	}
	return sarama.ByteEncoder(b)
}

// saramaTopics creates, lists, describes and deletes a topic with
// ClusterAdmin.
func saramaTopics(t *testing.T, n *testbin.Node) {
	const topic = "sarama-topics"
	adm := saramaAdmin(t, n)
	if err := adm.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 3, ReplicationFactor: 1}, false); err != nil {
		t.Fatalf("create: %v", err)
	}
	list, err := adm.ListTopics()
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if d, ok := list[topic]; !ok || d.NumPartitions != 3 || d.ReplicationFactor != 1 {
		t.Fatalf("list: %s present %v with %+v, want 3 partitions RF 1", topic, ok, d)
	}
	md, err := adm.DescribeTopics([]string{topic})
	if err != nil {
		t.Fatalf("describe: %v", err)
	}
	if len(md) != 1 || md[0].Err != sarama.ErrNoError || md[0].Name != topic {
		t.Fatalf("describe: %+v", md)
	}
	// The topic id sarama reads (Metadata v10+) is the one franz-go reads.
	td, err := goClientAdmin(t, n).ListTopics(goClientCtx(t, 30*time.Second), topic)
	if err != nil {
		t.Fatal(err)
	}
	if md[0].Uuid != sarama.Uuid(td[topic].ID) || md[0].Uuid == (sarama.Uuid{}) {
		t.Fatalf("topic id %v, franz-go reads %v", md[0].Uuid, td[topic].ID)
	}
	saramaCheckPartitions(t, md[0], 3)
	if err := adm.DeleteTopic(topic); err != nil {
		t.Fatalf("delete: %v", err)
	}
	md, err = adm.DescribeTopics([]string{topic})
	if err != nil {
		t.Fatalf("describe after delete: %v", err)
	}
	if len(md) != 1 || md[0].Err != sarama.ErrUnknownTopicOrPartition {
		t.Fatalf("describe after delete: %+v, want UNKNOWN_TOPIC_OR_PARTITION", md[0])
	}
	if list, _ := adm.ListTopics(); list[topic].NumPartitions != 0 {
		t.Fatalf("deleted topic still listed: %+v", list[topic])
	}
}

// saramaCheckPartitions checks partitions 0..want-1, each led by the node,
// its only replica and in-sync replica.
func saramaCheckPartitions(t *testing.T, md *sarama.TopicMetadata, want int) {
	t.Helper()
	if len(md.Partitions) != want {
		t.Fatalf("%s has %d partitions, want %d", md.Name, len(md.Partitions), want)
	}
	ps := slices.Clone(md.Partitions)
	sort.Slice(ps, func(i, j int) bool { return ps[i].ID < ps[j].ID })
	for i, p := range ps {
		if p.ID != int32(i) || p.Err != sarama.ErrNoError || p.Leader != goClientNodeID ||
			!slices.Equal(p.Replicas, []int32{goClientNodeID}) || !slices.Equal(p.Isr, []int32{goClientNodeID}) {
			t.Fatalf("%s/%d: leader %d replicas %v isr %v err %v; want leader 1, replicas [1], isr [1]", md.Name, p.ID, p.Leader, p.Replicas, p.Isr, p.Err)
		}
	}
}

// saramaTopicErrors checks the codes of refused topic operations.
func saramaTopicErrors(t *testing.T, n *testbin.Node) {
	adm := saramaAdmin(t, n)
	one := &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}
	if err := adm.CreateTopic("sarama-exists", one, false); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		topic string
		rf    int16
		want  sarama.KError
	}{
		{"sarama-exists", 1, sarama.ErrTopicAlreadyExists},
		{"bad/name", 1, sarama.ErrInvalidTopic},
		{"..", 1, sarama.ErrInvalidTopic},
		{"sarama-rf3", 3, sarama.ErrInvalidReplicationFactor},
	}
	for _, c := range cases {
		err := adm.CreateTopic(c.topic, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: c.rf}, false)
		if !errors.Is(err, c.want) {
			t.Errorf("create %q RF %d: %v, want %v", c.topic, c.rf, err, c.want)
		}
	}
	md, err := adm.DescribeTopics([]string{"sarama-missing"})
	if err != nil || len(md) != 1 || md[0].Err != sarama.ErrUnknownTopicOrPartition {
		t.Errorf("describe unknown topic: %v %+v, want UNKNOWN_TOPIC_OR_PARTITION", err, md)
	}
	if err := adm.DeleteTopic("sarama-missing"); !errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
		t.Errorf("delete unknown topic: %v, want UNKNOWN_TOPIC_OR_PARTITION", err)
	}
}

// saramaKeys sends keyed messages with sarama's default (FNV-1a) hash
// partitioner and reads them back with sarama and franz-go.
func saramaKeys(t *testing.T, n *testbin.Node) func(t *testing.T) {
	const topic = "sarama-keys"
	goClientCreateTopic(t, n, topic, 3, nil)
	var msgs []*sarama.ProducerMessage
	for i := 0; i < 60; i++ {
		k := fmt.Sprintf("key-%d", i%6)
		msgs = append(msgs, &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(k), Value: sarama.StringEncoder(fmt.Sprintf("%s/%d", k, i/6))})
	}
	saramaSend(t, saramaProducer(t, n, saramaConfig()), msgs)
	want := map[string]int32{}
	count := map[int32]int{}
	for _, m := range msgs {
		k, _ := m.Key.Encode()
		want[string(k)] = m.Partition
		count[m.Partition]++
	}
	check := func(t *testing.T) {
		goClientCheckKeyed(t, goClientReadTopic(t, n, topic), want, 10)
		bySarama := map[int32][]*kgo.Record{}
		for p, c := range count {
			bySarama[p] = saramaRead(t, n, saramaConfig(), topic, p, sarama.OffsetOldest, c)
		}
		goClientCheckKeyed(t, bySarama, want, 10)
	}
	check(t)
	return check
}

// saramaNullKeys sends unkeyed messages round-robin.
func saramaNullKeys(t *testing.T, n *testbin.Node) {
	const topic = "sarama-nullkeys"
	goClientCreateTopic(t, n, topic, 3, nil)
	cfg := saramaConfig()
	cfg.Producer.Partitioner = sarama.NewRoundRobinPartitioner
	p := saramaProducer(t, n, cfg)
	for i := 0; i < 30; i++ {
		if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder(fmt.Sprint(i))}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	goClientCheckSpread(t, goClientReadTopic(t, n, topic), 3, 30)
}

// saramaLiveTail consumes four partitions with one sarama Consumer (one
// fetch request for all of them) from the start of an empty topic while
// records arrive.
func saramaLiveTail(t *testing.T, n *testbin.Node) {
	const topic, count = "sarama-live", 480
	goClientCreateTopic(t, n, topic, 4, nil)
	cfg := saramaConfig()
	cfg.Consumer.MaxWaitTime = 500 * time.Millisecond
	c, err := sarama.NewConsumer([]string{n.Addr()}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msgs := make(chan *sarama.ConsumerMessage)
	errs := make(chan error, 4)
	for p := int32(0); p < 4; p++ {
		pc, err := c.ConsumePartition(topic, p, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		go func() {
			for {
				select {
				case m, ok := <-pc.Messages():
					if !ok {
						return
					}
					msgs <- m
				case err, ok := <-pc.Errors():
					if ok {
						errs <- err
					}
					return
				}
			}
		}()
	}
	wait := goClientLiveProduce(t, n, topic, count)
	got := map[int32][]*kgo.Record{}
	timeout := time.After(30 * time.Second)
	for read := 0; read < count; read++ {
		select {
		case m := <-msgs:
			if want := int64(len(got[m.Partition])); m.Offset != want {
				t.Fatalf("partition %d: offset %d, want %d", m.Partition, m.Offset, want)
			}
			got[m.Partition] = append(got[m.Partition], saramaRecord(m))
		case err := <-errs:
			t.Fatalf("consume: %v", err)
		case <-timeout:
			t.Fatalf("%d of %d messages after 30s", read, count)
		}
	}
	goClientCheckKeyed(t, got, wait(), count/goClientLiveKeys)
}

// saramaAcksZero sends with acks=0 (no response) and then with acks=all:
// every message is stored, in order. sarama keeps one connection per
// broker for a client, so the ListOffsets after the acks=0 produces shares
// their connection and must get its own answer.
func saramaAcksZero(t *testing.T, n *testbin.Node) {
	const topic = "sarama-acks0"
	goClientCreateTopic(t, n, topic, 1, nil)
	cfg := saramaConfig()
	cfg.Producer.RequiredAcks = sarama.NoResponse
	cl := saramaClient(t, n, cfg)
	p, err := sarama.NewSyncProducerFromClient(cl)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var want []string
	for i := 0; i < 50; i++ {
		want = append(want, fmt.Sprint(i))
		if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder(want[i])}); err != nil {
			t.Fatalf("acks=0 send %d: %v", i, err)
		}
	}
	if off, err := cl.GetOffset(topic, 0, sarama.OffsetNewest); err != nil || off < 0 || off > 50 {
		t.Fatalf("latest offset after 50 acks=0 sends: %d %v", off, err)
	}
	goClientWaitEnd(t, n, topic, 50)
	want = append(want, "acked")
	part, off, err := saramaProducer(t, n, saramaConfig()).SendMessage(&sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder("acked")})
	if err != nil || part != 0 || off != 50 {
		t.Fatalf("acks=all send after 50 acks=0: partition %d offset %d err %v, want 0 50", part, off, err)
	}
	if got := goClientValues(goClientReadTopic(t, n, topic)[0]); !slices.Equal(got, want) {
		t.Fatalf("read %q, want %q", got, want)
	}
}

// saramaHeaders round-trips headers, null values and empty ones.
func saramaHeaders(t *testing.T, n *testbin.Node) func(t *testing.T) {
	const topic = "sarama-headers"
	goClientCreateTopic(t, n, topic, 1, nil)
	var msgs []*sarama.ProducerMessage
	for _, r := range goClientHeaderRecords() {
		m := &sarama.ProducerMessage{Topic: topic, Key: sarama.ByteEncoder(r.Key), Value: saramaByteValue(r.Value)}
		for _, h := range r.Headers {
			m.Headers = append(m.Headers, sarama.RecordHeader{Key: []byte(h.Key), Value: h.Value})
		}
		msgs = append(msgs, m)
	}
	saramaSend(t, saramaProducer(t, n, saramaConfig()), msgs)
	check := func(t *testing.T) {
		goClientCheckHeaders(t, goClientReadTopic(t, n, topic)[0])
		goClientCheckHeaders(t, saramaRead(t, n, saramaConfig(), topic, 0, sarama.OffsetOldest, len(msgs)))
	}
	check(t)
	return check
}

// saramaCreateTime round-trips producer timestamps.
func saramaCreateTime(t *testing.T, n *testbin.Node) {
	const topic = "sarama-createtime"
	goClientCreateTopic(t, n, topic, 1, nil)
	var msgs []*sarama.ProducerMessage
	for i, ts := range goClientTimes {
		msgs = append(msgs, &sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder(fmt.Sprint(i)), Timestamp: ts})
	}
	saramaSend(t, saramaProducer(t, n, saramaConfig()), msgs)
	goClientCheckCreateTime(t, goClientReadTopic(t, n, topic)[0])
	goClientCheckCreateTime(t, saramaRead(t, n, saramaConfig(), topic, 0, sarama.OffsetOldest, len(msgs)))
}

// saramaLogAppendTime also checks the produce response: sarama puts the
// broker's log_append_time into each message it acknowledges.
func saramaLogAppendTime(t *testing.T, n *testbin.Node) {
	const topic = "sarama-logappendtime"
	goClientCreateTopic(t, n, topic, 1, map[string]string{"message.timestamp.type": "LogAppendTime"})
	var msgs []*sarama.ProducerMessage
	for i, ts := range goClientTimes {
		msgs = append(msgs, &sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder(fmt.Sprint(i)), Timestamp: ts})
	}
	before := time.Now()
	saramaSend(t, saramaProducer(t, n, saramaConfig()), msgs)
	after := time.Now()
	byFranz := goClientReadTopic(t, n, topic)[0]
	goClientCheckLogAppendTime(t, byFranz, len(msgs), before, after, true)
	bySarama := saramaRead(t, n, saramaConfig(), topic, 0, sarama.OffsetOldest, len(msgs))
	goClientCheckLogAppendTime(t, bySarama, len(msgs), before, after, false)
	for i, m := range msgs {
		if !m.Timestamp.Equal(byFranz[i].Timestamp) || !bySarama[i].Timestamp.Equal(byFranz[i].Timestamp) {
			t.Fatalf("record %d: produce response time %d, sarama read %d, franz-go read %d", i,
				m.Timestamp.UnixMilli(), bySarama[i].Timestamp.UnixMilli(), byFranz[i].Timestamp.UnixMilli())
		}
	}
}

// saramaCompression sends one codec's messages through an AsyncProducer
// and reads them back with sarama and franz-go.
func saramaCompression(t *testing.T, n *testbin.Node, name string, id int) {
	topic := "sarama-codec-" + name
	goClientCreateTopic(t, n, topic, 1, nil)
	cfg := saramaConfig()
	cfg.Producer.Compression = map[string]sarama.CompressionCodec{
		"none": sarama.CompressionNone, "gzip": sarama.CompressionGZIP, "snappy": sarama.CompressionSnappy,
		"lz4": sarama.CompressionLZ4, "zstd": sarama.CompressionZSTD,
	}[name]
	cfg.Producer.Flush.Messages = 200
	cfg.Producer.Flush.Frequency = 50 * time.Millisecond
	p, err := sarama.NewAsyncProducer([]string{n.Addr()}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	const count = 200
	go func() {
		for i := 0; i < count; i++ {
			p.Input() <- &sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder(goClientCompressible(i)), Metadata: i}
		}
	}()
	timeout := time.After(30 * time.Second)
	for acked := 0; acked < count; acked++ {
		select {
		case m := <-p.Successes():
			if m.Offset != int64(m.Metadata.(int)) {
				t.Errorf("message %d acknowledged at offset %d", m.Metadata, m.Offset)
			}
		case err := <-p.Errors():
			t.Fatalf("produce: %v", err)
		case <-timeout:
			t.Fatalf("%d of %d acknowledged after 30s", acked, count)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	goClientCheckCompressed(t, goClientReadTopic(t, n, topic)[0], 0, count, id)
	goClientCheckCompressed(t, saramaRead(t, n, cfg, topic, 0, sarama.OffsetOldest, count), 0, count, -1)
	goClientCheckCompressed(t, saramaRead(t, n, cfg, topic, 0, 101, count-101), 101, count, -1)
}

// saramaLargeRecord sends a message just under max.message.bytes (read
// back with default fetch sizes) and one over it.
func saramaLargeRecord(t *testing.T, n *testbin.Node) {
	const topic = "sarama-large"
	goClientCreateTopic(t, n, topic, 1, nil)
	cfg := saramaConfig()
	cfg.Producer.MaxMessageBytes = 2 << 20 // let the broker decide
	p := saramaProducer(t, n, cfg)
	fits := bytes.Repeat([]byte{'f'}, goClientMaxMessageBytes-100)
	if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(fits)}); err != nil {
		t.Fatalf("send %d bytes: %v", len(fits), err)
	}
	tooBig := bytes.Repeat([]byte{'x'}, goClientMaxMessageBytes)
	if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(tooBig)}); !errors.Is(err, sarama.ErrMessageSizeTooLarge) {
		t.Fatalf("send %d bytes: %v, want MESSAGE_TOO_LARGE", len(tooBig), err)
	}
	got := saramaRead(t, n, saramaConfig(), topic, 0, sarama.OffsetOldest, 1)
	if !bytes.Equal(got[0].Value, fits) {
		t.Fatalf("read %d bytes, want the %d-byte record", len(got[0].Value), len(fits))
	}
	if _, end := goClientOffsets(t, n, topic); end[0] != 1 {
		t.Fatalf("high watermark %d, want 1: the refused record was stored", end[0])
	}
}

// saramaAutoCreate sends to a missing topic; sarama asks for
// auto-creation by default.
func saramaAutoCreate(t *testing.T, n *testbin.Node) {
	const topic = "sarama-auto"
	p := saramaProducer(t, n, saramaConfig())
	part, off, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder("first")})
	if err != nil || part != 0 || off != 0 {
		t.Fatalf("send to a missing topic: partition %d offset %d err %v, want 0 0 nil", part, off, err)
	}
	md, err := saramaAdmin(t, n).DescribeTopics([]string{topic})
	if err != nil {
		t.Fatal(err)
	}
	saramaCheckPartitions(t, md[0], 1)
}

// saramaListOffsets looks offsets up with Client.GetOffset.
func saramaListOffsets(t *testing.T, n *testbin.Node) func(t *testing.T) {
	const topic = "sarama-offsets"
	goClientCreateTopic(t, n, topic, 1, nil)
	p := saramaProducer(t, n, saramaConfig())
	var first []*sarama.ProducerMessage
	for i := 0; i < 3; i++ {
		first = append(first, &sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder(fmt.Sprint(i)),
			Timestamp: time.UnixMilli(goClientTimestampBase + goClientOffsetTimes[i])})
	}
	saramaSend(t, p, first)
	for i := 3; i < 5; i++ {
		saramaSend(t, p, []*sarama.ProducerMessage{{Topic: topic, Value: sarama.StringEncoder(fmt.Sprint(i)),
			Timestamp: time.UnixMilli(goClientTimestampBase + goClientOffsetTimes[i])}})
	}
	check := func(t *testing.T) {
		cl := saramaClient(t, n, saramaConfig())
		for _, c := range []struct{ at, want int64 }{
			{sarama.OffsetOldest, 0}, {sarama.OffsetNewest, 5},
			{goClientTimestampBase, 0}, {goClientTimestampBase + 500, 1}, {goClientTimestampBase + 1500, 2},
			{goClientTimestampBase + 3000, 3}, {goClientTimestampBase + 20000, -1},
		} {
			got, err := cl.GetOffset(topic, 0, c.at)
			if err != nil || got != c.want {
				t.Fatalf("offset for %d: %d (err %v), want %d", c.at, got, err, c.want)
			}
		}
		franzCheckListOffsets(t, n, topic)
	}
	check(t)
	return check
}

// saramaDeleteRecords deletes the head of one partition and all of another
// (-1: up to the high watermark) through sarama's ClusterAdmin.
func saramaDeleteRecords(t *testing.T, n *testbin.Node) func(t *testing.T) {
	const topic = "sarama-deleterecords"
	goClientCreateTopic(t, n, topic, 2, nil)
	cfg := saramaConfig()
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	p := saramaProducer(t, n, cfg)
	for i := 0; i < 10; i++ {
		for part := int32(0); part < 2; part++ {
			if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Partition: part, Value: sarama.StringEncoder(fmt.Sprint(i))}); err != nil {
				t.Fatal(err)
			}
		}
	}
	adm := saramaAdmin(t, n)
	if err := adm.DeleteRecords(topic, map[int32]int64{0: 4, 1: -1}); err != nil {
		t.Fatalf("delete records: %v", err)
	}
	if err := adm.DeleteRecords(topic, map[int32]int64{0: 11}); !errors.Is(err, sarama.ErrOffsetOutOfRange) {
		t.Fatalf("delete records past the high watermark: %v, want OFFSET_OUT_OF_RANGE", err)
	}
	check := func(t *testing.T) {
		cl := saramaClient(t, n, saramaConfig())
		for part, want := range map[int32]int64{0: 4, 1: 10} {
			if got, err := cl.GetOffset(topic, part, sarama.OffsetOldest); err != nil || got != want {
				t.Fatalf("earliest offset of %d: %d (err %v), want %d", part, got, err, want)
			}
		}
		got := saramaRead(t, n, saramaConfig(), topic, 0, sarama.OffsetOldest, 6)
		if got[0].Offset != 4 || string(got[0].Value) != "4" || got[5].Offset != 9 {
			t.Fatalf("reading from the earliest offset began at %d (%q), ended at %d; want 4 (\"4\") to 9", got[0].Offset, got[0].Value, got[5].Offset)
		}
		goClientCheckDeleted(t, n, topic, map[int32]int64{0: 4, 1: 10}, map[int32]int64{0: 10, 1: 10})
	}
	check(t)
	return check
}

// saramaConfigs alters retention.ms incrementally: its source moves from
// the default to a dynamic topic config, for sarama and for kadm.
func saramaConfigs(t *testing.T, n *testbin.Node) func(t *testing.T) {
	const topic = "sarama-configs"
	goClientCreateTopic(t, n, topic, 1, nil)
	saramaCheckConfig(t, n, topic, "604800000", sarama.SourceDefault)
	v := "7200000"
	err := saramaAdmin(t, n).IncrementalAlterConfig(sarama.TopicResource, topic,
		map[string]sarama.IncrementalAlterConfigsEntry{"retention.ms": {Operation: sarama.IncrementalAlterConfigsOperationSet, Value: &v}}, false)
	if err != nil {
		t.Fatalf("alter: %v", err)
	}
	check := func(t *testing.T) {
		saramaCheckConfig(t, n, topic, v, sarama.SourceTopic)
		franzCheckConfig(t, n, topic, "retention.ms", v, 1) // DYNAMIC_TOPIC_CONFIG
	}
	check(t)
	return check
}

// saramaCheckConfig checks retention.ms as sarama describes it.
func saramaCheckConfig(t *testing.T, n *testbin.Node, topic, value string, source sarama.ConfigSource) {
	t.Helper()
	entries, err := saramaAdmin(t, n).DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: topic})
	if err != nil {
		t.Fatalf("describe configs: %v", err)
	}
	for _, e := range entries {
		if e.Name == "retention.ms" {
			if e.Value != value || e.Source != source {
				t.Fatalf("retention.ms = %q from %v, want %q from %v", e.Value, e.Source, value, source)
			}
			return
		}
	}
	t.Fatalf("retention.ms not among %d configs", len(entries))
}

// saramaCreatePartitions grows a topic to 3 partitions; shrinking is
// refused.
func saramaCreatePartitions(t *testing.T, n *testbin.Node) {
	const topic = "sarama-partitions"
	goClientCreateTopic(t, n, topic, 1, nil)
	adm := saramaAdmin(t, n)
	if err := adm.CreatePartitions(topic, 3, nil, false); err != nil {
		t.Fatalf("create partitions: %v", err)
	}
	if err := adm.CreatePartitions(topic, 2, nil, false); !errors.Is(err, sarama.ErrInvalidPartitions) {
		t.Fatalf("shrink: %v, want INVALID_PARTITIONS", err)
	}
	md, err := adm.DescribeTopics([]string{topic})
	if err != nil {
		t.Fatal(err)
	}
	saramaCheckPartitions(t, md[0], 3)
}

// saramaCluster checks DescribeCluster and the controller from Metadata.
func saramaCluster(t *testing.T, n *testbin.Node) {
	brokers, controller, err := saramaAdmin(t, n).DescribeCluster()
	if err != nil {
		t.Fatal(err)
	}
	if controller != goClientNodeID || len(brokers) != 1 || brokers[0].ID() != goClientNodeID || brokers[0].Addr() != n.Addr() {
		t.Fatalf("controller %d, %d brokers; want controller 1, broker 1 at %s", controller, len(brokers), n.Addr())
	}
	cl := saramaClient(t, n, saramaConfig())
	c, err := cl.Controller()
	if err != nil || c.ID() != goClientNodeID {
		t.Fatalf("controller from metadata: %v, want broker 1", err)
	}
}

// saramaDefaultVersion produces and consumes with sarama's default
// protocol version (2.8), what most applications run with.
func saramaDefaultVersion(t *testing.T, n *testbin.Node) {
	const topic = "sarama-default-version"
	cfg := sarama.NewConfig()
	cfg.Producer.Return.Successes = true
	p := saramaProducer(t, n, cfg)
	for i := 0; i < 3; i++ {
		part, off, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder("k"), Value: sarama.StringEncoder(fmt.Sprint(i))})
		if err != nil || part != 0 || off != int64(i) {
			t.Fatalf("send %d: partition %d offset %d err %v", i, part, off, err)
		}
	}
	got := saramaRead(t, n, cfg, topic, 0, sarama.OffsetOldest, 3)
	if vs := goClientValues(got); !slices.Equal(vs, []string{"0", "1", "2"}) {
		t.Fatalf("read %q", vs)
	}
}

// TestSaramaKillDuringProduce kills the node (SIGKILL) while sarama
// SyncProducers (acks=all) send continuously to three partitions, restarts
// it, and checks every acknowledged message is at its offset with its
// value, with offsets contiguous from 0.
func TestSaramaKillDuringProduce(t *testing.T) {
	n := testbin.Start(t)
	const topic = "sarama-kill"
	goClientCreateTopic(t, n, topic, 3, nil)
	var acked goClientAcked
	for round, killAt := range []int{50, 400, 150} {
		saramaProduceThroughKill(t, n, topic, round, killAt, &acked)
		total := goClientCheckAcked(t, n, topic, "s", &acked)
		t.Logf("round %d: %d acknowledged, %d stored", round, acked.count(), total)
	}
}

// saramaProduceThroughKill runs four senders until killAt more messages are
// acknowledged, kills and restarts the node while they keep sending, waits
// for more acknowledgements after the restart, then stops them.
func saramaProduceThroughKill(t *testing.T, n *testbin.Node, topic string, round, killAt int, acked *goClientAcked) {
	t.Helper()
	cfg := saramaConfig()
	cfg.Producer.Partitioner = sarama.NewRoundRobinPartitioner
	cfg.Producer.Retry.Max = 20
	p, err := sarama.NewSyncProducer([]string{n.Addr()}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				v := fmt.Sprintf("s%d-%d-%d", round, w, i)
				part, off, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder(v)})
				if err == nil {
					acked.fail(acked.add(part, off, v))
				}
			}
		}()
	}
	var once sync.Once
	halt := func() { once.Do(func() { close(stop); wg.Wait() }) }
	defer halt()
	goClientWaitAcked(t, acked, acked.count()+killAt, 30*time.Second)
	n.Kill()
	n.Restart()
	goClientWaitAcked(t, acked, acked.count()+100, 60*time.Second)
	halt()
	if err := acked.failed(); err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
}

// TestSaramaVersions runs a short round of admin, produce, consume and
// offset calls at the protocol versions sarama picks for several Kafka
// releases from 2.1 (the oldest Kafka 4 still serves) to 4.0: sarama
// encodes each version itself, independently of the broker's codec.
func TestSaramaVersions(t *testing.T) {
	n := testbin.Start(t)
	for _, v := range []sarama.KafkaVersion{sarama.V2_1_0_0, sarama.V2_4_0_0, sarama.V2_8_0_0, sarama.V3_0_0_0, sarama.V3_6_0_0, sarama.V4_0_0_0} {
		t.Run(v.String(), func(t *testing.T) { saramaVersionRound(t, n, v) })
	}
}

func saramaVersionRound(t *testing.T, n *testbin.Node, v sarama.KafkaVersion) {
	topic := "sarama-v" + v.String()
	cfg := saramaConfig()
	cfg.Version = v
	cl := saramaClient(t, n, cfg)
	adm, err := sarama.NewClusterAdminFromClient(cl)
	if err != nil {
		t.Fatal(err)
	}
	retention := "7200000"
	if err := adm.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 2, ReplicationFactor: 1,
		ConfigEntries: map[string]*string{"retention.ms": &retention}}, false); err != nil {
		t.Fatalf("create: %v", err)
	}
	saramaCheckConfig(t, n, topic, "7200000", sarama.SourceTopic)
	p, err := sarama.NewSyncProducerFromClient(cl)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []*sarama.ProducerMessage
	for i := 0; i < 6; i++ {
		msgs = append(msgs, &sarama.ProducerMessage{Topic: topic, Partition: int32(i % 2), Key: sarama.StringEncoder("k"),
			Value: sarama.StringEncoder(fmt.Sprint(i)), Headers: []sarama.RecordHeader{{Key: []byte("h"), Value: []byte(fmt.Sprint(i))}},
			Timestamp: time.UnixMilli(goClientTimestampBase + int64(i)*1000)})
	}
	saramaSend(t, p, msgs)
	part := msgs[0].Partition
	got := saramaRead(t, n, cfg, topic, part, sarama.OffsetOldest, 6)
	for i, r := range got {
		if string(r.Value) != fmt.Sprint(i) || r.Offset != int64(i) || len(r.Headers) != 1 || string(r.Headers[0].Value) != fmt.Sprint(i) ||
			!r.Timestamp.Equal(time.UnixMilli(goClientTimestampBase+int64(i)*1000)) {
			t.Fatalf("record %d: offset %d value %q headers %v timestamp %d", i, r.Offset, r.Value, r.Headers, r.Timestamp.UnixMilli())
		}
	}
	for _, c := range []struct{ at, want int64 }{{sarama.OffsetOldest, 0}, {sarama.OffsetNewest, 6}, {goClientTimestampBase + 2500, 3}} {
		if got, err := cl.GetOffset(topic, part, c.at); err != nil || got != c.want {
			t.Fatalf("offset for %d: %d %v, want %d", c.at, got, err, c.want)
		}
	}
	if err := adm.DeleteRecords(topic, map[int32]int64{part: 2}); err != nil {
		t.Fatalf("delete records: %v", err)
	}
	if got, err := cl.GetOffset(topic, part, sarama.OffsetOldest); err != nil || got != 2 {
		t.Fatalf("earliest after delete records: %d %v, want 2", got, err)
	}
	if err := adm.CreatePartitions(topic, 3, nil, false); err != nil {
		t.Fatalf("create partitions: %v", err)
	}
	if err := adm.DeleteTopic(topic); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := adm.DeleteTopic(topic); !errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
		t.Fatalf("delete again: %v, want UNKNOWN_TOPIC_OR_PARTITION", err)
	}
}
