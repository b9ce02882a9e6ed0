package dumplog

import (
	"fmt"
	"strings"

	"samsa/internal/metadata"
)

// The types below lay out Samsa's metadata records as Kafka's generated
// JSON converters lay out its own (MetadataJsonConverters): Kafka's field
// names in Kafka's order, fields of the version shown, tagged fields only
// when they differ from their default.

type kafkaTopicRecord struct {
	Name    string        `json:"name"`
	TopicID metadata.Uuid `json:"topicId"`
}

type kafkaPartitionRecord struct {
	PartitionID      int32           `json:"partitionId"`
	TopicID          metadata.Uuid   `json:"topicId"`
	Replicas         []int32         `json:"replicas"`
	Isr              []int32         `json:"isr"`
	RemovingReplicas []int32         `json:"removingReplicas"`
	AddingReplicas   []int32         `json:"addingReplicas"`
	Leader           int32           `json:"leader"`
	LeaderEpoch      int32           `json:"leaderEpoch"`
	PartitionEpoch   int32           `json:"partitionEpoch"`
	Directories      []metadata.Uuid `json:"directories,omitempty"` // v1+
}

type kafkaPartitionChangeRecord struct {
	PartitionID int32         `json:"partitionId"`
	TopicID     metadata.Uuid `json:"topicId"`
	Isr         []int32       `json:"isr,omitempty"`
	Leader      *int32        `json:"leader,omitempty"`
	Replicas    []int32       `json:"replicas,omitempty"`
}

type kafkaBrokerEndpoint struct {
	Name             string `json:"name"`
	Host             string `json:"host"`
	Port             int32  `json:"port"`
	SecurityProtocol int16  `json:"securityProtocol"`
}

type kafkaBrokerFeature struct {
	Name                string `json:"name"`
	MinSupportedVersion int16  `json:"minSupportedVersion"`
	MaxSupportedVersion int16  `json:"maxSupportedVersion"`
}

// kafkaRegisterBrokerRecord is version 3 when the broker names log
// directories (logDirs, a v3 tagged field), else version 0.
type kafkaRegisterBrokerRecord struct {
	BrokerID             int32                 `json:"brokerId"`
	IsMigratingZkBroker  *bool                 `json:"isMigratingZkBroker,omitempty"` // v2+
	IncarnationID        metadata.Uuid         `json:"incarnationId"`
	BrokerEpoch          int64                 `json:"brokerEpoch"`
	EndPoints            []kafkaBrokerEndpoint `json:"endPoints"`
	Features             []kafkaBrokerFeature  `json:"features"`
	Rack                 *string               `json:"rack"`
	Fenced               bool                  `json:"fenced"`
	InControlledShutdown *bool                 `json:"inControlledShutdown,omitempty"` // v1+
	LogDirs              []metadata.Uuid       `json:"logDirs,omitempty"`              // v3+, tagged
}

type kafkaConfigRecord struct {
	ResourceType int8    `json:"resourceType"`
	ResourceName string  `json:"resourceName"`
	Name         string  `json:"name"`
	Value        *string `json:"value"`
}

type kafkaFeatureLevelRecord struct {
	Name         string `json:"name"`
	FeatureLevel int16  `json:"featureLevel"`
}

type kafkaProducerIdsRecord struct {
	BrokerID       int32 `json:"brokerId"`
	BrokerEpoch    int64 `json:"brokerEpoch"`
	NextProducerID int64 `json:"nextProducerId"`
}

type kafkaBrokerIDEpoch struct {
	ID    int32 `json:"id"`
	Epoch int64 `json:"epoch"`
}

type kafkaUnregisterBrokerRecord struct {
	BrokerID    int32 `json:"brokerId"`
	BrokerEpoch int64 `json:"brokerEpoch"`
}

type kafkaRemoveTopicRecord struct {
	TopicID metadata.Uuid `json:"topicId"`
}

// kafkaForm returns the version and the Kafka-shaped value of r.
func kafkaForm(r metadata.Record) (int, any) {
	switch r := r.(type) {
	case *metadata.TopicRecord:
		return 0, kafkaTopicRecord{r.Name, r.TopicID}
	case *metadata.PartitionRecord:
		v := 0
		if len(r.Directories) > 0 {
			v = 1
		}
		return v, kafkaPartitionRecord{r.PartitionID, r.TopicID, ints(r.Replicas), ints(r.Isr),
			ints(r.RemovingReplicas), ints(r.AddingReplicas), r.Leader, r.LeaderEpoch, r.PartitionEpoch, r.Directories}
	case *metadata.PartitionChangeRecord:
		return 0, kafkaPartitionChangeRecord{r.PartitionID, r.TopicID, r.Isr, r.Leader, r.Replicas}
	case *metadata.RegisterBrokerRecord:
		k := kafkaRegisterBrokerRecord{BrokerID: r.BrokerID, IncarnationID: r.IncarnationID, BrokerEpoch: r.BrokerEpoch,
			EndPoints: []kafkaBrokerEndpoint{}, Features: []kafkaBrokerFeature{}, Rack: r.Rack, Fenced: r.Fenced}
		for _, e := range r.EndPoints {
			k.EndPoints = append(k.EndPoints, kafkaBrokerEndpoint(e))
		}
		for _, f := range r.Features {
			k.Features = append(k.Features, kafkaBrokerFeature(f))
		}
		if len(r.LogDirs) == 0 {
			return 0, k
		}
		no := false
		k.IsMigratingZkBroker, k.InControlledShutdown, k.LogDirs = &no, &no, r.LogDirs
		return 3, k
	case *metadata.UnregisterBrokerRecord:
		return 0, kafkaUnregisterBrokerRecord{r.BrokerID, r.BrokerEpoch}
	case *metadata.FenceBrokerRecord:
		return 0, kafkaBrokerIDEpoch{r.ID, r.Epoch}
	case *metadata.UnfenceBrokerRecord:
		return 0, kafkaBrokerIDEpoch{r.ID, r.Epoch}
	case *metadata.RemoveTopicRecord:
		return 0, kafkaRemoveTopicRecord{r.TopicID}
	case *metadata.ConfigRecord:
		return 0, kafkaConfigRecord(*r)
	case *metadata.FeatureLevelRecord:
		return 0, kafkaFeatureLevelRecord(*r)
	case *metadata.ProducerIdsRecord:
		return 0, kafkaProducerIdsRecord(*r)
	}
	// A record type this tool does not know yet: Samsa's own layout.
	return 0, r
}

func ints(s []int32) []int32 {
	if s == nil {
		return []int32{}
	}
	return s
}

// MetadataJSON is one metadata record as Kafka's
// --cluster-metadata-decoder prints it: {"type":…,"version":…,"data":{…}}.
func MetadataJSON(r metadata.Record) (string, error) {
	version, data := kafkaForm(r)
	return fmt.Sprintf(`{"type":%q,"version":%d,"data":%s}`, r.RecordType(), version, marshal(data)), nil
}

// metadataPayload decodes one metadata log entry (the value of a record of
// __cluster_metadata-0) into its printed payload.
func metadataPayload(value []byte) (string, error) {
	recs, err := metadata.DecodeRecords(value)
	if err != nil {
		return "", err
	}
	parts := make([]string, 0, len(recs))
	for _, r := range recs {
		s, err := MetadataJSON(r)
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return "[" + strings.Join(parts, ",") + "]", nil
}
