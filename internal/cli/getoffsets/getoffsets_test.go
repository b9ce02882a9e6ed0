package getoffsets

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"samsa/internal/testbin"
)

type runCase struct {
	name   string
	args   []string
	stdout string
	stderr string
	code   int
}

func usageAfter(message string) string {
	var b bytes.Buffer
	b.WriteString(message + "\n")
	newParser().Usage(&b)
	return b.String()
}

func compare(t *testing.T, what, got, want string) {
	t.Helper()
	testbin.CompareOutput(t, what, got, want)
}

func run(t *testing.T, bin string, c runCase) {
	t.Helper()
	stdout, stderr, code := testbin.RunBinary(bin, nil, append([]string{"get-offsets"}, c.args...)...)
	compare(t, "stdout", stdout, c.stdout)
	compare(t, "stderr", stderr, c.stderr)
	if code != c.code {
		t.Errorf("exit code %d, want %d", code, c.code)
	}
}

// seed creates topic t (two partitions: records at 1000, 2000, 3000 ms in
// partition 0, one at 5000 ms in partition 1) and topic w with eleven
// empty partitions.
func seed(t *testing.T, n *testbin.Node) {
	t.Helper()
	cl := n.Client(kgo.RecordPartitioner(kgo.ManualPartitioner()))
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for name, parts := range map[string]int32{"t": 2, "w": 11} {
		if _, err := adm.CreateTopic(ctx, parts, 1, nil, name); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []struct {
		partition int32
		ms        int64
	}{{0, 1000}, {0, 2000}, {0, 3000}, {1, 5000}} {
		rec := &kgo.Record{Topic: "t", Partition: r.partition, Value: []byte("v"), Timestamp: time.UnixMilli(r.ms)}
		if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGetOffsets(t *testing.T) {
	n := testbin.Start(t)
	seed(t, n)
	b := n.Addr()
	bin := testbin.Binary(t)
	cases := []runCase{
		{name: "latest", args: []string{"--bootstrap-server", b, "--topic", "t"}, stdout: "t:0:3\nt:1:1\n"},
		{name: "latest by number", args: []string{"--bootstrap-server", b, "--topic", "t", "--time", "-1"}, stdout: "t:0:3\nt:1:1\n"},
		{name: "earliest", args: []string{"--bootstrap-server", b, "--topic", "t", "--time", "earliest"}, stdout: "t:0:0\nt:1:0\n"},
		{name: "max timestamp", args: []string{"--bootstrap-server", b, "--topic", "t", "--time", "max-timestamp"}, stdout: "t:0:2\nt:1:0\n"},
		{name: "timestamp", args: []string{"--bootstrap-server", b, "--topic", "t", "--time", "1500"}, stdout: "t:0:1\nt:1:0\n"},
		{name: "timestamp after all records", args: []string{"--bootstrap-server", b, "--topic", "t", "--time", "6000"}},
		{name: "partitions", args: []string{"--bootstrap-server", b, "--topic", "t", "--partitions", "1"}, stdout: "t:1:1\n"},
		{name: "topic regex sorted as Kafka does", args: []string{"--bootstrap-server", b, "--topic", "t|w"},
			stdout: "t:0:3\nt:1:1\nw:0:0\nw:1:0\nw:10:0\nw:2:0\nw:3:0\nw:4:0\nw:5:0\nw:6:0\nw:7:0\nw:8:0\nw:9:0\n"},
		{name: "topic partitions", args: []string{"--bootstrap-server", b, "--topic-partitions", "t:1,w:2-4,w:-1"},
			stdout: "t:1:1\nw:0:0\nw:2:0\nw:3:0\n"},
		{name: "topic partitions open range", args: []string{"--bootstrap-server", b, "--topic-partitions", "w:9-"},
			stdout: "w:10:0\nw:9:0\n"},
		{name: "nothing matches", args: []string{"--bootstrap-server", b, "--topic", "none"},
			stderr: "Error occurred: Could not match any topic-partitions with the specified filters\n", code: 1},
		{name: "partition that does not exist", args: []string{"--bootstrap-server", b, "--topic", "t", "--partitions", "7"},
			stderr: "Error occurred: Could not match any topic-partitions with the specified filters\n", code: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { run(t, bin, c) })
	}
}

func TestGetOffsetsUsage(t *testing.T) {
	bin := testbin.Binary(t)
	var help bytes.Buffer
	help.WriteString(usageText + "\n")
	newParser().Usage(&help)
	cases := []runCase{
		{name: "no arguments", stderr: help.String(), code: 1},
		{name: "help", args: []string{"--help"}, stderr: help.String(), code: 1},
		{name: "no bootstrap", args: []string{"--topic", "t"}, stderr: usageAfter(`Missing required argument "[bootstrap-server]"`), code: 1},
		{name: "bad bootstrap", args: []string{"--bootstrap-server", "localhost"},
			stderr: usageAfter("Please provide valid host:port like host1:9091,host2:9092\n"), code: 1},
		{name: "unknown option", args: []string{"--bootstrap-server", "x:1", "--bogus"},
			stderr: "Error occurred: bogus is not a recognized option\n", code: 1},
		{name: "bad time", args: []string{"--bootstrap-server", "x:1", "--time", "yesterday"},
			stderr: "Error occurred: Malformed time argument yesterday. Please use -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered, or a specified long format timestamp\n", code: 1},
		{name: "topic partitions with topic", args: []string{"--bootstrap-server", "x:1", "--topic-partitions", "t:0", "--topic", "t"},
			stderr: "Error occurred: --topic-partitions cannot be used with --topic or --partitions\n", code: 1},
		{name: "bad partitions", args: []string{"--bootstrap-server", "x:1", "--partitions", "0,1-3"},
			stderr: "Error occurred: --partitions expects a comma separated list of numeric partition ids, but received: 0,1-3\n", code: 1},
		{name: "bad rule", args: []string{"--bootstrap-server", "x:1", "--topic-partitions", "t:x"},
			stderr: "Error occurred: org.apache.kafka.tools.TerseException: Invalid rule specification: t:x\n", code: 1},
		{name: "bad regex", args: []string{"--bootstrap-server", "x:1", "--topic", "a(b"},
			stderr: "Error occurred: a(b is an invalid regex.\n", code: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { run(t, bin, c) })
	}
	t.Run("unreachable", func(t *testing.T) {
		addr := fmt.Sprintf("127.0.0.1:%d", testbin.FreePort(t))
		run(t, bin, runCase{args: []string{"--bootstrap-server", addr},
			stderr: "Could not connect to the Kafka cluster at " + addr + ": connection refused\n", code: 1})
	})
}
