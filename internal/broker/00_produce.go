package broker

// Produce: v3-v12 served, v0-v12 listed.
//
// Each partition's batch is validated and appended on the connection's
// reader goroutine, in arrival order. With acks=1 or acks=all the response
// waits until every appended batch is below its partition's high watermark:
// durable (fsynced by group commit) unless the topic uses write caching.
// acks=0 gets no response at all, as in Kafka. v0-v2 (message formats 0 and
// 1) were removed in Kafka 4, which still lists them in ApiVersions because
// librdkafka releases of the Kafka 3 era only compress (gzip, snappy, lz4)
// when the broker lists Produce v0 (KAFKA-18659); like Kafka, Samsa lists
// them and answers them with UNSUPPORTED_VERSION rather than a
// disconnection. v13 (topic ids) is not served yet.
//
// Deviation: idempotent and transactional producers are not yet recognised
// (InitProducerId is not advertised, so clients produce without a producer
// id).

import (
	"errors"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/metadata"
	"samsa/internal/network"
	"samsa/internal/record"
	"samsa/internal/replica"
)

func init() { regKey(kmsg.Produce, 0, 12, (*Broker).handleProduce) }

// minServedProduceVersion is the first version whose records Samsa takes:
// v3 brought record batch v2, the only format Kafka 4 stores.
const minServedProduceVersion = 3

// appended remembers a batch handed to a partition, whose outcome the
// response waits for.
type appended struct {
	pending *replica.Pending
	resp    *kmsg.ProduceResponseTopicPartition
}

func (b *Broker) handleProduce(r *request, kreq kmsg.Request) network.Reply {
	req := kreq.(*kmsg.ProduceRequest)
	resp := req.ResponseKind().(*kmsg.ProduceResponse)
	now := time.Now()
	if req.Version < minServedProduceVersion {
		b.log.Warn("refused produce of a removed version", "version", req.Version,
			"client", r.header.ClientID, "remote", r.conn.Remote)
		return b.refuseProduce(req, resp, kerr.UnsupportedVersion.Code)
	}
	validAcks := req.Acks == 0 || req.Acks == 1 || req.Acks == -1
	var waits []appended
	for _, rt := range req.Topics {
		st := kmsg.NewProduceResponseTopic()
		st.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			sp := kmsg.NewProduceResponseTopicPartition()
			sp.Partition = rp.Partition
			sp.BaseOffset, sp.LogAppendTime, sp.LogStartOffset = -1, -1, -1
			st.Partitions = append(st.Partitions, sp)
		}
		for i, rp := range rt.Partitions {
			sp := &st.Partitions[i]
			if !validAcks {
				sp.ErrorCode = kerr.InvalidRequiredAcks.Code
				continue
			}
			part, err := b.producePartition(r, rt.Topic, rp.Partition)
			var pending *replica.Pending
			if err == nil {
				pending, err = b.appendBatch(r, req, part, rp.Records, sp, now)
			}
			if err != nil {
				sp.ErrorCode = errorCode(err)
				continue
			}
			// sp points into st.Partitions, whose backing array the
			// response shares once st is appended below.
			waits = append(waits, appended{pending: pending, resp: sp})
		}
		resp.Topics = append(resp.Topics, st)
	}
	if req.Acks == 0 {
		return network.Reply{NoResponse: true}
	}
	if len(waits) == 0 {
		return ready(resp)
	}
	deadline := now.Add(min(time.Duration(req.TimeoutMillis)*time.Millisecond, b.cfg.RequestTimeoutMax))
	return network.Reply{Wait: func() kmsg.Response {
		for _, w := range waits {
			res, err := w.pending.Wait(r.ctx, deadline)
			if err != nil {
				w.resp.ErrorCode = errorCode(err)
				continue
			}
			w.resp.BaseOffset, w.resp.LogAppendTime, w.resp.LogStartOffset = res.BaseOffset, res.LogAppendTime, res.LogStartOffset
		}
		return resp
	}}
}

// producePartition finds the partition a producer may write to.
func (b *Broker) producePartition(r *request, topic string, partition int32) (*replica.Partition, error) {
	t, ok := r.image.Topic(topic)
	if !ok || partition < 0 || int(partition) >= len(t.Partitions) {
		return nil, kerr.UnknownTopicOrPartition
	}
	if metadata.IsInternalTopic(topic) {
		return nil, kerr.InvalidTopicException
	}
	if t.Partitions[partition].Leader != b.cfg.NodeID {
		return nil, kerr.NotLeaderForPartition
	}
	part := b.replicas.Partition(replica.ID{Topic: topic, Partition: partition})
	if part == nil || part.TopicID() != t.ID {
		// The image names this broker leader but the replica is not
		// open yet: a moment after creation or a leader change.
		return nil, kerr.NotLeaderForPartition
	}
	return part, nil
}

// appendBatch hands one partition's records to the partition, filling the
// response's error details when they are refused.
func (b *Broker) appendBatch(r *request, req *kmsg.ProduceRequest, part *replica.Partition, records []byte, sp *kmsg.ProduceResponseTopicPartition, now time.Time) (*replica.Pending, error) {
	pending, err := part.Append(records, req.Version, now)
	if err != nil {
		var ve *record.ValidationError
		if errors.As(err, &ve) {
			msg := ve.Reason
			sp.ErrorMessage = &msg
			for _, re := range ve.RecordErrors {
				er := kmsg.NewProduceResponseTopicPartitionErrorRecord()
				er.RelativeOffset = re.BatchIndex
				m := re.Message
				er.ErrorMessage = &m
				sp.ErrorRecords = append(sp.ErrorRecords, er)
			}
		}
		b.log.Warn("rejected produce", "client", r.header.ClientID, "remote", r.conn.Remote,
			"partition", part.ID().String(), "err", err)
		return nil, err
	}
	return pending, nil
}

// refuseProduce answers every partition with code.
func (b *Broker) refuseProduce(req *kmsg.ProduceRequest, resp *kmsg.ProduceResponse, code int16) network.Reply {
	if req.Acks == 0 {
		return network.Reply{NoResponse: true}
	}
	for _, rt := range req.Topics {
		st := kmsg.NewProduceResponseTopic()
		st.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			sp := kmsg.NewProduceResponseTopicPartition()
			sp.Partition, sp.ErrorCode = rp.Partition, code
			sp.BaseOffset, sp.LogAppendTime, sp.LogStartOffset = -1, -1, -1
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return ready(resp)
}
