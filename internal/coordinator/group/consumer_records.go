package group

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"samsa/internal/coordinator"
	"samsa/internal/metadata"
)

// The records of consumer groups (KIP-848), types 3 to 8, in the formats of
// Kafka's group coordinator (group-coordinator/src/main/resources/common/
// message/ConsumerGroup*Key.json and *Value.json):
//
//	key   int16 type, then the fields as non-flexible strings (int16
//	      length + bytes): GroupId, and MemberId for types 5, 7 and 8.
//	value int16 version 0, then the fields in flexible encoding: compact
//	      strings and arrays (unsigned varint length + 1, 0 for null),
//	      16-byte uuids, big-endian integers, and a tagged-field section
//	      (unsigned varint count, then tag, size, bytes) ending the value
//	      and every struct in it.
//
//	3 ConsumerGroupMetadata        Epoch int32; tag 0 MetadataHash int64
//	                               (Kafka 4.1, read and ignored).
//	4 ConsumerGroupPartitionMetadata  Topics [TopicId uuid, TopicName
//	                               string, NumPartitions int32,
//	                               PartitionMetadata [Partition int32,
//	                               Racks [string]]] — written with empty
//	                               PartitionMetadata, as Kafka 4 does.
//	5 ConsumerGroupMemberMetadata  InstanceId string?, RackId string?,
//	                               ClientId, ClientHost, SubscribedTopicNames
//	                               [string], SubscribedTopicRegex string?,
//	                               RebalanceTimeoutMs int32, ServerAssignor
//	                               string?; tag 0 ClassicMemberMetadata
//	                               (members of the classic protocol in a
//	                               consumer group, never written by Samsa).
//	6 ConsumerGroupTargetAssignmentMetadata  AssignmentEpoch int32.
//	7 ConsumerGroupTargetAssignmentMember    TopicPartitions [TopicId uuid,
//	                               Partitions [int32]].
//	8 ConsumerGroupCurrentMemberAssignment   MemberEpoch int32,
//	                               PreviousMemberEpoch int32, State int8,
//	                               AssignedPartitions and
//	                               PartitionsPendingRevocation [TopicId uuid,
//	                               Partitions [int32]; tag 0 AssignmentEpochs
//	                               [int32]].
//
// AssignmentEpochs (KIP-1251, Kafka 4.3) records the member epoch at which
// each partition was assigned, aligned with Partitions; Samsa writes it,
// since offset commits at an older epoch are checked against it, and
// Kafka versions that do not know the tag skip it. A null value is a
// tombstone.

// cgMetadataValue is the value of record type 3.
type cgMetadataValue struct {
	Epoch int32
}

// cgTopicMetadata is one topic of record type 4.
type cgTopicMetadata struct {
	ID         metadata.Uuid
	Name       string
	Partitions int32
}

// cgMemberValue is the value of record type 5.
type cgMemberValue struct {
	InstanceID           *string
	RackID               *string
	ClientID             string
	ClientHost           string
	SubscribedTopicNames []string
	SubscribedTopicRegex *string
	RebalanceTimeoutMs   int32
	ServerAssignor       *string
}

// cgTopicPartitions is a topic's partitions in records 7 and 8;
// AssignmentEpochs is nil when the record does not carry them (record 7,
// and record 8 as written before KIP-1251).
type cgTopicPartitions struct {
	TopicID          metadata.Uuid
	Partitions       []int32
	AssignmentEpochs []int32
}

// cgCurrentValue is the value of record type 8.
type cgCurrentValue struct {
	MemberEpoch         int32
	PreviousMemberEpoch int32
	State               int8
	Assigned            []cgTopicPartitions
	PendingRevocation   []cgTopicPartitions
}

// cgRecordValueVersion is the only value version of records 3 to 8.
const cgRecordValueVersion int16 = 0

// --- keys ---

func cgKey(typ int16, group string, member *string) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(typ))
	b = appendKeyString(b, group)
	if member != nil {
		b = appendKeyString(b, *member)
	}
	return b
}

func appendKeyString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

// decodeCGKey reads the group id (and member id when withMember) of a key
// of type typ.
func decodeCGKey(typ int16, key []byte, withMember bool) (group, member string, err error) {
	r := cgReader{b: key}
	if v := r.int16(); r.err == nil && v != typ {
		return "", "", fmt.Errorf("key of type %d read as type %d", v, typ)
	}
	group = r.keyString()
	if withMember {
		member = r.keyString()
	}
	if r.err != nil {
		return "", "", fmt.Errorf("record key type %d: %w", typ, r.err)
	}
	return group, member, nil
}

// --- values ---

func (v *cgMetadataValue) encode() []byte {
	b := cgValueHeader()
	b = binary.BigEndian.AppendUint32(b, uint32(v.Epoch))
	return appendNoTags(b)
}

func decodeCGMetadataValue(b []byte) (cgMetadataValue, error) {
	r := cgReader{b: b}
	r.version()
	v := cgMetadataValue{Epoch: r.int32()}
	r.skipTags()
	return v, r.done("consumer group metadata")
}

func encodeCGPartitionMetadata(topics []cgTopicMetadata) []byte {
	b := cgValueHeader()
	b = appendArrayLen(b, len(topics))
	for _, t := range topics {
		b = append(b, t.ID[:]...)
		b = appendCompactString(b, t.Name)
		b = binary.BigEndian.AppendUint32(b, uint32(t.Partitions))
		b = appendArrayLen(b, 0) // PartitionMetadata: racks are not used since Kafka 4.0
		b = appendNoTags(b)
	}
	return appendNoTags(b)
}

func decodeCGPartitionMetadata(b []byte) ([]cgTopicMetadata, error) {
	r := cgReader{b: b}
	r.version()
	n := r.arrayLen(16 + 1 + 4 + 1 + 1)
	topics := make([]cgTopicMetadata, 0, max(n, 0))
	for i := 0; i < n && r.err == nil; i++ {
		t := cgTopicMetadata{ID: r.uuid(), Name: r.compactString(), Partitions: r.int32()}
		racks := r.arrayLen(4 + 1 + 1)
		for j := 0; j < racks && r.err == nil; j++ {
			r.int32()
			for k, nr := 0, r.arrayLen(1); k < nr && r.err == nil; k++ {
				r.compactString()
			}
			r.skipTags()
		}
		r.skipTags()
		topics = append(topics, t)
	}
	r.skipTags()
	return topics, r.done("consumer group partition metadata")
}

func (v *cgMemberValue) encode() []byte {
	b := cgValueHeader()
	b = appendCompactNullableString(b, v.InstanceID)
	b = appendCompactNullableString(b, v.RackID)
	b = appendCompactString(b, v.ClientID)
	b = appendCompactString(b, v.ClientHost)
	b = appendArrayLen(b, len(v.SubscribedTopicNames))
	for _, name := range v.SubscribedTopicNames {
		b = appendCompactString(b, name)
	}
	b = appendCompactNullableString(b, v.SubscribedTopicRegex)
	b = binary.BigEndian.AppendUint32(b, uint32(v.RebalanceTimeoutMs))
	b = appendCompactNullableString(b, v.ServerAssignor)
	return appendNoTags(b)
}

func decodeCGMemberValue(b []byte) (cgMemberValue, error) {
	r := cgReader{b: b}
	r.version()
	var v cgMemberValue
	v.InstanceID = r.compactNullableString()
	v.RackID = r.compactNullableString()
	v.ClientID = r.compactString()
	v.ClientHost = r.compactString()
	n := r.arrayLen(1)
	for i := 0; i < n && r.err == nil; i++ {
		v.SubscribedTopicNames = append(v.SubscribedTopicNames, r.compactString())
	}
	v.SubscribedTopicRegex = r.compactNullableString()
	v.RebalanceTimeoutMs = r.int32()
	v.ServerAssignor = r.compactNullableString()
	r.skipTags() // tag 0, ClassicMemberMetadata, is for classic members
	return v, r.done("consumer group member metadata")
}

func encodeCGTargetMetadata(assignmentEpoch int32) []byte {
	b := cgValueHeader()
	b = binary.BigEndian.AppendUint32(b, uint32(assignmentEpoch))
	return appendNoTags(b)
}

func decodeCGTargetMetadata(b []byte) (int32, error) {
	r := cgReader{b: b}
	r.version()
	epoch := r.int32()
	r.skipTags()
	return epoch, r.done("consumer group target assignment metadata")
}

func encodeCGTargetMember(topics []cgTopicPartitions) []byte {
	b := cgValueHeader()
	b = appendTopicPartitions(b, topics, false)
	return appendNoTags(b)
}

func decodeCGTargetMember(b []byte) ([]cgTopicPartitions, error) {
	r := cgReader{b: b}
	r.version()
	topics := r.topicPartitions()
	r.skipTags()
	return topics, r.done("consumer group target assignment member")
}

func (v *cgCurrentValue) encode() []byte {
	b := cgValueHeader()
	b = binary.BigEndian.AppendUint32(b, uint32(v.MemberEpoch))
	b = binary.BigEndian.AppendUint32(b, uint32(v.PreviousMemberEpoch))
	b = append(b, byte(v.State))
	b = appendTopicPartitions(b, v.Assigned, true)
	b = appendTopicPartitions(b, v.PendingRevocation, true)
	return appendNoTags(b)
}

func decodeCGCurrentValue(b []byte) (cgCurrentValue, error) {
	r := cgReader{b: b}
	r.version()
	v := cgCurrentValue{MemberEpoch: r.int32(), PreviousMemberEpoch: r.int32(), State: r.int8()}
	v.Assigned = r.topicPartitions()
	v.PendingRevocation = r.topicPartitions()
	r.skipTags()
	return v, r.done("consumer group current member assignment")
}

// appendTopicPartitions writes a TopicPartitions array; withEpochs writes
// each topic's AssignmentEpochs as tag 0 when it has them.
func appendTopicPartitions(b []byte, topics []cgTopicPartitions, withEpochs bool) []byte {
	b = appendArrayLen(b, len(topics))
	for _, t := range topics {
		b = append(b, t.TopicID[:]...)
		b = appendInt32s(b, t.Partitions)
		if !withEpochs || t.AssignmentEpochs == nil {
			b = appendNoTags(b)
			continue
		}
		field := appendInt32s(nil, t.AssignmentEpochs)
		b = binary.AppendUvarint(b, 1) // one tagged field
		b = binary.AppendUvarint(b, 0) // tag 0
		b = binary.AppendUvarint(b, uint64(len(field)))
		b = append(b, field...)
	}
	return b
}

// --- flexible encoding primitives ---

func cgValueHeader() []byte {
	return binary.BigEndian.AppendUint16(make([]byte, 0, 64), uint16(cgRecordValueVersion))
}

func appendNoTags(b []byte) []byte { return append(b, 0) }

func appendArrayLen(b []byte, n int) []byte { return binary.AppendUvarint(b, uint64(n)+1) }

func appendCompactString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s))+1)
	return append(b, s...)
}

func appendCompactNullableString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, 0)
	}
	return appendCompactString(b, *s)
}

func appendInt32s(b []byte, vs []int32) []byte {
	b = appendArrayLen(b, len(vs))
	for _, v := range vs {
		b = binary.BigEndian.AppendUint32(b, uint32(v))
	}
	return b
}

// errCGRecordShort reports a value or key that ends early.
var errCGRecordShort = errors.New("record ends early")

// cgReader reads the encodings above; the first error sticks and later
// reads return zero values, so decoders check once at the end. It never
// allocates more than the input could hold.
type cgReader struct {
	b   []byte
	off int
	err error
}

func (r *cgReader) need(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b)-r.off < n {
		r.err = errCGRecordShort
		return nil
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	return s
}

func (r *cgReader) int8() int8 {
	if s := r.need(1); s != nil {
		return int8(s[0])
	}
	return 0
}

func (r *cgReader) int16() int16 {
	if s := r.need(2); s != nil {
		return int16(binary.BigEndian.Uint16(s))
	}
	return 0
}

func (r *cgReader) int32() int32 {
	if s := r.need(4); s != nil {
		return int32(binary.BigEndian.Uint32(s))
	}
	return 0
}

func (r *cgReader) uuid() metadata.Uuid {
	var u metadata.Uuid
	if s := r.need(16); s != nil {
		copy(u[:], s)
	}
	return u
}

func (r *cgReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.err = fmt.Errorf("bad unsigned varint at byte %d", r.off)
		return 0
	}
	r.off += n
	return v
}

// version reads a value's version and fails on one this code does not know.
func (r *cgReader) version() {
	if v := r.int16(); r.err == nil && v != cgRecordValueVersion {
		r.err = fmt.Errorf("unknown value version %d", v)
	}
}

func (r *cgReader) keyString() string {
	n := r.int16()
	if r.err == nil && n < 0 {
		r.err = fmt.Errorf("null string in a key")
	}
	return string(r.need(int(n)))
}

// compactLen reads a compact length: -1 for null.
func (r *cgReader) compactLen() int {
	v := r.uvarint()
	if r.err != nil {
		return -1
	}
	if v > math.MaxInt32 {
		r.err = fmt.Errorf("length %d out of range", v)
		return -1
	}
	return int(v) - 1
}

func (r *cgReader) compactString() string {
	n := r.compactLen()
	if r.err == nil && n < 0 {
		r.err = errors.New("null where a string is required")
	}
	return string(r.need(n))
}

func (r *cgReader) compactNullableString() *string {
	n := r.compactLen()
	if r.err != nil || n < 0 {
		return nil
	}
	s := string(r.need(n))
	return &s
}

// arrayLen reads an array length; each element takes at least minSize
// bytes, so a length the rest of the input cannot hold is an error rather
// than an allocation. Null reads as 0.
func (r *cgReader) arrayLen(minSize int) int {
	n := r.compactLen()
	if r.err != nil || n < 0 {
		return 0
	}
	if n > (len(r.b)-r.off)/minSize {
		r.err = fmt.Errorf("array of %d elements in %d bytes", n, len(r.b)-r.off)
		return 0
	}
	return n
}

func (r *cgReader) int32s() []int32 {
	n := r.arrayLen(4)
	out := make([]int32, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, r.int32())
	}
	return out
}

func (r *cgReader) topicPartitions() []cgTopicPartitions {
	n := r.arrayLen(16 + 1 + 1)
	out := make([]cgTopicPartitions, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		t := cgTopicPartitions{TopicID: r.uuid(), Partitions: r.int32s()}
		r.tags(func(tag uint64, field *cgReader) {
			if tag == 0 {
				t.AssignmentEpochs = field.int32s()
			}
		})
		if t.AssignmentEpochs != nil && len(t.AssignmentEpochs) != len(t.Partitions) {
			r.err = fmt.Errorf("%d assignment epochs for %d partitions", len(t.AssignmentEpochs), len(t.Partitions))
		}
		out = append(out, t)
	}
	return out
}

// tags reads a tagged-field section, handing each field to fn in a reader
// of its own; fields fn does not read are skipped.
func (r *cgReader) tags(fn func(tag uint64, field *cgReader)) {
	n := r.uvarint()
	for i := uint64(0); i < n && r.err == nil; i++ {
		tag := r.uvarint()
		size := r.uvarint()
		if r.err == nil && size > uint64(len(r.b)-r.off) {
			r.err = errCGRecordShort
			return
		}
		data := r.need(int(size))
		if r.err == nil && fn != nil {
			field := &cgReader{b: data}
			fn(tag, field)
			if field.err != nil {
				r.err = fmt.Errorf("tagged field %d: %w", tag, field.err)
			}
		}
	}
}

func (r *cgReader) skipTags() { r.tags(nil) }

// done reports the first error, or bytes left over.
func (r *cgReader) done(what string) error {
	if r.err == nil && r.off != len(r.b) {
		r.err = fmt.Errorf("%d bytes after the value", len(r.b)-r.off)
	}
	if r.err != nil {
		return fmt.Errorf("%s: %w", what, r.err)
	}
	return nil
}

// --- record constructors ---

func cgMetadataRecord(group string, epoch int32) coordinator.Record {
	v := cgMetadataValue{Epoch: epoch}
	return coordinator.Record{Key: cgKey(keyConsumerGroupMetadata, group, nil), Value: v.encode()}
}

func cgPartitionMetadataRecord(group string, topics []cgTopicMetadata) coordinator.Record {
	return coordinator.Record{Key: cgKey(keyConsumerGroupPartitionMeta, group, nil), Value: encodeCGPartitionMetadata(topics)}
}

func cgMemberRecord(group, member string, v *cgMemberValue) coordinator.Record {
	r := coordinator.Record{Key: cgKey(keyConsumerGroupMemberMeta, group, &member)}
	if v != nil {
		r.Value = v.encode()
	}
	return r
}

func cgTargetMetadataRecord(group string, epoch int32) coordinator.Record {
	return coordinator.Record{Key: cgKey(keyConsumerGroupTargetMeta, group, nil), Value: encodeCGTargetMetadata(epoch)}
}

func cgTargetMemberRecord(group, member string, topics []cgTopicPartitions) coordinator.Record {
	return coordinator.Record{Key: cgKey(keyConsumerGroupTargetMember, group, &member), Value: encodeCGTargetMember(topics)}
}

func cgCurrentRecord(group, member string, v *cgCurrentValue) coordinator.Record {
	r := coordinator.Record{Key: cgKey(keyConsumerGroupCurrentMember, group, &member)}
	if v != nil {
		r.Value = v.encode()
	}
	return r
}

// cgTombstone is the tombstone of a group-level (member == "" and
// !perMember) or member-level key.
func cgTombstone(typ int16, group string, member *string) coordinator.Record {
	return coordinator.Record{Key: cgKey(typ, group, member)}
}
