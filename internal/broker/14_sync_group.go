package broker

// SyncGroup: v0-v5. Followers park until the leader's assignment is
// durable; v5 checks the protocol type and name against the group's.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
)

func init() { regKey(kmsg.SyncGroup, 0, 5, (*Broker).handleSyncGroup) }

func (b *Broker) handleSyncGroup(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.SyncGroupRequest)
	return network.Reply{Wait: func() kmsg.Response { return b.groups.SyncGroup(r.ctx, req) }}
}
