package broker

// DescribeGroups: v0-v6. A group that does not exist, or is a KIP-848
// group, is Dead: with GROUP_ID_NOT_FOUND and a message from v6
// (KIP-1043), without an error before. Authorized operations (v3+) are
// every group operation, as Kafka without an authorizer.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
)

func init() { regKey(kmsg.DescribeGroups, 0, 6, (*Broker).handleDescribeGroups) }

func (b *Broker) handleDescribeGroups(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.DescribeGroupsRequest)
	return network.Reply{Wait: func() kmsg.Response { return b.groups.DescribeGroups(r.ctx, req) }}
}
