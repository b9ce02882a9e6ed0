package broker

// CreatePartitions: v0-v3, forwarded to the controller.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
)

func init() { regKey(kmsg.CreatePartitions, 0, 3, (*Broker).handleCreatePartitions) }

func (b *Broker) handleCreatePartitions(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.CreatePartitionsRequest)
	return b.forward(r, req, func(code int16) kmsg.Response {
		resp := req.ResponseKind().(*kmsg.CreatePartitionsResponse)
		for _, t := range req.Topics {
			rt := kmsg.NewCreatePartitionsResponseTopic()
			rt.Topic, rt.ErrorCode = t.Topic, code
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	})
}
