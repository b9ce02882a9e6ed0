package consumergroups

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// group is a described consumer group of either protocol, as Kafka's
// admin client builds a ConsumerGroupDescription.
type group struct {
	id          string
	state       string // Kafka's spelling; "Dead" for a group that does not exist
	coordinator kgo.BrokerMetadata
	assignor    string // the classic protocol's assignor, or the KIP-848 server assignor
	members     []member
}

type member struct {
	consumerID string
	instanceID string // "" when not static
	host       string
	clientID   string
	assignment []topicPartition
}

type topicPartition struct {
	topic     string
	partition int32
}

func (tp topicPartition) String() string { return fmt.Sprintf("%s-%d", tp.topic, tp.partition) }

func sortPartitions(tps []topicPartition) {
	sort.Slice(tps, func(i, j int) bool {
		if tps[i].topic != tps[j].topic {
			return tps[i].topic < tps[j].topic
		}
		return tps[i].partition < tps[j].partition
	})
}

// describeGroups describes each group: ConsumerGroupDescribe first, and
// DescribeGroups for the groups it does not know, as Kafka's admin client
// does. A group neither knows is Dead.
func (c *command) describeGroups(ctx context.Context, ids []string) (map[string]*group, error) {
	out := make(map[string]*group, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var classic []string
	described, err := c.admin.Adm.DescribeConsumerGroups(ctx, ids...)
	if err != nil {
		// A broker without KIP-848 answers UNSUPPORTED_VERSION: every
		// group is classic then.
		if !errors.Is(err, kerr.UnsupportedVersion) && !isShardUnsupported(err) {
			return nil, fmt.Errorf("describing consumer groups: %w", err)
		}
		classic = ids
	} else {
		for _, id := range ids {
			d, ok := described[id]
			switch {
			case !ok || errors.Is(d.Err, kerr.GroupIDNotFound):
				classic = append(classic, id)
			case d.Err != nil:
				return nil, fmt.Errorf("describing group %s: %w", id, d.Err)
			default:
				out[id] = fromConsumerGroup(d)
			}
		}
	}
	if len(classic) == 0 {
		return out, nil
	}
	old, err := c.admin.Adm.DescribeGroups(ctx, classic...)
	if err != nil {
		return nil, fmt.Errorf("describing groups: %w", err)
	}
	for _, id := range classic {
		d, ok := old[id]
		switch {
		case !ok || errors.Is(d.Err, kerr.GroupIDNotFound):
			out[id] = &group{id: id, state: "Dead", coordinator: d.Coordinator}
		case d.Err != nil:
			return nil, fmt.Errorf("describing group %s: %w", id, d.Err)
		case d.ProtocolType != "" && d.ProtocolType != "consumer":
			return nil, fmt.Errorf("Group %s is not a consumer group.", id) //nolint:staticcheck // Kafka's text
		default:
			out[id] = fromClassicGroup(d)
		}
	}
	return out, nil
}

func isShardUnsupported(err error) bool {
	var se *kadm.ShardErrors
	if !errors.As(err, &se) {
		return false
	}
	for _, e := range se.Errs {
		if !errors.Is(e.Err, kerr.UnsupportedVersion) && !errors.Is(e.Err, kgo.ErrClientClosed) {
			return false
		}
	}
	return len(se.Errs) > 0
}

func fromConsumerGroup(d kadm.DescribedConsumerGroup) *group {
	g := &group{
		id:          d.Group,
		state:       canonicalState(d.State),
		coordinator: d.Coordinator,
		assignor:    d.AssignorName,
	}
	for _, m := range d.Members {
		gm := member{consumerID: m.MemberID, host: m.ClientHost, clientID: m.ClientID}
		if m.InstanceID != nil {
			gm.instanceID = *m.InstanceID
		}
		for topic, ps := range m.Assignment {
			for p := range ps {
				gm.assignment = append(gm.assignment, topicPartition{topic, p})
			}
		}
		sortPartitions(gm.assignment)
		g.members = append(g.members, gm)
	}
	return g
}

func fromClassicGroup(d kadm.DescribedGroup) *group {
	g := &group{
		id:          d.Group,
		state:       canonicalState(d.State),
		coordinator: d.Coordinator,
		assignor:    d.Protocol,
	}
	for _, m := range d.Members {
		gm := member{consumerID: m.MemberID, host: m.ClientHost, clientID: m.ClientID}
		if m.InstanceID != nil {
			gm.instanceID = *m.InstanceID
		}
		if a, ok := m.Assigned.AsConsumer(); ok {
			for _, t := range a.Topics {
				for _, p := range t.Partitions {
					gm.assignment = append(gm.assignment, topicPartition{t.Topic, p})
				}
			}
		}
		sortPartitions(gm.assignment)
		g.members = append(g.members, gm)
	}
	return g
}

// canonicalState spells a broker's state as Kafka's ConsumerGroupState
// does; an unknown one is "Unknown".
func canonicalState(s string) string {
	if name := canonical(s, groupStates); name != "" {
		return name
	}
	return "Unknown"
}

// committedOffsets fetches the group's committed offsets. A partition
// without a commit is absent.
func (c *command) committedOffsets(ctx context.Context, groupID string) (map[topicPartition]kadm.Offset, error) {
	fetched, err := c.admin.Adm.FetchOffsets(ctx, groupID)
	if err != nil {
		return nil, fmt.Errorf("fetching offsets of group %s: %w", groupID, err)
	}
	out := map[topicPartition]kadm.Offset{}
	for topic, ps := range fetched {
		for p, o := range ps {
			if o.Err != nil {
				return nil, fmt.Errorf("fetching offset of %s-%d for group %s: %w", topic, p, groupID, o.Err)
			}
			if o.At >= 0 {
				out[topicPartition{topic, p}] = o.Offset
			}
		}
	}
	return out, nil
}
