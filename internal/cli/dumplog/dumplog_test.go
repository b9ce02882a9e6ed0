package dumplog

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"samsa/internal/testbin"
)

// fixture is a data directory written by a real node, which has stopped.
type fixture struct {
	bin string
	dir string
}

// TestDumpLog dumps the files of one node's data directory.
func TestDumpLog(t *testing.T) {
	f := writeFixture(t)
	t.Run("golden", func(t *testing.T) { testGolden(t, f) })
	t.Run("bad input", func(t *testing.T) { testBadInput(t, f) })
	t.Run("consumer group records", func(t *testing.T) { testConsumerGroupRecords(t, f) })
}

// writeFixture starts a node, creates topic "golden" and writes three
// batches to it, commits an offset for group "grp", and stops the node.
// Every batch is indexed (index.interval.bytes=0) and the metadata log
// takes a snapshot after every entry.
func writeFixture(t *testing.T) *fixture {
	t.Helper()
	n := testbin.Start(t,
		testbin.Override("offsets.topic.num.partitions=1"),
		testbin.Override("log.index.interval.bytes=0"),
		testbin.Override("metadata.log.max.record.bytes.between.snapshots=1"),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl := n.Client(kgo.DisableIdempotentWrite(), kgo.DefaultProduceTopic("golden"))
	adm := kadm.NewClient(cl)
	if _, err := adm.CreateTopic(ctx, 1, 1, nil, "golden"); err != nil {
		t.Fatal(err)
	}
	// Fixed timestamps make the batches, CRCs included, the same on
	// every run.
	at := time.UnixMilli(1700000000000)
	for _, r := range []*kgo.Record{
		{Key: []byte("k1"), Value: []byte("v1"), Headers: []kgo.RecordHeader{{Key: "h1", Value: []byte("x")}, {Key: "h2"}}, Timestamp: at},
		{Value: []byte("v2"), Timestamp: at.Add(time.Millisecond)},
		{Key: []byte("k3"), Timestamp: at.Add(2 * time.Millisecond)},
	} {
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	offsets := kadm.Offsets{}
	offsets.Add(kadm.Offset{Topic: "golden", Partition: 0, At: 2, LeaderEpoch: 0, Metadata: "m"})
	if _, err := adm.CommitOffsets(ctx, "grp", offsets); err != nil {
		t.Fatal(err)
	}
	// A KIP-848 consumer group writes record types 3 to 8.
	cg := n.Client(kgo.ConsumerGroup("cg848"), kgo.ConsumeTopics("golden"), kgo.Balancers(kgo.RangeBalancer()),
		kgo.ServerSideBalancer(), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DisableAutoCommit())
	for got := 0; got < 3; {
		fs := cg.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatal(err)
		}
		got += fs.NumRecords()
	}
	if err := cg.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatal(err)
	}
	cg.Close()
	// The metadata log takes a snapshot after each entry, on a writer
	// goroutine: wait for the one after the last entry before stopping.
	snap := filepath.Join(n.Dir, "__cluster_metadata-0", "00000000000000000006-0000000001.checkpoint")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(snap); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no snapshot %s", snap)
		}
	}
	cl.Close()
	n.Stop()
	return &fixture{bin: testbin.Binary(t), dir: n.Dir}
}

func (f *fixture) run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return testbin.RunBinary(f.bin, nil, append([]string{"dump-log"}, args...)...)
}

func (f *fixture) path(parts ...string) string {
	return filepath.Join(append([]string{f.dir}, parts...)...)
}

var (
	timestampRe = regexp.MustCompile(`((?:CreateTime|LogAppendTime|timestamp): |Timestamp":)([0-9]{13})`)
	crcRe       = regexp.MustCompile(`crc: [0-9]+`)
	otherRes    = []struct {
		re   *regexp.Regexp
		repl string
	}{
		{regexp.MustCompile(`"(topicId|incarnationId)":"[A-Za-z0-9_-]{22}"`), `"$1":"<uuid>"`},
		{regexp.MustCompile(`"logDirs":\["[A-Za-z0-9_-]{22}"\]`), `"logDirs":["<uuid>"]`},
		{regexp.MustCompile(`"port":[0-9]+`), `"port":<port>`},
	}
)

// fixedTimestamps is the prefix of the timestamps the test gives its
// records; they and the CRCs of their batches stay in the output.
const fixedTimestamps = "17000000000"

// normalise replaces what differs from run to run: the data directory,
// timestamps the node chose (and the CRCs of their batches), uuids and
// ports.
func normalise(s, dir string) string {
	s = strings.ReplaceAll(s, dir, "<dir>")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		changed := false
		l = timestampRe.ReplaceAllStringFunc(l, func(m string) string {
			sub := timestampRe.FindStringSubmatch(m)
			if strings.HasPrefix(sub[2], fixedTimestamps) {
				return m
			}
			changed = true
			return sub[1] + "<ts>"
		})
		if changed {
			l = crcRe.ReplaceAllString(l, "crc: <crc>")
		}
		for _, n := range otherRes {
			l = n.re.ReplaceAllString(l, n.repl)
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, line by line.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	compare(t, got, string(want))
}

// compare fails with the first differing line of got and want.
func compare(t *testing.T, got, want string) {
	t.Helper()
	testbin.CompareOutput(t, "output", got, want)
}

// testGolden dumps the files a real node wrote.
func testGolden(t *testing.T, f *fixture) {
	seg := f.path("golden-0", "00000000000000000000")
	meta := f.path("__cluster_metadata-0", "00000000000000000000.log")
	snap := f.path("__cluster_metadata-0", "00000000000000000006-0000000001.checkpoint")
	for _, c := range []struct {
		name string
		args []string
	}{
		{"segment-shallow", []string{"--files", seg + ".log"}},
		{"segment-data", []string{"--files", seg + ".log", "--print-data-log"}},
		{"segment-skip-metadata", []string{"--files", seg + ".log", "--print-data-log", "--skip-record-metadata"}},
		{"segment-deep", []string{"--files", seg + ".log", "--deep-iteration"}},
		{"segment-max-bytes", []string{"--files", seg + ".log", "--max-bytes", "151"}},
		{"indexes", []string{"--files", seg + ".index," + seg + ".timeindex"}},
		{"indexes-verify", []string{"--files", seg + ".index," + seg + ".timeindex", "--verify-index-only"}},
		{"indexes-sanity", []string{"--files", seg + ".index," + seg + ".timeindex", "--index-sanity-check"}},
		// The first batch: the offset commit of group grp.
		{"offsets", []string{"--files", f.path("__consumer_offsets-0", "00000000000000000000.log"), "--offsets-decoder", "--max-bytes", "112"}},
		{"metadata", []string{"--files", meta, "--cluster-metadata-decoder"}},
		{"metadata-plain", []string{"--files", meta}},
		{"snapshot", []string{"--files", snap, "--cluster-metadata-decoder"}},
		{"transactions", []string{"--files", seg + ".log", "--transaction-log-decoder"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := f.run(t, c.args...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr:\n%s", code, errOut)
			}
			golden(t, c.name+".golden", normalise(out, f.dir))
		})
	}
}

// testBadInput covers files that are not what they claim.
func testBadInput(t *testing.T, f *fixture) {
	seg := f.path("golden-0", "00000000000000000000.log")
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Cut inside the last batch: Kafka stops at it and counts the rest.
	truncated := write("00000000000000000000.log", data[:len(data)-10])
	// One flipped byte in the second batch's value: its CRC fails.
	flipped := append([]byte(nil), data...)
	flipped[81+68]++
	corrupt := write("00000000000000000100.log", flipped)
	garbage := write("00000000000000000200.log", []byte("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05garbage garbage garbage"))
	textFile := write("00000000000000000300.log", []byte("this is not a log segment but a text file that is long enough\n"))
	missing := filepath.Join(dir, "00000000000000000400.log")
	unknown := write("notes.txt", []byte("x"))
	badIndex := write("00000000000000000000.index", []byte{0, 0, 0, 1, 0, 0, 0, 0, 9})

	for _, c := range []struct {
		name     string
		args     []string
		code     int
		out, err string
	}{
		{"truncated", []string{"--files", truncated}, 0,
			"Dumping <dir>/00000000000000000000.log\nLog starting offset: 0\n" +
				"baseOffset: 0 lastOffset: 0 count: 1 baseSequence: 0 lastSequence: 0 producerId: -1 producerEpoch: -1 partitionLeaderEpoch: 0 isTransactional: false isControl: false deleteHorizonMs: OptionalLong.empty position: 0 CreateTime: 1700000000000 size: 81 magic: 2 compresscodec: none crc: 2223586247 isvalid: true\n" +
				"baseOffset: 1 lastOffset: 1 count: 1 baseSequence: 0 lastSequence: 0 producerId: -1 producerEpoch: -1 partitionLeaderEpoch: 0 isTransactional: false isControl: false deleteHorizonMs: OptionalLong.empty position: 81 CreateTime: 1700000000001 size: 70 magic: 2 compresscodec: none crc: 4284793975 isvalid: true\n" +
				"Found 60 invalid bytes at the end of 00000000000000000000.log\n", ""},
		{"crc", []string{"--files", corrupt, "--print-data-log"}, 0, "", ""},
		{"garbage", []string{"--files", garbage}, 1,
			"Dumping <dir>/00000000000000000200.log\nLog starting offset: 200\n",
			"Found record size 5 smaller than minimum record overhead (14) in file <dir>/00000000000000000200.log.\n"},
		{"text", []string{"--files", textFile}, 0,
			"Dumping <dir>/00000000000000000300.log\nLog starting offset: 300\nFound 62 invalid bytes at the end of 00000000000000000300.log\n", ""},
		{"missing", []string{"--files", missing}, 1,
			"Dumping <dir>/00000000000000000400.log\nLog starting offset: 400\n",
			"cannot read <dir>/00000000000000000400.log: no such file or directory\n"},
		{"unknown suffix", []string{"--files", unknown}, 0, "Dumping <dir>/notes.txt\n", "Ignoring unknown file <dir>/notes.txt\n"},
		{"index sanity", []string{"--files", badIndex, "--index-sanity-check"}, 1,
			"Dumping <dir>/00000000000000000000.index\n",
			"Index file <dir>/00000000000000000000.index is corrupt, found 9 bytes which is neither positive nor a multiple of 8\n"},
		{"index mismatch", []string{"--files", badIndex}, 0,
			"Dumping <dir>/00000000000000000000.index\noffset: 1 position: 0\n",
			"Mismatches in :<dir>/00000000000000000000.index\n  Index offset: 1, log offset: 0\n"},
		{"decoder class", []string{"--files", seg, "--value-decoder-class", "com.example.MyDecoder"}, 1, "",
			"Decoder class com.example.MyDecoder is not available: Samsa decodes with org.apache.kafka.tools.api.StringDecoder only.\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := f.run(t, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, c.code, errOut)
			}
			if c.name == "crc" {
				// The flipped byte changes the second record's value.
				if !strings.Contains(out, "isvalid: false\n| offset: 1") || strings.Count(out, "isvalid: true") != 2 {
					t.Errorf("the corrupt batch is not the one marked invalid:\n%s", out)
				}
				return
			}
			compare(t, normalise(out, dir), c.out)
			compare(t, strings.ReplaceAll(errOut, dir, "<dir>"), c.err)
		})
	}
}

func TestUsage(t *testing.T) {
	bin := testbin.Binary(t)
	out, errOut, code := testbin.RunBinary(bin, nil, "dump-log", "--bogus")
	if code != 1 || out != "" || !strings.HasPrefix(errOut, "bogus is not a recognized option\nOption                                   Description\n") {
		t.Errorf("unknown option: exit %d\nstdout %q\nstderr:\n%s", code, out, errOut)
	}
	out, errOut, code = testbin.RunBinary(bin, nil, "dump-log", "--print-data-log")
	if code != 1 || out != "" || !strings.HasPrefix(errOut, "Missing required argument \"[files]\"\nOption") {
		t.Errorf("no --files: exit %d\nstdout %q\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "\n--files <String: file1, file2, ...>      REQUIRED: The comma separated list of\n") {
		t.Errorf("usage lacks --files:\n%s", errOut)
	}
	// No arguments print the description and usage to stderr, exit 1.
	_, errOut, code = testbin.RunBinary(bin, nil, "dump-log")
	if code != 1 || !strings.HasPrefix(errOut, description+"\nOption") {
		t.Errorf("no arguments: exit %d\n%s", code, errOut)
	}
}

// testConsumerGroupRecords checks that the records of a KIP-848 group
// decode, each type in its Kafka form.
func testConsumerGroupRecords(t *testing.T, f *fixture) {
	out, errOut, code := f.run(t, "--files", f.path("__consumer_offsets-0", "00000000000000000000.log"), "--offsets-decoder")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	member := `"groupId":"cg848","memberId":"[A-Za-z0-9_=+/-]+"`
	uuid := `"[A-Za-z0-9_-]{22}"`
	want := map[string]*regexp.Regexp{
		"3": regexp.MustCompile(`key: \{"type":"3","data":\{"groupId":"cg848"\}\} payload: (\{"version":"0","data":\{"epoch":[0-9]+\}\}|<DELETE>)$`),
		"4": regexp.MustCompile(`key: \{"type":"4","data":\{"groupId":"cg848"\}\} payload: (\{"version":"0","data":\{"topics":\[(\{"topicId":` + uuid + `,"topicName":"golden","numPartitions":1,"partitionMetadata":\[\]\})?\]\}\}|<DELETE>)$`),
		"5": regexp.MustCompile(`key: \{"type":"5","data":\{` + member + `\}\} payload: (\{"version":"0","data":\{"instanceId":null,"rackId":null,"clientId":"kgo","clientHost":"/127\.0\.0\.1","subscribedTopicNames":\["golden"\],"subscribedTopicRegex":null,"rebalanceTimeoutMs":[0-9]+,"serverAssignor":"range"\}\}|<DELETE>)$`),
		"6": regexp.MustCompile(`key: \{"type":"6","data":\{"groupId":"cg848"\}\} payload: (\{"version":"0","data":\{"assignmentEpoch":[0-9]+\}\}|<DELETE>)$`),
		"7": regexp.MustCompile(`key: \{"type":"7","data":\{` + member + `\}\} payload: (\{"version":"0","data":\{"topicPartitions":\[(\{"topicId":` + uuid + `,"partitions":\[0\]\})?\]\}\}|<DELETE>)$`),
		"8": regexp.MustCompile(`key: \{"type":"8","data":\{` + member + `\}\} payload: (\{"version":"0","data":\{"memberEpoch":-?[0-9]+,"previousMemberEpoch":-?[0-9]+,"state":[0-9],"assignedPartitions":\[(\{"topicId":` + uuid + `,"partitions":\[0\]\})?\],"partitionsPendingRevocation":\[\]\}\}|<DELETE>)$`),
	}
	seen := map[string]int{}
	typeRe := regexp.MustCompile(`key: \{"type":"([0-9]+)"`)
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, "| ") {
			continue
		}
		m := typeRe.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("record line without a decoded key: %q", l)
			continue
		}
		seen[m[1]]++
		if re, ok := want[m[1]]; ok && !re.MatchString(l) {
			t.Errorf("type %s: %q does not match %s", m[1], l, re)
		}
	}
	for typ := range want {
		if seen[typ] == 0 {
			t.Errorf("no record of type %s in\n%s", typ, out)
		}
	}
}
