package broker

// DeleteRecords: v0-v2. Moves each partition's log start offset up to the
// requested offset (-1: the high watermark); segments wholly below it are
// removed. An offset above the high watermark is OFFSET_OUT_OF_RANGE.
// The new start offset is checkpointed before the response, so it survives
// a crash.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
)

func init() { regKey(kmsg.DeleteRecords, 0, 2, (*Broker).handleDeleteRecords) }

func (b *Broker) handleDeleteRecords(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.DeleteRecordsRequest)
	resp := req.ResponseKind().(*kmsg.DeleteRecordsResponse)
	for _, rt := range req.Topics {
		st := kmsg.NewDeleteRecordsResponseTopic()
		st.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			sp := kmsg.NewDeleteRecordsResponseTopicPartition()
			sp.Partition, sp.LowWatermark = rp.Partition, -1
			part, err := b.fetchPartition(r.image, sessionPartitionKey{topic: rt.Topic, partition: rp.Partition}, false)
			if err == nil {
				sp.LowWatermark, err = b.replicas.DeleteRecordsBefore(part, rp.Offset)
			}
			if err != nil {
				b.log.Warn("delete records failed", "partition", rt.Topic, "offset", rp.Offset, "err", err)
			}
			sp.ErrorCode = errorCode(err)
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return ready(resp)
}
