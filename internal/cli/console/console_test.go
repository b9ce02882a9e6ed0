package console

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
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
	testbin.CompareOutput(t, what, got, want)
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
		out, _, _ = c.consume(t, "bad", "--partition", "0", "--offset", "earliest", "--timeout-ms", "3000", "--property", "print.key=true")
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
		// Without the commit, auto.offset.reset=latest would print nothing;
		// with a wrong one, an old record would come first.
		out, errOut, _ = c.consume(t, "resume", "--group", "g-resume", "--max-messages", "1", "--timeout-ms", "15000")
		wantLines(t, "stdout", out, "d\n")
		wantLines(t, "stderr", errOut, "Processed a total of 1 messages\n")
	})

	t.Run("max messages commits only what was printed", func(t *testing.T) {
		c.createTopic("partial", 1)
		c.produce(t, "p0\np1\np2\n", "partial")
		out, _, _ := c.consume(t, "partial", "--group", "g-partial", "--from-beginning", "--max-messages", "1")
		wantLines(t, "stdout", out, "p0\n")
		out, _, _ = c.consume(t, "partial", "--group", "g-partial", "--max-messages", "2", "--timeout-ms", "15000")
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
			"--from-beginning", "--max-messages", "3", "--timeout-ms", "5000")
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

	t.Run("compression, config file and the kafka- program name", func(t *testing.T) {
		c.createTopic("codec", 1)
		c.produce(t, "gz\n", "codec", "--compression-codec")
		c.produce(t, "lz\n", "codec", "--compression-codec", "lz4", "--sync")
		conf := filepath.Join(t.TempDir(), "producer.properties")
		if err := os.WriteFile(conf, []byte("acks=1\nlinger.ms=0\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		c.produce(t, "conf\n", "codec", "--producer.config", conf)
		link := filepath.Join(t.TempDir(), "kafka-console-consumer.sh")
		if err := os.Symlink(testbin.Binary(t), link); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := testbin.RunBinary(link, nil, "--bootstrap-server", c.node.Addr(), "--topic", "codec",
			"--from-beginning", "--max-messages", "3")
		wantLines(t, "stdout", out, "gz\nlz\nconf\n")
		wantLines(t, "stderr", errOut, "Processed a total of 3 messages\n")
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
	})

	t.Run("two members of a group split the partitions", func(t *testing.T) {
		c.createTopic("split", 2)
		var outs [2]syncBuffer
		var cmds [2]*exec.Cmd
		for i := range cmds {
			cmds[i] = exec.Command(testbin.Binary(t), "console-consumer", "--bootstrap-server", c.node.Addr(), "--topic", "split",
				"--group", "g-split", "--property", "print.partition=true")
			cmds[i].Stdout = &outs[i]
			if err := cmds[i].Start(); err != nil {
				t.Fatal(err)
			}
		}
		defer func() {
			for _, cmd := range cmds {
				cmd.Process.Kill()
			}
		}()
		waitGroupMembers(t, c, "g-split", 2)
		// Keys spread the records over both partitions.
		c.produce(t, "a:1\nb:2\nc:3\nd:4\ne:5\nf:6\n", "split", "--property", "parse.key=true", "--property", "key.separator=:")
		var got []string
		deadline := time.Now().Add(20 * time.Second)
		for {
			got = got[:0]
			for i := range cmds {
				time.Sleep(100 * time.Millisecond)
				got = append(got, strings.TrimSpace(outs[i].String()))
			}
			if len(strings.Fields(got[0]+" "+got[1])) == 12 || time.Now().After(deadline) {
				break
			}
		}
		for i, cmd := range cmds {
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != 0 {
				t.Errorf("member %d exited %d", i, code)
			}
		}
		all := sortedLines(outs[0].String() + outs[1].String())
		p0 := strings.Count(all, "Partition:0")
		if strings.Count(all, "\n") != 6 || p0 == 0 || p0 == 6 {
			t.Fatalf("group printed:\n%s\nwant 6 records from both partitions", all)
		}
		for i := range outs {
			o := outs[i].String()
			if strings.Contains(o, "Partition:0") && strings.Contains(o, "Partition:1") {
				t.Errorf("member %d read both partitions:\n%s", i, o)
			}
		}
	})

	t.Run("signal ends the consumer cleanly", func(t *testing.T) {
		c.createTopic("signal", 1)
		c.produce(t, "s1\n", "signal")
		cmd := exec.Command(testbin.Binary(t), "console-consumer", "--bootstrap-server", c.node.Addr(), "--topic", "signal", "--from-beginning")
		var o, e syncBuffer
		cmd.Stdout, cmd.Stderr = &o, &e
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(20 * time.Second); !strings.Contains(o.String(), "s1") && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		wantLines(t, "stdout", o.String(), "s1\n")
		wantLines(t, "stderr", e.String(), "Processed a total of 1 messages\n")
		if code := cmd.ProcessState.ExitCode(); code != 0 {
			t.Fatalf("exit %d", code)
		}
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

// waitGroupMembers waits until the group is stable with n members.
func waitGroupMembers(t *testing.T, c *cluster, group string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		groups, err := c.adm.DescribeGroups(ctx, group)
		cancel()
		if err == nil {
			if g, ok := groups[group]; ok && g.State == "Stable" && len(g.Members) == n {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("group %s did not become stable with %d members", group, n)
}

// syncBuffer is a buffer a running process writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
