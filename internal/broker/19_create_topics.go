package broker

// CreateTopics: v2-v7, forwarded to the controller (validate_only, per-topic
// configs, -1 for the broker's num.partitions / default.replication.factor,
// manual replica assignments). v0-v1 were removed in Kafka 4.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
)

func init() { regKey(kmsg.CreateTopics, 2, 7, (*Broker).handleCreateTopics) }

func (b *Broker) handleCreateTopics(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.CreateTopicsRequest)
	return b.forward(r, req, func(code int16) kmsg.Response {
		resp := req.ResponseKind().(*kmsg.CreateTopicsResponse)
		for _, t := range req.Topics {
			rt := kmsg.NewCreateTopicsResponseTopic()
			rt.Topic, rt.ErrorCode = t.Topic, code
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	})
}
