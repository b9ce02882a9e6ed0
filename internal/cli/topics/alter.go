package topics

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// alter raises the partition count of every matching topic to
// --partitions, placing new partitions by --replica-assignment when given
// (its entries past the topic's current count, as Kafka does).
func (s *service) alter(ctx context.Context) error {
	var assignment [][]int32
	if v := s.r.String("replica-assignment"); v != "" {
		a, err := parseReplicaAssignment(v)
		if err != nil {
			return err
		}
		assignment = a
	}
	names, err := s.topics(ctx)
	if err != nil {
		return err
	}
	if err := s.ensureExists(names); err != nil {
		return err
	}
	if len(names) == 0 {
		return nil
	}
	var current map[string]*topicDescription
	if assignment != nil {
		if current, err = describeTopics(ctx, s.adm, names, 2000); err != nil {
			return err
		}
	}
	req := kmsg.NewPtrCreatePartitionsRequest()
	req.TimeoutMillis = 30000
	for _, n := range names {
		t := kmsg.NewCreatePartitionsRequestTopic()
		t.Topic, t.Count = n, s.r.Int32("partitions")
		if assignment != nil {
			start := 0
			if d := current[n]; d != nil {
				start = len(d.partitions)
			}
			for i := start; i < len(assignment); i++ {
				a := kmsg.NewCreatePartitionsRequestTopicAssignment()
				a.Replicas = assignment[i]
				t.Assignment = append(t.Assignment, a)
			}
		}
		req.Topics = append(req.Topics, t)
	}
	resp, err := req.RequestWith(ctx, s.adm.Client)
	if err != nil {
		return fmt.Errorf("creating partitions: %w", err)
	}
	for _, t := range resp.Topics {
		if err := ResponseError(t.ErrorCode, t.ErrorMessage); err != nil {
			return err
		}
	}
	return nil
}
