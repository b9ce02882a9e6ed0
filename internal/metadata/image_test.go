package metadata

import (
	"reflect"
	"strings"
	"testing"
)

func mustApply(t *testing.T, im *Image, records ...Record) *Image {
	t.Helper()
	next, err := im.Apply(im.Offset()+1, 1, records)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return next
}

func sampleImage(t *testing.T) (*Image, Uuid) {
	id := NewUuid()
	v := "1000"
	im := mustApply(t, Empty(),
		&FeatureLevelRecord{Name: "metadata.version", FeatureLevel: 25},
		&RegisterBrokerRecord{BrokerID: 1, BrokerEpoch: 5, Fenced: true,
			EndPoints: []Endpoint{{Name: "PLAINTEXT", Host: "localhost", Port: 9092}}},
		&UnfenceBrokerRecord{ID: 1, Epoch: 5},
		&TopicRecord{Name: "orders", TopicID: id},
		&PartitionRecord{PartitionID: 0, TopicID: id, Replicas: []int32{1}, Isr: []int32{1}, Leader: 1},
		&PartitionRecord{PartitionID: 1, TopicID: id, Replicas: []int32{1}, Isr: []int32{1}, Leader: 1},
		&ConfigRecord{ResourceType: ConfigResourceTopic, ResourceName: "orders", Name: "retention.ms", Value: &v},
		&ProducerIdsRecord{BrokerID: 1, NextProducerID: 1000},
	)
	return im, id
}

func TestApplyBuildsImage(t *testing.T) {
	im, id := sampleImage(t)
	if im.Offset() != 0 || im.Feature("metadata.version") != 25 {
		t.Fatalf("offset %d, metadata.version %d", im.Offset(), im.Feature("metadata.version"))
	}
	b, ok := im.Broker(1)
	if !ok || b.Fenced {
		t.Fatalf("broker 1: %+v, registered %v", b, ok)
	}
	top, ok := im.Topic("orders")
	if !ok || top.ID != id || len(top.Partitions) != 2 {
		t.Fatalf("topic: %+v", top)
	}
	if byID, _ := im.TopicByID(id); byID != top {
		t.Fatalf("topic by id differs from by name")
	}
	if got := im.Configs(ConfigResource{ConfigResourceTopic, "orders"})["retention.ms"]; got != "1000" {
		t.Fatalf("retention.ms = %q", got)
	}
}

func TestApplyLeavesPreviousImageIntact(t *testing.T) {
	im, id := sampleImage(t)
	leader := int32(-1)
	next := mustApply(t, im,
		&PartitionChangeRecord{TopicID: id, PartitionID: 1, Leader: &leader, Isr: []int32{1}},
		&ConfigRecord{ResourceType: ConfigResourceTopic, ResourceName: "orders", Name: "retention.ms"},
	)
	old, _ := im.Topic("orders")
	cur, _ := next.Topic("orders")
	if old.Partitions[1].Leader != 1 || old.Partitions[1].LeaderEpoch != 0 {
		t.Fatalf("previous image changed: %+v", old.Partitions[1])
	}
	if cur.Partitions[1].Leader != -1 || cur.Partitions[1].LeaderEpoch != 1 || cur.Partitions[1].PartitionEpoch != 1 {
		t.Fatalf("change not applied: %+v", cur.Partitions[1])
	}
	if im.Configs(ConfigResource{ConfigResourceTopic, "orders"}) == nil {
		t.Fatalf("previous image lost its config")
	}
	if next.Configs(ConfigResource{ConfigResourceTopic, "orders"}) != nil {
		t.Fatalf("deleting the last config should drop the resource")
	}
	gone := mustApply(t, next, &RemoveTopicRecord{TopicID: id})
	if _, ok := gone.Topic("orders"); ok {
		t.Fatalf("topic still present after removal")
	}
	if _, ok := next.Topic("orders"); !ok {
		t.Fatalf("removal changed the previous image")
	}
}

func TestApplyRejectsInconsistentRecords(t *testing.T) {
	im, id := sampleImage(t)
	cases := map[string]Record{
		"duplicate topic":   &TopicRecord{Name: "orders", TopicID: NewUuid()},
		"unknown topic id":  &PartitionRecord{PartitionID: 0, TopicID: NewUuid()},
		"partition gap":     &PartitionRecord{PartitionID: 5, TopicID: id},
		"unknown partition": &PartitionChangeRecord{PartitionID: 9, TopicID: id},
		"stale fence":       &FenceBrokerRecord{ID: 1, Epoch: 4},
		"unknown broker":    &UnfenceBrokerRecord{ID: 7},
		"producer ids back": &ProducerIdsRecord{NextProducerID: 5},
	}
	for name, rec := range cases {
		if _, err := im.Apply(1, 1, []Record{rec}); err == nil {
			t.Errorf("%s: applied without error", name)
		}
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	im, _ := sampleImage(t)
	data, err := EncodeRecords(im.Records())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"type":"TOPIC_RECORD"`) {
		t.Fatalf("encoding lacks Kafka's record names: %s", data)
	}
	recs, err := DecodeRecords(data)
	if err != nil {
		t.Fatal(err)
	}
	rebuilt, err := Empty().Apply(im.Offset(), im.Epoch(), recs)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rebuilt.Records(), im.Records()) {
		t.Fatalf("snapshot round trip differs")
	}
	if _, err := DecodeRecords([]byte(`[{"type":"NO_SUCH_RECORD","data":{}}]`)); err == nil {
		t.Fatalf("unknown record type decoded")
	}
}

func TestLoaderSnapshotRestore(t *testing.T) {
	l := NewLoader()
	var seen []int64
	l.Subscribe(func(prev, next *Image) { seen = append(seen, next.Offset()) })
	im, _ := sampleImage(t)
	data, _ := EncodeRecords(im.Records())
	if err := l.Apply(1, 1, data); err != nil {
		t.Fatal(err)
	}
	snap, index, err := l.Snapshot()
	if err != nil || index != 1 {
		t.Fatalf("snapshot index %d err %v", index, err)
	}
	l2 := NewLoader()
	if err := l2.Restore(snap, index, 1); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(l2.Current().Records(), l.Current().Records()) {
		t.Fatalf("restored image differs")
	}
	if len(seen) != 1 || seen[0] != 0 {
		t.Fatalf("listener saw %v", seen)
	}
	if err := l.Apply(2, 1, []byte("garbage")); err == nil {
		t.Fatalf("garbage entry applied")
	}
}

func TestUuidText(t *testing.T) {
	u := NewUuid()
	s := u.String()
	if len(s) != 22 || s[0] == '-' {
		t.Fatalf("uuid text %q", s)
	}
	back, err := ParseUuid(s)
	if err != nil || back != u {
		t.Fatalf("parse %q: %v %v", s, back, err)
	}
	if _, err := ParseUuid("short"); err == nil {
		t.Fatalf("short uuid parsed")
	}
}

func TestValidateTopicName(t *testing.T) {
	good := []string{"a", "orders.v1", "my_topic-2", strings.Repeat("x", 249)}
	bad := []string{"", ".", "..", strings.Repeat("x", 250), "a b", "ñ", "a/b"}
	for _, n := range good {
		if err := ValidateTopicName(n); err != nil {
			t.Errorf("%q rejected: %v", n, err)
		}
	}
	for _, n := range bad {
		if ValidateTopicName(n) == nil {
			t.Errorf("%q accepted", n)
		}
	}
}
