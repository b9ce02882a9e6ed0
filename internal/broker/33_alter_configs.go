package broker

// AlterConfigs: v0-v2, forwarded to the controller. The legacy API replaces
// all dynamic configs of a resource with the request's set.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
)

func init() { regKey(kmsg.AlterConfigs, 0, 2, (*Broker).handleAlterConfigs) }

func (b *Broker) handleAlterConfigs(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.AlterConfigsRequest)
	return b.forward(r, req, func(code int16) kmsg.Response {
		resp := req.ResponseKind().(*kmsg.AlterConfigsResponse)
		for _, res := range req.Resources {
			rr := kmsg.NewAlterConfigsResponseResource()
			rr.ResourceType, rr.ResourceName, rr.ErrorCode = res.ResourceType, res.ResourceName, code
			resp.Resources = append(resp.Resources, rr)
		}
		return resp
	})
}
