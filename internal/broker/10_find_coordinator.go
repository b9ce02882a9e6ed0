package broker

// FindCoordinator: v0-v6. Group keys map to the leader of their
// __consumer_offsets partition; the topic is created on first use, with
// offsets.topic.num.partitions partitions and
// offsets.topic.replication.factor replicas capped at the number of live
// brokers, so a single node needs no configuration. v4+ batches keys.
// Transaction coordinators (key type 1) do not exist yet and answer
// COORDINATOR_NOT_AVAILABLE; share groups (type 2) are INVALID_REQUEST.

import (
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/metadata"
	"samsa/internal/network"
)

func init() { regKey(kmsg.FindCoordinator, 0, 6, (*Broker).handleFindCoordinator) }

const (
	coordinatorTypeGroup       = 0
	coordinatorTypeTransaction = 1
)

func (b *Broker) handleFindCoordinator(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.FindCoordinatorRequest)
	keys := req.CoordinatorKeys
	if req.Version < 4 {
		keys = []string{req.CoordinatorKey}
	}
	return network.Reply{Wait: func() kmsg.Response {
		resp := req.ResponseKind().(*kmsg.FindCoordinatorResponse)
		for _, key := range keys {
			c := b.findCoordinator(r, req.CoordinatorType, key)
			if req.Version >= 4 {
				resp.Coordinators = append(resp.Coordinators, c)
				continue
			}
			resp.ErrorCode, resp.ErrorMessage = c.ErrorCode, c.ErrorMessage
			resp.NodeID, resp.Host, resp.Port = c.NodeID, c.Host, c.Port
		}
		return resp
	}}
}

func (b *Broker) findCoordinator(r *request, typ int8, key string) kmsg.FindCoordinatorResponseCoordinator {
	c := kmsg.NewFindCoordinatorResponseCoordinator()
	c.Key, c.NodeID, c.Port = key, -1, -1
	fail := func(code *kerr.Error, msg string) kmsg.FindCoordinatorResponseCoordinator {
		c.ErrorCode = code.Code
		if msg != "" {
			c.ErrorMessage = &msg
		}
		return c
	}
	switch {
	case typ == coordinatorTypeTransaction:
		return fail(kerr.CoordinatorNotAvailable, "Samsa has no transaction coordinator yet.")
	case typ != coordinatorTypeGroup:
		return fail(kerr.InvalidRequest, "Unsupported coordinator type "+strconv.Itoa(int(typ))+".")
	case key == "":
		return fail(kerr.InvalidRequest, "The group id is empty.")
	}
	im := b.images()
	t, ok := im.Topic(metadata.ConsumerOffsetsTopic)
	if !ok {
		if err := b.createOffsetsTopic(r); err != nil {
			return fail(kerr.CoordinatorNotAvailable, err.Error())
		}
		if t, ok = b.images().Topic(metadata.ConsumerOffsetsTopic); !ok {
			return fail(kerr.CoordinatorNotAvailable, "")
		}
	}
	p := b.groups.PartitionFor(key)
	if int(p) >= len(t.Partitions) || t.Partitions[p].Leader == metadata.NoLeader {
		return fail(kerr.CoordinatorNotAvailable, "")
	}
	leader := t.Partitions[p].Leader
	br, ok := b.images().Broker(leader)
	if !ok {
		return fail(kerr.CoordinatorNotAvailable, "")
	}
	ep, ok := br.Endpoint(r.conn.Listener)
	if !ok {
		return fail(kerr.CoordinatorNotAvailable, "")
	}
	c.NodeID, c.Host, c.Port = leader, ep.Host, ep.Port
	return c
}

// createOffsetsTopic asks the controller for __consumer_offsets.
func (b *Broker) createOffsetsTopic(r *request) error {
	creq := kmsg.NewPtrCreateTopicsRequest()
	creq.SetVersion(7)
	creq.TimeoutMillis = int32(autoCreateWait / time.Millisecond)
	t := kmsg.NewCreateTopicsRequestTopic()
	t.Topic = metadata.ConsumerOffsetsTopic
	t.NumPartitions = b.cfg.OffsetsTopicPartitions
	t.ReplicationFactor = min(b.cfg.OffsetsTopicReplicationFactor, int16(max(len(b.images().UnfencedBrokers()), 1)))
	for k, v := range map[string]string{
		"cleanup.policy":   "compact",
		"compression.type": "producer",
		"segment.bytes":    strconv.Itoa(int(b.cfg.OffsetsTopicSegmentBytes)),
	} {
		v := v
		t.Configs = append(t.Configs, kmsg.CreateTopicsRequestTopicConfig{Name: k, Value: &v})
	}
	creq.Topics = append(creq.Topics, t)
	resp, err := b.controller.Forward(r.ctx, creq)
	if err != nil {
		return err
	}
	rt := resp.(*kmsg.CreateTopicsResponse).Topics[0]
	if rt.ErrorCode != 0 && rt.ErrorCode != kerr.TopicAlreadyExists.Code {
		return kerr.ErrorForCode(rt.ErrorCode)
	}
	if rt.ErrorCode == 0 {
		b.log.Info("created the group coordinator's topic", "topic", metadata.ConsumerOffsetsTopic,
			"partitions", rt.NumPartitions, "replication.factor", rt.ReplicationFactor)
	}
	return nil
}
