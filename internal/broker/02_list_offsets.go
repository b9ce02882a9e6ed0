package broker

// ListOffsets: v1-v10.
//
// Timestamps -1 (latest: the high watermark, or the last stable offset for
// read_committed), -2 (earliest: the log start offset), -3 (max timestamp,
// v7+), -4 (earliest local, v8+: the log start offset, as nothing is
// tiered), -5 (earliest pending upload, v9+: not found, as nothing is
// tiered) and any timestamp >= 0 (the first record at or after it, below
// the high watermark). The leader epoch returned is the epoch of the batch
// at the offset. v0 (old-style offset lists) was removed in Kafka 4.

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/network"
	"samsa/internal/replica"
	"samsa/internal/storage"
)

func init() { regKey(kmsg.ListOffsets, 1, 10, (*Broker).handleListOffsets) }

// Special ListOffsets timestamps.
const (
	listLatest              = -1
	listEarliest            = -2
	listMaxTimestamp        = -3
	listEarliestLocal       = -4
	listEarliestPendingTier = -5
)

func (b *Broker) handleListOffsets(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.ListOffsetsRequest)
	resp := req.ResponseKind().(*kmsg.ListOffsetsResponse)
	for _, rt := range req.Topics {
		st := kmsg.NewListOffsetsResponseTopic()
		st.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			sp := kmsg.NewListOffsetsResponseTopicPartition()
			sp.Partition = rp.Partition
			sp.Timestamp, sp.Offset, sp.LeaderEpoch = -1, -1, -1
			part, err := b.fetchPartition(r.image, sessionPartitionKey{topic: rt.Topic, partition: rp.Partition}, false)
			if err == nil {
				err = checkLeaderEpoch(part, rp.CurrentLeaderEpoch)
			}
			if err == nil {
				err = listOffset(part, req.IsolationLevel, rp.Timestamp, &sp)
			}
			sp.ErrorCode = errorCode(err)
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return ready(resp)
}

func listOffset(p *replica.Partition, isolation int8, ts int64, sp *kmsg.ListOffsetsResponseTopicPartition) error {
	limit := p.HighWatermark()
	if isolation == replica.ReadCommitted {
		limit = p.LastStableOffset()
	}
	var found storage.TimestampOffset
	switch ts {
	case listLatest:
		found = storage.TimestampOffset{Offset: limit, Timestamp: -1}
	case listEarliest, listEarliestLocal:
		found = storage.TimestampOffset{Offset: p.LogStartOffset(), Timestamp: -1}
	case listEarliestPendingTier:
		return nil
	case listMaxTimestamp:
		m, ok, err := p.Log().MaxTimestamp()
		if err != nil {
			return err
		}
		if !ok || m.Offset >= limit {
			return nil
		}
		found = m
	default:
		if ts < 0 {
			return kerr.InvalidRequest
		}
		m, ok, err := p.Log().OffsetForTimestamp(ts)
		if err != nil {
			return err
		}
		if !ok || m.Offset >= limit {
			return nil
		}
		found = m
	}
	sp.Offset, sp.Timestamp = found.Offset, found.Timestamp
	sp.LeaderEpoch = epochAt(p.Log().Epochs(), found.Offset)
	return nil
}

// epochAt returns the leader epoch under which offset was written: the
// last epoch that starts at or before it (for the log end: the latest).
func epochAt(epochs []storage.EpochEntry, offset int64) int32 {
	e := int32(-1)
	for _, en := range epochs {
		if en.StartOffset > offset {
			break
		}
		e = en.Epoch
	}
	return e
}
