package group

import (
	"context"
	"errors"
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

// classicLog is an in-memory coordinator.Log: batches get offsets as they
// are appended and become durable when their Pending is waited on, unless
// the log is held, in which case they wait for release.
type classicLog struct {
	mu      sync.Mutex
	batches [][]byte
	next    int64
	hw      int64
	held    chan struct{} // non-nil while writes are held
	appends atomic.Int64
}

func (l *classicLog) Append(batch []byte) (coordinator.Pending, error) {
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
	l.appends.Add(1)
	return classicPending{l: l, end: l.next, held: l.held}, nil
}

func (l *classicLog) Read(offset int64, maxBytes int) ([][]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out [][]byte
	size := 0
	for _, b := range l.batches {
		h, err := record.ParseHeader(b)
		if err != nil {
			return nil, err
		}
		if h.NextOffset() <= offset || h.NextOffset() > l.hw {
			continue
		}
		if size > 0 && size+len(b) > maxBytes {
			break
		}
		out = append(out, b)
		size += len(b)
	}
	return out, nil
}

func (l *classicLog) HighWatermark() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.hw
}

func (l *classicLog) LogStartOffset() int64 { return 0 }

// hold makes later writes wait for release.
func (l *classicLog) hold() {
	l.mu.Lock()
	l.held = make(chan struct{})
	l.mu.Unlock()
}

func (l *classicLog) release() {
	l.mu.Lock()
	close(l.held)
	l.held = nil
	l.mu.Unlock()
}

type classicPending struct {
	l    *classicLog
	end  int64
	held chan struct{}
}

func (p classicPending) Wait(ctx context.Context, deadline time.Time) error {
	if p.held != nil {
		select {
		case <-p.held:
		case <-time.After(time.Until(deadline)):
			return kerr.RequestTimedOut
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	p.l.mu.Lock()
	p.l.hw = max(p.l.hw, p.end)
	p.l.mu.Unlock()
	return nil
}

// testClock is an injected clock that tests move by hand; it starts at a
// fixed time.
type testClock struct{ ms atomic.Int64 }

func newTestClock() *testClock {
	c := &testClock{}
	c.ms.Store(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli())
	return c
}

func (c *testClock) now() time.Time          { return time.UnixMilli(c.ms.Load()) }
func (c *testClock) advance(d time.Duration) { c.ms.Add(d.Milliseconds()) }

// classicHarness runs a group coordinator over one in-memory partition of
// __consumer_offsets (so every group shares one shard), as the broker
// does, with a topic "t" of 4 partitions to commit offsets for.
type classicHarness struct {
	t     testing.TB
	cfg   Config
	log   *classicLog
	clock *testClock
	image *metadata.Image
	c     *Coordinator
}

func newClassicHarness(t testing.TB, tweak func(*Config)) *classicHarness {
	t.Helper()
	h := &classicHarness{t: t, log: &classicLog{}, clock: newTestClock()}
	h.cfg = Config{
		BrokerID:                      1,
		Logger:                        slog.New(slog.NewTextHandler(io.Discard, nil)),
		Partitions:                    1,
		MinSessionTimeout:             10 * time.Millisecond,
		MaxSessionTimeout:             time.Minute,
		OffsetMetadataMaxBytes:        4096,
		OffsetsRetention:              24 * time.Hour,
		OffsetsRetentionCheckInterval: time.Hour,
		OffsetCommitTimeout:           5 * time.Second,
		Now:                           h.clock.now,
	}
	if tweak != nil {
		tweak(&h.cfg)
	}
	offsetsID, topicID := metadata.NewUuid(), metadata.NewUuid()
	recs := []metadata.Record{
		&metadata.TopicRecord{Name: metadata.ConsumerOffsetsTopic, TopicID: offsetsID},
		&metadata.PartitionRecord{PartitionID: 0, TopicID: offsetsID, Replicas: []int32{1}, Isr: []int32{1}, Leader: 1},
		&metadata.TopicRecord{Name: "t", TopicID: topicID},
	}
	for p := int32(0); p < 4; p++ {
		recs = append(recs, &metadata.PartitionRecord{PartitionID: p, TopicID: topicID, Replicas: []int32{1}, Isr: []int32{1}, Leader: 1})
	}
	im, err := metadata.Empty().Apply(0, 1, recs)
	if err != nil {
		t.Fatal(err)
	}
	h.image = im
	h.start()
	t.Cleanup(func() { h.c.Close() })
	return h
}

// start runs a coordinator over the harness's log and waits for it to
// load the partition.
func (h *classicHarness) start() {
	h.t.Helper()
	h.c = New(h.cfg, func() *metadata.Image { return h.image },
		func(int32) (coordinator.Log, bool) { return h.log, true })
	h.c.OnImage(nil, h.image)
	deadline := time.Now().Add(5 * time.Second)
	for !h.c.rt.Loaded(0) {
		if time.Now().After(deadline) {
			h.t.Fatal("the partition did not load")
		}
		time.Sleep(time.Millisecond)
	}
}

// restart stops the coordinator and starts another over the same log, as
// a broker restart or a new leader does.
func (h *classicHarness) restart() {
	h.t.Helper()
	h.c.Close()
	h.start()
}

func (h *classicHarness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	h.t.Cleanup(cancel)
	return ctx
}

// joinReq is a JoinGroup of the consumer protocol type with the given
// protocols (name, then metadata, in pairs).
func joinReq(group, memberID string, version int16, protocols ...string) *kmsg.JoinGroupRequest {
	req := kmsg.NewPtrJoinGroupRequest()
	req.Version, req.Group, req.MemberID = version, group, memberID
	req.SessionTimeoutMillis, req.RebalanceTimeoutMillis = 10_000, 1_000
	req.ProtocolType = "consumer"
	for i := 0; i+1 < len(protocols); i += 2 {
		req.Protocols = append(req.Protocols, kmsg.JoinGroupRequestProtocol{Name: protocols[i], Metadata: []byte(protocols[i+1])})
	}
	return req
}

// subscription is consumer protocol metadata subscribing to topics.
func subscription(topics ...string) string {
	m := kmsg.NewConsumerMemberMetadata()
	m.Topics = topics
	return string(m.AppendTo(nil))
}

// joinAsync sends a JoinGroup and returns where its answer arrives.
func (h *classicHarness) joinAsync(req *kmsg.JoinGroupRequest, clientID string) <-chan *kmsg.JoinGroupResponse {
	ch := make(chan *kmsg.JoinGroupResponse, 1)
	ctx := h.ctx()
	go func() { ch <- h.c.JoinGroup(ctx, req, Client{ID: clientID, Host: "/127.0.0.1"}) }()
	return ch
}

func (h *classicHarness) join(req *kmsg.JoinGroupRequest, clientID string) *kmsg.JoinGroupResponse {
	h.t.Helper()
	return h.await(h.joinAsync(req, clientID))
}

func (h *classicHarness) await(ch <-chan *kmsg.JoinGroupResponse) *kmsg.JoinGroupResponse {
	h.t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		h.t.Fatal("JoinGroup not answered")
		return nil
	}
}

// joinNew joins a member without an id, the v4+ way: MEMBER_ID_REQUIRED,
// then again with the id. It returns the id and where the second join's
// answer arrives.
func (h *classicHarness) joinNew(req *kmsg.JoinGroupRequest, clientID string) (string, <-chan *kmsg.JoinGroupResponse) {
	h.t.Helper()
	first := *req
	first.MemberID = ""
	r := h.join(&first, clientID)
	if r.ErrorCode != kerr.MemberIDRequired.Code {
		h.t.Fatalf("first join: error %d, want MEMBER_ID_REQUIRED", r.ErrorCode)
	}
	second := *req
	second.MemberID = r.MemberID
	return r.MemberID, h.joinAsync(&second, clientID)
}

func (h *classicHarness) syncAsync(group, memberID string, generation int32, assignments map[string]string) <-chan *kmsg.SyncGroupResponse {
	req := kmsg.NewPtrSyncGroupRequest()
	req.Version, req.Group, req.MemberID, req.Generation = 5, group, memberID, generation
	for id, a := range assignments {
		req.GroupAssignment = append(req.GroupAssignment, kmsg.SyncGroupRequestGroupAssignment{MemberID: id, MemberAssignment: []byte(a)})
	}
	ch := make(chan *kmsg.SyncGroupResponse, 1)
	ctx := h.ctx()
	go func() { ch <- h.c.SyncGroup(ctx, req) }()
	return ch
}

func (h *classicHarness) sync(group, memberID string, generation int32, assignments map[string]string) *kmsg.SyncGroupResponse {
	h.t.Helper()
	return h.awaitSync(h.syncAsync(group, memberID, generation, assignments))
}

func (h *classicHarness) awaitSync(ch <-chan *kmsg.SyncGroupResponse) *kmsg.SyncGroupResponse {
	h.t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		h.t.Fatal("SyncGroup not answered")
		return nil
	}
}

func (h *classicHarness) heartbeat(group, memberID string, generation int32, instanceID *string) int16 {
	req := kmsg.NewPtrHeartbeatRequest()
	req.Version, req.Group, req.MemberID, req.Generation, req.InstanceID = 4, group, memberID, generation, instanceID
	return h.c.Heartbeat(h.ctx(), req).ErrorCode
}

func (h *classicHarness) describe(version int16, groups ...string) []kmsg.DescribeGroupsResponseGroup {
	req := kmsg.NewPtrDescribeGroupsRequest()
	req.Version, req.Groups, req.IncludeAuthorizedOperations = version, groups, true
	return h.c.DescribeGroups(h.ctx(), req).Groups
}

func (h *classicHarness) describeOne(group string) kmsg.DescribeGroupsResponseGroup {
	return h.describe(5, group)[0]
}

// stable forms a group of n members joining with the given protocols;
// see stableOf.
func (h *classicHarness) stable(group string, n int, protocols ...string) ([]string, int32) {
	h.t.Helper()
	templates := make([]*kmsg.JoinGroupRequest, n)
	for i := range templates {
		templates[i] = joinReq(group, "", 5, protocols...)
	}
	return h.stableOf(templates)
}

// stableOf forms a group the way clients do, one member at a time: each
// new member's join starts a rebalance, the members already in rejoin, the
// leader assigns "a-<member id>" to each and every member syncs. It
// returns the member ids in join order and the last generation.
func (h *classicHarness) stableOf(templates []*kmsg.JoinGroupRequest) ([]string, int32) {
	h.t.Helper()
	group := templates[0].Group
	var ids []string
	var generation int32
	for i, tmpl := range templates {
		id, first := h.joinFresh(tmpl)
		answers := []<-chan *kmsg.JoinGroupResponse{first}
		if i > 0 {
			eventually(h.t, "the rebalance for a new member", func() bool { return h.describeOne(group).State == "PreparingRebalance" })
			for j, old := range ids {
				req := *templates[j]
				req.MemberID = old
				answers = append(answers, h.joinAsync(&req, "c"))
			}
		}
		var leader string
		for j, ch := range answers {
			r := h.await(ch)
			if r.ErrorCode != 0 {
				h.t.Fatalf("join %d of member %d: %s", j, i, codeName(r.ErrorCode))
			}
			if j == 0 {
				id = r.MemberID
			}
			if j > 0 && r.Generation != generation {
				h.t.Fatalf("members in generations %d and %d", generation, r.Generation)
			}
			leader, generation = r.LeaderID, r.Generation
		}
		ids = append(ids, id)
		h.syncAll(group, ids, leader, generation)
	}
	return ids, generation
}

// joinFresh joins a member that has no id yet: a static member at once, a
// dynamic one after MEMBER_ID_REQUIRED. The id is "" for a static member
// until its answer.
func (h *classicHarness) joinFresh(tmpl *kmsg.JoinGroupRequest) (string, <-chan *kmsg.JoinGroupResponse) {
	h.t.Helper()
	if tmpl.InstanceID != nil {
		req := *tmpl
		req.MemberID = ""
		return "", h.joinAsync(&req, "c")
	}
	return h.joinNew(tmpl, "c")
}

// syncAll syncs every member, the leader assigning "a-<id>" to each.
func (h *classicHarness) syncAll(group string, ids []string, leader string, generation int32) {
	h.t.Helper()
	assign := map[string]string{}
	for _, id := range ids {
		assign[id] = "a-" + id
	}
	syncs := map[string]<-chan *kmsg.SyncGroupResponse{}
	for _, id := range ids {
		a := map[string]string(nil)
		if id == leader {
			a = assign
		}
		syncs[id] = h.syncAsync(group, id, generation, a)
	}
	for id, ch := range syncs {
		if r := h.awaitSync(ch); r.ErrorCode != 0 || string(r.MemberAssignment) != "a-"+id {
			h.t.Fatalf("sync of %s: %s, assignment %q", id, codeName(r.ErrorCode), r.MemberAssignment)
		}
	}
}

// runWrite appends a record to the partition through the runtime, as an
// older broker's coordinator would have.
func runWrite(t *testing.T, h *classicHarness, key, value []byte) {
	t.Helper()
	_, err := run(h.ctx(), h.c, "any", func(op *coordinator.Op, st *State, reply func(bool)) {
		op.Write(coordinator.Record{Key: key, Value: value})
		op.AfterCommit(func(error) { reply(true) })
	})
	if err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond until it holds or a few seconds pass.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func codeName(code int16) string {
	if code == 0 {
		return "NONE"
	}
	err := kerr.ErrorForCode(code)
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return ke.Message
	}
	return err.Error()
}

func wantCode(t *testing.T, what string, got int16, want *kerr.Error) {
	t.Helper()
	w := int16(0)
	if want != nil {
		w = want.Code
	}
	if got != w {
		t.Fatalf("%s: got %s, want %s", what, codeName(got), codeName(w))
	}
}
