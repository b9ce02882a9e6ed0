package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/testbin"
)

// The Python clients are Debian's (python3-kafka, python3-confluent-kafka),
// run with Debian's interpreter rather than whatever python3 is first on
// PATH, so the modules installed by apt are the ones imported.
const pyInterpreter = "/usr/bin/python3"

// pyMaxBatch is the broker's default max.message.bytes. A batch holding one
// record with a null key, no headers and a value of v bytes (v between 2^20
// and 2^21 - 8) is v + 72 bytes long: the 61-byte batch header, a 3-byte
// record length and 8 bytes of record fields around the value.
const (
	pyMaxBatch        = 1048588
	pyLargestOneValue = pyMaxBatch - 72
)

// pyClient describes one Python Kafka client: its driver script under
// testdata (both speak the same JSON protocol) and the names it uses for
// settings and errors, so one suite of scenarios runs against both.
type pyClient struct {
	name   string
	script string
	// modules maps each Python module the suite imports to the Debian
	// package that provides it.
	modules map[string]string
	// codecs are the compression codecs the client can produce and read.
	codecs   []string
	codecKey string
	// largeConf lifts the client's own size limits above the broker's,
	// so the broker is the one that refuses an oversized batch.
	largeConf map[string]any
	// spreadConf makes the client pick a partition per null-key record
	// instead of sticking to one per batch.
	spreadConf map[string]any
	errNames   map[error]string
	// partition is the client's default partitioner for keyed records.
	partition func(key []byte, partitions int) int32
	// nulls tells whether the client can send null header values and
	// records whose key and value are both null.
	nulls bool
	// librdkafka marks the clients whose codec choice depends on the
	// broker's ApiVersions (pyLibrdkafkaCodec).
	librdkafka bool
	// clusterID tells whether the client's metadata has the cluster ID
	// (kafka-python 2.0.2 drops it).
	clusterID bool
}

var pyConfluent = &pyClient{
	name:   "confluent-kafka",
	script: "testdata/confluent_driver.py",
	modules: map[string]string{
		"confluent_kafka": "python3-confluent-kafka",
	},
	codecs:     []string{"gzip", "snappy", "lz4", "zstd"},
	codecKey:   "compression.type",
	largeConf:  map[string]any{"message.max.bytes": 2000000, "compression.type": "none"},
	spreadConf: map[string]any{"sticky.partitioning.linger.ms": 0},
	errNames: map[error]string{
		kerr.TopicAlreadyExists:       "TOPIC_ALREADY_EXISTS",
		kerr.InvalidReplicationFactor: "INVALID_REPLICATION_FACTOR",
		kerr.InvalidTopicException:    "TOPIC_EXCEPTION",
		kerr.InvalidPartitions:        "INVALID_PARTITIONS",
		kerr.UnknownTopicOrPartition:  "UNKNOWN_TOPIC_OR_PART",
		kerr.MessageTooLarge:          "MSG_SIZE_TOO_LARGE",
	},
	// librdkafka's default partitioner, consistent_random, takes the
	// CRC-32 of the key modulo the partition count.
	partition:  func(key []byte, n int) int32 { return int32(crc32.ChecksumIEEE(key) % uint32(n)) },
	nulls:      true,
	librdkafka: true,
	clusterID:  true,
}

var pyKafkaPython = &pyClient{
	name:   "kafka-python",
	script: "testdata/kafka_python_driver.py",
	modules: map[string]string{
		"kafka":     "python3-kafka",
		"snappy":    "python3-snappy",
		"lz4.frame": "python3-lz4",
		"zstandard": "python3-zstandard",
	},
	codecs:     []string{"gzip", "snappy", "lz4", "zstd"},
	codecKey:   "compression_type",
	largeConf:  map[string]any{"max_request_size": 2000000},
	spreadConf: map[string]any{},
	errNames: map[error]string{
		kerr.TopicAlreadyExists:       "TopicAlreadyExistsError",
		kerr.InvalidReplicationFactor: "InvalidReplicationFactorError",
		kerr.InvalidTopicException:    "InvalidTopicError",
		kerr.InvalidPartitions:        "InvalidPartitionsError",
		kerr.UnknownTopicOrPartition:  "UnknownTopicOrPartitionError",
		kerr.MessageTooLarge:          "MessageSizeTooLargeError",
	},
	// kafka-python's DefaultPartitioner is Java's: positive murmur2 of the
	// key modulo the partition count, as franz-go's sticky key partitioner.
	partition: func(key []byte, n int) int32 {
		p := kgo.StickyKeyPartitioner(nil).ForTopic("")
		return int32(p.Partition(&kgo.Record{Key: key}, n))
	},
}

func TestConfluentKafka(t *testing.T) { pySuite(t, pyConfluent) }

func TestKafkaPython(t *testing.T) { pySuite(t, pyKafkaPython) }

// pySuite runs every scenario against one node; restart goes last since it
// stops the node.
func pySuite(t *testing.T, c *pyClient) {
	c.require(t)
	n := testbin.Start(t)
	t.Run("admin", func(t *testing.T) { pyAdmin(t, c, n) })
	t.Run("keys", func(t *testing.T) { pyKeys(t, c, n) })
	t.Run("null-keys", func(t *testing.T) { pyNullKeys(t, c, n) })
	t.Run("headers", func(t *testing.T) { pyHeaders(t, c, n) })
	t.Run("timestamps", func(t *testing.T) { pyTimestamps(t, c, n) })
	for _, codec := range c.codecs {
		t.Run("codec-"+codec, func(t *testing.T) { pyCodec(t, c, n, codec) })
	}
	t.Run("large-record", func(t *testing.T) { pyLarge(t, c, n) })
	t.Run("auto-create", func(t *testing.T) { pyAutoCreate(t, c, n) })
	t.Run("delete-records", func(t *testing.T) { pyDeleteRecords(t, c, n) })
	t.Run("restart", func(t *testing.T) { pyRestart(t, c, n) })
}

func pyAdmin(t *testing.T, c *pyClient, n *testbin.Node) {
	created := c.run(t, n, "create-topics", map[string]any{"topics": []map[string]any{
		{"name": "admin", "partitions": 3, "rf": 1, "configs": map[string]string{"retention.ms": "123456"}},
		{"name": "admin-rf3", "partitions": 1, "rf": 3},
		{"name": "bad name!", "partitions": 1, "rf": 1},
	}}, nil)
	pyCheckTopicErrors(t, created, map[string]string{
		"admin":     "",
		"admin-rf3": c.errNames[kerr.InvalidReplicationFactor],
		"bad name!": c.errNames[kerr.InvalidTopicException],
	})
	again := c.run(t, n, "create-topics", map[string]any{"topics": []map[string]any{
		{"name": "admin", "partitions": 3, "rf": 1},
	}}, nil)
	pyCheckTopicErrors(t, again, map[string]string{"admin": c.errNames[kerr.TopicAlreadyExists]})

	md := c.metadata(t, n)
	if len(md.Brokers) != 1 || md.Brokers[0] != (pyBroker{ID: 1, Host: "127.0.0.1", Port: n.Port}) {
		t.Errorf("brokers %+v, want one: 1 at 127.0.0.1:%d", md.Brokers, n.Port)
	}
	if md.ControllerID != 1 {
		t.Errorf("controller id %d, want 1", md.ControllerID)
	}
	if want := pyClusterID(t, n); c.clusterID && md.ClusterID != want {
		t.Errorf("cluster id %q, want %q", md.ClusterID, want)
	}
	pyCheckTopicLayout(t, md, "admin", 3)
	for _, name := range []string{"admin-rf3", "bad name!"} {
		if _, ok := md.Topics[name]; ok {
			t.Errorf("metadata lists %q, whose creation failed", name)
		}
	}

	cfg := c.run(t, n, "describe-configs", map[string]any{"type": "topic", "name": "admin"}, nil)
	want := map[string]string{"retention.ms": "123456", "max.message.bytes": "1048588",
		"cleanup.policy": "delete", "compression.type": "producer"}
	pyCheckConfigs(t, cfg, want)
	brokerCfg := c.run(t, n, "describe-configs", map[string]any{"type": "broker", "name": "1"}, nil)
	pyCheckConfigs(t, brokerCfg, map[string]string{"message.max.bytes": "1048588"})

	grown := c.run(t, n, "create-partitions", map[string]any{"topic": "admin", "count": 5}, nil)
	pyCheckTopicErrors(t, grown, map[string]string{"admin": ""})
	pyCheckTopicLayout(t, c.metadata(t, n), "admin", 5)
	shrunk := c.run(t, n, "create-partitions", map[string]any{"topic": "admin", "count": 2}, nil)
	pyCheckTopicErrors(t, shrunk, map[string]string{"admin": c.errNames[kerr.InvalidPartitions]})

	deleted := c.run(t, n, "delete-topics", map[string]any{"topics": []string{"admin", "never-created"}}, nil)
	pyCheckTopicErrors(t, deleted, map[string]string{
		"admin":         "",
		"never-created": c.errNames[kerr.UnknownTopicOrPartition],
	})
	if _, ok := c.metadata(t, n).Topics["admin"]; ok {
		t.Errorf("metadata still lists the deleted topic")
	}
}

// pyKeys checks that the client's partitioner put each key where it
// should, and that each partition keeps the order records were sent in.
func pyKeys(t *testing.T, c *pyClient, n *testbin.Node) {
	const partitions = 4
	pyCreateTopic(t, n, "keys", partitions)
	var recs []pyRecord
	for i := 0; i < 40; i++ {
		recs = append(recs, pyRecord{Topic: "keys", Key: fmt.Appendf(nil, "k%d", i%8), Value: fmt.Appendf(nil, "v%d", i)})
	}
	acks := c.produceOK(t, n, nil, recs)
	next := map[int32]int64{}
	for i, a := range acks {
		if want := c.partition(recs[i].Key, partitions); a.Partition != want {
			t.Errorf("record %d (key %s) went to partition %d, want %d", i, recs[i].Key, a.Partition, want)
		}
		if a.Offset != next[a.Partition] {
			t.Errorf("record %d got offset %d in partition %d, want %d", i, a.Offset, a.Partition, next[a.Partition])
		}
		next[a.Partition] = a.Offset + 1
	}
	pyCheckConsumed(t, recs, acks, c.consumeAll(t, n, "keys", partitions))
	pyCheckFranz(t, n, "keys", recs, acks, 0)
}

// pyNullKeys checks that records without keys are spread over partitions.
func pyNullKeys(t *testing.T, c *pyClient, n *testbin.Node) {
	const partitions = 4
	pyCreateTopic(t, n, "null-keys", partitions)
	var recs []pyRecord
	for i := 0; i < 200; i++ {
		recs = append(recs, pyRecord{Topic: "null-keys", Value: fmt.Appendf(nil, "v%d", i)})
	}
	acks := c.produceOK(t, n, c.spreadConf, recs)
	used := map[int32]int{}
	for _, a := range acks {
		used[a.Partition]++
	}
	if len(used) != partitions {
		t.Errorf("200 null-key records went to partitions %v, want all %d used", used, partitions)
	}
	pyCheckConsumed(t, recs, acks, c.consumeAll(t, n, "null-keys", partitions))
	pyCheckFranz(t, n, "null-keys", recs, acks, 0)
}

func pyHeaders(t *testing.T, c *pyClient, n *testbin.Node) {
	pyCreateTopic(t, n, "headers", 1)
	recs := []pyRecord{
		{Topic: "headers", Key: []byte("h0"), Value: []byte("x"), Headers: []pyHeader{
			{"a", []byte("1")}, {"b", []byte{}}, {"a", []byte("2")}, {"bin", []byte{0, 0xff, '\n'}}}},
		{Topic: "headers", Key: []byte("h1"), Value: []byte("no headers")},
	}
	if c.nulls {
		recs = append(recs,
			pyRecord{Topic: "headers", Key: []byte("h2"), Value: []byte("y"), Headers: []pyHeader{{"null", nil}}},
			pyRecord{Topic: "headers", Headers: []pyHeader{{"only", []byte("headers")}}})
	}
	acks := c.produceOK(t, n, nil, recs)
	pyCheckConsumed(t, recs, acks, c.consumeAll(t, n, "headers", 1))
	pyCheckFranz(t, n, "headers", recs, acks, 0)
}

// pyTimestamps checks CreateTime round trips, both given by the producer
// and stamped by the client, and ListOffsets by time.
func pyTimestamps(t *testing.T, c *pyClient, n *testbin.Node) {
	pyCreateTopic(t, n, "timestamps", 1)
	base := time.Now().Add(-time.Hour).Truncate(time.Second).UnixMilli()
	recs := []pyRecord{
		{Topic: "timestamps", Value: []byte("t0"), Timestamp: base},
		{Topic: "timestamps", Value: []byte("t1"), Timestamp: base + 1000},
		{Topic: "timestamps", Value: []byte("t2"), Timestamp: base + 2000},
		{Topic: "timestamps", Value: []byte("now")},
	}
	before := time.Now().UnixMilli()
	acks := c.produceOK(t, n, nil, recs)
	after := time.Now().UnixMilli()
	for i, a := range acks[:3] {
		if a.Timestamp != recs[i].Timestamp {
			t.Errorf("record %d acknowledged with timestamp %d, want %d", i, a.Timestamp, recs[i].Timestamp)
		}
	}
	if ts := acks[3].Timestamp; ts < before || ts > after {
		t.Errorf("client-stamped record acknowledged with timestamp %d, want within [%d, %d]", ts, before, after)
	}
	pyCheckConsumed(t, recs, acks, c.consumeAll(t, n, "timestamps", 1))
	pyCheckFranz(t, n, "timestamps", recs, acks, 0)

	queries := map[int64]int64{
		0: 0, base - 1: 0, base: 0, base + 1: 1, base + 1000: 1, base + 2000: 2,
		base + 2001: 3, acks[3].Timestamp: 3, acks[3].Timestamp + 1: -1,
	}
	marks, byTime := c.offsets(t, n, "timestamps", []int32{0}, queries)
	if marks[0] != [2]int64{0, 4} {
		t.Errorf("earliest/latest %v, want [0 4]", marks[0])
	}
	for ts, want := range queries {
		if got := byTime[ts]; got != want {
			t.Errorf("offset for time %d (base%+d) is %d, want %d", ts, ts-base, got, want)
		}
	}
}

// pyCodecIDs are the batch attribute values of the codecs.
var pyCodecIDs = map[string]uint8{"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}

// pyCodec produces compressible records with one codec, reads them back
// with the same client, and with franz-go checks that every batch on the
// broker carries that codec.
func pyCodec(t *testing.T, c *pyClient, n *testbin.Node, codec string) {
	topic := "codec-" + codec
	pyCreateTopic(t, n, topic, 1)
	var recs []pyRecord
	for i := 0; i < 100; i++ {
		recs = append(recs, pyRecord{Topic: topic, Key: fmt.Appendf(nil, "k%d", i),
			Value: []byte(fmt.Sprintf("value-%04d-", i) + strings.Repeat("compressible ", 20))})
	}
	acks := c.produceOK(t, n, map[string]any{c.codecKey: codec}, recs)
	pyCheckConsumed(t, recs, acks, c.consumeAll(t, n, topic, 1))
	want := pyCodecIDs[codec]
	if c.librdkafka {
		want = pyLibrdkafkaCodec(t, n, codec)
	}
	pyCheckFranz(t, n, topic, recs, acks, want)
}

// pyLibrdkafkaCodec is the codec librdkafka 2.0.2 puts on batches it was
// told to compress with codec. It enables lz4 only if the broker lists
// FindCoordinator v0 (its lz4 probe predates lz4 having an API version of
// its own) and otherwise sends lz4 batches uncompressed without a word.
// Samsa lists FindCoordinator once it has consumer groups; until then the
// lz4 case checks that the uncompressed fallback round trips.
func pyLibrdkafkaCodec(t *testing.T, n *testbin.Node, codec string) uint8 {
	t.Helper()
	if codec != "lz4" {
		return pyCodecIDs[codec]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	resp, err := kmsg.NewPtrApiVersionsRequest().RequestWith(ctx, n.Client())
	if err != nil {
		t.Fatalf("api versions: %v", err)
	}
	for _, k := range resp.ApiKeys {
		if k.ApiKey == int16(kmsg.FindCoordinator) && k.MinVersion == 0 {
			return pyCodecIDs["lz4"]
		}
	}
	t.Logf("the broker does not list FindCoordinator v0, so librdkafka 2.0.2 sends lz4 batches uncompressed")
	return pyCodecIDs["none"]
}

// pyLarge sends a record whose batch is exactly the broker's limit, then
// one a byte larger, with the client's own limits raised.
func pyLarge(t *testing.T, c *pyClient, n *testbin.Node) {
	pyCreateTopic(t, n, "large", 1)
	fits := bytes.Repeat([]byte("0123456789abcdef"), pyLargestOneValue/16+1)[:pyLargestOneValue]
	tooBig := append(bytes.Clone(fits), '!')
	recs := []pyRecord{{Topic: "large", Value: fits}, {Topic: "large", Value: tooBig}}
	acks := c.produce(t, n, c.largeConf, recs, true)
	if acks[0].Error != "" || acks[0].Offset != 0 {
		t.Fatalf("record of %d bytes (batch %d): error %q offset %d, want accepted at 0",
			len(fits), pyMaxBatch, acks[0].Error, acks[0].Offset)
	}
	if want := c.errNames[kerr.MessageTooLarge]; acks[1].Error != want {
		t.Errorf("record of %d bytes (batch %d): error %q, want %s", len(tooBig), pyMaxBatch+1, acks[1].Error, want)
	}
	pyCheckConsumed(t, recs[:1], acks[:1], c.consumeAll(t, n, "large", 1))
	pyCheckFranz(t, n, "large", recs[:1], acks[:1], 0)
}

// pyAutoCreate produces to a topic that does not exist yet; the broker's
// auto.create.topics.enable (on by default) creates it with num.partitions.
func pyAutoCreate(t *testing.T, c *pyClient, n *testbin.Node) {
	topic := "auto-created"
	recs := []pyRecord{{Topic: topic, Key: []byte("k"), Value: []byte("first")}}
	acks := c.produceOK(t, n, nil, recs)
	if acks[0].Partition != 0 || acks[0].Offset != 0 {
		t.Errorf("first record at %d/%d, want 0/0", acks[0].Partition, acks[0].Offset)
	}
	pyCheckTopicLayout(t, c.metadata(t, n), topic, 1)
	pyCheckConsumed(t, recs, acks, c.consumeAll(t, n, topic, 1))
}

// pyDeleteRecords deletes records with franz-go (neither Python client has
// DeleteRecords) and checks the client sees the new log start offsets.
func pyDeleteRecords(t *testing.T, c *pyClient, n *testbin.Node) {
	const topic = "delete-records"
	pyCreateTopic(t, n, topic, 2)
	var recs []pyRecord
	for i := 0; i < 20; i++ {
		p := int32(i % 2)
		recs = append(recs, pyRecord{Topic: topic, Partition: &p, Key: []byte("k"), Value: fmt.Appendf(nil, "v%d", i)})
	}
	acks := c.produceOK(t, n, nil, recs)
	starts := map[int32]int64{0: 4, 1: 7}
	pyDeleteBefore(t, n, topic, starts)

	marks, byTime := c.offsets(t, n, topic, []int32{0, 1}, map[int64]int64{0: -2})
	for p, start := range starts {
		if marks[p] != [2]int64{start, 10} {
			t.Errorf("partition %d earliest/latest %v, want [%d 10]", p, marks[p], start)
		}
	}
	if byTime[0] != starts[0] {
		t.Errorf("partition 0 offset for time 0 is %d, want the new log start %d", byTime[0], starts[0])
	}
	var keptRecs []pyRecord
	var keptAcks []pyLine
	for i, a := range acks {
		if a.Offset >= starts[a.Partition] {
			keptRecs, keptAcks = append(keptRecs, recs[i]), append(keptAcks, a)
		}
	}
	pyCheckConsumed(t, keptRecs, keptAcks, c.consumeAll(t, n, topic, 2))
}

// pyRestart produces, stops the node cleanly and starts it again, then
// reads everything back with the same client; the log start offsets moved
// by pyDeleteRecords must survive too.
func pyRestart(t *testing.T, c *pyClient, n *testbin.Node) {
	pyCreateTopic(t, n, "restart", 3)
	var recs []pyRecord
	for i := 0; i < 300; i++ {
		recs = append(recs, pyRecord{Topic: "restart", Key: fmt.Appendf(nil, "k%d", i%11),
			Value: fmt.Appendf(nil, "v%d", i), Headers: []pyHeader{{"i", fmt.Appendf(nil, "%d", i)}}})
	}
	acks := c.produceOK(t, n, map[string]any{c.codecKey: "gzip"}, recs)
	n.Stop()
	n.Restart()
	pyCheckConsumed(t, recs, acks, c.consumeAll(t, n, "restart", 3))
	marks, _ := c.offsets(t, n, "delete-records", []int32{0, 1}, nil)
	if marks[0] != [2]int64{4, 10} || marks[1] != [2]int64{7, 10} {
		t.Errorf("delete-records earliest/latest after restart %v, want [4 10] and [7 10]", marks)
	}
}

// TestConfluentKillDuringProduce kills -9 the broker while a confluent-kafka
// producer (acks=all) produces continuously, restarts it, and checks that
// every record the producer saw acknowledged is at its offset.
func TestConfluentKillDuringProduce(t *testing.T) {
	pyConfluent.require(t)
	n := testbin.Start(t)
	pyCreateTopic(t, n, "kill", 3)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, pyInterpreter, "testdata/confluent_kill_producer.py", n.Addr(), "kill")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan pyKillLine, 1024)
	go pyReadKillLines(stdout, lines)

	var acks []pyKillLine
	var failed []pyKillLine
	var done *pyKillLine
	collect := func(until func() bool, what string) {
		t.Helper()
		for !until() {
			select {
			case l, ok := <-lines:
				switch {
				case !ok:
					t.Fatalf("producer exited before %s: %v\n%s", what, cmd.Wait(), stderr.String())
				case l.Done != nil:
					done = &l
				case l.Error != "":
					failed = append(failed, l)
				default:
					acks = append(acks, l)
				}
			case <-ctx.Done():
				t.Fatalf("timed out waiting for %s with %d acknowledged\n%s", what, len(acks), stderr.String())
			}
		}
	}
	collect(func() bool { return len(acks) >= 2000 }, "2000 acknowledgements")
	n.Kill()
	ackedBeforeKill := len(acks)
	n.Restart()
	collect(func() bool { return len(acks) >= ackedBeforeKill+3000 }, "3000 acknowledgements after the restart")
	stdin.Close()
	collect(func() bool { return done != nil }, "the producer to finish")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("producer: %v\n%s", err, stderr.String())
	}
	if len(failed) > 0 || done.Undelivered != 0 {
		t.Errorf("%d deliveries failed (%+v), %d undelivered at exit", len(failed), failed, done.Undelivered)
	}
	if len(acks)+len(failed) != *done.Done {
		t.Errorf("%d acknowledged + %d failed of %d produced", len(acks), len(failed), *done.Done)
	}

	stored := pyFranzReadAll(t, n, "kill")
	seen := map[pyPO]string{}
	for _, a := range acks {
		po := pyPO{*a.Partition, *a.Offset}
		if prev, dup := seen[po]; dup {
			t.Errorf("offset %d/%d acknowledged twice: %s and %s", po.partition, po.offset, prev, a.Value)
		}
		seen[po] = a.Value
		r, ok := stored[po]
		switch {
		case !ok:
			t.Errorf("acknowledged %s at %d/%d is missing after the kill", a.Value, po.partition, po.offset)
		case string(r.Value) != a.Value:
			t.Errorf("acknowledged %s at %d/%d but %s is stored there", a.Value, po.partition, po.offset, r.Value)
		}
	}
	for po, r := range stored {
		var i int
		if _, err := fmt.Sscanf(string(r.Value), "v%07d", &i); err != nil || i >= *done.Done {
			t.Errorf("%d/%d holds %q, which the producer never sent", po.partition, po.offset, r.Value)
		}
	}
	t.Logf("%d acknowledged (%d before the kill), %d stored", len(acks), ackedBeforeKill, len(stored))
}

type pyKillLine struct {
	Partition   *int32 `json:"p"`
	Offset      *int64 `json:"o"`
	Value       string `json:"v"`
	Error       string `json:"error"`
	Done        *int   `json:"done"`
	Undelivered int    `json:"undelivered"`
}

func pyReadKillLines(r io.Reader, out chan<- pyKillLine) {
	defer close(out)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var l pyKillLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			l.Error = fmt.Sprintf("bad line %q: %v", sc.Text(), err)
		}
		out <- l
	}
}

// pyRecord is a record to produce, as the drivers read it on stdin.
type pyRecord struct {
	Topic     string     `json:"topic"`
	Partition *int32     `json:"partition,omitempty"`
	Key       []byte     `json:"key"`
	Value     []byte     `json:"value"`
	Headers   []pyHeader `json:"headers,omitempty"`
	Timestamp int64      `json:"timestamp,omitempty"`
}

// pyHeader travels as [key, base64 value or null].
type pyHeader struct {
	Key   string
	Value []byte
}

func (h pyHeader) MarshalJSON() ([]byte, error) { return json.Marshal([]any{h.Key, h.Value}) }

func (h *pyHeader) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || len(raw) != 2 {
		return fmt.Errorf("header %s: want [key, value]: %v", b, err)
	}
	if err := json.Unmarshal(raw[0], &h.Key); err != nil {
		return fmt.Errorf("header key %s: %w", raw[0], err)
	}
	return json.Unmarshal(raw[1], &h.Value)
}

// pyLine is one output line of a driver; which fields are set depends on
// the command.
type pyLine struct {
	Error         string     `json:"error"`
	I             int        `json:"i"`
	Topic         string     `json:"topic"`
	Partition     int32      `json:"partition"`
	Offset        int64      `json:"offset"`
	Key           []byte     `json:"key"`
	Value         []byte     `json:"value"`
	Headers       []pyHeader `json:"headers"`
	TimestampType string     `json:"timestamp_type"`
	Timestamp     int64      `json:"timestamp"`

	Low  int64 `json:"low"`
	High int64 `json:"high"`

	ClusterID    string             `json:"cluster_id"`
	ControllerID int32              `json:"controller_id"`
	Brokers      []pyBroker         `json:"brokers"`
	Topics       map[string]pyTopic `json:"topics"`

	Configs map[string]string `json:"configs"`
}

type pyBroker struct {
	ID   int32  `json:"id"`
	Host string `json:"host"`
	Port int    `json:"port"`
}

type pyTopic struct {
	Error      any           `json:"error"`
	Partitions []pyPartition `json:"partitions"`
}

type pyPartition struct {
	ID       int32   `json:"id"`
	Leader   int32   `json:"leader"`
	Replicas []int32 `json:"replicas"`
	ISRs     []int32 `json:"isrs"`
	Error    any     `json:"error"`
}

// pyPO is a partition and offset.
type pyPO struct {
	partition int32
	offset    int64
}

// require fails the test, naming the Debian package, when the interpreter
// or a module the suite needs is missing: CI installs them, so a missing
// one is a broken setup, not a reason to skip.
func (c *pyClient) require(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(pyInterpreter); err != nil {
		t.Fatalf("%s: %v: install the Debian package python3", c.name, err)
	}
	for module, pkg := range c.modules {
		out, err := exec.Command(pyInterpreter, "-c", "import "+module).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: python module %s is missing: install the Debian package %s (apt-get install -y %s): %v\n%s",
				c.name, module, pkg, pkg, err, out)
		}
	}
}

// run runs one driver command, feeding records as JSON lines on stdin, and
// returns its output lines. A driver that exits non-zero fails the test.
func (c *pyClient) run(t *testing.T, n *testbin.Node, command string, args any, records []pyRecord) []pyLine {
	t.Helper()
	argJSON, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	var stdin bytes.Buffer
	enc := json.NewEncoder(&stdin)
	for _, r := range records {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, pyInterpreter, c.script, n.Addr(), command, string(argJSON))
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = &stdin, &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstderr:\n%s\nstdout:\n%.2000s", c.name, command, err, stderr.String(), stdout.String())
	}
	var lines []pyLine
	dec := json.NewDecoder(&stdout)
	for dec.More() {
		var l pyLine
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("%s %s: bad output: %v\n%.2000s", c.name, command, err, stdout.String())
		}
		lines = append(lines, l)
	}
	return lines
}

// produce sends records and returns one delivery line per record, in order.
func (c *pyClient) produce(t *testing.T, n *testbin.Node, conf map[string]any, recs []pyRecord, flushEach bool) []pyLine {
	t.Helper()
	lines := c.run(t, n, "produce", map[string]any{"config": conf, "flush_each": flushEach}, recs)
	if len(lines) != len(recs) {
		t.Fatalf("%s produce: %d delivery lines for %d records: %+v", c.name, len(lines), len(recs), lines)
	}
	for i, l := range lines {
		if l.I != i {
			t.Fatalf("%s produce: line %d reports record %d", c.name, i, l.I)
		}
	}
	return lines
}

// produceOK is produce where every record must be acknowledged.
func (c *pyClient) produceOK(t *testing.T, n *testbin.Node, conf map[string]any, recs []pyRecord) []pyLine {
	t.Helper()
	acks := c.produce(t, n, conf, recs, false)
	for i, a := range acks {
		if a.Error != "" || a.Topic != recs[i].Topic {
			t.Fatalf("%s: record %d to %s: error %q, topic %q", c.name, i, recs[i].Topic, a.Error, a.Topic)
		}
	}
	return acks
}

// consumeAll reads partitions 0..partitions-1 of a topic from their log
// start to their end with an assign()-style consumer.
func (c *pyClient) consumeAll(t *testing.T, n *testbin.Node, topic string, partitions int32) []pyLine {
	t.Helper()
	var assign []map[string]any
	for p := int32(0); p < partitions; p++ {
		assign = append(assign, map[string]any{"topic": topic, "partition": p, "offset": "beginning"})
	}
	lines := c.run(t, n, "consume", map[string]any{"assign": assign}, nil)
	for _, l := range lines {
		if l.Error != "" {
			t.Fatalf("%s consume %s: %s", c.name, topic, l.Error)
		}
	}
	return lines
}

// offsets returns each partition's [earliest, latest] offsets and the
// offset the client finds for each timestamp of queries (partition 0).
func (c *pyClient) offsets(t *testing.T, n *testbin.Node, topic string, partitions []int32, queries map[int64]int64) (map[int32][2]int64, map[int64]int64) {
	t.Helper()
	var times []map[string]any
	for ts := range queries {
		times = append(times, map[string]any{"partition": 0, "timestamp": ts})
	}
	lines := c.run(t, n, "offsets", map[string]any{"topic": topic, "partitions": partitions, "times": times}, nil)
	if len(lines) != len(partitions)+len(times) {
		t.Fatalf("%s offsets: %d lines, want %d: %+v", c.name, len(lines), len(partitions)+len(times), lines)
	}
	marks := map[int32][2]int64{}
	for _, l := range lines[:len(partitions)] {
		marks[l.Partition] = [2]int64{l.Low, l.High}
	}
	byTime := map[int64]int64{}
	for _, l := range lines[len(partitions):] {
		if l.Error != "" {
			t.Errorf("%s offset for time %d: %s", c.name, l.Timestamp, l.Error)
		}
		byTime[l.Timestamp] = l.Offset
	}
	return marks, byTime
}

func (c *pyClient) metadata(t *testing.T, n *testbin.Node) pyLine {
	t.Helper()
	lines := c.run(t, n, "metadata", map[string]any{}, nil)
	if len(lines) != 1 {
		t.Fatalf("%s metadata: %d lines, want 1", c.name, len(lines))
	}
	return lines[0]
}

func pyCheckTopicErrors(t *testing.T, lines []pyLine, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, l := range lines {
		got[l.Topic] = l.Error
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("per-topic errors %v, want %v", got, want)
	}
}

// pyCheckTopicLayout checks that a topic has the given partitions, each led
// by broker 1 with replicas and ISR [1].
func pyCheckTopicLayout(t *testing.T, md pyLine, topic string, partitions int) {
	t.Helper()
	tp, ok := md.Topics[topic]
	if !ok || tp.Error != nil {
		t.Errorf("metadata for %s: present %v, error %v", topic, ok, tp.Error)
		return
	}
	if len(tp.Partitions) != partitions {
		t.Errorf("%s has %d partitions, want %d", topic, len(tp.Partitions), partitions)
	}
	for i, p := range tp.Partitions {
		if p.ID != int32(i) || p.Leader != 1 || fmt.Sprint(p.Replicas) != "[1]" || fmt.Sprint(p.ISRs) != "[1]" || p.Error != nil {
			t.Errorf("%s partition %+v, want id %d, leader 1, replicas [1], isr [1]", topic, p, i)
		}
	}
}

func pyCheckConfigs(t *testing.T, lines []pyLine, want map[string]string) {
	t.Helper()
	if len(lines) != 1 || lines[0].Error != "" {
		t.Fatalf("describe configs: %+v", lines)
	}
	for k, v := range want {
		if got, ok := lines[0].Configs[k]; !ok || got != v {
			t.Errorf("config %s = %q (present %v), want %q", k, got, ok, v)
		}
	}
}

// pyCheckConsumed compares what a client read with what was produced:
// every acknowledged record exactly once, at its offset, in offset order
// per partition, with its key, value, headers and CreateTime timestamp.
func pyCheckConsumed(t *testing.T, recs []pyRecord, acks []pyLine, got []pyLine) {
	t.Helper()
	want := map[pyPO]int{}
	for i, a := range acks {
		want[pyPO{a.Partition, a.Offset}] = i
	}
	if len(got) != len(want) {
		t.Errorf("consumed %d records, want %d", len(got), len(want))
	}
	last := map[int32]int64{}
	for _, g := range got {
		po := pyPO{g.Partition, g.Offset}
		if prev, ok := last[g.Partition]; ok && g.Offset <= prev {
			t.Errorf("partition %d: offset %d read after %d", g.Partition, g.Offset, prev)
		}
		last[g.Partition] = g.Offset
		i, ok := want[po]
		if !ok {
			t.Errorf("consumed unexpected record at %d/%d: %q", po.partition, po.offset, g.Value)
			continue
		}
		r := recs[i]
		if !pyBytesEqual(g.Key, r.Key) || !pyBytesEqual(g.Value, r.Value) {
			t.Errorf("at %d/%d read key %q value %.40q, want key %q value %.40q", po.partition, po.offset, g.Key, g.Value, r.Key, r.Value)
		}
		if !pyHeadersEqual(g.Headers, r.Headers) {
			t.Errorf("at %d/%d read headers %v, want %v", po.partition, po.offset, g.Headers, r.Headers)
		}
		if g.TimestampType != "create" || g.Timestamp != acks[i].Timestamp {
			t.Errorf("at %d/%d read %s timestamp %d, want create %d", po.partition, po.offset, g.TimestampType, g.Timestamp, acks[i].Timestamp)
		}
	}
}

// pyCheckFranz reads the topic with franz-go and checks that every
// acknowledged record is stored as produced, in a batch of the codec.
func pyCheckFranz(t *testing.T, n *testbin.Node, topic string, recs []pyRecord, acks []pyLine, codec uint8) {
	t.Helper()
	stored := pyFranzReadAll(t, n, topic)
	if len(stored) != len(acks) {
		t.Errorf("franz-go read %d records, want %d", len(stored), len(acks))
	}
	mismatches := 0
	for i, a := range acks {
		po := pyPO{a.Partition, a.Offset}
		if problem := pyFranzMismatch(stored[po], recs[i], a.Timestamp, codec); problem != "" {
			t.Errorf("franz-go at %d/%d: %s", po.partition, po.offset, problem)
			if mismatches++; mismatches == 5 {
				t.Fatalf("franz-go: stopping after %d mismatches", mismatches)
			}
		}
	}
}

// pyFranzMismatch describes how a record read by franz-go differs from
// the one produced, or returns "".
func pyFranzMismatch(r *kgo.Record, want pyRecord, timestamp int64, codec uint8) string {
	if r == nil {
		return "no record"
	}
	var headers []pyHeader
	for _, h := range r.Headers {
		headers = append(headers, pyHeader{h.Key, h.Value})
	}
	switch {
	case !pyBytesEqual(r.Key, want.Key) || !pyBytesEqual(r.Value, want.Value):
		return fmt.Sprintf("key %q value %.40q, want %q %.40q", r.Key, r.Value, want.Key, want.Value)
	case !pyHeadersEqual(headers, want.Headers):
		return fmt.Sprintf("headers %v, want %v", headers, want.Headers)
	case r.Timestamp.UnixMilli() != timestamp || r.Attrs.TimestampType() != 0:
		return fmt.Sprintf("timestamp %d type %d, want %d CreateTime", r.Timestamp.UnixMilli(), r.Attrs.TimestampType(), timestamp)
	case r.Attrs.CompressionType() != codec:
		return fmt.Sprintf("batch codec %d, want %d", r.Attrs.CompressionType(), codec)
	}
	return ""
}

// pyBytesEqual tells null from empty, which bytes.Equal does not.
func pyBytesEqual(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) }

func pyHeadersEqual(a, b []pyHeader) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || !pyBytesEqual(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}

// pyFranzReadAll reads every record of a topic, from each partition's log
// start to its high watermark, with franz-go.
func pyFranzReadAll(t *testing.T, n *testbin.Node, topic string) map[pyPO]*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(n.Client()).ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		t.Fatalf("end offsets of %s: %v", topic, err)
	}
	remaining := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			remaining[o.Partition] = o.Offset
		}
	})
	out := map[pyPO]*kgo.Record{}
	if len(remaining) == 0 {
		return out
	}
	cl := n.Client(kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxPartitionBytes(4<<20))
	for len(remaining) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("franz-go reading %s: partitions %v not read to their end", topic, remaining)
		}
		fs.EachError(func(tp string, p int32, err error) { t.Fatalf("franz-go fetch %s/%d: %v", tp, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			out[pyPO{r.Partition, r.Offset}] = r
			if r.Offset+1 >= remaining[r.Partition] {
				delete(remaining, r.Partition)
			}
		})
	}
	return out
}

// pyClusterID asks franz-go for the cluster ID.
func pyClusterID(t *testing.T, n *testbin.Node) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	md, err := kadm.NewClient(n.Client()).BrokerMetadata(ctx)
	if err != nil || md.Cluster == "" {
		t.Fatalf("cluster id: %q, %v", md.Cluster, err)
	}
	return md.Cluster
}

// pyCreateTopic creates a topic with franz-go.
func pyCreateTopic(t *testing.T, n *testbin.Node, topic string, partitions int32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if _, err := kadm.NewClient(n.Client()).CreateTopic(ctx, partitions, 1, nil, topic); err != nil {
		t.Fatalf("create %s: %v", topic, err)
	}
}

// pyDeleteBefore moves log start offsets with franz-go's DeleteRecords.
func pyDeleteBefore(t *testing.T, n *testbin.Node, topic string, starts map[int32]int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var offsets kadm.Offsets
	for p, o := range starts {
		offsets.AddOffset(topic, p, o, -1)
	}
	resps, err := kadm.NewClient(n.Client()).DeleteRecords(ctx, offsets)
	if err != nil {
		t.Fatalf("delete records of %s: %v", topic, err)
	}
	var ps []int32
	for p := range starts {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
	for _, p := range ps {
		r, ok := resps[topic][p]
		if !ok || r.Err != nil || r.LowWatermark != starts[p] {
			t.Fatalf("delete records %s/%d: present %v, error %v, low watermark %d, want %d", topic, p, ok, r.Err, r.LowWatermark, starts[p])
		}
	}
}
