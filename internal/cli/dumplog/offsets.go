package dumplog

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/record"
)

// offsetsParser is --offsets-decoder: __consumer_offsets keys print as
// {"type":"<key version>","data":{…}}, values as {"version":"<value
// version>","data":{…}}, a tombstone as <DELETE>, as Kafka's
// OffsetsMessageParser prints them.
type offsetsParser struct{}

func (offsetsParser) parse(r record.Record) (key, payload *string) {
	if r.Key == nil {
		// Kafka throws here, ending the dump.
		return new(fmt.Sprintf("Failed to decode message at offset %d using offset topic decoder (message had a missing key)", r.Offset)), nil
	}
	k, v, err := decodeOffsetsRecord(r)
	if err != nil {
		return new(err.Error()), nil
	}
	return &k, &v
}

func decodeOffsetsRecord(r record.Record) (string, string, error) {
	if len(r.Key) < 2 {
		return "", "", fmt.Errorf("Error at offset %d, skipping. key of %d bytes", r.Offset, len(r.Key))
	}
	typ := int16(binary.BigEndian.Uint16(r.Key))
	var keyData any
	switch typ {
	case 0, 1:
		k := kmsg.NewOffsetCommitKey()
		if err := k.ReadFrom(r.Key); err != nil {
			return "", "", fmt.Errorf("Error at offset %d, skipping. %v", r.Offset, err)
		}
		keyData = struct {
			Group     string `json:"group"`
			Topic     string `json:"topic"`
			Partition int32  `json:"partition"`
		}{k.Group, k.Topic, k.Partition}
	case 2:
		k := kmsg.NewGroupMetadataKey()
		if err := k.ReadFrom(r.Key); err != nil {
			return "", "", fmt.Errorf("Error at offset %d, skipping. %v", r.Offset, err)
		}
		keyData = struct {
			Group string `json:"group"`
		}{k.Group}
	case 3, 4, 5, 6, 7, 8:
		k, err := consumerGroupKey(typ, r.Key)
		if err != nil {
			return "", "", fmt.Errorf("Error at offset %d, skipping. %v", r.Offset, err)
		}
		keyData = k
	default:
		return "", "", fmt.Errorf("Unknown record type %d at offset %d, skipping.", typ, r.Offset)
	}
	keyJSON := fmt.Sprintf(`{"type":"%d","data":%s}`, typ, marshal(keyData))
	if r.Value == nil {
		return keyJSON, "<DELETE>", nil
	}
	version, data, err := offsetsValue(typ, r.Value)
	if err != nil {
		return "", "", fmt.Errorf("Error at offset %d, skipping. %v", r.Offset, err)
	}
	return keyJSON, fmt.Sprintf(`{"version":"%d","data":%s}`, version, marshal(data)), nil
}

func offsetsValue(keyType int16, b []byte) (int16, any, error) {
	if keyType >= 3 {
		return consumerGroupValue(keyType, b)
	}
	if keyType <= 1 {
		v := kmsg.NewOffsetCommitValue()
		if err := v.ReadFrom(b); err != nil {
			return 0, nil, err
		}
		return v.Version, offsetCommitJSON(&v), nil
	}
	v := kmsg.NewGroupMetadataValue()
	if err := v.ReadFrom(b); err != nil {
		return 0, nil, err
	}
	return v.Version, groupMetadataJSON(&v), nil
}

// offsetCommitJSON lays out OffsetCommitValue with the fields of its
// version.
func offsetCommitJSON(v *kmsg.OffsetCommitValue) any {
	var o orderedObject
	o.add("offset", v.Offset)
	if v.Version >= 3 {
		o.add("leaderEpoch", v.LeaderEpoch)
	}
	o.add("metadata", v.Metadata)
	o.add("commitTimestamp", v.CommitTimestamp)
	if v.Version == 1 {
		o.add("expireTimestamp", v.ExpireTimestamp)
	}
	return o
}

func groupMetadataJSON(v *kmsg.GroupMetadataValue) any {
	var o orderedObject
	o.add("protocolType", v.ProtocolType)
	o.add("generation", v.Generation)
	o.add("protocol", v.Protocol)
	o.add("leader", v.Leader)
	if v.Version >= 2 {
		o.add("currentStateTimestamp", v.CurrentStateTimestamp)
	}
	members := make([]any, 0, len(v.Members))
	for _, m := range v.Members {
		var mo orderedObject
		mo.add("memberId", m.MemberID)
		if v.Version >= 3 {
			mo.add("groupInstanceId", m.InstanceID)
		}
		mo.add("clientId", m.ClientID)
		mo.add("clientHost", m.ClientHost)
		if v.Version >= 1 {
			mo.add("rebalanceTimeout", m.RebalanceTimeoutMillis)
		}
		mo.add("sessionTimeout", m.SessionTimeoutMillis)
		// The consumer protocol's subscription and assignment print
		// decoded; anything else (or bytes that do not decode) as
		// base64, as Jackson prints bytes.
		var sub, asg any = m.Subscription, m.Assignment
		if v.ProtocolType == "consumer" {
			if s, ok := subscriptionJSON(m.Subscription); ok {
				sub = s
			}
			if a, ok := assignmentJSON(m.Assignment); ok {
				asg = a
			}
		}
		mo.add("subscription", sub)
		mo.add("assignment", asg)
		members = append(members, mo)
	}
	o.add("members", members)
	return o
}

type topicPartitions struct {
	Topic      string  `json:"topic"`
	Partitions []int32 `json:"partitions"`
}

func subscriptionJSON(b []byte) (any, bool) {
	var s kmsg.ConsumerMemberMetadata
	if err := s.ReadFrom(b); err != nil {
		return nil, false
	}
	var o orderedObject
	o.add("topics", nonNilStrings(s.Topics))
	o.add("userData", s.UserData)
	if s.Version >= 1 {
		owned := []topicPartitions{}
		for _, t := range s.OwnedPartitions {
			owned = append(owned, topicPartitions{t.Topic, ints(t.Partitions)})
		}
		o.add("ownedPartitions", owned)
	}
	if s.Version >= 2 {
		o.add("generationId", s.Generation)
	}
	if s.Version >= 3 {
		o.add("rackId", s.Rack)
	}
	return o, true
}

func assignmentJSON(b []byte) (any, bool) {
	var a kmsg.ConsumerMemberAssignment
	if err := a.ReadFrom(b); err != nil {
		return nil, false
	}
	var o orderedObject
	assigned := []topicPartitions{}
	for _, t := range a.Topics {
		assigned = append(assigned, topicPartitions{t.Topic, ints(t.Partitions)})
	}
	o.add("assignedPartitions", assigned)
	o.add("userData", a.UserData)
	return o, true
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// orderedObject is a JSON object that keeps its keys in insertion order,
// as Jackson's ObjectNode does.
type orderedObject []struct {
	key   string
	value any
}

func (o *orderedObject) add(key string, value any) {
	*o = append(*o, struct {
		key   string
		value any
	}{key, value})
}

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(marshal(kv.key))
		b.WriteByte(':')
		b.WriteString(marshal(kv.value))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshal encodes v as compact JSON without Go's HTML escaping, which
// Jackson does not do. Values here always encode.
func marshal(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("%q", err.Error())
	}
	return string(bytes.TrimRight(b.Bytes(), "\n"))
}
