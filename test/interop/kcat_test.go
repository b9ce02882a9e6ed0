package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"samsa/internal/testbin"
)

// TestKcat drives one node with kcat (librdkafka): metadata, keyed and
// key-less produce, headers, timestamps, every codec, the max.message.bytes
// edge, auto-creation, ListOffsets by time, DeleteRecords seen through
// kcat, and a restart. kcat cannot create, alter or delete topics, nor set
// a record's timestamp, so those parts use franz-go.
func TestKcat(t *testing.T) {
	kcatRequire(t)
	n := testbin.Start(t)
	t.Run("metadata", func(t *testing.T) { kcatMetadata(t, n) })
	t.Run("keys", func(t *testing.T) { kcatKeys(t, n) })
	t.Run("null-keys", func(t *testing.T) { kcatNullKeys(t, n) })
	t.Run("headers", func(t *testing.T) { kcatHeaders(t, n) })
	t.Run("timestamps", func(t *testing.T) { kcatTimestamps(t, n) })
	for _, codec := range []string{"gzip", "snappy", "lz4", "zstd"} {
		t.Run("codec-"+codec, func(t *testing.T) { kcatCodec(t, n, codec) })
	}
	t.Run("large-record", func(t *testing.T) { kcatLarge(t, n) })
	t.Run("auto-create", func(t *testing.T) { kcatAutoCreate(t, n) })
	t.Run("offsets-by-time", func(t *testing.T) { kcatOffsetsByTime(t, n) })
	t.Run("delete-records", func(t *testing.T) { kcatDeleteRecords(t, n) })
	t.Run("restart", func(t *testing.T) { kcatRestart(t, n) })
}

// kcatMetadataJSON is what kcat -L -J prints.
type kcatMetadataJSON struct {
	ControllerID int32 `json:"controllerid"`
	Brokers      []struct {
		ID   int32  `json:"id"`
		Name string `json:"name"`
	} `json:"brokers"`
	Topics []struct {
		Topic      string `json:"topic"`
		Error      string `json:"error"`
		Partitions []struct {
			Partition int32                `json:"partition"`
			Leader    int32                `json:"leader"`
			Replicas  []struct{ ID int32 } `json:"replicas"`
			ISRs      []struct{ ID int32 } `json:"isrs"`
			Error     string               `json:"error"`
		} `json:"partitions"`
	} `json:"topics"`
}

func kcatMetadata(t *testing.T, n *testbin.Node) {
	pyCreateTopic(t, n, "meta", 3)
	md := kcatListMetadata(t, n)
	if len(md.Brokers) != 1 || md.Brokers[0].ID != 1 || md.Brokers[0].Name != n.Addr() {
		t.Errorf("brokers %+v, want one: 1 at %s", md.Brokers, n.Addr())
	}
	if md.ControllerID != 1 {
		t.Errorf("controller id %d, want 1", md.ControllerID)
	}
	if got := kcatTopicPartitions(t, md, "meta"); got != 3 {
		t.Errorf("meta has %d partitions, want 3", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	resp, err := kadm.NewClient(n.Client()).DeleteTopics(ctx, "meta")
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatalf("delete meta: %v", err)
	}
	for _, tp := range kcatListMetadata(t, n).Topics {
		if tp.Topic == "meta" {
			t.Errorf("kcat -L still lists the deleted topic")
		}
	}
}

func kcatListMetadata(t *testing.T, n *testbin.Node) kcatMetadataJSON {
	t.Helper()
	out := kcatOK(t, n, "", "-L", "-J")
	var md kcatMetadataJSON
	if err := json.Unmarshal([]byte(out), &md); err != nil {
		t.Fatalf("kcat -L -J: %v\n%s", err, out)
	}
	return md
}

// kcatTopicPartitions checks that every partition of a topic is led by
// broker 1 with replicas and ISR [1], and returns how many there are.
func kcatTopicPartitions(t *testing.T, md kcatMetadataJSON, topic string) int {
	t.Helper()
	for _, tp := range md.Topics {
		if tp.Topic != topic {
			continue
		}
		if tp.Error != "" {
			t.Errorf("%s: error %s", topic, tp.Error)
		}
		for i, p := range tp.Partitions {
			if p.Partition != int32(i) || p.Leader != 1 || len(p.Replicas) != 1 || p.Replicas[0].ID != 1 ||
				len(p.ISRs) != 1 || p.ISRs[0].ID != 1 || p.Error != "" {
				t.Errorf("%s partition %+v, want %d led by 1, replicas [1], isr [1]", topic, p, i)
			}
		}
		return len(tp.Partitions)
	}
	t.Errorf("kcat -L does not list %s", topic)
	return 0
}

// kcatKeys produces keyed records and reads them with a -f format: each
// key must be where librdkafka's consistent_random partitioner (CRC-32 of
// the key) puts it, and each partition must keep the order of stdin.
func kcatKeys(t *testing.T, n *testbin.Node) {
	const partitions = 4
	pyCreateTopic(t, n, "keys", partitions)
	var in []string
	for i := 0; i < 40; i++ {
		in = append(in, fmt.Sprintf("k%d:v%d", i%8, i))
	}
	kcatOK(t, n, strings.Join(in, "\n")+"\n", "-P", "-t", "keys", "-K", ":")
	out := kcatOK(t, n, "", "-C", "-t", "keys", "-o", "beginning", "-e", "-q",
		"-f", `%p\t%o\t%k\t%s\t%T\n`)
	byPartition := map[int32][]string{}
	stored := pyFranzReadAll(t, n, "keys")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for _, line := range lines {
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			t.Fatalf("kcat -f line %q: want 5 tab-separated fields", line)
		}
		p, _ := strconv.Atoi(f[0])
		o, _ := strconv.ParseInt(f[1], 10, 64)
		ts, _ := strconv.ParseInt(f[4], 10, 64)
		if want := int32(crc32.ChecksumIEEE([]byte(f[2])) % partitions); int32(p) != want {
			t.Errorf("key %s in partition %d, want %d", f[2], p, want)
		}
		if o != int64(len(byPartition[int32(p)])) {
			t.Errorf("partition %d: offset %d read after %d records", p, o, len(byPartition[int32(p)]))
		}
		byPartition[int32(p)] = append(byPartition[int32(p)], f[2]+":"+f[3])
		r, ok := stored[pyPO{int32(p), o}]
		if !ok || string(r.Key) != f[2] || string(r.Value) != f[3] || r.Timestamp.UnixMilli() != ts {
			t.Errorf("franz-go disagrees at %d/%d: kcat %q, franz-go %+v", p, o, line, r)
		}
	}
	if len(lines) != len(in) {
		t.Errorf("read %d records, want %d", len(lines), len(in))
	}
	for p, got := range byPartition {
		var want []string
		for _, l := range in {
			if int32(crc32.ChecksumIEEE([]byte(strings.SplitN(l, ":", 2)[0]))%partitions) == p {
				want = append(want, l)
			}
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("partition %d holds %v, want %v in that order", p, got, want)
		}
	}
}

// kcatNullKeys checks that key-less records spread over the partitions;
// sticky.partitioning.linger.ms=0 makes librdkafka choose per record.
func kcatNullKeys(t *testing.T, n *testbin.Node) {
	const partitions = 4
	pyCreateTopic(t, n, "null-keys", partitions)
	var in []string
	for i := 0; i < 200; i++ {
		in = append(in, fmt.Sprintf("v%03d", i))
	}
	kcatOK(t, n, strings.Join(in, "\n")+"\n", "-P", "-t", "null-keys", "-X", "sticky.partitioning.linger.ms=0")
	got := kcatConsume(t, n, "null-keys")
	if len(got) != len(in) {
		t.Fatalf("read %d records, want %d", len(got), len(in))
	}
	used := map[int32]int{}
	seen := map[string]bool{}
	last := map[int32]string{}
	for _, m := range got {
		used[m.Partition]++
		if m.Key != nil {
			t.Errorf("record %d/%d has key %q, want null", m.Partition, m.Offset, *m.Key)
		}
		v := m.value()
		if seen[v] || v <= last[m.Partition] {
			t.Errorf("partition %d: %s read after %s, or twice", m.Partition, v, last[m.Partition])
		}
		seen[v], last[m.Partition] = true, v
	}
	if len(used) != partitions {
		t.Errorf("200 null-key records went to partitions %v, want all %d used", used, partitions)
	}
}

// kcatHeaders checks repeated names, empty values and null values (-H
// name without '=') in order, through kcat and franz-go.
func kcatHeaders(t *testing.T, n *testbin.Node) {
	pyCreateTopic(t, n, "headers", 1)
	kcatOK(t, n, "x\ny\n", "-P", "-t", "headers", "-H", "a=1", "-H", "b=", "-H", "c", "-H", "a=2")
	got := kcatConsume(t, n, "headers")
	if len(got) != 2 {
		t.Fatalf("read %d records, want 2", len(got))
	}
	want := `["a","1","b","","c",null,"a","2"]`
	for _, m := range got {
		if h, _ := json.Marshal(m.Headers); string(h) != want {
			t.Errorf("record %d headers %s, want %s", m.Offset, h, want)
		}
	}
	wantHeaders := []pyHeader{{"a", []byte("1")}, {"b", []byte{}}, {"c", nil}, {"a", []byte("2")}}
	for po, r := range pyFranzReadAll(t, n, "headers") {
		var headers []pyHeader
		for _, h := range r.Headers {
			headers = append(headers, pyHeader{h.Key, h.Value})
		}
		if !pyHeadersEqual(headers, wantHeaders) {
			t.Errorf("franz-go at %d: headers %v, want %v", po.offset, headers, wantHeaders)
		}
	}
}

// kcatTimestamps checks that librdkafka's CreateTime comes back as stored.
func kcatTimestamps(t *testing.T, n *testbin.Node) {
	pyCreateTopic(t, n, "timestamps", 1)
	before := time.Now().UnixMilli()
	kcatOK(t, n, "a\nb\nc\n", "-P", "-t", "timestamps")
	after := time.Now().UnixMilli()
	got := kcatConsume(t, n, "timestamps")
	stored := pyFranzReadAll(t, n, "timestamps")
	if len(got) != 3 {
		t.Fatalf("read %d records, want 3", len(got))
	}
	for _, m := range got {
		r := stored[pyPO{m.Partition, m.Offset}]
		if m.TimestampType != "create" || m.Timestamp < before || m.Timestamp > after {
			t.Errorf("offset %d: %s timestamp %d, want create within [%d, %d]", m.Offset, m.TimestampType, m.Timestamp, before, after)
		}
		if r == nil || r.Timestamp.UnixMilli() != m.Timestamp || r.Attrs.TimestampType() != 0 {
			t.Errorf("offset %d: franz-go reads %+v, want CreateTime %d", m.Offset, r, m.Timestamp)
		}
	}
}

// kcatCodec produces compressible lines with -z and checks with franz-go
// that the batches on the broker carry the codec.
func kcatCodec(t *testing.T, n *testbin.Node, codec string) {
	topic := "codec-" + codec
	pyCreateTopic(t, n, topic, 1)
	var in []string
	for i := 0; i < 100; i++ {
		in = append(in, fmt.Sprintf("value-%04d-", i)+strings.Repeat("compressible ", 20))
	}
	kcatOK(t, n, strings.Join(in, "\n")+"\n", "-P", "-t", topic, "-z", codec)
	got := kcatConsume(t, n, topic)
	if len(got) != len(in) {
		t.Fatalf("read %d records, want %d", len(got), len(in))
	}
	for i, m := range got {
		if m.Offset != int64(i) || m.value() != in[i] {
			t.Fatalf("record %d: offset %d value %.30q, want %.30q", i, m.Offset, m.value(), in[i])
		}
	}
	want := pyLibrdkafkaCodec(t, n, codec)
	for po, r := range pyFranzReadAll(t, n, topic) {
		if string(r.Value) != in[po.offset] || r.Attrs.CompressionType() != want {
			t.Fatalf("franz-go at %d: codec %d value %.30q, want codec %d value %.30q",
				po.offset, r.Attrs.CompressionType(), r.Value, want, in[po.offset])
		}
	}
}

// kcatLarge sends a record whose batch is exactly max.message.bytes, then
// one a byte larger, with librdkafka's own limit raised.
func kcatLarge(t *testing.T, n *testbin.Node) {
	pyCreateTopic(t, n, "large", 1)
	fits := strings.Repeat("0123456789abcdef", pyLargestOneValue/16+1)[:pyLargestOneValue]
	kcatOK(t, n, fits+"\n", "-P", "-t", "large", "-X", "message.max.bytes=2000000")
	_, stderr, code := kcatRun(t, n, fits+"!\n", "-P", "-t", "large", "-X", "message.max.bytes=2000000")
	if code == 0 || !strings.Contains(stderr, "Message size too large") {
		t.Errorf("batch of %d bytes: exit code %d, stderr %q; want a failure naming MSG_SIZE_TOO_LARGE", pyMaxBatch+1, code, stderr)
	}
	out := kcatOK(t, n, "", "-C", "-t", "large", "-o", "beginning", "-e", "-q", "-f", `%p %o %S\n`)
	if want := fmt.Sprintf("0 0 %d\n", len(fits)); out != want {
		t.Errorf("kcat read %q, want %q", out, want)
	}
	stored := pyFranzReadAll(t, n, "large")
	if r := stored[pyPO{0, 0}]; len(stored) != 1 || r == nil || string(r.Value) != fits {
		t.Errorf("franz-go reads %d records, want only the %d-byte one", len(stored), len(fits))
	}
}

// kcatAutoCreate produces to a missing topic: auto.create.topics.enable
// creates it with num.partitions (1).
func kcatAutoCreate(t *testing.T, n *testbin.Node) {
	kcatOK(t, n, "k:first\n", "-P", "-t", "auto-created", "-K", ":")
	if got := kcatTopicPartitions(t, kcatListMetadata(t, n), "auto-created"); got != 1 {
		t.Errorf("auto-created has %d partitions, want 1", got)
	}
	got := kcatConsume(t, n, "auto-created")
	if len(got) != 1 || got[0].Offset != 0 || got[0].Key == nil || *got[0].Key != "k" || got[0].value() != "first" {
		t.Errorf("read %+v, want k:first at 0", got)
	}
}

// kcatOffsetsByTime stores records with known timestamps (franz-go; kcat
// cannot set them) and asks kcat -Q and -o s@ for offsets by time.
func kcatOffsetsByTime(t *testing.T, n *testbin.Node) {
	const topic = "by-time"
	pyCreateTopic(t, n, topic, 1)
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	cl := n.Client(kgo.DefaultProduceTopic(topic))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for i := 0; i < 5; i++ {
		r := &kgo.Record{Value: fmt.Appendf(nil, "t%d", i), Timestamp: base.Add(time.Duration(i) * time.Second)}
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	ms := base.UnixMilli()
	for ts, want := range map[int64]int64{
		-2: 0, -1: 5, 0: 0, ms - 1: 0, ms: 0, ms + 1: 1, ms + 2500: 3, ms + 4000: 4, ms + 4001: -1,
	} {
		out := kcatOK(t, n, "", "-Q", "-t", fmt.Sprintf("%s:0:%d", topic, ts))
		if line := fmt.Sprintf("%s [0] offset %d\n", topic, want); out != line {
			t.Errorf("kcat -Q at %d: %q, want %q", ts, out, line)
		}
	}
	got := kcatConsume(t, n, topic, "-o", fmt.Sprintf("s@%d", ms+1500))
	if offs := kcatOffsets(got); offs != "[2 3 4]" {
		t.Errorf("-o s@base+1500 read offsets %s, want [2 3 4]", offs)
	}
	got = kcatConsume(t, n, topic, "-o", "beginning", "-o", fmt.Sprintf("e@%d", ms+3000))
	if offs := kcatOffsets(got); offs != "[0 1 2]" {
		t.Errorf("-o e@base+3000 read offsets %s, want [0 1 2]", offs)
	}
}

// kcatDeleteRecords moves the log start with franz-go's DeleteRecords
// (kcat has none) and checks what kcat sees.
func kcatDeleteRecords(t *testing.T, n *testbin.Node) {
	const topic = "delete-records"
	pyCreateTopic(t, n, topic, 1)
	var in []string
	for i := 0; i < 10; i++ {
		in = append(in, fmt.Sprintf("v%d", i))
	}
	kcatOK(t, n, strings.Join(in, "\n")+"\n", "-P", "-t", topic)
	pyDeleteBefore(t, n, topic, map[int32]int64{0: 6})
	for ts, want := range map[int64]int64{-2: 6, -1: 10, 0: 6} {
		out := kcatOK(t, n, "", "-Q", "-t", fmt.Sprintf("%s:0:%d", topic, ts))
		if line := fmt.Sprintf("%s [0] offset %d\n", topic, want); out != line {
			t.Errorf("kcat -Q at %d: %q, want %q", ts, out, line)
		}
	}
	got := kcatConsume(t, n, topic)
	if offs := kcatOffsets(got); offs != "[6 7 8 9]" {
		t.Fatalf("read offsets %s from the beginning, want [6 7 8 9]", offs)
	}
	for _, m := range got {
		if m.value() != in[m.Offset] {
			t.Errorf("offset %d: %q, want %q", m.Offset, m.value(), in[m.Offset])
		}
	}
}

// kcatRestart produces, stops the node cleanly, starts it again and reads
// everything back with kcat; the log start moved by DeleteRecords stays.
func kcatRestart(t *testing.T, n *testbin.Node) {
	pyCreateTopic(t, n, "restart", 3)
	var in []string
	for i := 0; i < 300; i++ {
		in = append(in, fmt.Sprintf("k%d:v%d", i%11, i))
	}
	kcatOK(t, n, strings.Join(in, "\n")+"\n", "-P", "-t", "restart", "-K", ":", "-z", "snappy")
	before := kcatConsume(t, n, "restart")
	if len(before) != len(in) {
		t.Fatalf("read %d records before the restart, want %d", len(before), len(in))
	}
	n.Stop()
	n.Restart()
	after := kcatConsume(t, n, "restart")
	if a, b := kcatSorted(after), kcatSorted(before); a != b {
		t.Errorf("after the restart kcat reads\n%.500s\nwant\n%.500s", a, b)
	}
	if out := kcatOK(t, n, "", "-Q", "-t", "delete-records:0:-2"); out != "delete-records [0] offset 6\n" {
		t.Errorf("delete-records log start after the restart: %q, want offset 6", out)
	}
}

// kcatMessage is one record as kcat -C -J prints it.
type kcatMessage struct {
	Topic         string    `json:"topic"`
	Partition     int32     `json:"partition"`
	Offset        int64     `json:"offset"`
	TimestampType string    `json:"tstype"`
	Timestamp     int64     `json:"ts"`
	Headers       []*string `json:"headers"`
	Key           *string   `json:"key"`
	Payload       *string   `json:"payload"`
}

func (m kcatMessage) value() string {
	if m.Payload == nil {
		return "<null>"
	}
	return *m.Payload
}

// kcatConsume reads a topic with kcat -C -J until every partition reaches
// its end; extra arguments (e.g. -o) are added last.
func kcatConsume(t *testing.T, n *testbin.Node, topic string, extra ...string) []kcatMessage {
	t.Helper()
	args := []string{"-C", "-t", topic, "-e", "-J", "-q"}
	if len(extra) == 0 {
		args = append(args, "-o", "beginning")
	}
	out := kcatOK(t, n, "", append(args, extra...)...)
	var msgs []kcatMessage
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var m kcatMessage
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("kcat -J output: %v\n%.2000s", err, out)
		}
		msgs = append(msgs, m)
	}
	return msgs
}

func kcatOffsets(msgs []kcatMessage) string {
	var offs []int64
	for _, m := range msgs {
		offs = append(offs, m.Offset)
	}
	return fmt.Sprint(offs)
}

// kcatSorted renders records in partition and offset order.
func kcatSorted(msgs []kcatMessage) string {
	lines := make([]string, 0, len(msgs))
	for _, m := range msgs {
		k := "<null>"
		if m.Key != nil {
			k = *m.Key
		}
		lines = append(lines, fmt.Sprintf("%d/%08d %s:%s %d", m.Partition, m.Offset, k, m.value(), m.Timestamp))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// kcatRequire fails the test when kcat is missing: CI installs it.
func kcatRequire(t *testing.T) {
	t.Helper()
	path, err := exec.LookPath("kcat")
	if err != nil {
		t.Fatalf("kcat not found: install the Debian package kcat (apt-get install -y kcat): %v", err)
	}
	out, _ := exec.Command(path, "-V").CombinedOutput()
	if !regexp.MustCompile(`librdkafka \d`).Match(out) {
		t.Fatalf("kcat -V: unexpected output %q", out)
	}
}

// kcatRun runs kcat against the node with stdin and returns its output
// and exit code.
func kcatRun(t *testing.T, n *testbin.Node, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kcat", append([]string{"-b", n.Addr()}, args...)...)
	var o, e bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("kcat %v: timed out\n%s", args, e.String())
	}
	return o.String(), e.String(), testbin.ExitCode(err)
}

// kcatOK is kcatRun where kcat must succeed.
func kcatOK(t *testing.T, n *testbin.Node, stdin string, args ...string) string {
	t.Helper()
	stdout, stderr, code := kcatRun(t, n, stdin, args...)
	if code != 0 {
		t.Fatalf("kcat %.200q: exit code %d\n%s", args, code, stderr)
	}
	return stdout
}
