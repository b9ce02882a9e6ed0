package broker

// ConsumerGroupHeartbeat: v0-v1, the consumer group protocol (KIP-848):
// join, heartbeat and leave in one request, the assignment computed by the
// coordinator (see group.Coordinator.ConsumerGroupHeartbeat). v1 (KIP-1082)
// has the client name its member and adds regex subscriptions.
//
// Deviation: the protocol is served whatever group.coordinator.rebalance.
// protocols and group.version say; Kafka answers UNSUPPORTED_VERSION when
// "consumer" is not enabled.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
)

func init() {
	regKey(kmsg.ConsumerGroupHeartbeat, 0, 1, (*Broker).handleConsumerGroupHeartbeat)
}

func (b *Broker) handleConsumerGroupHeartbeat(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.ConsumerGroupHeartbeatRequest)
	host := clientHost(r.conn.Remote)
	return network.Reply{Wait: func() kmsg.Response {
		return b.groups.ConsumerGroupHeartbeat(r.ctx, r.header.ClientID, host, req)
	}}
}
