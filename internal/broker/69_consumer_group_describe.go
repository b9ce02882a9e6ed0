package broker

// ConsumerGroupDescribe: v0-v1: consumer protocol groups with their
// epochs, state, assignor, and each member's subscription, assignment and
// target assignment; v1 adds each member's type (KIP-1099). Groups of the
// classic protocol are GROUP_ID_NOT_FOUND, as in Kafka (DescribeGroups
// describes them).

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
)

func init() { regKey(kmsg.ConsumerGroupDescribe, 0, 1, (*Broker).handleConsumerGroupDescribe) }

func (b *Broker) handleConsumerGroupDescribe(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.ConsumerGroupDescribeRequest)
	return network.Reply{Wait: func() kmsg.Response { return b.groups.ConsumerGroupDescribe(r.ctx, req) }}
}
