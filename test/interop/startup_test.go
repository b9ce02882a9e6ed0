package interop

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"samsa/internal/testbin"
)

// quickstartProperties is Kafka 4's config/server.properties as the
// quickstart uses it (dynamic quorum through controller.quorum.bootstrap
// .servers, hence `format --standalone`), with the test's ports and
// directory.
func quickstartProperties(n *testbin.Node) string {
	return fmt.Sprintf(`# Kafka 4 quickstart configuration
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=localhost:%[2]d
listeners=PLAINTEXT://:%[1]d,CONTROLLER://:%[2]d
inter.broker.listener.name=PLAINTEXT
advertised.listeners=PLAINTEXT://localhost:%[1]d,CONTROLLER://localhost:%[2]d
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600
log.dirs=%[3]s
num.partitions=1
num.recovery.threads.per.data.dir=1
offsets.topic.replication.factor=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
log.retention.hours=168
log.segment.bytes=1073741824
log.retention.check.interval.ms=300000
`, n.Port, n.CtlPort, filepath.Join(n.Dir, "kraft-combined-logs"))
}

// TestQuickstartFlow follows Kafka's quickstart: random-uuid, format
// --standalone, start with the properties file, produce and consume.
func TestQuickstartFlow(t *testing.T) {
	bin := testbin.Binary(t)
	var props string
	n := testbin.Start(t, testbin.Args(func(n *testbin.Node) []string {
		props = filepath.Join(n.Dir, "server.properties")
		if err := os.WriteFile(props, []byte(quickstartProperties(n)), 0o644); err != nil {
			t.Fatal(err)
		}
		id, errOut, code := testbin.RunBinary(bin, nil, "storage", "random-uuid")
		id = strings.TrimSpace(id)
		if code != 0 || len(id) != 22 {
			t.Fatalf("random-uuid: %q %q exit %d", id, errOut, code)
		}
		out, errOut, code := testbin.RunBinary(bin, nil, "storage", "format", "--standalone", "-t", id, "-c", props)
		want := fmt.Sprintf("Formatting metadata directory %s with metadata.version 4.0-IV3.\n", filepath.Join(n.Dir, "kraft-combined-logs"))
		if code != 0 || out != want {
			t.Fatalf("format: stdout %q stderr %q exit %d, want %q", out, errOut, code, want)
		}
		if _, errOut, code := testbin.RunBinary(bin, nil, "storage", "format", "--standalone", "-t", id, "-c", props); code != 1 ||
			!strings.Contains(errOut, "is already formatted. Use --ignore-formatted") {
			t.Fatalf("second format: exit %d, %q", code, errOut)
		}
		return []string{"server", props}
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl := n.Client(kgo.DefaultProduceTopic("quickstart-events"), kgo.AllowAutoTopicCreation())
	for _, v := range []string{"This is my first event", "This is my second event"} {
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	got := consumeAll(t, n, "quickstart-events", 2)
	if string(got[0].Value) != "This is my first event" || string(got[1].Value) != "This is my second event" {
		t.Fatalf("read back %q, %q", got[0].Value, got[1].Value)
	}
	out, _, code := n.Run("storage", "info", "-c", props)
	if code != 0 || !strings.Contains(out, "Found metadata: {cluster.id=") {
		t.Fatalf("storage info: exit %d\n%s", code, out)
	}
}

// TestDockerStyleEnvironment configures a node only through the
// environment, as the apache/kafka image's users do.
func TestDockerStyleEnvironment(t *testing.T) {
	n := testbin.Start(t, testbin.Args(func(n *testbin.Node) []string {
		return []string{"server"}
	}), func(n *testbin.Node) {
		testbin.Env(
			"KAFKA_NODE_ID=1",
			"KAFKA_PROCESS_ROLES=broker,controller",
			fmt.Sprintf("KAFKA_LISTENERS=PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d", n.Port, n.CtlPort),
			fmt.Sprintf("KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://127.0.0.1:%d", n.Port),
			"KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER",
			"KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
			fmt.Sprintf("KAFKA_CONTROLLER_QUORUM_VOTERS=1@127.0.0.1:%d", n.CtlPort),
			"KAFKA_LOG_DIRS="+n.Dir,
			"KAFKA_NUM_PARTITIONS=3",
			"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=1",
			"CLUSTER_ID=MkU3OEVBNTcwNTJENDM2Qk",
		)(n)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl := n.Client(kgo.DefaultProduceTopic("env-topic"), kgo.AllowAutoTopicCreation())
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("x")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	meta, err := os.ReadFile(filepath.Join(n.Dir, "meta.properties"))
	if err != nil || !strings.Contains(string(meta), "cluster.id=MkU3OEVBNTcwNTJENDM2Qk") {
		t.Fatalf("meta.properties does not carry CLUSTER_ID: %v\n%s", err, meta)
	}
	// KAFKA_NUM_PARTITIONS reached the broker: the auto-created topic has 3.
	start, _ := goClientOffsets(t, n, "env-topic")
	if len(start) != 3 {
		t.Fatalf("auto-created topic has %d partitions, want 3", len(start))
	}
}

// TestServerStartErrors checks the one-line, exit-1 failures of a bad
// start, and that unknown keys are only logged.
func TestServerStartErrors(t *testing.T) {
	bin := testbin.Binary(t)
	dir := t.TempDir()
	port, ctl := testbin.FreePort(t), testbin.FreePort(t)
	base := []string{"server",
		"--override", "log.dirs=" + filepath.Join(dir, "data"),
		"--override", fmt.Sprintf("listeners=PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d", port, ctl),
		"--override", fmt.Sprintf("advertised.listeners=PLAINTEXT://127.0.0.1:%d", port),
		"--override", fmt.Sprintf("controller.quorum.voters=1@127.0.0.1:%d", ctl),
	}
	_, errOut, code := testbin.RunBinary(bin, nil, append(base, "--override", "num.partitions=0")...)
	if code != 1 || !strings.Contains(errOut, "Invalid value 0 for configuration num.partitions: Value must be at least 1") {
		t.Fatalf("invalid value: exit %d, %q", code, errOut)
	}
	props := filepath.Join(dir, "broker.properties")
	os.WriteFile(props, []byte(fmt.Sprintf("process.roles=broker\nnode.id=2\ncontroller.quorum.voters=1@127.0.0.1:%d\n"+
		"listeners=PLAINTEXT://127.0.0.1:%d\ncontroller.listener.names=CONTROLLER\nlog.dirs=%s\n", ctl, port, filepath.Join(dir, "b2"))), 0o644)
	_, errOut, code = testbin.RunBinary(bin, nil, "server", props)
	if code != 1 || !strings.Contains(errOut, "No `meta.properties` found in") || !strings.Contains(errOut, "storage format") {
		t.Fatalf("unformatted multi-node: exit %d, %q", code, errOut)
	}

	// An unknown key is logged once and the node runs; SIGTERM stops it
	// cleanly with exit 0.
	cmd := exec.Command(bin, append(base, "--override", "no.such.key=1")...)
	logs := &testbin.SyncBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForLog(t, logs, "Samsa started")
	lines := 0
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "no.such.key") {
			lines++
		}
	}
	if lines != 1 {
		t.Fatalf("unknown key not logged exactly once:\n%s", logs.String())
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "shut down cleanly") {
		t.Fatalf("no clean shutdown line:\n%s", logs.String())
	}
}

func waitForLog(t *testing.T, logs *testbin.SyncBuffer, s string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(logs.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log:\n%s", s, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
