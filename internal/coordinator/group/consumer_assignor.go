package group

import (
	"fmt"
	"slices"
	"strings"

	"samsa/internal/metadata"
)

// A server-side assignor computes a consumer group's target assignment
// (KIP-848's ConsumerGroupPartitionAssignor). It is a pure function of the
// members, their subscriptions and their current target assignment, and
// the partition counts of the subscribed topics: the heartbeat records
// what it returns, so a replay never runs it again.
type consumerAssignor interface {
	name() string
	assign(spec *cgAssignSpec) map[string]cgAssignment
}

// cgAssignSpec is an assignor's input.
type cgAssignSpec struct {
	// members, sorted by id.
	members []cgAssignMember
	// partitions is the partition count of every subscribed topic that
	// exists.
	partitions map[metadata.Uuid]int32
}

// cgAssignMember is one member as the assignors see it.
type cgAssignMember struct {
	id         string
	instanceID string // "" for a dynamic member
	rackID     string
	topics     []metadata.Uuid // subscribed topics that exist, sorted
	current    cgAssignment    // the member's target assignment so far
}

// homogeneous reports whether every member subscribes to the same topics
// (Kafka's SubscriptionType.HOMOGENEOUS); the assignors take a faster and
// simpler path then.
func (s *cgAssignSpec) homogeneous() bool {
	for i := 1; i < len(s.members); i++ {
		if !slices.Equal(s.members[i].topics, s.members[0].topics) {
			return false
		}
	}
	return true
}

// consumerAssignorNames maps the names group.consumer.assignors accepts,
// short and Kafka's class names, to Samsa's assignors.
var consumerAssignorNames = map[string]string{
	"uniform": "uniform",
	"range":   "range",
	"org.apache.kafka.coordinator.group.assignor.UniformAssignor": "uniform",
	"org.apache.kafka.coordinator.group.assignor.RangeAssignor":   "range",
}

// newConsumerAssignor returns the assignor of a short name.
func newConsumerAssignor(name string) consumerAssignor {
	switch name {
	case "uniform":
		return uniformAssignor{}
	case "range":
		return rangeAssignor{}
	}
	return nil
}

// consumerAssignors returns the configured assignors, the default first;
// names Samsa does not implement are left out (and logged once by the
// caller). With none configured it serves uniform and range, Kafka's
// default.
func (c *Config) consumerAssignors() (names []string, unknown []string) {
	for _, n := range c.ConsumerAssignors {
		short, ok := consumerAssignorNames[strings.TrimSpace(n)]
		if !ok {
			unknown = append(unknown, n)
			continue
		}
		if !slices.Contains(names, short) {
			names = append(names, short)
		}
	}
	if len(names) == 0 {
		names = []string{"uniform", "range"}
	}
	return names, unknown
}

// checkAssignment verifies what an assignor returned: every partition of
// a subscribed topic assigned exactly once, to a member subscribed to its
// topic. A failure is a bug in the assignor, reported rather than
// recorded.
func checkAssignment(spec *cgAssignSpec, out map[string]cgAssignment) error {
	seen := map[cgPartition]string{}
	for _, m := range spec.members {
		for topic, parts := range out[m.id] {
			if !slices.Contains(m.topics, topic) {
				return fmt.Errorf("member %s got topic %s it does not subscribe to", m.id, topic)
			}
			for _, p := range parts {
				if p < 0 || p >= spec.partitions[topic] {
					return fmt.Errorf("member %s got partition %s-%d of %d", m.id, topic, p, spec.partitions[topic])
				}
				key := cgPartition{topic, p}
				if other, dup := seen[key]; dup {
					return fmt.Errorf("partition %s-%d given to both %s and %s", topic, p, other, m.id)
				}
				seen[key] = m.id
			}
		}
	}
	subscribed := map[metadata.Uuid]bool{}
	for _, m := range spec.members {
		for _, t := range m.topics {
			subscribed[t] = true
		}
	}
	for topic := range subscribed {
		for p := int32(0); p < spec.partitions[topic]; p++ {
			if _, ok := seen[cgPartition{topic, p}]; !ok {
				return fmt.Errorf("partition %s-%d left unassigned", topic, p)
			}
		}
	}
	return nil
}
