package group

import (
	"encoding/binary"
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/coordinator"
)

// Record types of __consumer_offsets: the version that starts every key
// says what the record is, as in Kafka (CoordinatorRecordType).
const (
	keyOffsetCommitV0             int16 = 0
	keyOffsetCommit               int16 = 1 // the version Kafka writes
	keyGroupMetadata              int16 = 2
	keyConsumerGroupMetadata      int16 = 3
	keyConsumerGroupPartitionMeta int16 = 4
	keyConsumerGroupMemberMeta    int16 = 5
	keyConsumerGroupTargetMeta    int16 = 6
	keyConsumerGroupTargetMember  int16 = 7
	keyConsumerGroupCurrentMember int16 = 8
)

// Value versions Samsa writes, the ones Kafka 4 writes.
const (
	offsetCommitValueVersion  int16 = 3
	groupMetadataValueVersion int16 = 3
)

// keyType reads the record type of a key.
func keyType(key []byte) (int16, error) {
	if len(key) < 2 {
		return 0, fmt.Errorf("record key of %d bytes", len(key))
	}
	return int16(binary.BigEndian.Uint16(key)), nil
}

// replayers decode and apply one record type; the files of each group type
// register theirs in init.
var replayers = map[int16]func(st *State, key, value []byte) error{}

func registerReplayer(keyVersion int16, fn func(st *State, key, value []byte) error) {
	if _, dup := replayers[keyVersion]; dup {
		panic(fmt.Sprintf("group: record type %d registered twice", keyVersion))
	}
	replayers[keyVersion] = fn
}

func init() {
	registerReplayer(keyOffsetCommitV0, replayOffsetCommit)
	registerReplayer(keyOffsetCommit, replayOffsetCommit)
}

// offsetCommitRecord is the record of a committed offset, or its
// tombstone when value is nil.
func offsetCommitRecord(group, topic string, partition int32, value *kmsg.OffsetCommitValue) coordinator.Record {
	k := kmsg.NewOffsetCommitKey()
	k.Version, k.Group, k.Topic, k.Partition = keyOffsetCommit, group, topic, partition
	r := coordinator.Record{Key: k.AppendTo(nil)}
	if value != nil {
		value.Version = offsetCommitValueVersion
		r.Value = value.AppendTo(nil)
	}
	return r
}

// groupMetadataRecord is a classic group's metadata, or its tombstone.
func groupMetadataRecord(group string, value *kmsg.GroupMetadataValue) coordinator.Record {
	k := kmsg.NewGroupMetadataKey()
	k.Version, k.Group = keyGroupMetadata, group
	r := coordinator.Record{Key: k.AppendTo(nil)}
	if value != nil {
		value.Version = groupMetadataValueVersion
		r.Value = value.AppendTo(nil)
	}
	return r
}

// decodeGroupMetadataKey returns the group a type-2 key names.
func decodeGroupMetadataKey(key []byte) (string, error) {
	var k kmsg.GroupMetadataKey
	if err := k.ReadFrom(key); err != nil {
		return "", fmt.Errorf("group metadata key: %w", err)
	}
	return k.Group, nil
}
