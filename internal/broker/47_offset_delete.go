package broker

// OffsetDelete: v0: deletes a group's offsets of topics it does not
// consume (GROUP_SUBSCRIBED_TO_TOPIC for those it does).

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
)

func init() { regKey(kmsg.OffsetDelete, 0, 0, (*Broker).handleOffsetDelete) }

func (b *Broker) handleOffsetDelete(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.OffsetDeleteRequest)
	return network.Reply{Wait: func() kmsg.Response { return b.groups.OffsetDelete(r.ctx, req) }}
}
