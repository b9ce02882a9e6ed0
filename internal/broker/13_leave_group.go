package broker

// LeaveGroup: v0-v5. v3+ removes several members at once, and static
// members by group.instance.id alone (admin tools); before v3 the one
// member's error is the response's.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
)

func init() { regKey(kmsg.LeaveGroup, 0, 5, (*Broker).handleLeaveGroup) }

func (b *Broker) handleLeaveGroup(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.LeaveGroupRequest)
	return network.Reply{Wait: func() kmsg.Response { return b.groups.LeaveGroup(r.ctx, req) }}
}
