package consumergroups

import (
	"context"
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ListOffsets timestamps with a special meaning.
const (
	latestTimestamp   = -1
	earliestTimestamp = -2
)

// listOffsets asks each partition's leader for the offset at timestamp
// (latestTimestamp, earliestTimestamp or milliseconds), read uncommitted
// as Kafka's admin client does by default. A partition whose leader
// answers with an error is absent from the result, which Kafka's tool
// shows as an unknown offset. An offset of -1 means no record at or after
// the timestamp.
func (c *command) listOffsets(ctx context.Context, tps []topicPartition, timestamp int64) (map[topicPartition]int64, error) {
	out := map[topicPartition]int64{}
	if len(tps) == 0 {
		return out, nil
	}
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	byTopic := map[string]int{}
	for _, tp := range tps {
		i, ok := byTopic[tp.topic]
		if !ok {
			i = len(req.Topics)
			byTopic[tp.topic] = i
			t := kmsg.NewListOffsetsRequestTopic()
			t.Topic = tp.topic
			req.Topics = append(req.Topics, t)
		}
		p := kmsg.NewListOffsetsRequestTopicPartition()
		p.Partition = tp.partition
		p.Timestamp = timestamp
		p.CurrentLeaderEpoch = -1
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, p)
	}
	for _, shard := range c.admin.Client.RequestSharded(ctx, req) {
		if shard.Err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			// kgo reports a partition without a leader as a shard
			// error; leave its offsets unknown.
			continue
		}
		resp := shard.Resp.(*kmsg.ListOffsetsResponse)
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if kerr.ErrorForCode(p.ErrorCode) != nil {
					continue
				}
				out[topicPartition{t.Topic, p.Partition}] = p.Offset
			}
		}
	}
	return out, nil
}

// topicPartitions resolves --topic arguments: "t" is every partition of
// t, "t:0,2" those partitions.
func (c *command) topicPartitions(ctx context.Context, args []string) ([]topicPartition, error) {
	var out []topicPartition
	var whole []string
	for _, arg := range args {
		if !strings.Contains(arg, ":") {
			whole = append(whole, arg)
			continue
		}
		tps, err := parseTopicWithPartitions(arg)
		if err != nil {
			return nil, err
		}
		out = append(out, tps...)
	}
	if len(whole) == 0 {
		return out, nil
	}
	details, err := c.admin.Adm.ListTopics(ctx, whole...)
	if err != nil {
		return nil, fmt.Errorf("describing topics: %w", err)
	}
	for _, topic := range whole {
		d, ok := details[topic]
		if !ok || d.Err != nil {
			return nil, javaError(kerr.UnknownTopicOrPartition)
		}
		for p := range d.Partitions {
			out = append(out, topicPartition{topic, p})
		}
	}
	return out, nil
}
