package dumplog

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
)

// The KIP-848 consumer group records of __consumer_offsets, types 3 to 8:
// keys are non-flexible (group id, and member id for 5, 7 and 8), values
// version 0 in the flexible encoding. They print with Kafka's JSON field
// names; tagged fields are skipped, as Kafka prints them only when set.

var errShort = errors.New("record ends early")

// flexReader reads the flexible encoding.
type flexReader struct {
	b   []byte
	err error
}

func (r *flexReader) take(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		r.err = errShort
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *flexReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errShort
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *flexReader) int8() int8 {
	if b := r.take(1); b != nil {
		return int8(b[0])
	}
	return 0
}

func (r *flexReader) int16() int16 {
	if b := r.take(2); b != nil {
		return int16(binary.BigEndian.Uint16(b))
	}
	return 0
}

func (r *flexReader) int32() int32 {
	if b := r.take(4); b != nil {
		return int32(binary.BigEndian.Uint32(b))
	}
	return 0
}

// compactString returns nil for a null string.
func (r *flexReader) compactString() *string {
	n := r.uvarint()
	if n == 0 || r.err != nil {
		return nil
	}
	s := string(r.take(int(n - 1)))
	return &s
}

func (r *flexReader) str() string {
	if s := r.compactString(); s != nil {
		return *s
	}
	return ""
}

// arrayLen returns the element count, -1 for a null array.
func (r *flexReader) arrayLen() int {
	n := r.uvarint()
	if n > uint64(len(r.b))+1 {
		r.err = errShort
		return 0
	}
	return int(n) - 1
}

func (r *flexReader) uuid() string {
	if b := r.take(16); b != nil {
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return ""
}

func (r *flexReader) skipTags() {
	for n := r.uvarint(); n > 0 && r.err == nil; n-- {
		r.uvarint()
		r.take(int(r.uvarint()))
	}
}

func (r *flexReader) int32s() []int32 {
	out := []int32{}
	for n := r.arrayLen(); n > 0 && r.err == nil; n-- {
		out = append(out, r.int32())
	}
	return out
}

func (r *flexReader) strings() []string {
	out := []string{}
	for n := r.arrayLen(); n > 0 && r.err == nil; n-- {
		out = append(out, r.str())
	}
	return out
}

// topicPartitionsByID reads [TopicId uuid, Partitions [int32]] structs.
func (r *flexReader) topicPartitionsByID() []any {
	out := []any{}
	for n := r.arrayLen(); n > 0 && r.err == nil; n-- {
		var o orderedObject
		o.add("topicId", r.uuid())
		o.add("partitions", r.int32s())
		r.skipTags()
		out = append(out, o)
	}
	return out
}

// consumerGroupKey decodes the key of types 3 to 8.
func consumerGroupKey(typ int16, key []byte) (any, error) {
	r := &flexReader{b: key[2:]}
	readString := func() string {
		n := r.int16()
		return string(r.take(int(n)))
	}
	var o orderedObject
	o.add("groupId", readString())
	if typ == 5 || typ == 7 || typ == 8 {
		o.add("memberId", readString())
	}
	return o, r.err
}

// consumerGroupValue decodes the value of types 3 to 8.
func consumerGroupValue(typ int16, value []byte) (int16, any, error) {
	r := &flexReader{b: value}
	version := r.int16()
	var o orderedObject
	switch typ {
	case 3:
		o.add("epoch", r.int32())
	case 4:
		topics := []any{}
		for n := r.arrayLen(); n > 0 && r.err == nil; n-- {
			var t orderedObject
			t.add("topicId", r.uuid())
			t.add("topicName", r.str())
			t.add("numPartitions", r.int32())
			parts := []any{}
			for m := r.arrayLen(); m > 0 && r.err == nil; m-- {
				var p orderedObject
				p.add("partition", r.int32())
				p.add("racks", r.strings())
				r.skipTags()
				parts = append(parts, p)
			}
			t.add("partitionMetadata", parts)
			r.skipTags()
			topics = append(topics, t)
		}
		o.add("topics", topics)
	case 5:
		o.add("instanceId", r.compactString())
		o.add("rackId", r.compactString())
		o.add("clientId", r.str())
		o.add("clientHost", r.str())
		o.add("subscribedTopicNames", r.strings())
		o.add("subscribedTopicRegex", r.compactString())
		o.add("rebalanceTimeoutMs", r.int32())
		o.add("serverAssignor", r.compactString())
	case 6:
		o.add("assignmentEpoch", r.int32())
	case 7:
		o.add("topicPartitions", r.topicPartitionsByID())
	case 8:
		o.add("memberEpoch", r.int32())
		o.add("previousMemberEpoch", r.int32())
		o.add("state", r.int8())
		o.add("assignedPartitions", r.topicPartitionsByID())
		o.add("partitionsPendingRevocation", r.topicPartitionsByID())
	default:
		return 0, nil, fmt.Errorf("record type %d", typ)
	}
	r.skipTags()
	return version, o, r.err
}
