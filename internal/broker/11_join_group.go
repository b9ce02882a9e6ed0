package broker

// JoinGroup: v2-v9 (Kafka 4 removed v0-v1, KIP-896). A member without an
// id gets MEMBER_ID_REQUIRED and its id (v4+, KIP-394); the answer parks
// until the rebalance's join phase ends, on the connection's writer, so
// the reader goes on. The member's client id and address are kept for
// DescribeGroups. Deviation: a member's protocol metadata is bounded (see
// the group package).

import (
	"net"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/coordinator/group"
	"samsa/internal/network"
)

func init() { regKey(kmsg.JoinGroup, 2, 9, (*Broker).handleJoinGroup) }

func (b *Broker) handleJoinGroup(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.JoinGroupRequest)
	client := group.Client{ID: r.header.ClientID, Host: clientHost(r.conn.Remote)}
	return network.Reply{Wait: func() kmsg.Response { return b.groups.JoinGroup(r.ctx, req, client) }}
}

// clientHost is a client's address as Java's InetAddress.toString prints
// it, which DescribeGroups reports: "/127.0.0.1", or eight uncompressed
// hex groups for IPv6.
func clientHost(addr net.Addr) string {
	var ip net.IP
	switch a := addr.(type) {
	case *net.TCPAddr:
		if a == nil {
			return ""
		}
		ip = a.IP
	case nil:
		return ""
	default:
		host, _, err := net.SplitHostPort(a.String())
		if err != nil {
			return "/" + a.String()
		}
		ip = net.ParseIP(host)
	}
	if v4 := ip.To4(); v4 != nil {
		return "/" + v4.String()
	}
	if len(ip) != net.IPv6len {
		return "/" + ip.String()
	}
	groups := make([]string, 8)
	for i := range groups {
		groups[i] = strconv.FormatUint(uint64(ip[2*i])<<8|uint64(ip[2*i+1]), 16)
	}
	return "/" + strings.Join(groups, ":")
}
