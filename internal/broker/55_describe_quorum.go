package broker

// DescribeQuorum: v0-v2, answered by the controller from the Raft state of
// the metadata quorum: leader, epoch (term), high watermark (commit index),
// voters and observers with their log end offsets.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
)

func init() { regKey(kmsg.DescribeQuorum, 0, 2, (*Broker).handleDescribeQuorum) }

func (b *Broker) handleDescribeQuorum(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.DescribeQuorumRequest)
	return b.forward(r, req, func(code int16) kmsg.Response {
		resp := req.ResponseKind().(*kmsg.DescribeQuorumResponse)
		resp.ErrorCode = code
		return resp
	})
}
