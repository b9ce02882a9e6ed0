package broker

// Metadata: v0-v12.
//
// Brokers are listed with their endpoint on the listener the client
// connected to. A null topic list (v1+; an empty one in v0) asks for every
// topic. Unknown topics are created when both the request (v4+) and
// auto.create.topics.enable allow it; unlike Kafka, which answers
// LEADER_NOT_AVAILABLE and lets the client retry, Samsa waits for the
// controller to commit the topic and answers with it, so the first produce
// to a new topic needs no retry. Lookups by topic id are not part of
// Metadata in Kafka 4 and answer UNKNOWN_TOPIC_ID.

import (
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/metadata"
	"samsa/internal/network"
)

func init() { regKey(kmsg.Metadata, 0, 12, (*Broker).handleMetadata) }

// autoCreateWait bounds how long a Metadata request waits for the topics it
// auto-creates.
const autoCreateWait = 10 * time.Second

func (b *Broker) handleMetadata(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.MetadataRequest)
	all := req.Topics == nil || (req.Version == 0 && len(req.Topics) == 0)
	if all {
		return ready(b.metadataResponse(r, req, nil, true))
	}
	var missing []string
	if b.cfg.AutoCreateTopics && (req.Version < 4 || req.AllowAutoTopicCreation) {
		for _, t := range req.Topics {
			if t.Topic == nil {
				continue
			}
			if _, ok := r.image.Topic(*t.Topic); !ok && metadata.ValidateTopicName(*t.Topic) == nil {
				missing = append(missing, *t.Topic)
			}
		}
	}
	if len(missing) == 0 {
		return ready(b.metadataResponse(r, req, req.Topics, false))
	}
	return network.Reply{Wait: func() kmsg.Response {
		b.autoCreate(r, missing)
		r.image = b.images()
		return b.metadataResponse(r, req, req.Topics, false)
	}}
}

// autoCreate asks the controller for topics with the broker's defaults.
// Failures (a concurrent creation, a policy) are logged; the response then
// reports the topic as it stands.
func (b *Broker) autoCreate(r *request, names []string) {
	creq := kmsg.NewPtrCreateTopicsRequest()
	creq.TimeoutMillis = int32(autoCreateWait / time.Millisecond)
	for _, n := range names {
		t := kmsg.NewCreateTopicsRequestTopic()
		t.Topic = n
		t.NumPartitions = b.cfg.NumPartitions
		t.ReplicationFactor = b.cfg.DefaultReplicationFactor
		creq.Topics = append(creq.Topics, t)
	}
	creq.SetVersion(7)
	resp, err := b.controller.Forward(r.ctx, creq)
	if err != nil {
		b.log.Warn("auto-creating topics failed", "topics", names, "err", err)
		return
	}
	for _, t := range resp.(*kmsg.CreateTopicsResponse).Topics {
		if t.ErrorCode != 0 && t.ErrorCode != kerr.TopicAlreadyExists.Code {
			b.log.Warn("auto-creating topic failed", "topic", t.Topic, "err", kerr.ErrorForCode(t.ErrorCode))
		} else if t.ErrorCode == 0 {
			b.log.Info("auto-created topic", "topic", t.Topic, "partitions", t.NumPartitions, "client", r.header.ClientID)
		}
	}
}

func (b *Broker) metadataResponse(r *request, req *kmsg.MetadataRequest, topics []kmsg.MetadataRequestTopic, all bool) *kmsg.MetadataResponse {
	resp := req.ResponseKind().(*kmsg.MetadataResponse)
	im := r.image
	for _, br := range im.Brokers() {
		if br.Fenced {
			continue
		}
		ep, ok := br.Endpoint(r.conn.Listener)
		if !ok {
			continue
		}
		rb := kmsg.NewMetadataResponseBroker()
		rb.NodeID, rb.Host, rb.Port, rb.Rack = br.ID, ep.Host, ep.Port, br.Rack
		resp.Brokers = append(resp.Brokers, rb)
	}
	cluster := b.cfg.ClusterID
	resp.ClusterID = &cluster
	resp.ControllerID = b.cfg.NodeID
	if all {
		for _, t := range im.Topics() {
			resp.Topics = append(resp.Topics, topicMetadata(t))
		}
		return resp
	}
	for _, rt := range topics {
		resp.Topics = append(resp.Topics, b.lookupTopic(im, rt))
	}
	return resp
}

func (b *Broker) lookupTopic(im *metadata.Image, rt kmsg.MetadataRequestTopic) kmsg.MetadataResponseTopic {
	if rt.Topic == nil {
		// v12+ may name a topic by id alone (KIP-516); consumers of the
		// consumer group protocol do, to name the topics of their
		// assignments.
		if t, ok := im.TopicByID(metadata.Uuid(rt.TopicID)); ok && rt.TopicID != [16]byte{} {
			return topicMetadata(t)
		}
		mt := kmsg.NewMetadataResponseTopic()
		mt.TopicID = rt.TopicID
		mt.ErrorCode = kerr.UnknownTopicID.Code
		return mt
	}
	name := *rt.Topic
	if t, ok := im.Topic(name); ok {
		return topicMetadata(t)
	}
	mt := kmsg.NewMetadataResponseTopic()
	mt.Topic = &name
	mt.ErrorCode = kerr.UnknownTopicOrPartition.Code
	if metadata.ValidateTopicName(name) != nil {
		mt.ErrorCode = kerr.InvalidTopicException.Code
	}
	return mt
}

func topicMetadata(t *metadata.Topic) kmsg.MetadataResponseTopic {
	mt := kmsg.NewMetadataResponseTopic()
	name := t.Name
	mt.Topic = &name
	mt.TopicID = t.ID
	mt.IsInternal = metadata.IsInternalTopic(t.Name)
	for _, p := range t.Partitions {
		mp := kmsg.NewMetadataResponseTopicPartition()
		mp.Partition = p.ID
		mp.Leader = p.Leader
		mp.LeaderEpoch = p.LeaderEpoch
		mp.Replicas = p.Replicas
		mp.ISR = p.ISR
		if p.Leader == metadata.NoLeader {
			mp.ErrorCode = kerr.LeaderNotAvailable.Code
		}
		mt.Partitions = append(mt.Partitions, mp)
	}
	return mt
}
