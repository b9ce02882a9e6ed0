package broker

// DescribeACLs: v1-v3. No authorizer is configured yet, so every request is
// answered SECURITY_DISABLED, exactly as Kafka answers without
// authorizer.class.name; consoles (Kafdrop, Kafbat UI, AKHQ) rely on that
// answer to hide their ACL pages rather than fail.

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
)

func init() { regKey(kmsg.DescribeACLs, 1, 3, (*Broker).handleDescribeACLs) }

func (b *Broker) handleDescribeACLs(r *request, kreq kmsg.Request) network.Reply {
	resp := kreq.ResponseKind().(*kmsg.DescribeACLsResponse)
	resp.ErrorCode = kerr.SecurityDisabled.Code
	msg := "No Authorizer is configured."
	resp.ErrorMessage = &msg
	return ready(resp)
}
