package broker

// IncrementalAlterConfigs: v0-v1, forwarded to the controller (SET, DELETE,
// APPEND, SUBTRACT on topic and dynamic broker configs, kept in the
// metadata log).

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
)

func init() { regKey(kmsg.IncrementalAlterConfigs, 0, 1, (*Broker).handleIncrementalAlterConfigs) }

func (b *Broker) handleIncrementalAlterConfigs(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.IncrementalAlterConfigsRequest)
	return b.forward(r, req, func(code int16) kmsg.Response {
		resp := req.ResponseKind().(*kmsg.IncrementalAlterConfigsResponse)
		for _, res := range req.Resources {
			rr := kmsg.NewIncrementalAlterConfigsResponseResource()
			rr.ResourceType, rr.ResourceName, rr.ErrorCode = res.ResourceType, res.ResourceName, code
			resp.Resources = append(resp.Resources, rr)
		}
		return resp
	})
}
