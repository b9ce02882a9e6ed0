package topics

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"samsa/internal/testbin"
)

var (
	topicIDPattern = regexp.MustCompile(`TopicId: [A-Za-z0-9_-]{22}`)
	logTimePattern = regexp.MustCompile(`(?m)^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] `)
)

// normalise replaces what differs from run to run: topic ids and log
// timestamps.
func normalise(s string) string {
	s = topicIDPattern.ReplaceAllString(s, "TopicId: <id>")
	return logTimePattern.ReplaceAllString(s, "[<time>] ")
}

// usageAfter is what a usage error prints: the message, then the usage.
func usageAfter(message string) string {
	var b bytes.Buffer
	b.WriteString(message + "\n")
	newParser().Usage(&b)
	return b.String()
}

// errorOut is what a failure from the cluster prints on stderr.
func errorLog(class, message string) string {
	return fmt.Sprintf("[<time>] ERROR %s: %s\n (org.apache.kafka.tools.TopicCommand)\n", class, message)
}

type runCase struct {
	name   string
	args   []string
	stdout string
	stderr string
	code   int
}

// check runs the samsa binary and compares whole outputs line by line.
func check(t *testing.T, n *testbin.Node, c runCase) {
	t.Helper()
	stdout, stderr, code := n.Run(append([]string{"topics"}, c.args...)...)
	compare(t, "stdout", normalise(stdout), c.stdout)
	compare(t, "stderr", normalise(stderr), c.stderr)
	if code != c.code {
		t.Errorf("exit code %d, want %d", code, c.code)
	}
}

func compare(t *testing.T, what, got, want string) {
	t.Helper()
	testbin.CompareOutput(t, what, got, want)
}

func TestTopics(t *testing.T) {
	n := testbin.Start(t)
	b := n.Addr()
	steps := []runCase{
		{name: "create", args: []string{"--bootstrap-server", b, "--create", "--topic", "orders"},
			stdout: "Created topic orders.\n"},
		{name: "create exists", args: []string{"--bootstrap-server", b, "--create", "--topic", "orders"},
			stdout: "Error while executing topic command : Topic 'orders' already exists.\n",
			stderr: errorLog("org.apache.kafka.common.errors.TopicExistsException", "Topic 'orders' already exists."), code: 1},
		{name: "create if-not-exists", args: []string{"--bootstrap-server", b, "--create", "--topic", "orders", "--if-not-exists"}},
		{name: "create with configs", args: []string{"--bootstrap-server", b, "--create", "--topic", "pay.ments", "--partitions", "3",
			"--config", "retention.ms=1000", "--config", "cleanup.policy = compact"},
			stdout: "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.\nCreated topic pay.ments.\n"},
		{name: "create with assignment", args: []string{"--bootstrap-server", b, "--create", "--topic", "placed", "--replica-assignment", "1,1"},
			stdout: "Created topic placed.\n"},
		{name: "unknown config", args: []string{"--bootstrap-server", b, "--create", "--topic", "bad", "--config", "foo=bar"},
			stdout: "Error while executing topic command : Unknown topic config name: foo\n",
			stderr: errorLog("org.apache.kafka.common.errors.InvalidConfigurationException", "Unknown topic config name: foo"), code: 1},
		{name: "config without value", args: []string{"--bootstrap-server", b, "--create", "--topic", "bad", "--config", "foo="},
			stdout: "Error while executing topic command : requirement failed: Invalid topic config: all configs to be added must be in the format \"key=val\".\n",
			stderr: errorLog("java.lang.IllegalArgumentException", `requirement failed: Invalid topic config: all configs to be added must be in the format "key=val".`), code: 1},
		{name: "replication factor too high", args: []string{"--bootstrap-server", b, "--create", "--topic", "bad", "--replication-factor", "3"},
			stdout: "Error while executing topic command : Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered.\n",
			stderr: errorLog("org.apache.kafka.common.errors.InvalidReplicationFactorException", "Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered."), code: 1},
		{name: "zero partitions", args: []string{"--bootstrap-server", b, "--create", "--topic", "bad", "--partitions", "0"},
			stdout: "Error while executing topic command : The partitions must be greater than 0\n",
			stderr: errorLog("java.lang.IllegalArgumentException", "The partitions must be greater than 0"), code: 1},
		{name: "duplicate replicas", args: []string{"--bootstrap-server", b, "--create", "--topic", "bad", "--replica-assignment", "1:1"},
			stdout: "Error while executing topic command : Partition replica lists may not contain duplicate entries: 1\n",
			stderr: errorLog("java.lang.IllegalArgumentException", "Partition replica lists may not contain duplicate entries: 1"), code: 1},
		{name: "list", args: []string{"--bootstrap-server", b, "--list"},
			stdout: "orders\npay.ments\nplaced\n"},
		{name: "list regex", args: []string{"--bootstrap-server", b, "--list", "--topic", "p.*"},
			stdout: "pay.ments\nplaced\n"},
		{name: "list nothing", args: []string{"--bootstrap-server", b, "--list", "--topic", "nothing"},
			stdout: "\n"},
		{name: "describe", args: []string{"--bootstrap-server", b, "--describe", "--topic", "pay.ments"},
			stdout: "Topic: pay.ments\tTopicId: <id>\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: cleanup.policy=compact,retention.ms=1000\n" +
				"\tTopic: pay.ments\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n" +
				"\tTopic: pay.ments\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n" +
				"\tTopic: pay.ments\tPartition: 2\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n"},
		{name: "describe all", args: []string{"--bootstrap-server", b, "--describe", "--exclude-internal"},
			stdout: "Topic: orders\tTopicId: <id>\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: \n" +
				"\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n" +
				"Topic: pay.ments\tTopicId: <id>\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: cleanup.policy=compact,retention.ms=1000\n" +
				"\tTopic: pay.ments\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n" +
				"\tTopic: pay.ments\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n" +
				"\tTopic: pay.ments\tPartition: 2\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n" +
				"Topic: placed\tTopicId: <id>\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: \n" +
				"\tTopic: placed\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n" +
				"\tTopic: placed\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n"},
		{name: "topics with overrides", args: []string{"--bootstrap-server", b, "--describe", "--topics-with-overrides"},
			stdout: "Topic: pay.ments\tTopicId: <id>\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: cleanup.policy=compact,retention.ms=1000\n"},
		{name: "no under-replicated partitions", args: []string{"--bootstrap-server", b, "--describe", "--under-replicated-partitions"}},
		{name: "no unavailable partitions", args: []string{"--bootstrap-server", b, "--describe", "--unavailable-partitions"}},
		{name: "at min isr", args: []string{"--bootstrap-server", b, "--describe", "--topic", "orders", "--at-min-isr-partitions"},
			stdout: "\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n"},
		{name: "describe missing", args: []string{"--bootstrap-server", b, "--describe", "--topic", "missing"},
			stdout: "Error while executing topic command : Topic 'missing' does not exist as expected\n",
			stderr: errorLog("java.lang.IllegalArgumentException", "Topic 'missing' does not exist as expected"), code: 1},
		{name: "describe missing if-exists", args: []string{"--bootstrap-server", b, "--describe", "--topic", "missing", "--if-exists"}},
		{name: "alter", args: []string{"--bootstrap-server", b, "--alter", "--topic", "orders", "--partitions", "2"}},
		{name: "alter to fewer", args: []string{"--bootstrap-server", b, "--alter", "--topic", "orders", "--partitions", "1"},
			stdout: "Error while executing topic command : The topic orders currently has 2 partition(s); 1 would not be an increase.\n",
			stderr: errorLog("org.apache.kafka.common.errors.InvalidPartitionsException", "The topic orders currently has 2 partition(s); 1 would not be an increase."), code: 1},
		{name: "describe after alter", args: []string{"--bootstrap-server", b, "--describe", "--topic", "orders"},
			stdout: "Topic: orders\tTopicId: <id>\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: \n" +
				"\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n" +
				"\tTopic: orders\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n"},
		{name: "alter missing", args: []string{"--bootstrap-server", b, "--alter", "--topic", "missing", "--partitions", "2"},
			stdout: "Error while executing topic command : Topic 'missing' does not exist as expected\n",
			stderr: errorLog("java.lang.IllegalArgumentException", "Topic 'missing' does not exist as expected"), code: 1},
		{name: "delete", args: []string{"--bootstrap-server", b, "--delete", "--topic", "orders"}},
		{name: "delete missing", args: []string{"--bootstrap-server", b, "--delete", "--topic", "orders"},
			stdout: "Error while executing topic command : Topic 'orders' does not exist as expected\n",
			stderr: errorLog("java.lang.IllegalArgumentException", "Topic 'orders' does not exist as expected"), code: 1},
		{name: "delete missing if-exists", args: []string{"--bootstrap-server", b, "--delete", "--topic", "orders", "--if-exists"}},
		{name: "delete regex", args: []string{"--bootstrap-server", b, "--delete", "--topic", "pay\\..*|placed"}},
		{name: "list after delete", args: []string{"--bootstrap-server", b, "--list", "--exclude-internal"},
			stdout: "\n"},
		{name: "invalid regex", args: []string{"--bootstrap-server", b, "--list", "--topic", "a(b"},
			stdout: "Error while executing topic command : a(b is an invalid regex.\n",
			stderr: errorLog("java.lang.IllegalArgumentException", "a(b is an invalid regex."), code: 1},
	}
	for _, c := range steps {
		t.Run(c.name, func(t *testing.T) { check(t, n, c) })
	}
}

func TestTopicsCommandConfig(t *testing.T) {
	n := testbin.Start(t)
	props := filepath.Join(t.TempDir(), "admin.properties")
	if err := os.WriteFile(props, []byte("client.id=tools-test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	check(t, n, runCase{args: []string{"--bootstrap-server", n.Addr(), "--command-config", props, "--create", "--topic", "cfg"},
		stdout: "Created topic cfg.\n"})
	missing := filepath.Join(filepath.Dir(props), "missing")
	check(t, n, runCase{args: []string{"--bootstrap-server", n.Addr(), "--command-config", missing, "--list"},
		stderr: "read properties file: open " + missing + ": no such file or directory\n", code: 1})
}

// TestTopicsUsage covers command lines refused before any connection.
func TestTopicsUsage(t *testing.T) {
	bin := testbin.Binary(t)
	var help bytes.Buffer
	help.WriteString(description + "\n")
	newParser().Usage(&help)
	cases := []runCase{
		{name: "no arguments", stderr: usageAfter("Create, delete, describe, or change a topic."), code: 1},
		{name: "help", args: []string{"--help"}, stderr: help.String(), code: 1},
		{name: "no action", args: []string{"--bootstrap-server", "x:1"},
			stderr: usageAfter("Command must include exactly one action: --list, --describe, --create, --alter or --delete"), code: 1},
		{name: "two actions", args: []string{"--bootstrap-server", "x:1", "--list", "--describe"},
			stderr: usageAfter("Command must include exactly one action: --list, --describe, --create, --alter or --delete"), code: 1},
		{name: "unknown option", args: []string{"--bootstrap-server", "x:1", "--list", "--bogus"},
			stderr: usageAfter("bogus is not a recognized option"), code: 1},
		{name: "no bootstrap server", args: []string{"--list"},
			stderr: "--bootstrap-server must be specified\n", code: 1},
		{name: "create without topic", args: []string{"--bootstrap-server", "x:1", "--create"},
			stderr: usageAfter(`Missing required argument "[topic]"`), code: 1},
		{name: "alter without partitions", args: []string{"--bootstrap-server", "x:1", "--alter", "--topic", "t"},
			stderr: usageAfter(`Missing required argument "[partitions]"`), code: 1},
		{name: "alter with config", args: []string{"--bootstrap-server", "x:1", "--alter", "--topic", "t", "--config", "a=b"},
			stderr: usageAfter(`Option combination "[[bootstrap-server], [config]]" can't be used with option "[alter]" (To alter topic configurations, the kafka-configs tool can be used.)`), code: 1},
		{name: "partitions with list", args: []string{"--bootstrap-server", "x:1", "--list", "--partitions", "2"},
			stderr: usageAfter(`Option "[partitions]" can't be used with option "[list]"`), code: 1},
		{name: "assignment with partitions", args: []string{"--bootstrap-server", "x:1", "--create", "--topic", "t", "--replica-assignment", "1", "--partitions", "2"},
			stderr: usageAfter(`Option "[replica-assignment]" can't be used with option "[partitions]"`), code: 1},
		{name: "if-not-exists with delete", args: []string{"--bootstrap-server", "x:1", "--delete", "--topic", "t", "--if-not-exists"},
			stderr: usageAfter(`Option "[if-not-exists]" can't be used with option "[delete]"`), code: 1},
		{name: "describe if-exists without topic", args: []string{"--bootstrap-server", "x:1", "--describe", "--if-exists"},
			stderr: usageAfter("--topic or --topic-id is required to describe a topic"), code: 1},
		{name: "partitions not a number", args: []string{"--bootstrap-server", "x:1", "--create", "--topic", "t", "--partitions", "two"},
			stderr: usageAfter("Cannot parse argument 'two' of option partitions"), code: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, code := testbin.RunBinary(bin, nil, append([]string{"topics"}, c.args...)...)
			compare(t, "stdout", stdout, c.stdout)
			compare(t, "stderr", stderr, c.stderr)
			if code != c.code {
				t.Errorf("exit code %d, want %d", code, c.code)
			}
		})
	}
	t.Run("argv0", func(t *testing.T) {
		link := filepath.Join(t.TempDir(), "kafka-topics.sh")
		if err := os.Symlink(bin, link); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := testbin.RunBinary(link, nil, "--list")
		compare(t, "stderr", stderr, "--bootstrap-server must be specified\n")
		if code != 1 {
			t.Errorf("exit code %d, want 1", code)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		addr := fmt.Sprintf("127.0.0.1:%d", testbin.FreePort(t))
		stdout, stderr, code := testbin.RunBinary(bin, nil, "topics", "--bootstrap-server", addr, "--list")
		compare(t, "stdout", stdout, "")
		compare(t, "stderr", stderr, "Could not connect to the Kafka cluster at "+addr+": connection refused\n")
		if code != 1 {
			t.Errorf("exit code %d, want 1", code)
		}
	})
}
