package consumergroups

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/testbin"
)

// env is one running node shared by the subtests of a test.
type env struct {
	t    *testing.T
	node *testbin.Node
	adm  *kadm.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	n := testbin.Start(t)
	return &env{t: t, node: n, adm: kadm.NewClient(n.Client())}
}

// run runs `samsa consumer-groups --bootstrap-server <node> args...`,
// with the node's port and server-made ids replaced by placeholders of the
// same width.
func (e *env) run(args ...string) (stdout, stderr string, code int) {
	full := append([]string{"consumer-groups", "--bootstrap-server", e.node.Addr()}, args...)
	stdout, stderr, code = e.node.Run(full...)
	return e.normalise(stdout), e.normalise(stderr), code
}

var (
	uuidPattern  = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	stampPattern = regexp.MustCompile(`^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] `)
)

func (e *env) normalise(s string) string {
	s = strings.ReplaceAll(s, strconv.Itoa(e.node.Port), strings.Repeat("P", len(strconv.Itoa(e.node.Port))))
	s = uuidPattern.ReplaceAllString(s, "UUUUUUUU-UUUU-UUUU-UUUU-UUUUUUUUUUUU")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = stampPattern.ReplaceAllString(l, "[TIME] ")
	}
	return strings.Join(lines, "\n")
}

// expect compares a run's whole output and exit code with the golden
// ones, line by line.
func expect(t *testing.T, stdout, stderr string, code int, wantStdout, wantStderr string, wantCode int) {
	t.Helper()
	compare(t, "stdout", stdout, wantStdout)
	compare(t, "stderr", stderr, wantStderr)
	if code != wantCode {
		t.Errorf("exit code %d, want %d", code, wantCode)
	}
}

func compare(t *testing.T, stream, got, want string) {
	t.Helper()
	testbin.CompareOutput(t, stream, got, want)
}

// createTopic creates topic with partitions and writes counts[p] records to
// each partition p.
func (e *env) createTopic(topic string, counts ...int) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := e.adm.CreateTopic(ctx, int32(len(counts)), 1, nil, topic); err != nil {
		e.t.Fatalf("create topic %s: %v", topic, err)
	}
	cl := e.node.Client(kgo.RecordPartitioner(kgo.ManualPartitioner()))
	var recs []*kgo.Record
	for p, n := range counts {
		for i := 0; i < n; i++ {
			recs = append(recs, &kgo.Record{Topic: topic, Partition: int32(p), Value: []byte("v")})
		}
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		e.t.Fatalf("produce to %s: %v", topic, err)
	}
}

// groupMember is a consumer in a group, polling until stopped.
type groupMember struct {
	client *kgo.Client
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// join starts a member with clientID in group consuming topics; extra
// options pick the protocol and balancer.
func (e *env) join(group, clientID string, topics []string, extra ...kgo.Opt) *groupMember {
	e.t.Helper()
	opts := append([]kgo.Opt{
		kgo.SeedBrokers(e.node.Addr()),
		kgo.ClientID(clientID),
		kgo.ConsumerGroup(group),
		kgo.ConsumeTopics(topics...),
		kgo.DisableAutoCommit(),
		kgo.FetchMaxWait(200 * time.Millisecond),
	}, extra...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &groupMember{client: cl, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(m.done)
		for ctx.Err() == nil {
			cl.PollFetches(ctx)
		}
	}()
	e.t.Cleanup(m.stop)
	return m
}

// stop leaves the group and closes the client.
func (m *groupMember) stop() {
	m.once.Do(func() {
		m.cancel()
		<-m.done
		m.client.Close()
	})
}

// commit commits offsets for the member's own partitions.
func (m *groupMember) commit(t *testing.T, topic string, offsets map[int32]int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	eo := map[int32]kgo.EpochOffset{}
	for p, o := range offsets {
		eo[p] = kgo.EpochOffset{Epoch: -1, Offset: o}
	}
	var cerr error
	m.client.CommitOffsetsSync(ctx, map[string]map[int32]kgo.EpochOffset{topic: eo},
		func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
			cerr = err
			if err == nil {
				for _, rt := range resp.Topics {
					for _, rp := range rt.Partitions {
						if rp.ErrorCode != 0 && cerr == nil {
							cerr = fmt.Errorf("commit %s-%d: error code %d", rt.Topic, rp.Partition, rp.ErrorCode)
						}
					}
				}
			}
		})
	if cerr != nil {
		t.Fatal(cerr)
	}
}

// waitGroup polls until check accepts the group's listing and description.
func (e *env) waitGroup(group string, check func(state string, assigned []int) bool) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		state, assigned := e.groupShape(group)
		if check(state, assigned) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	state, assigned := e.groupShape(group)
	e.t.Fatalf("group %s did not settle: state %s, assignment sizes %v", group, state, assigned)
}

// groupShape is the group's state and each member's partition count,
// through either describe API.
func (e *env) groupShape(group string) (string, []int) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if d, err := e.adm.DescribeConsumerGroups(ctx, group); err == nil && d[group].Err == nil {
		var sizes []int
		for _, m := range d[group].Members {
			n := 0
			m.Assignment.Each(func(string, int32) { n++ })
			sizes = append(sizes, n)
		}
		return d[group].State, sizes
	}
	d, err := e.adm.DescribeGroups(ctx, group)
	if err != nil {
		return err.Error(), nil
	}
	var sizes []int
	for _, m := range d[group].Members {
		a, _ := m.Assigned.AsConsumer()
		n := 0
		if a != nil {
			for _, t := range a.Topics {
				n += len(t.Partitions)
			}
		}
		sizes = append(sizes, n)
	}
	return d[group].State, sizes
}

func binary(t *testing.T) string { return testbin.Binary(t) }

func runBinary(bin string, args ...string) (string, string, int) {
	return testbin.RunBinary(bin, nil, args...)
}
