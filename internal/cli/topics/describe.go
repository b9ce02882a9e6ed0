package topics

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"

	"samsa/internal/cli"
)

// partitionInfo is one partition as the admin client's TopicPartitionInfo
// holds it. elr and lastKnownElr are nil when the cluster answered with
// Metadata, which does not carry them; Kafka then prints N/A.
type partitionInfo struct {
	partition    int32
	leader       int32
	replicas     []int32
	isr          []int32
	elr          []int32
	lastKnownElr []int32
}

type topicDescription struct {
	name       string
	id         [16]byte
	partitions []partitionInfo
}

// describeTopics describes the named topics with DescribeTopicPartitions
// (limit partitions per response, following the cursor), falling back to
// Metadata for a cluster that does not offer it, as the admin client does.
func describeTopics(ctx context.Context, adm *cli.Admin, names []string, limit int32) (map[string]*topicDescription, error) {
	out, err := describeTopicPartitions(ctx, adm, names, limit)
	if err == nil {
		return out, nil
	}
	if _, api := err.(*APIError); api {
		return nil, err
	}
	return describeWithMetadata(ctx, adm, names)
}

func describeTopicPartitions(ctx context.Context, adm *cli.Admin, names []string, limit int32) (map[string]*topicDescription, error) {
	out := map[string]*topicDescription{}
	var cursor *kmsg.DescribeTopicPartitionsRequestCursor
	for {
		req := kmsg.NewPtrDescribeTopicPartitionsRequest()
		req.ResponsePartitionLimit = limit
		req.Cursor = cursor
		for _, n := range names {
			t := kmsg.NewDescribeTopicPartitionsRequestTopic()
			t.Topic = n
			req.Topics = append(req.Topics, t)
		}
		resp, err := req.RequestWith(ctx, adm.Client)
		if err != nil {
			return nil, fmt.Errorf("describing topics: %w", err)
		}
		for _, t := range resp.Topics {
			if err := ResponseError(t.ErrorCode, nil); err != nil {
				return nil, err
			}
			if t.Topic == nil {
				continue
			}
			d := out[*t.Topic]
			if d == nil {
				d = &topicDescription{name: *t.Topic, id: t.TopicID}
				out[*t.Topic] = d
			}
			for _, p := range t.Partitions {
				d.partitions = append(d.partitions, partitionInfo{
					partition: p.Partition, leader: p.LeaderID, replicas: p.Replicas, isr: p.ISR,
					elr: nonNil(p.EligibleLeaderReplicas), lastKnownElr: nonNil(p.LastKnownELR),
				})
			}
		}
		if resp.NextCursor == nil {
			return out, nil
		}
		cursor = &kmsg.DescribeTopicPartitionsRequestCursor{Topic: resp.NextCursor.Topic, Partition: resp.NextCursor.Partition}
	}
}

func nonNil(ids []int32) []int32 {
	if ids == nil {
		return []int32{}
	}
	return ids
}

func describeWithMetadata(ctx context.Context, adm *cli.Admin, names []string) (map[string]*topicDescription, error) {
	req := kmsg.NewPtrMetadataRequest()
	for _, n := range names {
		t := kmsg.NewMetadataRequestTopic()
		name := n
		t.Topic = &name
		req.Topics = append(req.Topics, t)
	}
	resp, err := req.RequestWith(ctx, adm.Client)
	if err != nil {
		return nil, fmt.Errorf("describing topics: %w", err)
	}
	out := map[string]*topicDescription{}
	for _, t := range resp.Topics {
		if err := ResponseError(t.ErrorCode, nil); err != nil {
			return nil, err
		}
		if t.Topic == nil {
			continue
		}
		d := &topicDescription{name: *t.Topic, id: t.TopicID}
		for _, p := range t.Partitions {
			d.partitions = append(d.partitions, partitionInfo{partition: p.Partition, leader: p.Leader, replicas: p.Replicas, isr: p.ISR})
		}
		out[d.name] = d
	}
	return out, nil
}

// configEntry is one DescribeConfigs entry.
type configEntry struct {
	name      string
	value     *string
	source    kmsg.ConfigSource
	sensitive bool
	synonyms  []kmsg.DescribeConfigsResponseResourceConfigConfigSynonym
}

func (e configEntry) isDefault() bool { return e.source == kmsg.ConfigSourceDefaultConfig }

// valueString is the value as Java prints a possibly null string.
func (e configEntry) valueString() string {
	if e.value == nil {
		return "null"
	}
	return *e.value
}

// DescribeConfigs describes resources of one type; the result is keyed by
// resource name, each list in the order Kafka's admin Config iterates
// (JavaHashOrder). A resource whose description failed fails the call.
func DescribeConfigs(ctx context.Context, adm *cli.Admin, typ kmsg.ConfigResourceType, names []string, synonyms bool) (map[string][]configEntry, error) {
	req := kmsg.NewPtrDescribeConfigsRequest()
	req.IncludeSynonyms = synonyms
	for _, n := range names {
		r := kmsg.NewDescribeConfigsRequestResource()
		r.ResourceType, r.ResourceName = typ, n
		req.Resources = append(req.Resources, r)
	}
	resp, err := req.RequestWith(ctx, adm.Client)
	if err != nil {
		return nil, fmt.Errorf("describing configs: %w", err)
	}
	out := map[string][]configEntry{}
	for _, r := range resp.Resources {
		if err := ResponseError(r.ErrorCode, r.ErrorMessage); err != nil {
			return nil, err
		}
		entries := make([]configEntry, len(r.Configs))
		keys := make([]string, len(r.Configs))
		for i, c := range r.Configs {
			entries[i] = configEntry{name: c.Name, value: c.Value, source: c.Source, sensitive: c.IsSensitive, synonyms: c.ConfigSynonyms}
			keys[i] = c.Name
		}
		ordered := make([]configEntry, 0, len(entries))
		for _, i := range JavaHashOrder(keys) {
			ordered = append(ordered, entries[i])
		}
		out[r.ResourceName] = ordered
	}
	return out, nil
}

// liveBrokers returns the ids of the brokers the cluster reports.
func liveBrokers(ctx context.Context, adm *cli.Admin) (map[int32]bool, error) {
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = []kmsg.MetadataRequestTopic{}
	resp, err := req.RequestWith(ctx, adm.Client)
	if err != nil {
		return nil, fmt.Errorf("describing cluster: %w", err)
	}
	out := map[int32]bool{}
	for _, b := range resp.Brokers {
		out[b.NodeID] = true
	}
	return out, nil
}

func (s *service) describe(ctx context.Context) error {
	var names []string
	if id := s.r.String("topic-id"); id != "" && id != zeroUUID {
		n, err := s.topicByID(ctx, id)
		if err != nil {
			return err
		}
		names = n
	} else {
		n, err := s.topics(ctx)
		if err != nil {
			return err
		}
		if err := s.ensureExists(n); err != nil {
			return err
		}
		names = n
	}
	if len(names) == 0 {
		return nil
	}
	limit := int32(2000)
	if s.r.Has("partition-size-limit-per-response") {
		limit = s.r.Int32("partition-size-limit-per-response")
	}
	descs, err := describeTopics(ctx, s.adm, names, limit)
	if err != nil {
		return err
	}
	configs, err := DescribeConfigs(ctx, s.adm, kmsg.ConfigResourceTypeTopic, names, false)
	if err != nil {
		return err
	}
	live, err := liveBrokers(ctx, s.adm)
	if err != nil {
		return err
	}
	f := newDescribeFilter(s.r, live)
	for _, n := range names {
		d := descs[n]
		if d == nil || len(d.partitions) == 0 {
			continue
		}
		sort.Slice(d.partitions, func(i, j int) bool { return d.partitions[i].partition < d.partitions[j].partition })
		s.printTopic(f, d, configs[n], live)
	}
	return nil
}

const zeroUUID = "AAAAAAAAAAAAAAAAAAAAAA"

// topicByID finds the topic --topic-id names.
func (s *service) topicByID(ctx context.Context, id string) ([]string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil || len(raw) != 16 {
		return nil, fmt.Errorf("Invalid topic id: %s", id)
	}
	all, err := ListTopics(ctx, s.adm, s.r.Has("exclude-internal"))
	if err != nil {
		return nil, err
	}
	for _, t := range all {
		if string(t.id[:]) == string(raw) {
			return []string{t.name}, nil
		}
	}
	if s.r.Has("if-exists") {
		return nil, nil
	}
	return nil, fmt.Errorf("TopicId '%s' does not exist as expected", id)
}

// describeFilter is Kafka's DescribeOptions: which topic and partition
// lines the report flags select.
type describeFilter struct {
	underReplicated, unavailable, underMinIsr, atMinIsr, overrides bool
	live                                                           map[int32]bool
}

func newDescribeFilter(r *cli.Result, live map[int32]bool) *describeFilter {
	return &describeFilter{
		underReplicated: r.Has("under-replicated-partitions"),
		unavailable:     r.Has("unavailable-partitions"),
		underMinIsr:     r.Has("under-min-isr-partitions"),
		atMinIsr:        r.Has("at-min-isr-partitions"),
		overrides:       r.Has("topics-with-overrides"),
		live:            live,
	}
}

// describeConfigs says whether topic lines are printed: only without a
// partition report flag.
func (f *describeFilter) describeConfigs() bool {
	return !f.underReplicated && !f.unavailable && !f.underMinIsr && !f.atMinIsr
}

func (f *describeFilter) printPartition(p partitionInfo, minIsr int) bool {
	hasLeader := p.leader >= 0 && f.live[p.leader]
	return f.describeConfigs() ||
		(f.underReplicated && len(p.replicas)-len(p.isr) > 0) ||
		(f.unavailable && !hasLeader) ||
		(f.underMinIsr && (!hasLeader || len(p.isr) < minIsr)) ||
		(f.atMinIsr && len(p.isr) == minIsr)
}

func (s *service) printTopic(f *describeFilter, d *topicDescription, entries []configEntry, live map[int32]bool) {
	minIsr := 1
	var overrides []string
	for _, e := range entries {
		if e.name == "min.insync.replicas" && e.value != nil {
			if n, err := strconv.Atoi(*e.value); err == nil {
				minIsr = n
			}
		}
		if !e.isDefault() {
			overrides = append(overrides, e.name+"="+e.valueString())
		}
	}
	if f.describeConfigs() && (!f.overrides || len(overrides) > 0) {
		var b strings.Builder
		b.WriteString("Topic: " + d.name)
		if d.id != ([16]byte{}) {
			b.WriteString("\tTopicId: " + base64.RawURLEncoding.EncodeToString(d.id[:]))
		}
		fmt.Fprintf(&b, "\tPartitionCount: %d\tReplicationFactor: %d\tConfigs: %s", len(d.partitions), len(d.partitions[0].replicas), strings.Join(overrides, ","))
		fmt.Fprintln(s.stdout, b.String())
	}
	if f.overrides {
		return
	}
	for _, p := range d.partitions {
		if !f.printPartition(p, minIsr) {
			continue
		}
		leader := "none"
		if p.leader >= 0 && live[p.leader] {
			leader = strconv.Itoa(int(p.leader))
		}
		fmt.Fprintf(s.stdout, "\tTopic: %s\tPartition: %d\tLeader: %s\tReplicas: %s\tIsr: %s\tElr: %s\tLastKnownElr: %s\n",
			d.name, p.partition, leader, joinIDs(p.replicas), joinIDs(p.isr), optionalIDs(p.elr), optionalIDs(p.lastKnownElr))
	}
}

func joinIDs(ids []int32) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(int(id))
	}
	return strings.Join(parts, ",")
}

func optionalIDs(ids []int32) string {
	if ids == nil {
		return "N/A"
	}
	return joinIDs(ids)
}
