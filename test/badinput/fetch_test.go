package badinput

import (
	"fmt"
	"math"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// fetchRequest asks for one partition of dataTopic at offset, without
// waiting (sessionless unless the caller sets a session).
func fetchRequest(version int16, partition int32, offset int64) *kmsg.FetchRequest {
	req := kmsg.NewPtrFetchRequest()
	req.SetVersion(version)
	req.ReplicaID = -1
	req.MaxWaitMillis, req.MinBytes, req.MaxBytes = 0, 1, 1<<20
	req.SessionID, req.SessionEpoch = 0, -1
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic = dataTopic
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = partition, offset, 1<<20
	rp.CurrentLeaderEpoch, rp.LastFetchedEpoch, rp.LogStartOffset = -1, -1, -1
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	return req
}

// TestFetchOutOfRange: an offset below the log start or above the log end
// is OFFSET_OUT_OF_RANGE for that partition (Kafka's
// ReplicaManager.readFromLog); the log end itself is in range and returns
// nothing. Consumers reset on this error, so neither Kafka nor Samsa logs
// it.
func TestFetchOutOfRange(t *testing.T) {
	e := newEnv(t)
	end := int64(len(e.acked[0]))
	cases := []struct {
		name   string
		offset int64
		want   *kerr.Error
	}{
		{"minus one", -1, kerr.OffsetOutOfRange},
		{"minus five", -5, kerr.OffsetOutOfRange},
		{"most negative", math.MinInt64, kerr.OffsetOutOfRange},
		{"one past the end", end + 1, kerr.OffsetOutOfRange},
		{"far past the end", math.MaxInt64, kerr.OffsetOutOfRange},
		{"the end", end, nil},
	}
	for _, tc := range cases {
		for _, version := range []int16{4, 12, 17} {
			t.Run(fmt.Sprintf("%s/v%d", tc.name, version), func(t *testing.T) {
				m := e.mark(t)
				r := e.dial(t)
				req := fetchRequest(version, 0, tc.offset)
				if version >= 13 {
					req.Topics[0].TopicID = e.topicID(t, dataTopic)
				}
				resp := r.roundTrip(req).(*kmsg.FetchResponse)
				p := onePartition(t, resp)
				wantCode := int16(0)
				if tc.want != nil {
					wantCode = tc.want.Code
				}
				if p.ErrorCode != wantCode || len(p.RecordBatches) != 0 {
					t.Errorf("error %d with %d bytes, want error %d and no records", p.ErrorCode, len(p.RecordBatches), wantCode)
				}
				if p.HighWatermark != end {
					t.Errorf("high watermark %d, want %d", p.HighWatermark, end)
				}
				e.after(t, m, 0, r.local())
			})
		}
	}
}

// onePartition returns the only partition of a fetch response.
func onePartition(t testing.TB, resp *kmsg.FetchResponse) kmsg.FetchResponseTopicPartition {
	t.Helper()
	if resp.ErrorCode != 0 || len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		t.Fatalf("fetch response: error %d, %d topics, want one partition", resp.ErrorCode, len(resp.Topics))
	}
	return resp.Topics[0].Partitions[0]
}

// topicID looks a topic's id up with Metadata.
func (e *env) topicID(t testing.TB, topic string) [16]byte {
	t.Helper()
	r := e.dial(t)
	req := kmsg.NewPtrMetadataRequest()
	req.SetVersion(12)
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = &topic
	req.Topics = append(req.Topics, rt)
	resp := r.roundTrip(req).(*kmsg.MetadataResponse)
	if len(resp.Topics) != 1 || resp.Topics[0].ErrorCode != 0 {
		t.Fatalf("metadata of %s: %+v", topic, resp.Topics)
	}
	return resp.Topics[0].TopicID
}

// TestFetchSessions: KIP-227. An incremental fetch naming a session the
// broker does not have is FETCH_SESSION_ID_NOT_FOUND, one with the wrong
// epoch INVALID_FETCH_SESSION_EPOCH, both at the top level; the client
// then starts a new session, which works.
func TestFetchSessions(t *testing.T) {
	e := newEnv(t)
	m := e.mark(t)
	r := e.dial(t)
	for _, id := range []int32{12345, -7, math.MaxInt32} {
		req := fetchRequest(12, 0, 0)
		req.SessionID, req.SessionEpoch = id, 1
		if resp := r.roundTrip(req).(*kmsg.FetchResponse); resp.ErrorCode != kerr.FetchSessionIDNotFound.Code {
			t.Errorf("session %d: error %d, want %d (FETCH_SESSION_ID_NOT_FOUND)", id, resp.ErrorCode, kerr.FetchSessionIDNotFound.Code)
		}
	}
	open := fetchRequest(12, 0, 0)
	open.SessionID, open.SessionEpoch = 0, 0
	first := r.roundTrip(open).(*kmsg.FetchResponse)
	if first.ErrorCode != 0 || first.SessionID == 0 || len(onePartition(t, first).RecordBatches) == 0 {
		t.Fatalf("new session: error %d, id %d", first.ErrorCode, first.SessionID)
	}
	for _, epoch := range []int32{2, 7, math.MaxInt32} {
		req := fetchRequest(12, 0, 0)
		req.Topics = nil
		req.SessionID, req.SessionEpoch = first.SessionID, epoch
		if resp := r.roundTrip(req).(*kmsg.FetchResponse); resp.ErrorCode != kerr.InvalidFetchSessionEpoch.Code {
			t.Errorf("epoch %d of session %d: error %d, want %d (INVALID_FETCH_SESSION_EPOCH)", epoch, first.SessionID, resp.ErrorCode, kerr.InvalidFetchSessionEpoch.Code)
		}
	}
	next := fetchRequest(12, 0, 0)
	next.Topics = nil
	next.SessionID, next.SessionEpoch = first.SessionID, 1
	if resp := r.roundTrip(next).(*kmsg.FetchResponse); resp.ErrorCode != 0 {
		t.Errorf("the session's next epoch: error %d", resp.ErrorCode)
	}
	e.after(t, m, 0, r.local())
}

// TestFetchUnknownPartitions: unknown topics, partitions and topic ids are
// per-partition errors, not a closed connection.
func TestFetchUnknownPartitions(t *testing.T) {
	e := newEnv(t)
	m := e.mark(t)
	r := e.dial(t)
	unknownTopic := fetchRequest(12, 0, 0)
	unknownTopic.Topics[0].Topic = "no-such-topic"
	unknownPartition := fetchRequest(12, 9, 0)
	negativePartition := fetchRequest(12, -1, 0)
	unknownID := fetchRequest(13, 0, 0)
	unknownID.Topics[0].TopicID = [16]byte{1, 2, 3}
	cases := []struct {
		name string
		req  *kmsg.FetchRequest
		want *kerr.Error
	}{
		{"unknown topic", unknownTopic, kerr.UnknownTopicOrPartition},
		{"unknown partition", unknownPartition, kerr.UnknownTopicOrPartition},
		{"negative partition", negativePartition, kerr.UnknownTopicOrPartition},
		{"unknown topic id", unknownID, kerr.UnknownTopicID},
	}
	for _, tc := range cases {
		if p := onePartition(t, r.roundTrip(tc.req).(*kmsg.FetchResponse)); p.ErrorCode != tc.want.Code {
			t.Errorf("%s: error %d, want %d (%s)", tc.name, p.ErrorCode, tc.want.Code, tc.want.Message)
		}
	}
	e.after(t, m, 0, r.local())
}
