package metadata

import "fmt"

// MaxTopicNameLength is Kafka's limit: 249 characters, so that the
// partition directory name <topic>-<partition> stays within 255 bytes.
const MaxTopicNameLength = 249

// Internal topic names.
const (
	ConsumerOffsetsTopic  = "__consumer_offsets"
	TransactionStateTopic = "__transaction_state"
	ClusterMetadataTopic  = "__cluster_metadata"
)

// IsInternalTopic reports whether a topic is one of Kafka's internal topics.
func IsInternalTopic(name string) bool {
	return name == ConsumerOffsetsTopic || name == TransactionStateTopic
}

// ValidateTopicName applies Kafka's rules for topic names and returns the
// message Kafka gives when one is broken.
func ValidateTopicName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("Topic name is illegal, it can't be empty")
	case name == "." || name == "..":
		return fmt.Errorf("Topic name cannot be \".\" or \"..\"")
	case len(name) > MaxTopicNameLength:
		return fmt.Errorf("Topic name is illegal, it can't be longer than %d characters, topic name: %s", MaxTopicNameLength, name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("Topic name %q is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'", name)
		}
	}
	return nil
}
