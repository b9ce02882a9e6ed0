package broker

// OffsetFetch: v1-v9 (v0 was removed in Kafka 4); v8+ asks for several
// groups at once, v9+ names the KIP-848 member asking. A partition without
// a committed offset answers offset -1.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
)

func init() { regKey(kmsg.OffsetFetch, 1, 9, (*Broker).handleOffsetFetch) }

func (b *Broker) handleOffsetFetch(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.OffsetFetchRequest)
	return network.Reply{Wait: func() kmsg.Response { return b.groups.OffsetFetch(r.ctx, req) }}
}
