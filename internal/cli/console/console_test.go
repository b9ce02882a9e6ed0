package console

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"samsa/internal/testbin"
)

// run runs the samsa binary with stdin and returns its output and exit
// code, failing the test if it runs for more than a minute.
func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, testbin.Binary(t), args...)
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		t.Fatalf("samsa %s did not finish:\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), o.String(), e.String())
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("running samsa: %v", err)
	}
	return o.String(), e.String(), code
}

// cluster is one node shared by the tests of this file: topics are not
// auto-created, so a produce to a missing topic fails, and groups form
// without the initial rebalance delay.
type cluster struct {
	t    *testing.T
	node *testbin.Node
	adm  *kadm.Client
}

func startCluster(t *testing.T) *cluster {
	n := testbin.Start(t, testbin.Override("group.initial.rebalance.delay.ms=0"), testbin.Override("auto.create.topics.enable=false"))
	return &cluster{t: t, node: n, adm: kadm.NewClient(n.Client())}
}

func (c *cluster) createTopic(name string, partitions int32) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp, err := c.adm.CreateTopic(ctx, partitions, 1, nil, name)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		c.t.Fatalf("create topic %s: %v", name, err)
	}
}

// produce runs console-producer and wants success with empty output.
func (c *cluster) produce(t *testing.T, stdin, topic string, args ...string) {
	t.Helper()
	out, errOut, code := run(t, stdin, append([]string{"console-producer", "--bootstrap-server", c.node.Addr(), "--topic", topic}, args...)...)
	if code != 0 || out != "" || errOut != "" {
		t.Fatalf("console-producer exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

// consume runs console-consumer and returns its output.
func (c *cluster) consume(t *testing.T, topic string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return run(t, "", append([]string{"console-consumer", "--bootstrap-server", c.node.Addr(), "--topic", topic}, args...)...)
}

// wantLines compares whole outputs line by line after normalising.
func wantLines(t *testing.T, what, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Errorf("%s line %d:\n got %q\nwant %q", what, i+1, gl, wl)
		}
	}
	t.Fatalf("%s:\n--- got\n%s--- want\n%s", what, got, want)
}

var (
	timestampRe = regexp.MustCompile(`CreateTime:\d{13}`)
	logTimeRe   = regexp.MustCompile(`(?m)^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] `)
)

func normalise(s string) string {
	s = timestampRe.ReplaceAllString(s, "CreateTime:<ms>")
	return logTimeRe.ReplaceAllString(s, "[<time>] ")
}

const timeoutStderr = "[<time>] ERROR Error processing message, terminating consumer process:  (org.apache.kafka.tools.consumer.ConsoleConsumer)\n" +
	"org.apache.kafka.common.errors.TimeoutException\n"

func TestConsoleRoundTrips(t *testing.T) {
	c := startCluster(t)

	t.Run("keys", func(t *testing.T) {
		c.createTopic("keys", 1)
		c.produce(t, "a:1\nb:2\n:empty-key\nc:x:y\n", "keys", "--property", "parse.key=true", "--property", "key.separator=:")
		out, errOut, code := c.consume(t, "keys", "--from-beginning", "--property", "print.key=true", "--max-messages", "4")
		wantLines(t, "stdout", out, "a\t1\nb\t2\n\tempty-key\nc\tx:y\n")
		wantLines(t, "stderr", errOut, "Processed a total of 4 messages\n")
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
	})

	t.Run("headers and metadata", func(t *testing.T) {
		c.createTopic("meta", 1)
		c.produce(t, "h1:v1,h2:v2\tk1\tval1\nh3:\tk2\tval2\n", "meta", "--property", "parse.key=true", "--property", "parse.headers=true")
		c.produce(t, "plain\n", "meta", "--sync")
		out, errOut, code := c.consume(t, "meta", "--from-beginning", "--max-messages", "3",
			"--property", "print.timestamp=true", "--property", "print.partition=true", "--property", "print.offset=true",
			"--property", "print.headers=true", "--property", "print.key=true", "--property", "print.epoch=true")
		wantLines(t, "stdout", normalise(out),
			"CreateTime:<ms>\tPartition:0\tOffset:0\tEpoch:NOT_PRESENT\th1:v1,h2:v2\tk1\tval1\n"+
				"CreateTime:<ms>\tPartition:0\tOffset:1\tEpoch:NOT_PRESENT\th3:\tk2\tval2\n"+
				"CreateTime:<ms>\tPartition:0\tOffset:2\tEpoch:NOT_PRESENT\tNO_HEADERS\tnull\tplain\n")
		wantLines(t, "stderr", errOut, "Processed a total of 3 messages\n")
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		// Custom separators, and print.value=false ending the line after
		// the key.
		out, _, _ = c.consume(t, "meta", "--from-beginning", "--max-messages", "3",
			"--property", "print.offset=true", "--property", "print.key=true", "--property", "print.value=false",
			"--property", "key.separator= | ", "--property", "line.separator=;\n", "--property", "null.literal=<none>")
		wantLines(t, "stdout", out, "Offset:0 | k1;\nOffset:1 | k2;\nOffset:2 | <none>;\n")
	})

	t.Run("null marker and ignore error", func(t *testing.T) {
		c.createTopic("nulls", 1)
		c.produce(t, "NULL\tv1\nk2\tNULL\nnokey\n", "nulls", "--property", "parse.key=true",
			"--property", "null.marker=NULL", "--property", "ignore.error=true")
		out, _, _ := c.consume(t, "nulls", "--from-beginning", "--max-messages", "3", "--property", "print.key=true")
		wantLines(t, "stdout", out, "null\tv1\nk2\tnull\nnull\tnokey\n")
	})

	t.Run("bad line stops after sending the lines before it", func(t *testing.T) {
		c.createTopic("bad", 1)
		out, errOut, code := run(t, "k:v\nabc\nk2:v2\n", "console-producer", "--bootstrap-server", c.node.Addr(), "--topic", "bad",
			"--property", "parse.key=true", "--property", "key.separator=:")
		if code != 1 || out != "" {
			t.Fatalf("exit %d, stdout %q; want 1 and nothing", code, out)
		}
		wantLines(t, "stderr", errOut, "org.apache.kafka.common.KafkaException: No key separator found on line number 2: 'abc'\n")
		out, _, _ = c.consume(t, "bad", "--from-beginning", "--timeout-ms", "1500", "--property", "print.key=true")
		wantLines(t, "stdout", out, "k\tv\n")
	})

	t.Run("partition and offset", func(t *testing.T) {
		c.createTopic("offsets", 1)
		c.produce(t, "m0\nm1\nm2\nm3\n", "offsets")
		out, errOut, code := c.consume(t, "offsets", "--partition", "0", "--offset", "2", "--max-messages", "2", "--property", "print.offset=true")
		wantLines(t, "stdout", out, "Offset:2\tm2\nOffset:3\tm3\n")
		wantLines(t, "stderr", errOut, "Processed a total of 2 messages\n")
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		out, _, _ = c.consume(t, "offsets", "--partition", "0", "--offset", "earliest", "--max-messages", "1")
		wantLines(t, "stdout", out, "m0\n")
	})

	t.Run("timeout", func(t *testing.T) {
		c.createTopic("quiet", 1)
		start := time.Now()
		out, errOut, code := c.consume(t, "quiet", "--timeout-ms", "700")
		if d := time.Since(start); d < 700*time.Millisecond {
			t.Errorf("exited after %v, before the timeout", d)
		}
		wantLines(t, "stdout", out, "")
		wantLines(t, "stderr", normalise(errOut), timeoutStderr+"Processed a total of 0 messages\n")
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
	})

	t.Run("group resumes where it stopped", func(t *testing.T) {
		c.createTopic("resume", 2)
		c.produce(t, "a\nb\nc\n", "resume")
		out, errOut, _ := c.consume(t, "resume", "--group", "g-resume", "--from-beginning", "--max-messages", "3")
		if got := sortedLines(out); got != "a\nb\nc\n" {
			t.Fatalf("first run printed %q (stderr %q)", out, errOut)
		}
		c.produce(t, "d\n", "resume")
		out, errOut, _ = c.consume(t, "resume", "--group", "g-resume", "--timeout-ms", "1500")
		wantLines(t, "stdout", out, "d\n")
		wantLines(t, "stderr", normalise(errOut), timeoutStderr+"Processed a total of 1 messages\n")
	})

	t.Run("max messages commits only what was printed", func(t *testing.T) {
		c.createTopic("partial", 1)
		c.produce(t, "p0\np1\np2\n", "partial")
		out, _, _ := c.consume(t, "partial", "--group", "g-partial", "--from-beginning", "--max-messages", "1")
		wantLines(t, "stdout", out, "p0\n")
		out, _, _ = c.consume(t, "partial", "--group", "g-partial", "--max-messages", "2")
		wantLines(t, "stdout", out, "p1\np2\n")
	})

	t.Run("include", func(t *testing.T) {
		c.createTopic("inc-a", 1)
		c.createTopic("inc-b", 1)
		c.createTopic("xinc-c", 1)
		c.produce(t, "from-a\n", "inc-a")
		c.produce(t, "from-b\n", "inc-b")
		c.produce(t, "from-c\n", "xinc-c")
		out, _, code := run(t, "", "console-consumer", "--bootstrap-server", c.node.Addr(), "--include", "inc-.*",
			"--from-beginning", "--timeout-ms", "2000")
		if got := sortedLines(out); got != "from-a\nfrom-b\n" || code != 0 {
			t.Fatalf("exit %d, printed %q; want from-a and from-b only", code, out)
		}
	})

	t.Run("produce error", func(t *testing.T) {
		out, errOut, code := run(t, "v\n", "console-producer", "--bootstrap-server", c.node.Addr(), "--topic", "missing")
		if code != 1 || out != "" {
			t.Fatalf("exit %d, stdout %q; want 1 and nothing", code, out)
		}
		wantLines(t, "stderr", errOut, "ERROR Error when sending message to topic missing with key: null, value: 1 bytes with error: "+
			"UNKNOWN_TOPIC_OR_PARTITION: This server does not host this topic-partition.\n")
	})

	t.Run("usage errors needing a broker address", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"--from-beginning", "--partition", "0", "--offset", "1"}, "Options from-beginning and offset cannot be specified together."},
			{[]string{"--offset", "1"}, "The partition is required when offset is specified."},
			{[]string{"--partition", "0", "--group", "g"}, "Options group and partition cannot be specified together."},
			{[]string{"--partition", "0", "--offset", "-5"}, "The provided offset value '-5' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long."},
			{[]string{"--group", "a", "--consumer-property", "group.id=b"}, "The group ids provided in different places (directly using '--group', via '--consumer-property', or via '--consumer.config') do not match. Detected group ids: 'a', 'b'"},
			{[]string{"--formatter", "kafka.tools.LoggingMessageFormatter"}, "The formatter kafka.tools.LoggingMessageFormatter is not supported: Samsa's console consumer has org.apache.kafka.tools.consumer.DefaultMessageFormatter and org.apache.kafka.tools.consumer.NoOpMessageFormatter only."},
		} {
			_, errOut, code := c.consume(t, "t", tc.args...)
			first, rest, _ := strings.Cut(errOut, "\n")
			if code != 1 || first != tc.want || !strings.HasPrefix(rest, "Option ") {
				t.Errorf("%v: exit %d, stderr starts %q; want 1, %q and the usage", tc.args, code, first, tc.want)
			}
		}
		_, errOut, code := c.consume(t, "t", "--from-beginning", "--consumer-property", "auto.offset.reset=latest")
		wantLines(t, "stderr", errOut, "Can't simultaneously specify --from-beginning and 'auto.offset.reset=latest', please remove one option\n")
		if code != 1 {
			t.Fatalf("exit %d", code)
		}
	})
}

func sortedLines(s string) string {
	ls := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	sort.Strings(ls)
	return strings.Join(ls, "\n") + "\n"
}
