package broker

// OffsetForLeaderEpoch: v2-v4 (v0-v1 were removed in Kafka 4). For each
// partition, the largest epoch <= the requested one that the leader's log
// holds and the offset where the next epoch starts (or the log end), so a
// consumer or follower can detect and cut a divergent suffix (KIP-101,
// KIP-320). current_leader_epoch is checked as in Fetch.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
)

func init() { regKey(kmsg.OffsetForLeaderEpoch, 2, 4, (*Broker).handleOffsetForLeaderEpoch) }

func (b *Broker) handleOffsetForLeaderEpoch(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.OffsetForLeaderEpochRequest)
	resp := req.ResponseKind().(*kmsg.OffsetForLeaderEpochResponse)
	for _, rt := range req.Topics {
		st := kmsg.NewOffsetForLeaderEpochResponseTopic()
		st.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			sp := kmsg.NewOffsetForLeaderEpochResponseTopicPartition()
			sp.Partition, sp.LeaderEpoch, sp.EndOffset = rp.Partition, -1, -1
			part, err := b.fetchPartition(r.image, sessionPartitionKey{topic: rt.Topic, partition: rp.Partition}, false)
			if err == nil {
				err = checkLeaderEpoch(part, rp.CurrentLeaderEpoch)
			}
			if err == nil {
				sp.LeaderEpoch, sp.EndOffset = part.Log().EndOffsetForEpoch(rp.LeaderEpoch)
			}
			sp.ErrorCode = errorCode(err)
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return ready(resp)
}
