package tutorial

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestConsumerGroups follows "Probando los grupos de consumidores" (seed
// 001) and its self-assessment: a three-partition topic, two console
// consumers in group iabd-app1 sharing it, consumer-groups --list and
// --describe while they run and after they stop, then a second group
// reading from the beginning, once, and again after new messages.
func TestConsumerGroups(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.must(`bin/kafka-storage.sh format -t "$(bin/kafka-storage.sh random-uuid)" -c config/kraft/server.properties`, "")
	w.startServer("config/kraft/server.properties")

	out := w.must(`bin/kafka-topics.sh --create --topic iabd-topic-group \
    --bootstrap-server localhost:9092 --partitions 3`, "")
	expect(t, "create", out, "Created topic iabd-topic-group.")
	out = w.must(`bin/kafka-topics.sh --describe --topic iabd-topic-group \
    --bootstrap-server localhost:9092`, "")
	expect(t, "describe", out,
		`re:Topic: iabd-topic-group\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: segment.bytes=1073741824`,
		"\tTopic: iabd-topic-group\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: ",
		"\tTopic: iabd-topic-group\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: ",
		"\tTopic: iabd-topic-group\tPartition: 2\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: ")

	consumer := `bin/kafka-console-consumer.sh --topic iabd-topic-group \
    --group iabd-app1 \
    --bootstrap-server localhost:9092`
	c1, c2 := w.background(consumer), w.background(consumer)

	// Both members are in and own all three partitions before anything is
	// written: a console consumer in a new group starts at the log end.
	describe := "bin/kafka-consumer-groups.sh --describe --group iabd-app1 --bootstrap-server localhost:9092"
	eventually(t, "two members sharing three partitions", func() (bool, string) {
		out, errOut, _ := w.sh(describe, "")
		rows := tableRows(out)
		ids := map[string]bool{}
		for _, r := range rows {
			if len(r) == 9 && r[6] != "-" {
				ids[r[6]] = true
			}
		}
		return len(rows) == 3 && len(ids) == 2, out + errOut
	})

	// Ten messages, with keys so that they spread over the partitions.
	var in strings.Builder
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&in, "k%d:mensaje %d\n", i, i)
	}
	w.must(`bin/kafka-console-producer.sh --topic iabd-topic-group \
    --bootstrap-server localhost:9092 --property parse.key=true --property key.separator=:`, in.String())
	eventually(t, "the two consumers print the ten messages between them", func() (bool, string) {
		got := lines(c1.out.String() + c2.out.String())
		return len(got) >= 10, strings.Join(got, "\n")
	})
	seen := map[string]int{}
	for _, l := range lines(c1.out.String() + c2.out.String()) {
		seen[l]++
	}
	for i := 0; i < 10; i++ {
		if n := seen[fmt.Sprintf("mensaje %d", i)]; n != 1 {
			t.Errorf("mensaje %d printed %d times", i, n)
		}
	}

	out = w.must("bin/kafka-consumer-groups.sh --list --bootstrap-server localhost:9092", "")
	expect(t, "consumer-groups --list", out, "iabd-app1")

	// While they run, every partition is committed up to its end (the
	// console consumer commits every 5 s) and owned by one of the two.
	var live string
	eventually(t, "lag 0 on every partition", func() (bool, string) {
		out, errOut, _ := w.sh(describe, "")
		live = out
		rows := tableRows(out)
		if len(rows) != 3 {
			return false, out + errOut
		}
		for _, r := range rows {
			if len(r) != 9 || r[5] != "0" || r[3] != r[4] || r[6] == "-" {
				return false, out + errOut
			}
		}
		return true, out
	})
	checkDescribeLayout(t, live, "iabd-app1", "iabd-topic-group")
	for _, r := range tableRows(live) {
		if r[0] != "iabd-app1" || r[1] != "iabd-topic-group" || r[7] != "/127.0.0.1" || r[8] != "console-consumer" ||
			!regexp.MustCompile(`^console-consumer-[0-9a-f-]{36}$`).MatchString(r[6]) {
			t.Errorf("live row %q", r)
		}
	}

	c1.stop()
	c2.stop()
	n1, n2 := processed(t, c1.err.String()), processed(t, c2.err.String())
	if n1+n2 != 10 {
		t.Errorf("the consumers processed %d+%d messages, want 10 in all", n1, n2)
	}

	// With everyone stopped, five more messages wait in the topic.
	w.must("bin/kafka-console-producer.sh --topic iabd-topic-group --bootstrap-server localhost:9092",
		"uno\ndos\ntres\ncuatro\ncinco\n")
	out, errOut, code := w.sh(describe, "")
	if code != 0 {
		t.Fatalf("describe after stop: exit %d\n%s", code, errOut)
	}
	expect(t, "describe after stop (stderr)", errOut, "", "Consumer group 'iabd-app1' has no active members.")
	checkDescribeLayout(t, out, "iabd-app1", "iabd-topic-group")
	lag := 0
	for _, r := range tableRows(out) {
		if len(r) != 9 || r[6] != "-" || r[7] != "-" || r[8] != "-" {
			t.Errorf("stopped row %q", r)
			continue
		}
		cur, _ := strconv.Atoi(r[3])
		end, _ := strconv.Atoi(r[4])
		l, _ := strconv.Atoi(r[5])
		if end-cur != l {
			t.Errorf("row %q: LAG is not LOG-END-OFFSET minus CURRENT-OFFSET", r)
		}
		lag += l
	}
	if lag != 5 {
		t.Errorf("total lag %d after five new messages, want 5:\n%s", lag, out)
	}

	// Self-assessment: a new group reads everything from the beginning...
	app2 := "bin/kafka-console-consumer.sh --topic iabd-topic-group --group iabd-app2 --from-beginning --bootstrap-server localhost:9092 --timeout-ms 8000"
	out, errOut, _ = w.sh(app2, "")
	if len(lines(out)) != 15 || !strings.Contains(errOut, "Processed a total of 15 messages") {
		t.Errorf("iabd-app2, first run: %d lines\n%s\n%s", len(lines(out)), out, errOut)
	}
	// ...the same group again gets nothing: its offsets were committed...
	out, errOut, _ = w.sh(app2, "")
	if len(lines(out)) != 0 || !strings.Contains(errOut, "Processed a total of 0 messages") {
		t.Errorf("iabd-app2, second run:\n%s\n%s", out, errOut)
	}
	// ...and after new messages, only those.
	w.must("bin/kafka-console-producer.sh --topic iabd-topic-group --bootstrap-server localhost:9092", "seis\nsiete\n")
	out, errOut, _ = w.sh(app2, "")
	got := lines(out)
	if len(got) != 2 || !strings.Contains(errOut, "Processed a total of 2 messages") ||
		!(got[0] == "seis" && got[1] == "siete" || got[0] == "siete" && got[1] == "seis") {
		t.Errorf("iabd-app2, after two new messages:\n%s\n%s", out, errOut)
	}

	out = w.must("bin/kafka-consumer-groups.sh --list --bootstrap-server localhost:9092", "")
	expect(t, "consumer-groups --list", out, "iabd-app1", "iabd-app2")
}

// tableRows returns the data rows of a consumer-groups table: the lines
// after the GROUP header, split on runs of spaces.
func tableRows(out string) [][]string {
	var rows [][]string
	header := false
	for _, l := range lines(out) {
		if strings.HasPrefix(l, "GROUP ") {
			header = true
			continue
		}
		if header && strings.TrimSpace(l) != "" {
			rows = append(rows, strings.Fields(l))
		}
	}
	return rows
}

// checkDescribeLayout checks the describe table as Kafka prints it: a blank
// line, then the header and rows in left-aligned columns whose widths fit
// the longest value (at least 15 wide for GROUP, TOPIC, CONSUMER-ID and
// HOST; 10 for PARTITION; 15 for the offsets and LAG).
func checkDescribeLayout(t *testing.T, out, group, topic string) {
	t.Helper()
	l := lines(out)
	if len(l) < 2 || l[0] != "" {
		t.Errorf("describe should open with a blank line:\n%s", out)
		return
	}
	header := l[1]
	gw := max(15, len(group))
	tw := max(15, len(topic))
	prefix := fmt.Sprintf("%-*s %-*s %-10s %-15s %-15s %-15s ", gw, "GROUP", tw, "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG")
	if !strings.HasPrefix(header, prefix+"CONSUMER-ID") {
		t.Errorf("describe header:\ngot  %q\nwant %q…", header, prefix+"CONSUMER-ID")
	}
}

var processedRE = regexp.MustCompile(`Processed a total of (\d+) messages`)

func processed(t *testing.T, stderr string) int {
	t.Helper()
	m := processedRE.FindStringSubmatch(stderr)
	if m == nil {
		t.Errorf("no \"Processed a total of N messages\" in %q", stderr)
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
