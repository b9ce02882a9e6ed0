package broker

// Heartbeat: v0-v4. REBALANCE_IN_PROGRESS tells a member to rejoin;
// while the group's partition is still loading the answer is no error,
// as in Kafka.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
)

func init() { regKey(kmsg.Heartbeat, 0, 4, (*Broker).handleHeartbeat) }

func (b *Broker) handleHeartbeat(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.HeartbeatRequest)
	return network.Reply{Wait: func() kmsg.Response { return b.groups.Heartbeat(r.ctx, req) }}
}
