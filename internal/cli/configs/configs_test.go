package configs

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

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
	stdout, stderr, code := testbin.RunBinary(bin, nil, append([]string{"configs"}, c.args...)...)
	compare(t, "stdout", stdout, c.stdout)
	compare(t, "stderr", stderr, c.stderr)
	if code != c.code {
		t.Errorf("exit code %d, want %d", code, c.code)
	}
}

// failed is what Kafka prints for an admin call that failed on the broker.
func failed(args []string, exception string) string {
	return fmt.Sprintf("Error while executing config command with args '%s'\njava.util.concurrent.ExecutionException: %s\n", strings.Join(args, " "), exception)
}

func TestConfigs(t *testing.T) {
	n := testbin.Start(t)
	b := n.Addr()
	adm := kadm.NewClient(n.Client())
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	retention := "1000"
	if _, err := adm.CreateTopic(ctx, 1, 1, map[string]*string{"retention.ms": &retention}, "events"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "add.properties")
	if err := os.WriteFile(file, []byte("segment.ms=60000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := []string{"--bootstrap-server", b, "--topic", "events", "--alter", "--add-config", "foo=bar"}
	missing := []string{"--bootstrap-server", b, "--entity-type", "topics", "--entity-name", "missing", "--describe"}
	users := []string{"--bootstrap-server", b, "--entity-type", "users", "--describe"}
	steps := []runCase{
		{name: "describe topic", args: []string{"--bootstrap-server", b, "--entity-type", "topics", "--entity-name", "events", "--describe"},
			stdout: "Dynamic configs for topic events are:\n" +
				"  retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000}\n"},
		{name: "alter topic", args: []string{"--bootstrap-server", b, "--topic", "events", "--alter",
			"--add-config", "cleanup.policy=[compact,delete], max.message.bytes = 2000"},
			stdout: "Completed updating config for topic events.\n"},
		{name: "alter from file", args: []string{"--bootstrap-server", b, "--topic", "events", "--alter", "--add-config-file", file},
			stdout: "Completed updating config for topic events.\n"},
		{name: "describe altered", args: []string{"--bootstrap-server", b, "--topic", "events", "--describe"},
			stdout: "Dynamic configs for topic events are:\n" +
				"  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, DEFAULT_CONFIG:log.cleanup.policy=delete}\n" +
				"  max.message.bytes=2000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:max.message.bytes=2000, DEFAULT_CONFIG:message.max.bytes=1048588}\n" +
				"  retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000}\n" +
				"  segment.ms=60000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:segment.ms=60000}\n"},
		{name: "delete configs", args: []string{"--bootstrap-server", b, "--topic", "events", "--alter", "--delete-config", "cleanup.policy,segment.ms", "--delete-config", "max.message.bytes"},
			stdout: "Completed updating config for topic events.\n"},
		{name: "delete unset config", args: []string{"--bootstrap-server", b, "--topic", "events", "--alter", "--delete-config", "segment.ms"},
			stderr: "Invalid config(s): segment.ms\n", code: 1},
		{name: "unknown config", args: bad,
			stderr: failed(bad, "org.apache.kafka.common.errors.InvalidConfigurationException: Unknown topic config name: foo"), code: 1},
		{name: "describe all topics", args: []string{"--bootstrap-server", b, "--entity-type", "topics", "--describe"},
			stdout: "Dynamic configs for topic events are:\n" +
				"  retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000}\n"},
		{name: "describe missing topic", args: missing,
			stdout: "Dynamic configs for topic missing are:\n",
			stderr: failed(missing, "org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition."), code: 1},
		{name: "alter broker default", args: []string{"--bootstrap-server", b, "--entity-type", "brokers", "--entity-default", "--alter", "--add-config", "log.retention.ms=86400000"},
			stdout: "Completed updating default config for brokers in the cluster.\n"},
		{name: "alter broker", args: []string{"--bootstrap-server", b, "--broker", "1", "--alter", "--add-config", "log.cleaner.threads=2"},
			stdout: "Completed updating config for broker 1.\n"},
		{name: "describe brokers", args: []string{"--bootstrap-server", b, "--entity-type", "brokers", "--describe"},
			stdout: "Dynamic configs for broker 1 are:\n" +
				"  log.cleaner.threads=2 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.cleaner.threads=2, DEFAULT_CONFIG:log.cleaner.threads=1}\n" +
				"Default configs for brokers in the cluster are:\n" +
				"  log.retention.ms=86400000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=86400000}\n"},
		{name: "describe broker default", args: []string{"--bootstrap-server", b, "--broker-defaults", "--describe"},
			stdout: "Default configs for brokers in the cluster are:\n" +
				"  log.retention.ms=86400000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=86400000}\n"},
		{name: "delete broker configs", args: []string{"--bootstrap-server", b, "--entity-type", "brokers", "--entity-name", "1", "--alter", "--delete-config", "log.cleaner.threads"},
			stdout: "Completed updating config for broker 1.\n"},
		{name: "describe broker", args: []string{"--bootstrap-server", b, "--entity-type", "brokers", "--entity-name", "1", "--describe"},
			stdout: "Dynamic configs for broker 1 are:\n"},
		{name: "users", args: users,
			stderr: failed(users, "org.apache.kafka.common.errors.UnsupportedVersionException: The node does not support DESCRIBE_CLIENT_QUOTAS"), code: 1},
	}
	bin := testbin.Binary(t)
	for _, c := range steps {
		t.Run(c.name, func(t *testing.T) { run(t, bin, c) })
	}
	t.Run("describe all", func(t *testing.T) {
		stdout, _, code := testbin.RunBinary(bin, nil, "configs", "--bootstrap-server", b, "--topic", "events", "--describe", "--all")
		lines := strings.Split(stdout, "\n")
		if code != 0 || lines[0] != "All configs for topic events are:" {
			t.Fatalf("exit code %d, output:\n%s", code, stdout)
		}
		want := "  retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000, DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=86400000, DEFAULT_CONFIG:log.retention.hours=168}"
		found := false
		for i, l := range lines[1:] {
			found = found || l == want
			if i > 0 && l != "" && l < lines[i] {
				t.Errorf("line %q after %q: entries are not sorted by name", l, lines[i])
			}
		}
		if !found {
			t.Errorf("no line %q in\n%s", want, stdout)
		}
	})
}

// TestConfigsUsage covers command lines refused before any connection.
func TestConfigsUsage(t *testing.T) {
	bin := testbin.Binary(t)
	var help bytes.Buffer
	help.WriteString(description + "\n")
	newParser().Usage(&help)
	cases := []runCase{
		{name: "no arguments", stderr: help.String(), code: 1},
		{name: "no action", args: []string{"--bootstrap-server", "x:1", "--topic", "t"},
			stderr: usageAfter("Command must include exactly one action: --describe, --alter"), code: 1},
		{name: "unknown option", args: []string{"--bootstrap-server", "x:1", "--describe", "--bogus"},
			stderr: usageAfter("bogus is not a recognized option"), code: 1},
		{name: "describe with add-config", args: []string{"--bootstrap-server", "x:1", "--describe", "--topic", "t", "--add-config", "a=b"},
			stderr: usageAfter(`Option "[describe]" can't be used with option "[add-config]"`), code: 1},
		{name: "no entity type", args: []string{"--bootstrap-server", "x:1", "--describe"},
			stderr: "At least one entity type must be specified\n", code: 1},
		{name: "bad entity type", args: []string{"--bootstrap-server", "x:1", "--describe", "--entity-type", "tables"},
			stderr: "Invalid entity type tables, the entity type must be one of topics, clients, users, brokers, ips, broker-loggers, client-metrics, groups with a --bootstrap-server or --bootstrap-controller argument\n", code: 1},
		{name: "no bootstrap", args: []string{"--describe", "--topic", "t"},
			stderr: "One of the required --bootstrap-server or --bootstrap-controller arguments must be specified\n", code: 1},
		{name: "mixed entity flags", args: []string{"--bootstrap-server", "x:1", "--describe", "--topic", "t", "--entity-name", "u"},
			stderr: "--entity-{type,name,default} should not be used in conjunction with specific entity flags\n", code: 1},
		{name: "bad broker id", args: []string{"--bootstrap-server", "x:1", "--describe", "--broker", "one"},
			stderr: "The entity name for brokers must be a valid integer broker id, but it is: one\n", code: 1},
		{name: "topic default", args: []string{"--bootstrap-server", "x:1", "--describe", "--entity-type", "topics", "--entity-default"},
			stderr: "--entity-default must not be specified with --describe of topics\n", code: 1},
		{name: "alter without name", args: []string{"--bootstrap-server", "x:1", "--alter", "--entity-type", "topics", "--add-config", "a=b"},
			stderr: "An entity name must be specified with --alter of topics\n", code: 1},
		{name: "alter without configs", args: []string{"--bootstrap-server", "x:1", "--alter", "--topic", "t"},
			stderr: "At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter\n", code: 1},
		{name: "two sources", args: []string{"--bootstrap-server", "x:1", "--alter", "--topic", "t", "--add-config", "a=b", "--add-config-file", "f"},
			stderr: "Only one of --add-config or --add-config-file must be specified\n", code: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { run(t, bin, c) })
	}
	t.Run("unreachable", func(t *testing.T) {
		addr := fmt.Sprintf("127.0.0.1:%d", testbin.FreePort(t))
		run(t, bin, runCase{args: []string{"--bootstrap-server", addr, "--describe", "--topic", "t"},
			stderr: "Could not connect to the Kafka cluster at " + addr + ": connection refused\n", code: 1})
	})
}

func TestParseAddConfig(t *testing.T) {
	got, err := parseAddConfig("a=1, b = [x,y] ,c=,d=[k=v]")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "1", "b": "x,y", "c": "", "d": "k=v"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, bad := range []string{"a", "a=b=c", "a=1,,b=2"} {
		if _, err := parseAddConfig(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
