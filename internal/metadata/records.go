package metadata

import (
	"encoding/json"
	"fmt"
)

// Record is one metadata change. The concrete types below mirror Kafka's
// metadata records (metadata/src/main/resources/common/metadata/*.json):
// same names, same fields, the subset Samsa uses.
type Record interface {
	// RecordType is Kafka's name for the record, e.g. "TOPIC_RECORD".
	RecordType() string
}

// Kafka's ConfigResource types, as ConfigRecord stores them.
const (
	ConfigResourceTopic  int8 = 2
	ConfigResourceBroker int8 = 4
)

// NoLeader is the leader id of a partition without a leader.
const NoLeader int32 = -1

// Endpoint is one advertised listener of a broker.
type Endpoint struct {
	Name             string `json:"name"`
	Host             string `json:"host"`
	Port             int32  `json:"port"`
	SecurityProtocol int16  `json:"securityProtocol"`
}

// FeatureRange is the range of levels of a feature a broker supports.
type FeatureRange struct {
	Name                string `json:"name"`
	MinSupportedVersion int16  `json:"minSupportedVersion"`
	MaxSupportedVersion int16  `json:"maxSupportedVersion"`
}

// RegisterBrokerRecord registers (or re-registers) a broker.
type RegisterBrokerRecord struct {
	BrokerID      int32          `json:"brokerId"`
	IncarnationID Uuid           `json:"incarnationId"`
	BrokerEpoch   int64          `json:"brokerEpoch"`
	EndPoints     []Endpoint     `json:"endPoints"`
	Features      []FeatureRange `json:"features"`
	Rack          *string        `json:"rack"`
	Fenced        bool           `json:"fenced"`
	LogDirs       []Uuid         `json:"logDirs"`
}

// UnregisterBrokerRecord removes a broker.
type UnregisterBrokerRecord struct {
	BrokerID    int32 `json:"brokerId"`
	BrokerEpoch int64 `json:"brokerEpoch"`
}

// FenceBrokerRecord fences a broker that missed its heartbeats.
type FenceBrokerRecord struct {
	ID    int32 `json:"id"`
	Epoch int64 `json:"epoch"`
}

// UnfenceBrokerRecord lets a registered broker lead and follow partitions.
type UnfenceBrokerRecord struct {
	ID    int32 `json:"id"`
	Epoch int64 `json:"epoch"`
}

// TopicRecord creates a topic; its partitions follow as PartitionRecords.
type TopicRecord struct {
	Name    string `json:"name"`
	TopicID Uuid   `json:"topicId"`
}

// PartitionRecord creates a partition (or replaces one wholesale).
type PartitionRecord struct {
	PartitionID      int32   `json:"partitionId"`
	TopicID          Uuid    `json:"topicId"`
	Replicas         []int32 `json:"replicas"`
	Isr              []int32 `json:"isr"`
	RemovingReplicas []int32 `json:"removingReplicas"`
	AddingReplicas   []int32 `json:"addingReplicas"`
	Leader           int32   `json:"leader"`
	LeaderEpoch      int32   `json:"leaderEpoch"`
	PartitionEpoch   int32   `json:"partitionEpoch"`
	Directories      []Uuid  `json:"directories,omitempty"`
}

// PartitionChangeRecord changes the leader, ISR or replicas of a partition.
// Nil fields are unchanged. A leader change bumps the leader epoch; every
// change bumps the partition epoch.
type PartitionChangeRecord struct {
	PartitionID int32   `json:"partitionId"`
	TopicID     Uuid    `json:"topicId"`
	Isr         []int32 `json:"isr,omitempty"`
	Leader      *int32  `json:"leader,omitempty"`
	Replicas    []int32 `json:"replicas,omitempty"`
}

// RemoveTopicRecord deletes a topic, its partitions and its configs.
type RemoveTopicRecord struct {
	TopicID Uuid `json:"topicId"`
}

// ConfigRecord sets (Value non-nil) or deletes (Value nil) one dynamic
// config of a topic or broker. A broker ResourceName of "" is the
// cluster-wide default.
type ConfigRecord struct {
	ResourceType int8    `json:"resourceType"`
	ResourceName string  `json:"resourceName"`
	Name         string  `json:"name"`
	Value        *string `json:"value"`
}

// FeatureLevelRecord finalizes a feature level (metadata.version, …).
type FeatureLevelRecord struct {
	Name         string `json:"name"`
	FeatureLevel int16  `json:"featureLevel"`
}

// ProducerIdsRecord hands out the next block of producer ids.
type ProducerIdsRecord struct {
	BrokerID       int32 `json:"brokerId"`
	BrokerEpoch    int64 `json:"brokerEpoch"`
	NextProducerID int64 `json:"nextProducerId"`
}

func (*RegisterBrokerRecord) RecordType() string   { return "REGISTER_BROKER_RECORD" }
func (*UnregisterBrokerRecord) RecordType() string { return "UNREGISTER_BROKER_RECORD" }
func (*FenceBrokerRecord) RecordType() string      { return "FENCE_BROKER_RECORD" }
func (*UnfenceBrokerRecord) RecordType() string    { return "UNFENCE_BROKER_RECORD" }
func (*TopicRecord) RecordType() string            { return "TOPIC_RECORD" }
func (*PartitionRecord) RecordType() string        { return "PARTITION_RECORD" }
func (*PartitionChangeRecord) RecordType() string  { return "PARTITION_CHANGE_RECORD" }
func (*RemoveTopicRecord) RecordType() string      { return "REMOVE_TOPIC_RECORD" }
func (*ConfigRecord) RecordType() string           { return "CONFIG_RECORD" }
func (*FeatureLevelRecord) RecordType() string     { return "FEATURE_LEVEL_RECORD" }
func (*ProducerIdsRecord) RecordType() string      { return "PRODUCER_IDS_RECORD" }

// newRecord maps a record type name to an empty record of that type.
func newRecord(recordType string) (Record, error) {
	switch recordType {
	case "REGISTER_BROKER_RECORD":
		return new(RegisterBrokerRecord), nil
	case "UNREGISTER_BROKER_RECORD":
		return new(UnregisterBrokerRecord), nil
	case "FENCE_BROKER_RECORD":
		return new(FenceBrokerRecord), nil
	case "UNFENCE_BROKER_RECORD":
		return new(UnfenceBrokerRecord), nil
	case "TOPIC_RECORD":
		return new(TopicRecord), nil
	case "PARTITION_RECORD":
		return new(PartitionRecord), nil
	case "PARTITION_CHANGE_RECORD":
		return new(PartitionChangeRecord), nil
	case "REMOVE_TOPIC_RECORD":
		return new(RemoveTopicRecord), nil
	case "CONFIG_RECORD":
		return new(ConfigRecord), nil
	case "FEATURE_LEVEL_RECORD":
		return new(FeatureLevelRecord), nil
	case "PRODUCER_IDS_RECORD":
		return new(ProducerIdsRecord), nil
	}
	return nil, fmt.Errorf("unknown metadata record type %q", recordType)
}

// envelope is the stored form of one record, the shape Kafka's
// kafka-dump-log --cluster-metadata-decoder prints.
type envelope struct {
	Type    string          `json:"type"`
	Version int16           `json:"version"`
	Data    json.RawMessage `json:"data"`
}

// EncodeRecords encodes records as one metadata log entry: a JSON array of
// {"type","version","data"} objects. The records of one entry are applied
// atomically.
func EncodeRecords(records []Record) ([]byte, error) {
	envs := make([]envelope, len(records))
	for i, r := range records {
		data, err := json.Marshal(r)
		if err != nil {
			return nil, fmt.Errorf("encoding %s: %w", r.RecordType(), err)
		}
		envs[i] = envelope{Type: r.RecordType(), Data: data}
	}
	return json.Marshal(envs)
}

// DecodeRecords decodes a metadata log entry written by EncodeRecords.
func DecodeRecords(b []byte) ([]Record, error) {
	var envs []envelope
	if err := json.Unmarshal(b, &envs); err != nil {
		return nil, fmt.Errorf("decoding metadata entry: %w", err)
	}
	records := make([]Record, len(envs))
	for i, env := range envs {
		r, err := newRecord(env.Type)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(env.Data, r); err != nil {
			return nil, fmt.Errorf("decoding %s: %w", env.Type, err)
		}
		records[i] = r
	}
	return records, nil
}
