package broker

// DescribeTopicPartitions: v0 (KIP-966), what kafka-topics --describe uses
// in Kafka 4. Topics are answered in name order, all of them when none are
// named; at most response_partition_limit partitions (capped at 2000,
// Kafka's max.request.partition.size.limit) are returned, with a cursor to
// continue from. Eligible leader replicas are not kept, so both ELR lists
// are empty.

import (
	"sort"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/metadata"
	"samsa/internal/network"
)

func init() { regKey(kmsg.DescribeTopicPartitions, 0, 0, (*Broker).handleDescribeTopicPartitions) }

const maxDescribePartitions = 2000

func (b *Broker) handleDescribeTopicPartitions(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.DescribeTopicPartitionsRequest)
	resp := req.ResponseKind().(*kmsg.DescribeTopicPartitionsResponse)
	limit := int(req.ResponsePartitionLimit)
	if limit <= 0 || limit > maxDescribePartitions {
		limit = maxDescribePartitions
	}
	var names []string
	if len(req.Topics) == 0 {
		for _, t := range r.image.Topics() {
			names = append(names, t.Name)
		}
	} else {
		for _, t := range req.Topics {
			names = append(names, t.Topic)
		}
		sort.Strings(names)
	}
	startPartition := int32(0)
	if c := req.Cursor; c != nil {
		i := sort.SearchStrings(names, c.Topic)
		names = names[i:]
		if len(names) > 0 && names[0] == c.Topic {
			startPartition = max(c.Partition, 0)
		}
	}
	for _, name := range names {
		t, ok := r.image.Topic(name)
		if !ok {
			rt := kmsg.NewDescribeTopicPartitionsResponseTopic()
			n := name
			rt.Topic, rt.ErrorCode = &n, kerr.UnknownTopicOrPartition.Code
			if metadata.ValidateTopicName(name) != nil {
				rt.ErrorCode = kerr.InvalidTopicException.Code
			}
			resp.Topics = append(resp.Topics, rt)
			startPartition = 0
			continue
		}
		rt, next := describeTopicPartitions(t, startPartition, &limit)
		resp.Topics = append(resp.Topics, rt)
		startPartition = 0
		if next >= 0 {
			resp.NextCursor = &kmsg.DescribeTopicPartitionsResponseNextCursor{Topic: name, Partition: next}
			break
		}
	}
	return ready(resp)
}

// describeTopicPartitions describes partitions from first on while the
// budget lasts; it returns the partition to continue from, or -1.
func describeTopicPartitions(t *metadata.Topic, first int32, budget *int) (kmsg.DescribeTopicPartitionsResponseTopic, int32) {
	rt := kmsg.NewDescribeTopicPartitionsResponseTopic()
	name := t.Name
	rt.Topic, rt.TopicID, rt.IsInternal = &name, t.ID, metadata.IsInternalTopic(t.Name)
	for i := int(first); i < len(t.Partitions); i++ {
		if *budget == 0 {
			return rt, int32(i)
		}
		*budget--
		p := t.Partitions[i]
		rp := kmsg.NewDescribeTopicPartitionsResponseTopicPartition()
		rp.Partition, rp.LeaderID, rp.LeaderEpoch = p.ID, p.Leader, p.LeaderEpoch
		rp.Replicas, rp.ISR = p.Replicas, p.ISR
		rp.EligibleLeaderReplicas, rp.LastKnownELR, rp.OfflineReplicas = []int32{}, []int32{}, []int32{}
		if p.Leader == metadata.NoLeader {
			rp.ErrorCode = kerr.LeaderNotAvailable.Code
		}
		rt.Partitions = append(rt.Partitions, rp)
	}
	return rt, -1
}
