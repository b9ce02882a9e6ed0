package controller

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/metadata"
)

// localQuorum commits by applying to a loader at once: the controller's
// logic is tested here, the quorum in its own package.
type localQuorum struct {
	loader *metadata.Loader
	index  uint64
}

func (q *localQuorum) Propose(_ context.Context, data []byte) (uint64, error) {
	q.index++
	return q.index, q.loader.Apply(q.index, 1, data)
}

func (q *localQuorum) IsLeader() bool { return true }

func newTestController(t *testing.T, brokers int) (*Controller, *metadata.Loader) {
	t.Helper()
	l := metadata.NewLoader()
	c := New(Config{NodeID: 1, DefaultNumPartitions: 1, DefaultReplicationFactor: 1, DeleteTopicEnable: true,
		Bootstrap: []metadata.Record{&metadata.FeatureLevelRecord{Name: "metadata.version", FeatureLevel: 25}}},
		&localQuorum{loader: l}, nil, l.Current)
	ctx := context.Background()
	if err := c.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	for id := int32(1); id <= int32(brokers); id++ {
		reg := kmsg.NewPtrBrokerRegistrationRequest()
		reg.BrokerID = id
		reg.IncarnationID = metadata.NewUuid()
		rr := c.RegisterBroker(ctx, reg)
		if rr.ErrorCode != 0 {
			t.Fatalf("register %d: %v", id, kerr.ErrorForCode(rr.ErrorCode))
		}
		hb := kmsg.NewPtrBrokerHeartbeatRequest()
		hb.BrokerID, hb.BrokerEpoch, hb.CurrentMetadataOffset = id, rr.BrokerEpoch, l.Current().Offset()
		if h := c.Heartbeat(ctx, hb); h.ErrorCode != 0 || h.IsFenced {
			t.Fatalf("heartbeat %d: code %d fenced %v", id, h.ErrorCode, h.IsFenced)
		}
	}
	return c, l
}

func createTopic(name string, partitions int32, rf int16) *kmsg.CreateTopicsRequest {
	req := kmsg.NewPtrCreateTopicsRequest()
	req.SetVersion(7)
	t := kmsg.NewCreateTopicsRequestTopic()
	t.Topic, t.NumPartitions, t.ReplicationFactor = name, partitions, rf
	req.Topics = append(req.Topics, t)
	return req
}

func TestCreateTopics(t *testing.T) {
	c, l := newTestController(t, 3)
	ctx := context.Background()
	resp := c.CreateTopics(ctx, createTopic("orders", 6, 3))
	if rt := resp.Topics[0]; rt.ErrorCode != 0 || rt.NumPartitions != 6 || rt.ReplicationFactor != 3 {
		t.Fatalf("create: %+v", rt)
	}
	top, ok := l.Current().Topic("orders")
	if !ok || len(top.Partitions) != 6 || top.ID != resp.Topics[0].TopicID {
		t.Fatalf("image topic: %+v", top)
	}
	leaders := map[int32]int{}
	for _, p := range top.Partitions {
		leaders[p.Leader]++
		if len(p.Replicas) != 3 || p.Leader != p.Replicas[0] {
			t.Fatalf("partition %+v", p)
		}
	}
	if leaders[1] != 2 || leaders[2] != 2 || leaders[3] != 2 {
		t.Fatalf("leaders not spread evenly: %v", leaders)
	}
	again := c.CreateTopics(ctx, createTopic("orders", 1, 1))
	if again.Topics[0].ErrorCode != kerr.TopicAlreadyExists.Code || *again.Topics[0].ErrorMessage != "Topic 'orders' already exists." {
		t.Fatalf("duplicate create: %+v", again.Topics[0])
	}
}

func TestCreateTopicsErrors(t *testing.T) {
	c, l := newTestController(t, 1)
	ctx := context.Background()
	cases := []struct {
		req  *kmsg.CreateTopicsRequest
		code int16
		msg  string
	}{
		{createTopic("bad name", 1, 1), kerr.InvalidTopicException.Code, ""},
		{createTopic("zero", 0, 1), kerr.InvalidPartitions.Code, "Number of partitions was set to an invalid non-positive value."},
		{createTopic("rf0", 1, 0), kerr.InvalidReplicationFactor.Code, ""},
		{createTopic("rf3", 1, 3), kerr.InvalidReplicationFactor.Code,
			"Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered."},
		{createTopic("huge", 20000, 1), kerr.PolicyViolation.Code, ""},
	}
	for _, tc := range cases {
		rt := c.CreateTopics(ctx, tc.req).Topics[0]
		if rt.ErrorCode != tc.code {
			t.Errorf("%s: code %v, want %v", rt.Topic, kerr.ErrorForCode(rt.ErrorCode), kerr.ErrorForCode(tc.code))
		}
		if tc.msg != "" && (rt.ErrorMessage == nil || *rt.ErrorMessage != tc.msg) {
			t.Errorf("%s: message %v, want %q", rt.Topic, rt.ErrorMessage, tc.msg)
		}
	}
	if n := l.Current().TopicCount(); n != 0 {
		t.Fatalf("%d topics created by failing requests", n)
	}
	c.CreateTopics(ctx, createTopic("a.b", 1, 1))
	if rt := c.CreateTopics(ctx, createTopic("a_b", 1, 1)).Topics[0]; rt.ErrorCode != kerr.InvalidTopicException.Code {
		t.Fatalf("colliding name: %+v", rt)
	}
	vo := createTopic("dry", 1, 1)
	vo.ValidateOnly = true
	if rt := c.CreateTopics(ctx, vo).Topics[0]; rt.ErrorCode != 0 {
		t.Fatalf("validate only: %+v", rt)
	}
	if _, ok := l.Current().Topic("dry"); ok {
		t.Fatalf("validate_only created the topic")
	}
}

func TestDeleteTopicsAndPartitions(t *testing.T) {
	c, l := newTestController(t, 1)
	ctx := context.Background()
	id := c.CreateTopics(ctx, createTopic("t", 2, 1)).Topics[0].TopicID

	cp := kmsg.NewPtrCreatePartitionsRequest()
	cp.Topics = []kmsg.CreatePartitionsRequestTopic{{Topic: "t", Count: 1}}
	if r := c.CreatePartitions(ctx, cp).Topics[0]; r.ErrorCode != kerr.InvalidPartitions.Code {
		t.Fatalf("decrease: %+v", r)
	}
	cp.Topics[0].Count = 5
	if r := c.CreatePartitions(ctx, cp).Topics[0]; r.ErrorCode != 0 {
		t.Fatalf("increase: %+v", r)
	}
	if top, _ := l.Current().Topic("t"); len(top.Partitions) != 5 {
		t.Fatalf("partitions %d", len(top.Partitions))
	}

	dt := kmsg.NewPtrDeleteTopicsRequest()
	dt.SetVersion(6)
	dt.Topics = []kmsg.DeleteTopicsRequestTopic{{TopicID: id}, {TopicID: metadata.NewUuid()}}
	resp := c.DeleteTopics(ctx, dt)
	if resp.Topics[0].ErrorCode != 0 || *resp.Topics[0].Topic != "t" {
		t.Fatalf("delete by id: %+v", resp.Topics[0])
	}
	if resp.Topics[1].ErrorCode != kerr.UnknownTopicID.Code {
		t.Fatalf("unknown id: %+v", resp.Topics[1])
	}
	if l.Current().TopicCount() != 0 {
		t.Fatalf("topic not deleted")
	}
}

func TestIncrementalAlterConfigs(t *testing.T) {
	c, l := newTestController(t, 1)
	ctx := context.Background()
	c.CreateTopics(ctx, createTopic("t", 1, 1))
	val := func(s string) *string { return &s }
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	req.Resources = []kmsg.IncrementalAlterConfigsRequestResource{{
		ResourceType: kmsg.ConfigResourceTypeTopic, ResourceName: "t",
		Configs: []kmsg.IncrementalAlterConfigsRequestResourceConfig{
			{Name: "retention.ms", Op: kmsg.IncrementalAlterConfigOpSet, Value: val("1000")},
			{Name: "cleanup.policy", Op: kmsg.IncrementalAlterConfigOpAppend, Value: val("compact")},
		},
	}, {
		ResourceType: kmsg.ConfigResourceTypeTopic, ResourceName: "missing",
	}}
	resp := c.IncrementalAlterConfigs(ctx, req)
	if resp.Resources[0].ErrorCode != 0 || resp.Resources[1].ErrorCode != kerr.UnknownTopicOrPartition.Code {
		t.Fatalf("codes %d %d", resp.Resources[0].ErrorCode, resp.Resources[1].ErrorCode)
	}
	cfg := l.Current().Configs(metadata.ConfigResource{Type: metadata.ConfigResourceTopic, Name: "t"})
	if cfg["retention.ms"] != "1000" || cfg["cleanup.policy"] != "compact" {
		t.Fatalf("configs %v", cfg)
	}
	req.Resources = req.Resources[:1]
	req.Resources[0].Configs = []kmsg.IncrementalAlterConfigsRequestResourceConfig{
		{Name: "retention.ms", Op: kmsg.IncrementalAlterConfigOpDelete},
	}
	c.IncrementalAlterConfigs(ctx, req)
	if cfg := l.Current().Configs(metadata.ConfigResource{Type: metadata.ConfigResourceTopic, Name: "t"}); cfg["retention.ms"] != "" {
		t.Fatalf("retention.ms not deleted: %v", cfg)
	}
}

func TestFencingMovesLeadership(t *testing.T) {
	c, l := newTestController(t, 2)
	ctx := context.Background()
	c.CreateTopics(ctx, createTopic("t", 2, 2))
	b1, _ := l.Current().Broker(1)
	hb := kmsg.NewPtrBrokerHeartbeatRequest()
	hb.BrokerID, hb.BrokerEpoch, hb.WantShutdown = 1, b1.Epoch, true
	if r := c.Heartbeat(ctx, hb); r.ErrorCode != 0 || !r.ShouldShutdown {
		t.Fatalf("shutdown heartbeat: %+v", r)
	}
	top, _ := l.Current().Topic("t")
	for _, p := range top.Partitions {
		if p.Leader != 2 {
			t.Fatalf("partition %d led by %d after broker 1 fenced", p.ID, p.Leader)
		}
	}
	hb.WantShutdown = false
	hb.CurrentMetadataOffset = l.Current().Offset()
	if r := c.Heartbeat(ctx, hb); r.IsFenced {
		t.Fatalf("broker 1 still fenced after a normal heartbeat")
	}
	stale := kmsg.NewPtrBrokerHeartbeatRequest()
	stale.BrokerID, stale.BrokerEpoch = 1, b1.Epoch-1
	if r := c.Heartbeat(ctx, stale); r.ErrorCode != kerr.StaleBrokerEpoch.Code {
		t.Fatalf("stale epoch: %+v", r)
	}
}
