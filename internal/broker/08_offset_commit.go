package broker

// OffsetCommit: v2-v9 (v0-v1 were removed in Kafka 4). The coordinator
// checks the member's generation (classic) or epoch (KIP-848), and answers
// once the offsets are durable.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
)

func init() { regKey(kmsg.OffsetCommit, 2, 9, (*Broker).handleOffsetCommit) }

func (b *Broker) handleOffsetCommit(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.OffsetCommitRequest)
	return network.Reply{Wait: func() kmsg.Response { return b.groups.OffsetCommit(r.ctx, req) }}
}
