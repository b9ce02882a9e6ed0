package perf

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestProducerSendsEveryRecord(t *testing.T) {
	addr := testBroker(t)
	topic := createTopic(t, addr, 3)
	res := jsonPath(t)
	code, out, errOut := runTool(t, producer, "--topic", topic, "--num-records", "20000", "--record-size", "100",
		"--throughput", "-1", "--producer-props", "bootstrap.servers="+addr, "acks=all", "--json-result", res, "--print-metrics")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	summary, metrics, _ := strings.Cut(out, "\n\nMetric Name")
	ls := nonEmptyLines(summary)
	m := totalLine.FindStringSubmatch(ls[len(ls)-1])
	if m == nil || m[1] != "20000" || m[2] != "" {
		t.Fatalf("summary line %q does not report 20000 records in Kafka's format", ls[len(ls)-1])
	}
	if !regexp.MustCompile(`\nproducer-metrics:record-send-total:\{client-id=perf-producer-client\} +: 20000\.000\n`).MatchString(metrics) {
		t.Errorf("metrics table lacks 20000 records sent:\n%s", metrics)
	}
	if n := endOffsets(t, addr, topic); n != 20000 {
		t.Fatalf("topic holds %d records, want 20000", n)
	}
	var r producerResult
	readJSON(t, res, &r)
	if r.Errors != 0 || r.Total.Records != 20000 || r.Total.Bytes != 2000000 || r.Steady != nil {
		t.Fatalf("json result %+v", r)
	}
	if r.Total.LatencyP50Ms > r.Total.LatencyP99Ms || r.Total.LatencyP99Ms > r.Total.LatencyMaxMs*1.02 {
		t.Fatalf("percentiles out of order: %+v", r.Total)
	}
}

// TestProducerWarmupRecords checks KIP-1052's steady-state output: the
// warm-up notice, windows printed by the steady-state stats with their
// "In steady state." marker, and a second summary line for the records
// after the warm-up.
func TestProducerWarmupRecords(t *testing.T) {
	defer func(d time.Duration) { reportingInterval = d }(reportingInterval)
	reportingInterval = 100 * time.Millisecond
	addr := testBroker(t)
	topic := createTopic(t, addr, 1)
	code, out, errOut := runTool(t, producer, "--topic", topic, "--num-records", "1500", "--warmup-records", "500",
		"--payload-monotonic", "--throughput", "2500", "--bootstrap-server", addr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	ls := nonEmptyLines(out)
	if ls[0] != "Warmup first 500 records. Steady state results will print after the complete test summary." {
		t.Fatalf("first line %q", ls[0])
	}
	var windows, steadyMarks int
	for _, l := range ls[1 : len(ls)-2] {
		switch {
		case windowLine.MatchString(l):
			windows++
		case l == "In steady state.":
			steadyMarks++
		default:
			t.Errorf("unexpected line %q", l)
		}
	}
	if windows == 0 || steadyMarks != 1 {
		t.Errorf("%d window lines and %d steady-state markers, want some and 1:\n%s", windows, steadyMarks, out)
	}
	all, steady := totalLine.FindStringSubmatch(ls[len(ls)-2]), totalLine.FindStringSubmatch(ls[len(ls)-1])
	if all == nil || all[1] != "1500" || all[2] != "" || steady == nil || steady[1] != "1000" || steady[2] != " steady state" {
		t.Fatalf("summary lines:\n%s\n%s", ls[len(ls)-2], ls[len(ls)-1])
	}
}

func TestProducerThrottles(t *testing.T) {
	addr := testBroker(t)
	topic := createTopic(t, addr, 1)
	res := jsonPath(t)
	code, out, errOut := runTool(t, producer, "--topic", topic, "--num-records", "600", "--record-size", "10",
		"--throughput", "1000", "--producer-props", "bootstrap.servers="+addr, "--json-result", res)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	var r producerResult
	readJSON(t, res, &r)
	if r.Total.Records != 600 || r.Total.ElapsedMs < 500 || r.Total.RecordsPerSec > 1150 {
		t.Fatalf("throttled to 1000/s, got %d records in %.0f ms (%.0f/s)", r.Total.Records, r.Total.ElapsedMs, r.Total.RecordsPerSec)
	}
}

// TestProducerDurationAndWarmupMs checks the Samsa-only time bounds the
// benchmark uses: the run stops at --duration-ms, and the steady-state
// totals cover what was sent after --warmup-ms.
func TestProducerDurationAndWarmupMs(t *testing.T) {
	addr := testBroker(t)
	topic := createTopic(t, addr, 2)
	res := jsonPath(t)
	start := time.Now()
	code, out, errOut := runTool(t, producer, "--topic", topic, "--num-records", "1000000000", "--record-size", "100",
		"--throughput", "1000", "--duration-ms", "1200", "--warmup-ms", "200",
		"--producer-props", "bootstrap.servers="+addr, "--json-result", res)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("run took %v, want it to stop near 1200 ms", took)
	}
	var r producerResult
	readJSON(t, res, &r)
	// Loose bounds: a loaded machine (race detector, two cores) stalls the
	// sender now and then; the point is that time, not the count, ends it.
	if r.Total.Records < 300 || r.Total.Records > 1300 {
		t.Errorf("%d records in 1200 ms at 1000/s", r.Total.Records)
	}
	if r.Steady == nil || r.Steady.Records < r.Total.Records/4 || r.Steady.Records >= r.Total.Records {
		t.Errorf("steady state %+v of total %d, want the records after the first 200 ms", r.Steady, r.Total.Records)
	}
	if n := endOffsets(t, addr, topic); n != r.Total.Records {
		t.Errorf("topic holds %d records, result says %d", n, r.Total.Records)
	}
}

func TestProducerTransactions(t *testing.T) {
	addr := testBroker(t)
	topic := createTopic(t, addr, 2)
	code, out, errOut := runTool(t, producer, "--topic", topic, "--num-records", "500", "--payload-monotonic",
		"--throughput", "2500", "--transaction-duration-ms", "50", "--producer-props", "bootstrap.servers="+addr)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	seen := consumeValues(t, addr, topic, 500, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	for i := 0; i < 500; i++ {
		if !seen[strconv.Itoa(i)] {
			t.Fatalf("committed records lack value %d", i)
		}
	}
	if n := endOffsets(t, addr, topic); n <= 500 {
		t.Fatalf("end offsets sum %d: no transaction markers were written", n)
	}
}

// consumeValues reads want records from the start of topic and returns the
// set of values.
func consumeValues(t *testing.T, addr, topic string, want int, opts ...kgo.Opt) map[string]bool {
	t.Helper()
	cl, err := kgo.NewClient(append(opts, kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	seen := map[string]bool{}
	for n := 0; n < want; {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d records", n, want)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			seen[string(r.Value)] = true
			n++
		})
	}
	return seen
}

func TestProducerPayloadFile(t *testing.T) {
	addr := testBroker(t)
	topic := createTopic(t, addr, 1)
	path := filepath.Join(t.TempDir(), "payloads.txt")
	if err := os.WriteFile(path, []byte("alpha;beta;gamma;"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runTool(t, producer, "--topic", topic, "--num-records", "300", "--payload-file", path,
		"--payload-delimiter", ";", "--throughput", "-1", "--producer-props", "bootstrap.servers="+addr)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	ls := nonEmptyLines(out)
	if ls[0] != "Reading payloads from: "+path || ls[1] != "Number of messages read: 3" {
		t.Fatalf("payload file lines: %q", ls[:2])
	}
	seen := consumeValues(t, addr, topic, 300)
	for v := range seen {
		if v != "alpha" && v != "beta" && v != "gamma" {
			t.Fatalf("unexpected payload %q", v)
		}
	}
}

func TestProducerUsage(t *testing.T) {
	base := []string{"--topic", "t", "--throughput", "-1", "--producer-props", "bootstrap.servers=127.0.0.1:1"}
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"no arguments", nil, 0, "usage: producer-performance [-h]", ""},
		{"help", []string{"--help"}, 1, "optional arguments:", ""},
		{"no payload option", append([]string{"--num-records", "1"}, base...), 1, "",
			"producer-performance: error: one of the arguments --record-size --payload-file --payload-monotonic is required"},
		{"two payload options", append([]string{"--num-records", "1", "--record-size", "1", "--payload-monotonic"}, base...), 1, "",
			"error: argument --payload-monotonic: not allowed with argument --record-size"},
		{"zero records", append([]string{"--num-records", "0", "--record-size", "1"}, base...), 1, "",
			"error: --num-records should be greater than zero"},
		{"warmup too long", append([]string{"--num-records", "5", "--warmup-records", "5", "--record-size", "1"}, base...), 1, "",
			"error: The value for --warmup-records must be strictly fewer than the number of records in the test, --num-records."},
		{"no servers", []string{"--topic", "t", "--num-records", "1", "--record-size", "1", "--throughput", "1"}, 1, "",
			"error: Either --producer-props or --producer.config must be specified."},
		{"missing throughput", []string{"--topic", "t", "--num-records", "1", "--record-size", "1"}, 1, "",
			"error: argument --throughput is required"},
		{"bad acks", append([]string{"--num-records", "1", "--record-size", "1"}, append(base, "acks=2")...), 1, "",
			"Error: invalid value 2 for configuration acks: want one of [all, -1, 0, 1]"},
		{"missing config file", append([]string{"--num-records", "1", "--record-size", "1", "--producer.config", "/nonexistent/p.properties"}, base...), 1, "",
			"Error: read properties file: open /nonexistent/p.properties"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runTool(t, producer, c.args...)
			if code != c.code || !strings.Contains(out, c.stdout) || !strings.Contains(errOut, c.stderr) ||
				(c.stdout == "" && out != "") || (c.stderr == "" && errOut != "") {
				t.Fatalf("exit %d, want %d\nstdout: %q (want %q)\nstderr: %q (want %q)", code, c.code, out, c.stdout, errOut, c.stderr)
			}
		})
	}
}

func TestProducerFailedSendsExitNonZero(t *testing.T) {
	code, out, errOut := runTool(t, producer, "--topic", "t", "--num-records", "50", "--record-size", "10",
		"--throughput", "-1", "--producer-props", "bootstrap.servers=127.0.0.1:1", "delivery.timeout.ms=1000")
	if code != 1 || !strings.HasPrefix(out, "0 records sent") ||
		!strings.Contains(errOut, "ERROR Error when sending message to topic t with key: null, value: 10 bytes with error:") ||
		!strings.Contains(errOut, "Error: 50 records were not acknowledged") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}
