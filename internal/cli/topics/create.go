package topics

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// configSeparator is how Kafka splits a --config value: at '=' with any
// spaces around it.
var configSeparator = regexp.MustCompile(`\s*=\s*`)

// parseConfigs reads --config key=value options as Kafka's
// parseTopicConfigsToBeAdded does; later keys win.
func parseConfigs(values []string) (map[string]string, []string, error) {
	configs := map[string]string{}
	var order []string
	for _, v := range values {
		parts := javaSplit(configSeparator, v)
		if len(parts) != 2 {
			return nil, nil, errors.New(`requirement failed: Invalid topic config: all configs to be added must be in the format "key=val".`)
		}
		k := strings.TrimSpace(parts[0])
		if _, seen := configs[k]; !seen {
			order = append(order, k)
		}
		configs[k] = strings.TrimSpace(parts[1])
	}
	return configs, order, nil
}

// javaSplit is Java's String.split: trailing empty strings are dropped.
func javaSplit(re *regexp.Regexp, s string) []string {
	parts := re.Split(s, -1)
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// parseReplicaAssignment reads "1:2,3:4" into one broker list per
// partition, with Kafka's checks and messages.
func parseReplicaAssignment(s string) ([][]int32, error) {
	var out [][]int32
	for i, part := range strings.Split(s, ",") {
		var brokers []int32
		seen := map[int32]bool{}
		var dups []string
		for _, b := range strings.Split(part, ":") {
			b = strings.TrimSpace(b)
			n, err := strconv.ParseInt(b, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("For input string: \"%s\"", b)
			}
			id := int32(n)
			if seen[id] && !slices.Contains(dups, strconv.Itoa(int(id))) {
				dups = append(dups, strconv.Itoa(int(id)))
			}
			seen[id] = true
			brokers = append(brokers, id)
		}
		if len(dups) > 0 {
			return nil, fmt.Errorf("Partition replica lists may not contain duplicate entries: %s", strings.Join(dups, ","))
		}
		out = append(out, brokers)
		if len(brokers) != len(out[0]) {
			return nil, fmt.Errorf("Partition %d has different replication factor: %s", i, javaList(brokers))
		}
	}
	return out, nil
}

// javaList formats ids as Java's List.toString: "[1, 2]".
func javaList(ids []int32) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(int(id))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func (s *service) create(ctx context.Context) error {
	name := s.r.String("topic")
	var assignment [][]int32
	if v := s.r.String("replica-assignment"); v != "" {
		a, err := parseReplicaAssignment(v)
		if err != nil {
			return err
		}
		assignment = a
	}
	configs, order, err := parseConfigs(s.r.Strings("config"))
	if err != nil {
		return err
	}
	if strings.ContainsAny(name, "._") {
		fmt.Fprintln(s.stdout, "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.")
	}
	if s.r.Has("replication-factor") {
		if rf := s.r.Int64("replication-factor"); rf < 1 || rf > math.MaxInt16 {
			return errors.New("The replication factor must be between 1 and 32767 inclusive")
		}
	}
	if s.r.Has("partitions") && s.r.Int64("partitions") < 1 {
		return errors.New("The partitions must be greater than 0")
	}
	t := kmsg.NewCreateTopicsRequestTopic()
	t.Topic, t.NumPartitions, t.ReplicationFactor = name, -1, -1
	if assignment != nil {
		for i, brokers := range assignment {
			a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
			a.Partition, a.Replicas = int32(i), brokers
			t.ReplicaAssignment = append(t.ReplicaAssignment, a)
		}
	} else {
		if s.r.Has("partitions") {
			t.NumPartitions = s.r.Int32("partitions")
		}
		if s.r.Has("replication-factor") {
			t.ReplicationFactor = int16(s.r.Int64("replication-factor"))
		}
	}
	for _, k := range order {
		c := kmsg.NewCreateTopicsRequestTopicConfig()
		v := configs[k]
		c.Name, c.Value = k, &v
		t.Configs = append(t.Configs, c)
	}
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis = 30000
	req.Topics = append(req.Topics, t)
	resp, err := req.RequestWith(ctx, s.adm.Client)
	if err != nil {
		return fmt.Errorf("creating topic %s: %w", name, err)
	}
	for _, rt := range resp.Topics {
		err := ResponseError(rt.ErrorCode, rt.ErrorMessage)
		if errors.Is(err, kerr.TopicAlreadyExists) && s.r.Has("if-not-exists") {
			return nil
		}
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(s.stdout, "Created topic %s.\n", name)
	return nil
}
