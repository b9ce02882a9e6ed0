package group

import (
	"context"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/coordinator"
	"samsa/internal/metadata"
)

// ConsumerGroupDescribe describes consumer groups: epochs, state, the
// assignor, and each member with its subscription, current assignment and
// target assignment. Each group is answered once its records in flight
// are durable. A group that does not exist, or is not a consumer group,
// is GROUP_ID_NOT_FOUND, as in Kafka.
func (c *Coordinator) ConsumerGroupDescribe(ctx context.Context, req *kmsg.ConsumerGroupDescribeRequest) *kmsg.ConsumerGroupDescribeResponse {
	resp := req.ResponseKind().(*kmsg.ConsumerGroupDescribeResponse)
	for _, id := range req.Groups {
		g := c.describeConsumerGroup(ctx, req.Version, id)
		if req.IncludeAuthorizedOperations && g.ErrorCode == 0 {
			g.AuthorizedOperations = cgGroupOperations
		}
		resp.Groups = append(resp.Groups, g)
	}
	return resp
}

func (c *Coordinator) describeConsumerGroup(ctx context.Context, version int16, id string) kmsg.ConsumerGroupDescribeResponseGroup {
	fail := func(err error) kmsg.ConsumerGroupDescribeResponseGroup {
		g := kmsg.NewConsumerGroupDescribeResponseGroup()
		g.Group, g.ErrorCode, g.ErrorMessage = id, errorCode(err), cgErrorMessage(err)
		return g
	}
	if id == "" {
		return fail(kerr.InvalidGroupID)
	}
	if err := validateGroupID(id); err != nil {
		return fail(err)
	}
	out, err := run(ctx, c, id, func(op *coordinator.Op, st *State, reply func(kmsg.ConsumerGroupDescribeResponseGroup)) {
		g, err := st.cgExisting(id)
		if err != nil {
			reply(fail(err))
			return
		}
		described := st.cgDescribe(g, version)
		op.AfterCommit(func(err error) {
			if err != nil {
				reply(fail(err))
				return
			}
			reply(described)
		})
	})
	if err != nil {
		return fail(err)
	}
	return out
}

// cgDescribe builds the description of a group from the shard's state.
func (st *State) cgDescribe(g *consumerGroup, version int16) kmsg.ConsumerGroupDescribeResponseGroup {
	im := st.sh.Images()
	d := kmsg.NewConsumerGroupDescribeResponseGroup()
	d.Group, d.State, d.Epoch, d.AssignmentEpoch = g.id, g.StateName(), g.epoch, g.assignmentEpoch
	names, _ := st.cfg.consumerAssignors()
	d.AssignorName = g.preferredAssignor()
	if d.AssignorName == "" {
		d.AssignorName = names[0]
	}
	for _, id := range g.memberIDs() {
		m := g.members[id]
		dm := kmsg.NewConsumerGroupDescribeResponseGroupMember()
		dm.MemberID, dm.InstanceID, dm.RackID, dm.MemberEpoch = m.id, m.instanceID, m.rackID, m.epoch
		dm.ClientID, dm.ClientHost = m.clientID, m.clientHost
		dm.SubscribedTopics = slices.Clone(m.subscribedNames)
		if dm.SubscribedTopics == nil {
			dm.SubscribedTopics = []string{}
		}
		if m.subscribedRegex != "" {
			re := m.subscribedRegex
			dm.SubscribedTopicRegex = &re
		}
		dm.Assignment = cgDescribeAssignment(im, m.assigned.partitions())
		dm.TargetAssignment = cgDescribeAssignment(im, g.target[id])
		if version >= 1 {
			dm.MemberType = 1 // a member of the consumer protocol (0 would be a classic member)
		}
		d.Members = append(d.Members, dm)
	}
	return d
}

// cgDescribeAssignment names an assignment's topics; topics deleted since
// are left out, as Kafka does.
func cgDescribeAssignment(im *metadata.Image, a cgAssignment) kmsg.Assignment {
	out := kmsg.Assignment{TopicPartitions: []kmsg.AssignmentTopicPartition{}}
	for _, id := range sortedTopicIDs(a) {
		t, ok := im.TopicByID(id)
		if !ok || len(a[id]) == 0 {
			continue
		}
		out.TopicPartitions = append(out.TopicPartitions, kmsg.AssignmentTopicPartition{
			TopicID: id, Topic: t.Name, Partitions: slices.Clone(a[id]),
		})
	}
	return out
}

// cgGroupOperations is the bit field of ACL operations on a group that
// ConsumerGroupDescribe reports when asked: READ (3), DELETE (6), DESCRIBE
// (8), DESCRIBE_CONFIGS (10) and ALTER_CONFIGS (11), all of them, as
// Samsa has no authorizer yet.
const cgGroupOperations = int32(1<<3 | 1<<6 | 1<<8 | 1<<10 | 1<<11)
