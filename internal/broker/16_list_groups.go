package broker

// ListGroups: v0-v5: the groups this broker coordinates, filtered by state
// (v4+) and type (v5+).

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
)

func init() { regKey(kmsg.ListGroups, 0, 5, (*Broker).handleListGroups) }

func (b *Broker) handleListGroups(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.ListGroupsRequest)
	return network.Reply{Wait: func() kmsg.Response { return b.groups.ListGroups(r.ctx, req) }}
}
