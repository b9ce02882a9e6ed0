package tutorial

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const events = "Este es mi primer evento\nEste es mi segundo evento\nMódulo Big Data Aplicado\nIES Gran Capitán\n"

// TestQuickstart follows "UD 7 – Apache Kafka" (seed 000), §5 and §7.6:
// format with a random cluster id, start the server, create and describe a
// topic, write events with the console producer, read them back, then look
// at the metadata quorum, the metadata log and the metadata shell.
func TestQuickstart(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)

	out := w.must(`KAFKA_CLUSTER_ID="$(bin/kafka-storage.sh random-uuid)"
echo $KAFKA_CLUSTER_ID
bin/kafka-storage.sh format -t $KAFKA_CLUSTER_ID -c config/kraft/server.properties`, "")
	expect(t, "storage random-uuid and format", out,
		`re:[A-Za-z0-9_-]{22}`,
		"Formatting metadata directory /tmp/kraft-combined-logs with metadata.version 4.0-IV3.")
	clusterID := lines(out)[0]

	w.startServer("config/kraft/server.properties")

	out = w.must("bin/kafka-topics.sh --create --topic quickstart-events --bootstrap-server localhost:9092", "")
	expect(t, "topics --create", out, "Created topic quickstart-events.")

	out = w.must("bin/kafka-topics.sh --describe --topic quickstart-events --bootstrap-server localhost:9092", "")
	expect(t, "topics --describe", out,
		`re:Topic: quickstart-events\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: segment.bytes=1073741824`,
		"\tTopic: quickstart-events\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: ")

	out = w.must("bin/kafka-topics.sh --list --bootstrap-server localhost:9092", "")
	expect(t, "topics --list", out, "quickstart-events")

	// Not a terminal: no ">" prompt, one event per line until EOF.
	out = w.must("bin/kafka-console-producer.sh --topic quickstart-events --bootstrap-server localhost:9092", events)
	expect(t, "console-producer", out)

	// The tutorial reads until Ctrl-C.
	c := w.background("bin/kafka-console-consumer.sh --topic quickstart-events --from-beginning --bootstrap-server localhost:9092")
	eventually(t, "the consumer prints the four events", func() (bool, string) {
		got := c.out.String()
		return got == events, got
	})
	c.stop()
	expect(t, "console-consumer stdout", c.out.String(), lines(events)...)
	expect(t, "console-consumer stderr", c.err.String(), "Processed a total of 4 messages")

	// §7.6.1: the metadata quorum of a one-node cluster.
	out = w.must("bin/kafka-metadata-quorum --bootstrap-server localhost:9092 describe --status", "")
	expect(t, "metadata-quorum describe --status", out,
		"ClusterId:              "+clusterID,
		"LeaderId:               1",
		`re:LeaderEpoch:            [1-9][0-9]*`,
		`re:HighWatermark:          [1-9][0-9]*`,
		"MaxFollowerLag:         0",
		"MaxFollowerLagTimeMs:   0",
		`re:CurrentVoters:          \[\{"id": 1, "directoryId": null, "endpoints": \["CONTROLLER://localhost:9093"\]\}\]`,
		"CurrentObservers:       []")

	// §7.6.2: the metadata log's first segment, decoded.
	out = w.must("bin/kafka-dump-log --cluster-metadata-decoder --files /tmp/kraft-combined-logs/__cluster_metadata-0/00000000000000000000.log", "")
	l := lines(out)
	if len(l) < 3 || l[0] != "Dumping /tmp/kraft-combined-logs/__cluster_metadata-0/00000000000000000000.log" || l[1] != "Log starting offset: 0" {
		t.Errorf("dump-log header:\n%s", out)
	}
	if !strings.Contains(out, `"type":"TOPIC_RECORD"`) || !strings.Contains(out, `"name":"quickstart-events"`) {
		t.Errorf("dump-log does not show the topic record:\n%s", out)
	}

	// §7.6.3: the metadata shell, fed the tutorial's commands.
	out = w.must("bin/kafka-metadata-shell --directory /tmp/kraft-combined-logs/__cluster_metadata-0/", "ls\nls /topics\ncat /topics/quickstart-events/0/data\nexit\n")
	expect(t, "metadata-shell", out,
		"Loading...",
		"Starting...",
		"[ Kafka Metadata Shell ]",
		"brokers", "configs", "features", "image", "local", "topicIds", "topics",
		"__consumer_offsets", "quickstart-events",
		"{",
		`  "partitionId" : 0,`,
		`re:  "topicId" : "[A-Za-z0-9_-]{22}",`,
		`  "replicas" : [ 1 ],`,
		`  "isr" : [ 1 ],`,
		`  "removingReplicas" : [ ],`,
		`  "addingReplicas" : [ ],`,
		`  "leader" : 1,`,
		`  "leaderEpoch" : 0,`,
		`  "partitionEpoch" : 0`,
		"}")
}

// TestKafka4Quickstart is the Kafka 4 quickstart: config/server.properties
// has a dynamic quorum, so format takes --standalone.
func TestKafka4Quickstart(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	_, errOut, code := w.sh(`bin/kafka-storage.sh format -t "$(bin/kafka-storage.sh random-uuid)" -c config/server.properties`, "")
	if code != 1 || !strings.Contains(errOut, "Because controller.quorum.voters is not set on this controller, you must specify one of the following: --standalone, --initial-controllers, or --no-initial-controllers.") {
		t.Errorf("format without --standalone: exit %d, stderr %q", code, errOut)
	}
	out := w.must(`KAFKA_CLUSTER_ID="$(bin/kafka-storage.sh random-uuid)"
bin/kafka-storage.sh format --standalone -t $KAFKA_CLUSTER_ID -c config/server.properties`, "")
	expect(t, "format --standalone", out, "Formatting metadata directory /tmp/kraft-combined-logs with metadata.version 4.0-IV3.")
	w.startServer("config/server.properties")
	out = w.must("bin/kafka-topics.sh --create --topic quickstart-events --bootstrap-server localhost:9092", "")
	expect(t, "topics --create", out, "Created topic quickstart-events.")
	_, errOut, code = w.sh("bin/kafka-topics.sh --create --topic quickstart-events --bootstrap-server localhost:9092", "")
	if code != 1 || !strings.Contains(errOut+out, "Topic 'quickstart-events' already exists.") {
		t.Errorf("second create: exit %d, stderr %q", code, errOut)
	}
	out = w.must("printf 'user1:hola\\nuser2:adios\\n' | bin/kafka-console-producer.sh --topic quickstart-events --bootstrap-server localhost:9092 --property parse.key=true --property key.separator=:", "")
	expect(t, "keyed console-producer", out)
	out, errOut, code = w.sh("bin/kafka-console-consumer.sh --topic quickstart-events --from-beginning --bootstrap-server localhost:9092 --property print.key=true --property key.separator=: --max-messages 2", "")
	if code != 0 {
		t.Fatalf("keyed console-consumer: exit %d\n%s", code, errOut)
	}
	expect(t, "keyed console-consumer", out, "user1:hola", "user2:adios")
	expect(t, "keyed console-consumer stderr", errOut, "Processed a total of 2 messages")

	// On a terminal the producer prompts with ">" before each line it
	// reads, the last one answered by end of input. script(1) gives it a
	// terminal.
	out = w.must(`printf 'hola\nadios\n' | script -qec "bin/kafka-console-producer.sh --topic prompt-events --bootstrap-server localhost:9092" /dev/null`, "")
	if strings.Count(out, ">") != 3 {
		t.Errorf("console-producer on a terminal printed %q, want three \">\" prompts", out)
	}
	out = w.must("bin/kafka-console-consumer.sh --topic prompt-events --from-beginning --bootstrap-server localhost:9092 --max-messages 2", "")
	expect(t, "records typed on a terminal", out, "hola", "adios")

	// A dynamic quorum names each voter's metadata directory.
	out = w.must("bin/kafka-metadata-quorum.sh --bootstrap-server localhost:9092 describe --status", "")
	if !regexp.MustCompile(`(?m)^CurrentVoters:          \[\{"id": 1, "directoryId": "[A-Za-z0-9_-]{22}", "endpoints": \["CONTROLLER://localhost:9093"\]\}\]$`).MatchString(out) {
		t.Errorf("metadata-quorum on a dynamic quorum:\n%s", out)
	}
}

// TestDaemon starts the server as many tutorials do, in the background
// with -daemon, and stops it with kafka-server-stop.sh.
func TestDaemon(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.must(`bin/kafka-storage.sh format -t "$(bin/kafka-storage.sh random-uuid)" -c config/kraft/server.properties`, "")
	out := w.must("bin/kafka-server-start.sh -daemon config/kraft/server.properties", "")
	expect(t, "kafka-server-start.sh -daemon", out)
	eventually(t, "the daemon serves", func() (bool, string) {
		out, errOut, code := w.sh("bin/kafka-topics.sh --create --topic daemon-events --bootstrap-server localhost:9092", "")
		return code == 0 && out == "Created topic daemon-events.\n", out + errOut
	})
	out = w.must("bin/kafka-server-stop.sh", "")
	expect(t, "kafka-server-stop.sh", out)
	logPath := filepath.Join(w.dir, "logs", "kafkaServer.out")
	eventually(t, "a clean shutdown in logs/kafkaServer.out", func() (bool, string) {
		b, _ := os.ReadFile(logPath)
		return strings.Contains(string(b), "shut down cleanly"), string(b)
	})
	_, errOut, code := w.sh("bin/kafka-server-stop.sh", "")
	if code != 1 || errOut != "No kafka server to stop\n" {
		t.Errorf("second kafka-server-stop.sh: exit %d, stderr %q", code, errOut)
	}
}
