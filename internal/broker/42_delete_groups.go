package broker

// DeleteGroups: v0-v2: groups without members are deleted with their
// offsets; a group with members is NON_EMPTY_GROUP.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
)

func init() { regKey(kmsg.DeleteGroups, 0, 2, (*Broker).handleDeleteGroups) }

func (b *Broker) handleDeleteGroups(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.DeleteGroupsRequest)
	return network.Reply{Wait: func() kmsg.Response { return b.groups.DeleteGroups(r.ctx, req) }}
}
