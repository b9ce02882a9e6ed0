package perf

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The tests run the tools against a broker: by default an in-process kfake
// cluster, or the broker at $SAMSA_TEST_BOOTSTRAP (host:port) when set, so
// the same tests check a real Samsa broker.
const bootstrapEnv = "SAMSA_TEST_BOOTSTRAP"

func testBroker(t *testing.T) string {
	t.Helper()
	if addr := os.Getenv(bootstrapEnv); addr != "" {
		return addr
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatalf("start kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()[0]
}

var topicSeq atomic.Int64

// createTopic makes a fresh topic with the given partition count.
func createTopic(t *testing.T, addr string, partitions int32) string {
	t.Helper()
	name := fmt.Sprintf("perf-test-%d-%d", time.Now().UnixNano(), topicSeq.Add(1))
	adm := admin(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	resp, err := adm.CreateTopic(ctx, partitions, 1, nil, name)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create topic %s: %v", name, err)
	}
	return name
}

func admin(t *testing.T, addr string) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// endOffsets sums the topic's log end offsets: the records it holds.
func endOffsets(t *testing.T, addr, topic string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	offsets, err := admin(t, addr).ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatalf("list end offsets: %v", err)
	}
	var n int64
	offsets.Each(func(o kadm.ListedOffset) { n += o.Offset })
	return n
}

// runTool runs a tool and returns its exit code, stdout and stderr.
func runTool(t *testing.T, tool func(context.Context, []string, *bytes.Buffer, *bytes.Buffer) int, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := tool(ctx, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func producer(ctx context.Context, args []string, out, errOut *bytes.Buffer) int {
	return RunProducer(ctx, args, out, errOut)
}

func consumer(ctx context.Context, args []string, out, errOut *bytes.Buffer) int {
	return RunConsumer(ctx, args, out, errOut)
}

// totalLine is Kafka's producer summary line; group 1 is the count, 2 an
// optional " steady state".
var totalLine = regexp.MustCompile(`^(\d+)( steady state)? records sent, \d+\.\d{6} records/sec \(\d+\.\d{2} MB/sec\), ` +
	`(\d+\.\d{2}|NaN) ms avg latency, \d+\.\d{2} ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$`)

var windowLine = regexp.MustCompile(`^\d+ records sent, \d+\.\d records/sec \(\d+\.\d{2} MB/sec\), \d+\.\d ms avg latency, \d+\.\d ms max latency\.$`)

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decode %s: %v (%s)", path, err, data)
	}
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func jsonPath(t *testing.T) string { return filepath.Join(t.TempDir(), "result.json") }
