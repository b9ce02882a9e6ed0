package perf

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// fill produces n records of size bytes each to topic.
func fill(t *testing.T, addr, topic string, n, size int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: topic, Value: []byte(strings.Repeat("x", size))}
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("fill %s: %v", topic, err)
	}
}

const consumerHeader = "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, " +
	"rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec"

var stamp = `\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}`

// summaryLine is Kafka's consumer result line; group 1 is MB consumed, 2
// the record count, 3 the rebalance time.
var summaryLine = regexp.MustCompile(`^` + stamp + `, ` + stamp + `, (\d+\.\d{4}), \d+\.\d{4}, (\d+), \d+\.\d{4}, (\d+), -?\d+, ` +
	`(\d+\.\d{4}|Infinity|NaN), (\d+\.\d{4}|Infinity|NaN)$`)

var progressLine = regexp.MustCompile(`^` + stamp + `, 0, \d+\.\d{4}, \d+\.\d{4}, \d+, \d+\.\d{4}, \d+, -?\d+, \d+\.\d{4}, \d+\.\d{4}$`)

func TestConsumerReadsEveryRecord(t *testing.T) {
	addr := testBroker(t)
	topic := createTopic(t, addr, 3)
	fill(t, addr, topic, 3000, 100)
	groups, err := supportsGroups(context.Background(), []kgo.Opt{kgo.SeedBrokers(addr)})
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range [][]string{{"--no-group"}, {"--group", "perf-test-group"}, nil} {
		t.Run(strings.Join(append([]string{"mode"}, mode...), " "), func(t *testing.T) {
			res := jsonPath(t)
			args := append([]string{"--bootstrap-server", addr, "--topic", topic, "--messages", "3000", "--json-result", res}, mode...)
			code, out, errOut := runTool(t, consumer, args...)
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			ls := nonEmptyLines(out)
			if len(ls) != 2 || ls[0] != consumerHeader {
				t.Fatalf("output:\n%s", out)
			}
			m := summaryLine.FindStringSubmatch(ls[1])
			if m == nil || m[2] != "3000" || m[1] != "0.2861" {
				t.Fatalf("summary %q, want 3000 records and 0.2861 MB", ls[1])
			}
			var r consumerResult
			readJSON(t, res, &r)
			// A broker without group support is read directly whatever
			// the mode; --no-group reads directly on any broker.
			wantGroup := groups && (mode == nil || mode[0] != "--no-group")
			if r.Records != 3000 || r.Bytes != 300000 || r.Group != wantGroup {
				t.Fatalf("json result %+v", r)
			}
		})
	}
}

func TestConsumerIncludeAndDetailedStats(t *testing.T) {
	addr := testBroker(t)
	topic := createTopic(t, addr, 1)
	// Progress is printed as records arrive, so let them trickle in.
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 30; i++ {
			recs := []*kgo.Record{{Topic: topic, Value: []byte("0123456789")}, {Topic: topic, Value: []byte("9876543210")}}
			if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
				t.Errorf("produce: %v", err)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	defer func() { <-done }()
	code, out, errOut := runTool(t, consumer, "--bootstrap-server", addr, "--include", regexp.QuoteMeta(topic),
		"--num-records", "60", "--show-detailed-stats", "--reporting-interval", "1", "--no-group", "--hide-header")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	ls := nonEmptyLines(out)
	if len(ls) == 0 {
		t.Fatal("no progress lines")
	}
	for _, l := range ls {
		if !progressLine.MatchString(l) {
			t.Fatalf("not a progress line: %q", l)
		}
	}
}

func TestConsumerTimeoutWarning(t *testing.T) {
	addr := testBroker(t)
	topic := createTopic(t, addr, 1)
	fill(t, addr, topic, 100, 10)
	start := time.Now()
	code, out, errOut := runTool(t, consumer, "--bootstrap-server", addr, "--topic", topic, "--messages", "200",
		"--timeout", "700", "--no-group", "--date-format", "yyyy")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	ls := nonEmptyLines(out)
	want := "WARNING: Exiting before consuming the expected number of messages: timeout (700 ms) exceeded. " +
		"You can use the --timeout option to increase the timeout."
	if len(ls) != 3 || ls[1] != want {
		t.Fatalf("output:\n%s", out)
	}
	fields := strings.Split(ls[2], ", ")
	year := strconv.Itoa(time.Now().Year())
	if fields[0] != year || fields[4] != "100" {
		t.Fatalf("summary %q: want --date-format yyyy and 100 records", ls[2])
	}
	if took := time.Since(start); took < 700*time.Millisecond {
		t.Fatalf("gave up after %v, before the 700 ms timeout", took)
	}
}

func TestConsumerUsage(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		out  string
		err  string
	}{
		{"no arguments", nil, 1, "", "This tool is used to verify the consumer performance.\nOption"},
		{"help", []string{"--help"}, 1, "", "--bootstrap-server, --broker-list        REQUIRED: The server(s) to connect\n  <String: server to connect to>"},
		{"version", []string{"--version"}, 0, "samsa", ""},
		{"no bootstrap", []string{"--topic", "t", "--messages", "1"}, 1, "", `Missing required argument "[bootstrap-server]"`},
		{"no count", []string{"--bootstrap-server", "b", "--topic", "t"}, 1, "",
			"Exactly one of the following arguments is required: [messages], [num-records]"},
		{"topic and include", []string{"--bootstrap-server", "b", "--topic", "t", "--include", "x", "--messages", "1"}, 1, "",
			"Exactly one of the following arguments is required: [topic], [include]"},
		{"both configs", []string{"--bootstrap-server", "b", "--topic", "t", "--num-records", "1", "--consumer.config", "a", "--command-config", "b"}, 1, "",
			`Option "[consumer.config]" can't be used with option "[command-config]"`},
		{"unknown option", []string{"--bootstrap-server", "b", "--topic", "t", "--num-records", "1", "--new-consumer"}, 1, "",
			"new-consumer is not a recognized option"},
		{"bad interval", []string{"--bootstrap-server", "b", "--topic", "t", "--num-records", "1", "--reporting-interval", "0"}, 1, "",
			"Reporting interval must be greater than 0."},
		{"bad date format", []string{"--bootstrap-server", "b", "--topic", "t", "--num-records", "1", "--date-format", "yyyy-bb"}, 1, "",
			"illegal pattern character 'b'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runTool(t, consumer, c.args...)
			if code != c.code || !strings.Contains(out, c.out) || !strings.Contains(errOut, c.err) ||
				(c.out == "" && out != "") || (c.err == "" && errOut != "") {
				t.Fatalf("exit %d, want %d\nstdout: %q (want %q)\nstderr: %q (want %q)", code, c.code, out, c.out, errOut, c.err)
			}
		})
	}
}
