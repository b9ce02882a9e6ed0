package group

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"samsa/internal/metadata"
)

// The encodings below are written out by hand from Kafka's JSON schemas
// (ConsumerGroup*Key.json / *Value.json), so a mistake in the encoder and
// the same mistake in the decoder cannot cancel out.

func cgtHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var cgtTopicID = metadata.Uuid{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}

const cgtTopicIDHex = "0102030405060708090a0b0c0d0e0f10"

func TestConsumerGroupRecordEncodings(t *testing.T) {
	str := func(s string) *string { return &s }
	member := "m"
	cases := []struct {
		name string
		got  []byte
		want string
	}{
		// int16 type, then each string as int16 length + bytes.
		{"key 3", cgKey(keyConsumerGroupMetadata, "g", nil), "0003 0001 67"},
		{"key 4", cgKey(keyConsumerGroupPartitionMeta, "g", nil), "0004 0001 67"},
		{"key 5", cgKey(keyConsumerGroupMemberMeta, "g", &member), "0005 0001 67 0001 6d"},
		{"key 6", cgKey(keyConsumerGroupTargetMeta, "g", nil), "0006 0001 67"},
		{"key 7", cgKey(keyConsumerGroupTargetMember, "g", &member), "0007 0001 67 0001 6d"},
		{"key 8", cgKey(keyConsumerGroupCurrentMember, "g", &member), "0008 0001 67 0001 6d"},
		// version 0, Epoch, no tagged fields.
		{"value 3", (&cgMetadataValue{Epoch: 5}).encode(), "0000 00000005 00"},
		// version, Topics [1]: id, TopicName "t", NumPartitions 3,
		// PartitionMetadata [] and its struct's tags, then the value's tags.
		{"value 4", encodeCGPartitionMetadata([]cgTopicMetadata{{ID: cgtTopicID, Name: "t", Partitions: 3}}),
			"0000 02" + cgtTopicIDHex + "0274 00000003 01 00 00"},
		// InstanceId "i", RackId null, ClientId "c", ClientHost "/h",
		// SubscribedTopicNames [a b], SubscribedTopicRegex null,
		// RebalanceTimeoutMs 1000, ServerAssignor "uniform", tags.
		{"value 5", (&cgMemberValue{InstanceID: str("i"), ClientID: "c", ClientHost: "/h",
			SubscribedTopicNames: []string{"a", "b"}, RebalanceTimeoutMs: 1000, ServerAssignor: str("uniform")}).encode(),
			"0000 0269 00 0263 032f68 03 0261 0262 00 000003e8 08756e69666f726d 00"},
		{"value 5 regex", (&cgMemberValue{ClientID: "", ClientHost: "", SubscribedTopicNames: []string{},
			SubscribedTopicRegex: str("x.*"), RebalanceTimeoutMs: -1}).encode(),
			"0000 00 00 01 01 01 04782e2a ffffffff 00 00"},
		{"value 6", encodeCGTargetMetadata(7), "0000 00000007 00"},
		// TopicPartitions [1]: id, Partitions [0 2], struct tags; tags.
		{"value 7", encodeCGTargetMember([]cgTopicPartitions{{TopicID: cgtTopicID, Partitions: []int32{0, 2}}}),
			"0000 02" + cgtTopicIDHex + "03 00000000 00000002 00 00"},
		// MemberEpoch 7, PreviousMemberEpoch 5, State 1, AssignedPartitions
		// [1]: id, Partitions [1], one tagged field: tag 0 of 5 bytes,
		// AssignmentEpochs [7]; PartitionsPendingRevocation []; tags.
		{"value 8", (&cgCurrentValue{MemberEpoch: 7, PreviousMemberEpoch: 5, State: 1,
			Assigned: []cgTopicPartitions{{TopicID: cgtTopicID, Partitions: []int32{1}, AssignmentEpochs: []int32{7}}}}).encode(),
			"0000 00000007 00000005 01 02" + cgtTopicIDHex + "02 00000001 01 00 05 0200000007 01 00"},
		// Without assignment epochs the struct has no tagged field, as
		// Kafka before 4.3 writes it.
		{"value 8 pre-KIP-1251", (&cgCurrentValue{MemberEpoch: 3, PreviousMemberEpoch: 2,
			PendingRevocation: []cgTopicPartitions{{TopicID: cgtTopicID, Partitions: []int32{4}}}}).encode(),
			"0000 00000003 00000002 00 01 02" + cgtTopicIDHex + "02 00000004 00 00"},
	}
	for _, c := range cases {
		if want := cgtHex(t, c.want); !bytes.Equal(c.got, want) {
			t.Errorf("%s:\n got %x\nwant %x", c.name, c.got, want)
		}
	}
}

func TestConsumerGroupRecordRoundTrips(t *testing.T) {
	str := func(s string) *string { return &s }
	mv := cgMemberValue{InstanceID: str("i"), RackID: str("r"), ClientID: "c", ClientHost: "/h",
		SubscribedTopicNames: []string{"a"}, SubscribedTopicRegex: str("b.*"), RebalanceTimeoutMs: 30000, ServerAssignor: str("range")}
	if got, err := decodeCGMemberValue(mv.encode()); err != nil || !reflect.DeepEqual(got, mv) {
		t.Fatalf("member: %+v %v", got, err)
	}
	cv := cgCurrentValue{MemberEpoch: 9, PreviousMemberEpoch: 8, State: 2,
		Assigned:          []cgTopicPartitions{{TopicID: cgtTopicID, Partitions: []int32{0, 3}, AssignmentEpochs: []int32{8, 9}}},
		PendingRevocation: []cgTopicPartitions{{TopicID: metadata.Uuid{9}, Partitions: []int32{1}, AssignmentEpochs: []int32{2}}}}
	if got, err := decodeCGCurrentValue(cv.encode()); err != nil || !reflect.DeepEqual(got, cv) {
		t.Fatalf("current: %+v %v", got, err)
	}
	topics := []cgTopicMetadata{{ID: cgtTopicID, Name: "t", Partitions: 3}, {ID: metadata.Uuid{7}, Name: "u", Partitions: 1}}
	if got, err := decodeCGPartitionMetadata(encodeCGPartitionMetadata(topics)); err != nil || !reflect.DeepEqual(got, topics) {
		t.Fatalf("partition metadata: %+v %v", got, err)
	}
	g, m, err := decodeCGKey(keyConsumerGroupCurrentMember, cgKey(keyConsumerGroupCurrentMember, "grp", str("mem")), true)
	if err != nil || g != "grp" || m != "mem" {
		t.Fatalf("key: %q %q %v", g, m, err)
	}
}

// Kafka 4.1 adds tag 0 (MetadataHash) to record 3, and records may carry
// partition racks: both decode.
func TestConsumerGroupRecordsWrittenByNewerKafka(t *testing.T) {
	v, err := decodeCGMetadataValue(cgtHex(t, "0000 00000004 01 00 08 0000000000000abc"))
	if err != nil || v.Epoch != 4 {
		t.Fatalf("metadata with hash: %+v %v", v, err)
	}
	topics, err := decodeCGPartitionMetadata(cgtHex(t, "0000 02"+cgtTopicIDHex+"0274 00000001 02 00000000 02 037231 00 00 00"))
	if err != nil || len(topics) != 1 || topics[0].Partitions != 1 {
		t.Fatalf("partition metadata with racks: %+v %v", topics, err)
	}
}

// Every truncation and random corruption of a valid value is an error or
// a value, never a panic or a huge allocation.
func TestConsumerGroupRecordsBadInput(t *testing.T) {
	str := func(s string) *string { return &s }
	values := map[string][]byte{
		"3": (&cgMetadataValue{Epoch: 1}).encode(),
		"4": encodeCGPartitionMetadata([]cgTopicMetadata{{ID: cgtTopicID, Name: "topic", Partitions: 8}}),
		"5": (&cgMemberValue{InstanceID: str("i"), ClientID: "c", ClientHost: "h", SubscribedTopicNames: []string{"a", "b"}}).encode(),
		"6": encodeCGTargetMetadata(1),
		"7": encodeCGTargetMember([]cgTopicPartitions{{TopicID: cgtTopicID, Partitions: []int32{1, 2, 3}}}),
		"8": (&cgCurrentValue{Assigned: []cgTopicPartitions{{TopicID: cgtTopicID, Partitions: []int32{1}, AssignmentEpochs: []int32{1}}}}).encode(),
	}
	decode := func(typ string, b []byte) error {
		var err error
		switch typ {
		case "3":
			_, err = decodeCGMetadataValue(b)
		case "4":
			_, err = decodeCGPartitionMetadata(b)
		case "5":
			_, err = decodeCGMemberValue(b)
		case "6":
			_, err = decodeCGTargetMetadata(b)
		case "7":
			_, err = decodeCGTargetMember(b)
		case "8":
			_, err = decodeCGCurrentValue(b)
		}
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for typ, v := range values {
		if err := decode(typ, v); err != nil {
			t.Fatalf("type %s: %v", typ, err)
		}
		for n := 0; n < len(v); n++ {
			if decode(typ, v[:n]) == nil {
				t.Errorf("type %s cut to %d of %d bytes decoded", typ, n, len(v))
			}
		}
		if decode(typ, append(append([]byte{}, v...), 0)) == nil {
			t.Errorf("type %s with a trailing byte decoded", typ)
		}
		for i := 0; i < 2000; i++ {
			b := append([]byte{}, v...)
			b[rng.IntN(len(b))] = byte(rng.UintN(256))
			_ = decode(typ, b)
		}
	}
	// A huge array length in a few bytes is refused before allocating.
	if _, err := decodeCGTargetMember(cgtHex(t, "0000 ffffffff07")); err == nil {
		t.Fatal("array of 2^31 topics in 5 bytes decoded")
	}
}
