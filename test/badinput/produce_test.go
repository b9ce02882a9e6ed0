package badinput

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Topics of the produce tests besides badTopic: tinyTopic accepts batches
// of at most tinyMaxBytes, bombTopic batches of up to 8 MiB so that a
// compressed gigabyte of zeros fits.
const (
	tinyTopic    = "tiny"
	tinyMaxBytes = 1000
	bombTopic    = "bombs"
)

func newProduceEnv(t *testing.T) *env {
	e := newEnv(t)
	tiny, big := fmt.Sprint(tinyMaxBytes), fmt.Sprint(8<<20)
	createTopic(t, e.n, tinyTopic, 1, map[string]*string{"max.message.bytes": &tiny})
	createTopic(t, e.n, bombTopic, 1, map[string]*string{"max.message.bytes": &big})
	e.guarded = append(e.guarded, tinyTopic, bombTopic)
	return e
}

// produceCase is one bad produce request and Kafka's answer to it.
type produceCase struct {
	name  string
	topic string
	acks  int16
	batch []byte
	// partition defaults to 0.
	partition int32
	want      *kerr.Error
	// logged: the broker writes one "rejected produce" line, as Kafka's
	// ReplicaManager logs a failed append; errors found before the log is
	// reached (unknown topic, bad acks) are not logged, as in Kafka.
	logged bool
}

// run sends the request on a fresh connection and checks the answer, that
// the connection stays usable, and the aftermath. It returns the
// partition's error message.
func (tc produceCase) run(t *testing.T, e *env) string {
	t.Helper()
	m := e.mark(t)
	r := e.dial(t)
	topic := tc.topic
	if topic == "" {
		topic = badTopic
	}
	acks := tc.acks
	if acks == 0 {
		acks = -1
	}
	req := produceRequest(topic, acks, map[int32][]byte{tc.partition: tc.batch})
	resp := r.roundTrip(req).(*kmsg.ProduceResponse)
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		t.Fatalf("response has %d topics, want 1 with 1 partition: %+v", len(resp.Topics), resp.Topics)
	}
	p := resp.Topics[0].Partitions[0]
	if p.ErrorCode != tc.want.Code {
		msg := ""
		if p.ErrorMessage != nil {
			msg = *p.ErrorMessage
		}
		t.Errorf("error code %d (%v, %q), want %d (%s)", p.ErrorCode, kerr.ErrorForCode(p.ErrorCode), msg, tc.want.Code, tc.want.Message)
	}
	if p.BaseOffset != -1 {
		t.Errorf("base offset %d in a rejected answer, want -1", p.BaseOffset)
	}
	// A rejected batch is data, not a protocol error: the connection
	// serves the next request.
	meta := kmsg.NewPtrMetadataRequest()
	meta.SetVersion(9)
	if mr := r.roundTrip(meta).(*kmsg.MetadataResponse); len(mr.Brokers) != 1 {
		t.Errorf("metadata after the rejected produce lists %d brokers", len(mr.Brokers))
	}
	lines := 0
	if tc.logged {
		lines = 1
	}
	e.after(t, m, lines, r.local(), "rejected produce")
	if p.ErrorMessage == nil {
		return ""
	}
	return *p.ErrorMessage
}

// TestInvalidBatches covers the checks of Kafka's ProduceRequest,
// UnifiedLog and LogValidator, answered per partition with Kafka's code.
// Where Samsa is stricter than Kafka (a second batch, offset deltas) the
// record package documents it.
func TestInvalidBatches(t *testing.T) {
	e := newProduceEnv(t)
	good := validBatch(3)
	edit := func(f func(*kmsg.RecordBatch)) []byte { return batch(codecNone, 3, records(3), f) }
	badCRC := bytes.Clone(good)
	badCRC[len(badCRC)-1] ^= 0x40 // a flipped bit in the last record's value
	truncated := good[:len(good)-5]
	magic1 := edit(func(b *kmsg.RecordBatch) { b.Magic = 1 })
	magic3 := edit(func(b *kmsg.RecordBatch) { b.Magic = 3 })

	cases := []produceCase{
		{name: "crc mismatch", batch: badCRC, want: kerr.CorruptMessage, logged: true},
		{name: "magic 1", batch: magic1, want: kerr.InvalidRecord, logged: true},
		{name: "magic 3", batch: magic3, want: kerr.CorruptMessage, logged: true},
		{name: "last offset delta past the count", batch: edit(func(b *kmsg.RecordBatch) { b.LastOffsetDelta = 5 }),
			want: kerr.InvalidRecord, logged: true},
		{name: "negative last offset delta", batch: edit(func(b *kmsg.RecordBatch) { b.LastOffsetDelta = -1 }),
			want: kerr.InvalidRecord, logged: true},
		{name: "count above the records", batch: batch(codecNone, 5, records(3), nil), want: kerr.InvalidRecord, logged: true},
		{name: "count below the records", batch: batch(codecNone, 2, records(3), nil), want: kerr.InvalidRecord, logged: true},
		{name: "count 2^31-1 over 3 records", batch: batch(codecNone, math.MaxInt32, records(3), nil), want: kerr.InvalidRecord, logged: true},
		{name: "negative count", batch: edit(func(b *kmsg.RecordBatch) { b.NumRecords = -1 }), want: kerr.InvalidRecord, logged: true},
		{name: "most negative count", batch: edit(func(b *kmsg.RecordBatch) { b.NumRecords, b.LastOffsetDelta = math.MinInt32, math.MaxInt32 }),
			want: kerr.InvalidRecord, logged: true},
		{name: "zero count", batch: batch(codecNone, 0, nil, nil), want: kerr.InvalidRecord, logged: true},
		{name: "offset deltas not 0..n-1", batch: batch(codecNone, 2, append(record(0, []byte("a")), record(7, []byte("b"))...), nil),
			want: kerr.InvalidRecord, logged: true},
		{name: "negative record length", batch: batch(codecNone, 1, binary.AppendVarint(nil, -5), nil), want: kerr.InvalidRecord, logged: true},
		{name: "record length 2^31-1", batch: batch(codecNone, 1, append(binary.AppendVarint(nil, math.MaxInt32), 0, 0, 0), nil),
			want: kerr.InvalidRecord, logged: true},
		{name: "two batches", batch: append(bytes.Clone(good), good...), want: kerr.InvalidRecord, logged: true},
		{name: "batch cut short", batch: truncated, want: kerr.InvalidRecord, logged: true},
		{name: "empty records", batch: []byte{}, want: kerr.InvalidRecord, logged: true},
		{name: "base offset not zero", batch: edit(func(b *kmsg.RecordBatch) { b.FirstOffset = 42 }), want: kerr.InvalidRecord, logged: true},
		{name: "control batch", batch: edit(func(b *kmsg.RecordBatch) { b.Attributes |= 0x20 }), want: kerr.InvalidRecord, logged: true},
		{name: "producer id without sequence", batch: edit(func(b *kmsg.RecordBatch) { b.ProducerID = 7 }), want: kerr.InvalidRecord, logged: true},
		{name: "codec 7", batch: batch(7, 3, records(3), nil), want: kerr.UnsupportedCompressionType, logged: true},
		{name: "larger than max.message.bytes", topic: tinyTopic, batch: batch(codecNone, 1, record(0, make([]byte, tinyMaxBytes)), nil),
			want: kerr.MessageTooLarge, logged: true},
		{name: "acks 5", acks: 5, batch: good, want: kerr.InvalidRequiredAcks},
		{name: "acks -2", acks: -2, batch: good, want: kerr.InvalidRequiredAcks},
		{name: "unknown topic", topic: "no-such-topic", batch: good, want: kerr.UnknownTopicOrPartition},
		{name: "unknown partition", partition: 7, batch: good, want: kerr.UnknownTopicOrPartition},
		{name: "negative partition", partition: -1, batch: good, want: kerr.UnknownTopicOrPartition},
		{name: "invalid topic name", topic: "a/b", batch: good, want: kerr.UnknownTopicOrPartition},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, e) })
	}
	// The target still takes a good batch where the bad ones were
	// refused: at offset 0, since nothing was appended before.
	r := e.dial(t)
	resp := r.roundTrip(produceRequest(badTopic, -1, map[int32][]byte{0: good})).(*kmsg.ProduceResponse)
	if p := resp.Topics[0].Partitions[0]; p.ErrorCode != 0 || p.BaseOffset != 0 {
		t.Fatalf("good batch after the bad ones: error %d at %d, want offset 0", p.ErrorCode, p.BaseOffset)
	}
}

// TestProduceToInternalTopic: clients may not write to the internal
// topics; Kafka's ReplicaManager answers INVALID_TOPIC_EXCEPTION ("Cannot
// append to internal topic"), and UNKNOWN_TOPIC_OR_PARTITION while the
// topic does not exist (KafkaApis checks the metadata cache first).
func TestProduceToInternalTopic(t *testing.T) {
	e := newProduceEnv(t)
	for _, topic := range []string{"__consumer_offsets", "__transaction_state"} {
		t.Run(topic, func(t *testing.T) {
			if !e.topicExists(t, topic) {
				produceCase{topic: topic, batch: validBatch(1), want: kerr.UnknownTopicOrPartition}.run(t, e)
				resp, err := kadm.NewClient(e.client).CreateTopic(timeout(t, 30*time.Second), 1, 1, nil, topic)
				if err == nil && resp.Err != nil && !errors.Is(resp.Err, kerr.TopicAlreadyExists) {
					err = resp.Err
				}
				if err != nil {
					t.Fatalf("creating %s: %v", topic, err)
				}
			}
			e.guarded = append(e.guarded, topic)
			produceCase{topic: topic, batch: validBatch(1), want: kerr.InvalidTopicException}.run(t, e)
		})
	}
}

// topicExists asks Metadata for one topic without creating it.
func (e *env) topicExists(t testing.TB, topic string) bool {
	t.Helper()
	r := e.dial(t)
	req := kmsg.NewPtrMetadataRequest()
	req.SetVersion(12)
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = &topic
	req.Topics = append(req.Topics, rt)
	resp := r.roundTrip(req).(*kmsg.MetadataResponse)
	return len(resp.Topics) == 1 && resp.Topics[0].ErrorCode == 0
}

// bombBytes is what each bomb decompresses to; the broker must stop long
// before (record.DefaultMaxDecompressedBytes) and answer CORRUPT_MESSAGE.
const bombBytes = 1 << 30

// bombPayload returns compressed records that claim bombBytes: one record
// whose value is almost all of it, followed by members or frames of zeros,
// each compressed once and repeated, so building it costs little.
func bombPayload(codec int16) []byte {
	length := int64(bombBytes - 16)
	prefix := binary.AppendVarint(nil, length)
	prefix = append(prefix, 0)                      // attributes
	prefix = binary.AppendVarint(prefix, 0)         // timestamp delta
	prefix = binary.AppendVarint(prefix, 0)         // offset delta
	prefix = binary.AppendVarint(prefix, -1)        // null key
	prefix = binary.AppendVarint(prefix, length-10) // the value: the rest, but for the header count
	if codec == codecSnappy {
		out := compress(codecSnappy, prefix)
		unit := compress(codecSnappy, make([]byte, 32<<10))[len(xerialHeader()):]
		for len(out)+len(unit) < 8<<20-1024 {
			out = append(out, unit...)
		}
		return out
	}
	unit := compress(codec, make([]byte, 1<<20))
	return append(compress(codec, prefix), bytes.Repeat(unit, bombBytes>>20)...)
}

// TestDecompressionBombs produces batches of a few MiB that decompress to a
// gigabyte (CVE-2023-34455's class). The broker stops decompressing at its
// limit, answers CORRUPT_MESSAGE, and its resident memory stays far below
// what the batches claim. Snappy cannot reach 1000:1 (its best is about
// 22:1), so its bombs are blocks whose headers claim 2 GiB: refused before
// anything is allocated.
func TestDecompressionBombs(t *testing.T) {
	e := newProduceEnv(t)
	snappyClaim := binary.AppendUvarint(nil, math.MaxInt32)
	snappyClaim = append(snappyClaim, 0, 0, 0, 0)
	xerialClaim := append(xerialHeader(), binary.BigEndian.AppendUint32(nil, uint32(len(snappyClaim)))...)
	xerialClaim = append(xerialClaim, snappyClaim...)
	cases := []struct {
		name    string
		codec   int16
		payload []byte
		want    *kerr.Error
	}{
		{"gzip", codecGzip, bombPayload(codecGzip), kerr.CorruptMessage},
		{"lz4", codecLZ4, bombPayload(codecLZ4), kerr.CorruptMessage},
		{"zstd", codecZstd, bombPayload(codecZstd), kerr.CorruptMessage},
		{"snappy raw block claiming 2 GiB", codecSnappy, snappyClaim, kerr.CorruptMessage},
		{"snappy xerial block claiming 2 GiB", codecSnappy, xerialClaim, kerr.CorruptMessage},
		// At 22:1 the batch holds less than its record claims: the
		// record runs past the batch.
		{"snappy xerial at its best ratio", codecSnappy, bombPayload(codecSnappy), kerr.InvalidRecord},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := batch(tc.codec, 1, tc.payload, nil)
			t.Logf("%d-byte batch", len(b))
			e.resetPeak(t)
			rss := e.memory(t, "VmRSS")
			start := time.Now()
			msg := produceCase{topic: bombTopic, batch: b, want: tc.want, logged: true}.run(t, e)
			peak := e.memory(t, "VmHWM")
			t.Logf("%q in %s; resident %d MiB before, peak %d MiB", msg, time.Since(start).Round(time.Millisecond), rss>>20, peak>>20)
			// The request itself is held once or twice; the
			// decoders need a few MiB.
			if bound := rss + 3*int64(len(b)) + 64<<20; peak > bound {
				t.Errorf("broker's peak resident memory %d MiB exceeds %d MiB", peak>>20, bound>>20)
			}
		})
	}
}

// TestProduceRemovedVersions: Produce v0-v2 are listed in ApiVersions (as
// Kafka 4 lists them, for old librdkafka releases) but carry message
// formats Kafka 4 no longer stores; each partition gets UNSUPPORTED_VERSION
// and the connection stays open, with one log line.
func TestProduceRemovedVersions(t *testing.T) {
	e := newEnv(t)
	for _, version := range []int16{0, 1, 2} {
		t.Run(fmt.Sprintf("v%d", version), func(t *testing.T) {
			m := e.mark(t)
			r := e.dial(t)
			req := produceRequest(badTopic, -1, map[int32][]byte{0: []byte("old message set")})
			req.SetVersion(version)
			resp := r.roundTrip(req).(*kmsg.ProduceResponse)
			if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 ||
				resp.Topics[0].Partitions[0].ErrorCode != kerr.UnsupportedVersion.Code {
				t.Fatalf("response %+v, want UNSUPPORTED_VERSION for the partition", resp.Topics)
			}
			r.roundTrip(kmsg.NewPtrApiVersionsRequest())
			e.after(t, m, 1, r.local(), "refused produce of a removed version")
		})
	}
}
