package broker

// DescribeCluster: v0-v2. Brokers are listed with their endpoint on the
// listener the request came in on; v2 can include fenced brokers. The
// controller id is this node's when it is the active controller in a
// combined node; Kafka 4 brokers report a random live broker as
// "controller" to clients, since clients cannot reach controllers.
// endpoint_type 2 (controllers, KIP-919) is answered on a controller
// listener with the quorum's voters, and refused on a broker listener with
// UNSUPPORTED_ENDPOINT_TYPE, as Kafka does.

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
)

func init() { regKey(kmsg.DescribeCluster, 0, 2, (*Broker).handleDescribeCluster) }

const (
	endpointTypeBrokers     = 1
	endpointTypeControllers = 2
)

func (b *Broker) handleDescribeCluster(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.DescribeClusterRequest)
	resp := req.ResponseKind().(*kmsg.DescribeClusterResponse)
	resp.ClusterID = b.cfg.ClusterID
	resp.ControllerID = b.cfg.NodeID
	resp.EndpointType = req.EndpointType
	onController := b.isControllerListener(r.conn.Listener)
	if req.Version >= 1 && (req.EndpointType == endpointTypeControllers) != onController {
		resp.ErrorCode = kerr.UnsupportedEndpointType.Code
		return ready(resp)
	}
	if onController {
		for _, v := range b.cfg.Voters {
			rb := kmsg.NewDescribeClusterResponseBroker()
			rb.NodeID, rb.Host, rb.Port = v.ID, v.Host, v.Port
			resp.Brokers = append(resp.Brokers, rb)
		}
		return ready(resp)
	}
	for _, br := range r.image.Brokers() {
		if br.Fenced && !req.IncludeFencedBrokers {
			continue
		}
		ep, ok := br.Endpoint(r.conn.Listener)
		if !ok {
			continue
		}
		rb := kmsg.NewDescribeClusterResponseBroker()
		rb.NodeID, rb.Host, rb.Port, rb.Rack, rb.IsFenced = br.ID, ep.Host, ep.Port, br.Rack, br.Fenced
		resp.Brokers = append(resp.Brokers, rb)
	}
	return ready(resp)
}
