package group

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/coordinator"
	"samsa/internal/metadata"
	"samsa/internal/record"
)

// cgtLog is an in-memory partition of __consumer_offsets: batches get
// offsets as they are appended and are durable at once.
type cgtLog struct {
	mu      sync.Mutex
	batches [][]byte
	next    int64
}

func (l *cgtLog) Append(batch []byte) (coordinator.Pending, error) {
	h, err := record.ParseHeader(batch)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := append([]byte(nil), batch...)
	record.SetBaseOffset(b, l.next)
	l.batches = append(l.batches, b)
	l.next += int64(h.LastOffsetDelta) + 1
	return cgtDone{}, nil
}

func (l *cgtLog) Read(offset int64, _ int) ([][]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out [][]byte
	for _, b := range l.batches {
		h, err := record.ParseHeader(b)
		if err != nil {
			return nil, err
		}
		if h.NextOffset() > offset {
			out = append(out, b)
		}
	}
	return out, nil
}

func (l *cgtLog) HighWatermark() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.next
}

func (l *cgtLog) LogStartOffset() int64 { return 0 }

type cgtDone struct{}

func (cgtDone) Wait(context.Context, time.Time) error { return nil }

// cgtCluster runs a group coordinator over one in-memory partition of
// __consumer_offsets, with topics the test creates and grows.
type cgtCluster struct {
	t      *testing.T
	cfg    Config
	log    *cgtLog
	image  atomic.Pointer[metadata.Image]
	offset int64
	c      *Coordinator
}

func newCGTCluster(t *testing.T, tweak func(*Config)) *cgtCluster {
	t.Helper()
	cl := &cgtCluster{t: t, log: &cgtLog{}}
	cl.cfg = Config{
		BrokerID: 1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Partitions: 1,
		ConsumerSessionTimeout: time.Minute, ConsumerHeartbeatInterval: time.Second, ConsumerMaxSize: 1000,
		ConsumerAssignors: []string{"uniform", "range"}, OffsetMetadataMaxBytes: 4096, OffsetsRetention: 24 * time.Hour,
		OffsetsRetentionCheckInterval: time.Hour, OffsetCommitTimeout: 5 * time.Second,
	}
	if tweak != nil {
		tweak(&cl.cfg)
	}
	id := metadata.NewUuid()
	cl.apply(&metadata.TopicRecord{Name: metadata.ConsumerOffsetsTopic, TopicID: id},
		&metadata.PartitionRecord{PartitionID: 0, TopicID: id, Replicas: []int32{1}, Isr: []int32{1}, Leader: 1})
	cl.start()
	t.Cleanup(func() { cl.c.Close() })
	return cl
}

func (cl *cgtCluster) apply(recs ...metadata.Record) {
	cl.t.Helper()
	cur := cl.image.Load()
	if cur == nil {
		cur = metadata.Empty()
	}
	cl.offset++
	next, err := cur.Apply(cl.offset, 1, recs)
	if err != nil {
		cl.t.Fatal(err)
	}
	cl.image.Store(next)
	if cl.c != nil {
		cl.c.OnImage(cur, next)
	}
}

// topic creates a topic or adds partitions to it, and returns its id.
func (cl *cgtCluster) topic(name string, partitions int32) metadata.Uuid {
	cl.t.Helper()
	t, ok := cl.image.Load().Topic(name)
	var id metadata.Uuid
	from := int32(0)
	var recs []metadata.Record
	if ok {
		id, from = t.ID, int32(len(t.Partitions))
	} else {
		id = metadata.NewUuid()
		recs = append(recs, &metadata.TopicRecord{Name: name, TopicID: id})
	}
	for p := from; p < partitions; p++ {
		recs = append(recs, &metadata.PartitionRecord{PartitionID: p, TopicID: id, Replicas: []int32{1}, Isr: []int32{1}, Leader: 1})
	}
	cl.apply(recs...)
	return id
}

func (cl *cgtCluster) start() {
	cl.t.Helper()
	cl.c = New(cl.cfg, cl.image.Load, func(int32) (coordinator.Log, bool) { return cl.log, true })
	cl.c.OnImage(nil, cl.image.Load())
	deadline := time.Now().Add(5 * time.Second)
	for !cl.c.rt.Loaded(0) {
		if time.Now().After(deadline) {
			cl.t.Fatal("the partition did not load")
		}
		time.Sleep(time.Millisecond)
	}
}

// restart replaces the coordinator by a new one loading the same log.
func (cl *cgtCluster) restart() {
	cl.t.Helper()
	cl.c.Close()
	cl.start()
}

func (cl *cgtCluster) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	cl.t.Cleanup(cancel)
	return ctx
}

func (cl *cgtCluster) heartbeat(req *kmsg.ConsumerGroupHeartbeatRequest) *kmsg.ConsumerGroupHeartbeatResponse {
	cl.t.Helper()
	return cl.c.ConsumerGroupHeartbeat(cl.ctx(), "client", "/127.0.0.1", req)
}

// cgtJoin builds a v1 join of member to group with a subscription.
func cgtJoin(group, member string, topics ...string) *kmsg.ConsumerGroupHeartbeatRequest {
	req := kmsg.NewPtrConsumerGroupHeartbeatRequest()
	req.Version = 1
	req.Group, req.MemberID, req.MemberEpoch = group, member, 0
	req.RebalanceTimeoutMillis = 30000
	req.SubscribedTopicNames = append([]string{}, topics...)
	req.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
	return req
}

// cgtBeat builds a heartbeat at epoch reporting the owned partitions
// (nil: not reported).
func cgtBeat(group, member string, epoch int32, owned map[metadata.Uuid][]int32) *kmsg.ConsumerGroupHeartbeatRequest {
	req := kmsg.NewPtrConsumerGroupHeartbeatRequest()
	req.Version = 1
	req.Group, req.MemberID, req.MemberEpoch = group, member, epoch
	if owned != nil {
		req.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
		for _, t := range sortedTopicIDs(owned) {
			req.Topics = append(req.Topics, kmsg.ConsumerGroupHeartbeatRequestTopic{TopicID: t, Partitions: owned[t]})
		}
	}
	return req
}

// snapshot reads a consumer group's state on its shard.
func (cl *cgtCluster) snapshot(group string) cgtGroupView {
	cl.t.Helper()
	v, err := run(cl.ctx(), cl.c, group, func(_ *coordinator.Op, st *State, reply func(cgtGroupView)) {
		reply(cgtView(st.cgGroup(group)))
	})
	if err != nil {
		cl.t.Fatal(err)
	}
	return v
}

// cgtGroupView is a comparable copy of a group's persistent state.
type cgtGroupView struct {
	Exists          bool
	Epoch           int32
	AssignmentEpoch int32
	State           string
	Subscription    string
	Members         map[string]cgtMemberView
}

type cgtMemberView struct {
	Epoch, Previous int32
	State           int8
	Assigned        string
	Pending         string
	Target          string
	Names           string
	Regex           string
}

func cgtView(g *consumerGroup) cgtGroupView {
	if g == nil {
		return cgtGroupView{}
	}
	v := cgtGroupView{Exists: true, Epoch: g.epoch, AssignmentEpoch: g.assignmentEpoch, State: g.StateName(),
		Members: map[string]cgtMemberView{}}
	for _, name := range sortedKeys(g.subscription) {
		v.Subscription += name + " "
	}
	for id, m := range g.members {
		v.Members[id] = cgtMemberView{Epoch: m.epoch, Previous: m.previousEpoch, State: m.state,
			Assigned: cgtOwnedString(m.assigned), Pending: cgtOwnedString(m.pendingRevoke),
			Target: cgtShow(map[string]cgAssignment{"": g.target[id]}), Names: fmt.Sprint(m.subscribedNames), Regex: m.subscribedRegex}
	}
	return v
}

func cgtOwnedString(o cgOwned) string {
	s := ""
	for _, t := range o.records() {
		s += cgtShow(map[string]cgAssignment{"": {t.TopicID: t.Partitions}}) + fmt.Sprint(t.AssignmentEpochs)
	}
	return s
}

func cgtWant(t *testing.T, what string, got int16, want *kerr.Error) {
	t.Helper()
	wantCode := int16(0)
	if want != nil {
		wantCode = want.Code
	}
	if got != wantCode {
		name := "NONE"
		if e := kerr.ErrorForCode(got); e != nil {
			name = e.Error()
		}
		t.Fatalf("%s: error %s (%d), want %v", what, name, got, want)
	}
}

// cgtAssigned returns the partitions of a response's assignment.
func cgtAssigned(resp *kmsg.ConsumerGroupHeartbeatResponse) map[metadata.Uuid][]int32 {
	if resp.Assignment == nil {
		return nil
	}
	out := map[metadata.Uuid][]int32{}
	for _, t := range resp.Assignment.Topics {
		out[t.TopicID] = append([]int32{}, t.Partitions...)
	}
	return out
}
