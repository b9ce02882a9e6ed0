package group

// DescribeGroups (Kafka's GroupMetadataManager.describeGroups and
// KafkaApis.handleDescribeGroupsRequest).

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/coordinator"
)

// groupOperations is the authorized-operations bit field of a group
// without an authorizer: every operation a group supports (READ,
// DELETE, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS; Kafka's
// AclEntry.supportedOperations).
const groupOperations int32 = 1<<3 | 1<<6 | 1<<8 | 1<<10 | 1<<11

// DescribeGroups describes classic groups: state, protocol, and members
// with their client id and host, and, in a Stable group, their metadata
// for the chosen protocol; every member's current assignment. A group
// that does not exist (or is not a classic group) is Dead, with
// GROUP_ID_NOT_FOUND from v6 (KIP-1043) and no error before. Each group's
// answer reflects only durable state.
func (c *Coordinator) DescribeGroups(ctx context.Context, req *kmsg.DescribeGroupsRequest) *kmsg.DescribeGroupsResponse {
	resp := req.ResponseKind().(*kmsg.DescribeGroupsResponse)
	resp.Groups = make([]kmsg.DescribeGroupsResponseGroup, len(req.Groups))
	byPartition := map[int32][]int{}
	var order []int32
	for i, id := range req.Groups {
		p := c.PartitionFor(id)
		if byPartition[p] == nil {
			order = append(order, p)
		}
		byPartition[p] = append(byPartition[p], i)
	}
	for _, p := range order {
		indexes := byPartition[p]
		ids := make([]string, len(indexes))
		for j, i := range indexes {
			ids[j] = req.Groups[i]
		}
		described, err := run(ctx, c, ids[0], func(op *coordinator.Op, st *State, reply func([]kmsg.DescribeGroupsResponseGroup)) {
			out := make([]kmsg.DescribeGroupsResponseGroup, len(ids))
			for j, id := range ids {
				out[j] = st.describeGroup(id, req.Version)
			}
			op.AfterCommit(func(err error) {
				if err != nil {
					for j := range out {
						out[j] = describeError(ids[j], classicWriteError(err))
					}
				}
				reply(out)
			})
		})
		for j, i := range indexes {
			g := describeError(ids[j], errorCode(err))
			if err == nil {
				g = described[j]
			}
			if req.Version >= 3 && req.IncludeAuthorizedOperations && g.ErrorCode == 0 {
				g.AuthorizedOperations = groupOperations
			}
			resp.Groups[i] = g
		}
	}
	return resp
}

func describeError(id string, code int16) kmsg.DescribeGroupsResponseGroup {
	g := kmsg.NewDescribeGroupsResponseGroup()
	g.Group, g.ErrorCode = id, code
	return g
}

func (st *State) describeGroup(id string, version int16) kmsg.DescribeGroupsResponseGroup {
	out := kmsg.NewDescribeGroupsResponseGroup()
	out.Group = id
	g, isClassic := st.groups[id].(*classicGroup)
	switch {
	case isClassic:
		g.describe(&out)
	case st.groups[id] == nil && st.offsets[id] != nil:
		// Known only by its offsets: Kafka's simple classic group.
		out.State = classicEmpty.String()
	default:
		out.State = classicDead.String()
		if version >= 6 {
			msg := fmt.Sprintf("Group %s not found.", id)
			if st.groups[id] != nil {
				msg = fmt.Sprintf("Group %s is not a classic group.", id)
			}
			out.ErrorCode, out.ErrorMessage = kerr.GroupIDNotFound.Code, &msg
		}
	}
	return out
}

func (g *classicGroup) describe(out *kmsg.DescribeGroupsResponseGroup) {
	out.State, out.ProtocolType = g.state.String(), g.protocolType
	stable := g.is(classicStable)
	if stable {
		out.Protocol = g.protocolName()
	}
	for _, m := range g.sortedMembers() {
		dm := kmsg.NewDescribeGroupsResponseGroupMember()
		dm.MemberID, dm.InstanceID, dm.ClientID, dm.ClientHost = m.id, m.instanceID, m.clientID, m.clientHost
		dm.MemberAssignment = m.assignment
		if stable {
			dm.ProtocolMetadata = m.metadata(g.protocolName())
		}
		out.Members = append(out.Members, dm)
	}
}
